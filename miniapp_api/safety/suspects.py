"""Suspect lists (疑点数据): the ministry's comparison system sends lists of recipients it thinks
irregular (paid here while employed, retired or dead elsewhere). Each person on a list who has a
claim here gets a check item for staff; nobody's payment changes until staff decide
(人社厅发〔2020〕24号第八条).

The list is a CSV with a header: 身份证号码 (or 身份证号) and 疑点类型 are required; 姓名,
疑点说明 and 比对来源 are read when present. Rows that cannot be read are listed back and
skipped: the rest of the list still deserves checking.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auth.caller import Caller
from miniapp_api.audit.service import record as audit
from miniapp_api.claims.models import Claim
from miniapp_api.clock import CHINA
from miniapp_api.db import chunks
from miniapp_api.employers.spreadsheet import FormUnreadable, csv_rows
from miniapp_api.errors import ConflictError, ValidationFailed
from miniapp_api.extensions import settings
from miniapp_api.identifiers import IdentifierError, parse_id_number
from miniapp_api.pii import mask_text
from miniapp_api.records.models import Person
from miniapp_api.records.service import id_number_hash
from miniapp_api.safety.checks import Signal, open_items
from miniapp_api.safety.models import SuspectList

_ALIASES = {
    "身份证号码": "id_number",
    "身份证号": "id_number",
    "公民身份号码": "id_number",
    "姓名": "name",
    "疑点类型": "kind",
    "疑点说明": "detail",
    "比对来源": "source",
}
_REQUIRED = {"id_number": "身份证号码", "kind": "疑点类型"}
_MAX_PROBLEMS = 200


def import_list(session: Session, caller: Caller | None, file_name: str, content: bytes) -> dict[str, Any]:
    limits = settings()
    if len(content) > limits.SUSPECT_LIST_MAX_BYTES:
        raise ValidationFailed("疑点名单文件过大", code="LIST_TOO_LARGE")
    if not file_name.lower().endswith(".csv"):
        raise ValidationFailed("疑点名单应为 .csv 文件", code="LIST_TYPE")
    sha256 = hashlib.sha256(content).hexdigest()
    # A regional account reads the list for its own region only: people claiming elsewhere are
    # neither matched nor counted apart (the answer must not tell who is on record anywhere).
    region = caller.staff_region if caller else None
    scope = region or ""
    earlier = session.scalar(select(SuspectList).where(SuspectList.sha256 == sha256, SuspectList.scope == scope))
    if earlier is not None:
        raise ConflictError(
            f"这份疑点名单已于{earlier.imported_at.astimezone(CHINA):%Y-%m-%d}（北京时间）导入过",
            code="LIST_DUPLICATE",
            details={"list_id": earlier.id},
        )
    rows, problems = _read(content, limits.SUSPECT_LIST_MAX_ROWS)
    if not rows and not problems:
        raise ValidationFailed("疑点名单中没有数据行", code="LIST_EMPTY")
    by_person = _match(session, rows, region)
    matched = list(by_person)
    claimants: set[int] = set()
    for chunk in chunks(matched):
        claims = select(Claim.person_id).where(Claim.person_id.in_(chunk))
        if region:
            claims = claims.where(Claim.region_code == region)
        claimants.update(session.scalars(claims.distinct()))
    suspects = SuspectList(
        filename=file_name[:200],
        sha256=sha256,
        scope=scope,
        rows=len(rows) + len(problems),
        matched=len(by_person),
        imported_by=caller.staff_user_id if caller else None,
    )
    try:
        with session.begin_nested():
            session.add(suspects)
            session.flush()
    except IntegrityError:  # the same file, imported at the same moment by someone else
        raise ConflictError("这份疑点名单正在由他人导入或已导入", code="LIST_DUPLICATE") from None
    signals = [
        Signal(
            "suspect_list",
            person_id,
            f"suspect_list:{suspects.id}:{person_id}",
            {"list": suspects.filename, "suspicions": found},
            suspect_list_id=suspects.id,
        )
        for person_id, found in by_person.items()
        if person_id in claimants
    ]
    opened = open_items(session, signals)
    audit(
        "safety.suspect_list_imported",
        actor=caller.audit_actor if caller else ("operator", None),
        subject=("suspect_list", suspects.id),
        detail={"rows": suspects.rows, "matched": suspects.matched, "opened": len(opened), "sha256": sha256},
    )
    return {
        "list_id": suspects.id,
        "rows": suspects.rows,
        "matched": suspects.matched,
        "opened": len(opened),
        "not_claimants": len(by_person) - len(signals),
        "unknown_persons": len(rows) - sum(len(found) for found in by_person.values()),
        "problems": problems[:_MAX_PROBLEMS],
    }


def _read(content: bytes, max_rows: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    try:
        lines = csv_rows(content)
        header = next(lines, None)
        if not header:
            raise ValidationFailed("疑点名单中没有数据行", code="LIST_EMPTY")
        columns = [_ALIASES.get(str(name).strip()) for name in header]
        missing = [label for key, label in _REQUIRED.items() if key not in columns]
        if missing:
            raise ValidationFailed(f"疑点名单缺少列：{'、'.join(missing)}", code="LIST_COLUMNS")
        rows: list[dict[str, Any]] = []
        problems: list[dict[str, Any]] = []
        for number, line in enumerate(lines, start=2):
            if not any(str(cell).strip() for cell in line):
                continue
            if len(rows) + len(problems) >= max_rows:
                raise ValidationFailed(f"疑点名单超过{max_rows}行，请分批导入", code="LIST_TOO_MANY_ROWS")
            cells = {key: str(cell).strip() for key, cell in zip(columns, line, strict=False) if key}
            try:
                id_number = parse_id_number(cells.get("id_number", "")).value
            except IdentifierError as error:
                problems.append({"row": number, "message": f"身份证号码：{error.message}"})
                continue
            if not cells.get("kind"):
                problems.append({"row": number, "message": "疑点类型为空"})
                continue
            rows.append({"row": number, "id_number": id_number, **cells})
    except FormUnreadable as error:
        raise ValidationFailed(error.message, code=error.code.replace("FORM_", "LIST_")) from None
    return rows, problems


def _match(session: Session, rows: list[dict[str, Any]], region: str | None) -> dict[int, list[dict[str, Any]]]:
    """Rows by the person they name (keyed hash of the ID number); a person may appear twice.
    For a region: only people who have claimed there."""
    by_hash: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_hash[id_number_hash(row["id_number"])].append(row)
    hashes = list(by_hash)
    found: dict[int, list[dict[str, Any]]] = {}
    for chunk in chunks(hashes):
        people = select(Person.id, Person.id_number_hash).where(Person.id_number_hash.in_(chunk))
        if region:
            people = people.where(Person.id.in_(select(Claim.person_id).where(Claim.region_code == region)))
        for person_id, hashed in session.execute(people):
            # The list's free text may quote numbers: masked like any free text staff read.
            found[person_id] = [
                {"row": row["row"], **{key: mask_text(row.get(key, "")) for key in ("kind", "detail", "source")}}
                for row in by_hash[hashed]
            ]
    return found
