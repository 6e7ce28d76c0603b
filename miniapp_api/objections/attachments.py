"""Images a claimant sends with an objection (a contract page, a dismissal letter).

Each upload is checked for what it is, not what it says it is: the bytes must open as a JPEG
or PNG of sane dimensions. The original bytes are kept — they are evidence, and their SHA-256
is recorded — encrypted, in a file under OBJECTION_FILES_DIR named by a random key, never in
the database and never where the web server serves files. Uploads come one per request (the
mini-program's wx.uploadFile sends one file at a time) and are attached when the objection is
filed; one left unattached is deleted after a day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import os
import secrets
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miniapp_api.db import after_commit, after_transaction, current_session, utcnow
from miniapp_api.errors import NotFoundError, ValidationFailed, human_bytes
from miniapp_api.extensions import settings
from miniapp_api.objections.models import ObjectionAttachment
from miniapp_api.pii import cipher

log = logging.getLogger(__name__)
_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
_MAX_PIXELS = 40_000_000  # a phone photo is ~12 MP; beyond this it is a decompression bomb
_CIPHER_FIELD = "objection_attachment.content"


def _directory() -> Path:
    path = Path(settings().OBJECTION_FILES_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _path(storage_key: str) -> Path:
    return _directory() / storage_key[:2] / storage_key


def image_type(content: bytes) -> str:
    """The content type the bytes really are, or a Chinese refusal."""
    if not content:
        raise ValidationFailed("上传的图片是空文件", code="IMAGE_EMPTY")
    try:
        with Image.open(io.BytesIO(content)) as image:
            kind = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationFailed("只能上传 JPEG 或 PNG 格式的图片，此文件无法识别为图片", code="IMAGE_TYPE") from None
    if kind not in _FORMATS:
        raise ValidationFailed(f"只能上传 JPEG 或 PNG 格式的图片（此文件为 {kind}）", code="IMAGE_TYPE")
    if width * height > _MAX_PIXELS:
        raise ValidationFailed("图片尺寸过大，请压缩后上传", code="IMAGE_TOO_LARGE")
    return _FORMATS[kind]


def store(session: Session, person_id: int, content: bytes) -> ObjectionAttachment:
    config = settings()
    if len(content) > config.OBJECTION_IMAGE_MAX_BYTES:
        raise ValidationFailed(
            f"每张图片不能超过{human_bytes(config.OBJECTION_IMAGE_MAX_BYTES)}", code="IMAGE_TOO_LARGE"
        )
    content_type = image_type(content)
    waiting = session.scalar(
        select(func.count())
        .select_from(ObjectionAttachment)
        .where(ObjectionAttachment.person_id == person_id, ObjectionAttachment.objection_id.is_(None))
    )
    if (waiting or 0) >= config.OBJECTION_MAX_UNATTACHED:
        raise ValidationFailed("已上传但未提交的图片过多，请先提交异议或稍后再试", code="TOO_MANY_UPLOADS")
    key = secrets.token_hex(32)
    path = _path(key)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(cipher().encrypt_bytes(content, _CIPHER_FIELD))
    os.replace(partial, path)  # a reader never sees half a file
    _remove_unless_committed(path)
    attachment = ObjectionAttachment(
        person_id=person_id,
        storage_key=key,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_at=utcnow(),
    )
    session.add(attachment)
    session.flush()
    return attachment


def _remove_unless_committed(path: Path) -> None:
    """The file exists only if its row does: a rolled-back upload leaves nothing on disk."""
    committed: list[bool] = []
    after_commit(lambda: committed.append(True))
    after_transaction(lambda: None if committed else path.unlink(missing_ok=True))


def read(attachment: ObjectionAttachment) -> bytes:
    """The image as uploaded; a file that no longer matches its hash is an error, not an image."""
    try:
        blob = _path(attachment.storage_key).read_bytes()
    except FileNotFoundError:
        raise NotFoundError("图片文件不存在", code="ATTACHMENT_MISSING") from None
    content = cipher().decrypt_bytes(blob, _CIPHER_FIELD)
    if hashlib.sha256(content).hexdigest() != attachment.sha256:
        raise RuntimeError(f"attachment {attachment.id}: content does not match its hash")
    return content


def claim_for_objection(session: Session, person_id: int, objection_id: int, ids: list[int]) -> None:
    """Attach the person's own, not yet attached uploads to the objection."""
    config = settings()
    wanted = list(dict.fromkeys(ids))
    if len(wanted) > config.OBJECTION_MAX_IMAGES:
        raise ValidationFailed(f"最多上传{config.OBJECTION_MAX_IMAGES}张图片", code="TOO_MANY_IMAGES")
    if not wanted:
        return
    rows = session.scalars(
        select(ObjectionAttachment)
        .where(
            ObjectionAttachment.id.in_(wanted),
            ObjectionAttachment.person_id == person_id,
            ObjectionAttachment.objection_id.is_(None),
        )
        .with_for_update()
    ).all()
    missing = sorted(set(wanted) - {row.id for row in rows})
    if missing:
        raise ValidationFailed(
            "图片不存在、已过期或已用于其他异议，请重新上传",
            code="UNKNOWN_ATTACHMENT",
            details={"attachment_ids": missing},
        )
    for row in rows:
        row.objection_id = objection_id


def count_for(session: Session, objection_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(ObjectionAttachment)
            .where(ObjectionAttachment.objection_id == objection_id)
        )
        or 0
    )


def purge_unattached() -> int:
    """Delete uploads never attached to an objection (the hourly sweep); returns how many. Rows
    being attached right now are skipped (locked); files go only once the deletion commits."""
    session = current_session()
    cutoff = utcnow() - dt.timedelta(hours=settings().OBJECTION_UNATTACHED_TTL_H)
    rows = session.scalars(
        select(ObjectionAttachment)
        .where(ObjectionAttachment.objection_id.is_(None), ObjectionAttachment.uploaded_at < cutoff)
        .with_for_update(skip_locked=True)
    ).all()
    paths = [_path(row.storage_key) for row in rows]
    for row in rows:
        session.delete(row)

    def remove_files() -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    after_commit(remove_files)
    return len(rows)
