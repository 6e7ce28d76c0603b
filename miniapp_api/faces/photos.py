"""Reference photos into the records: one image per person, named by the ID number
(`130203197506150374.jpg`), checked to show exactly one usable face, stored encrypted with its
encoding. All or nothing, like the other imports."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from liveness.check import reference_encoding
from liveness.frames import UnusableMedia, load_still
from miniapp_api.audit.service import record
from miniapp_api.faces.service import face_model
from miniapp_api.identifiers import IdentifierError, parse_id_number
from miniapp_api.pii import mask_id_number
from miniapp_api.records.models import PersonPhoto
from miniapp_api.records.service import find_person

_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
MAX_PHOTO_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class PhotoProblem:
    file_name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file_name}：{self.reason}"


class PhotosRejected(Exception):
    def __init__(self, problems: list[PhotoProblem]) -> None:
        super().__init__(f"{len(problems)} photos refused")
        self.problems = problems


def import_photos(session: Session, directory: Path, *, operator: str) -> tuple[int, int]:
    """(inserted, replaced); PhotosRejected lists every bad file and nothing is written."""
    problems: list[PhotoProblem] = []
    accepted = []
    for path in sorted(p for p in directory.iterdir() if p.is_file()):
        shown = mask_id_number(path.stem)
        content_type = _TYPES.get(path.suffix.lower())
        if content_type is None:
            problems.append(PhotoProblem(path.name, "只接受 JPEG 或 PNG 照片"))
            continue
        try:
            person = find_person(session, parse_id_number(path.stem).value)
        except IdentifierError as error:
            problems.append(PhotoProblem(shown + path.suffix, f"文件名应为身份证号码：{error.message}"))
            continue
        if person is None:
            problems.append(PhotoProblem(shown + path.suffix, "没有这个身份证号码的参保记录"))
            continue
        content = path.read_bytes()
        if len(content) > MAX_PHOTO_BYTES:
            problems.append(PhotoProblem(shown + path.suffix, "照片超过5 MB"))
            continue
        try:
            encoding = reference_encoding(load_still(content), face_model())
        except UnusableMedia as error:
            problems.append(PhotoProblem(shown + path.suffix, error.message))
            continue
        if encoding is None:
            problems.append(PhotoProblem(shown + path.suffix, "照片中应恰好有一张清晰的人脸"))
            continue
        accepted.append((person.id, content, content_type, encoding))
    if problems:
        raise PhotosRejected(problems)
    inserted = replaced = 0
    for person_id, content, content_type, encoding in accepted:
        photo = session.get(PersonPhoto, person_id)
        if photo is None:
            photo = PersonPhoto(person_id=person_id)
            session.add(photo)
            inserted += 1
        else:
            replaced += 1
        photo.content = content
        photo.content_type = content_type
        photo.sha256 = hashlib.sha256(content).hexdigest()
        photo.encoding = np.asarray(encoding, dtype=np.float64).tobytes()
        record("records.photo", actor=("operator", operator), subject=("person", person_id))
    return inserted, replaced
