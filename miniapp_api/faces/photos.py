"""Reference photos into the records: one image per person, named by the ID number
(`130203197506150374.jpg`), checked to show exactly one usable face, stored encrypted with its
encoding. All or nothing, like the other imports."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from liveness.check import reference_encoding
from liveness.frames import UnusableMedia, load_still
from miniapp_api.audit.service import record
from miniapp_api.faces.service import face_model
from miniapp_api.identifiers import IdentifierError, parse_id_number
from miniapp_api.pii import mask_id_number
from miniapp_api.records.models import Person, PersonPhoto
from miniapp_api.records.service import find_person
from miniapp_api.safety.checks import Signal, open_items

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
    shared = shared_faces(session, [(person_id, encoding) for person_id, _c, _t, encoding in accepted])
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
    _open_shared_face_items(session, shared)
    return inserted, replaced


# Photos of one person lie 0.25–0.53 apart (tests/fixtures/faces/README.md); the same photo, or
# the same face, under two ID numbers is far closer than two people ever are.
SHARED_FACE_DISTANCE = 0.4
_CHUNK = 50_000


def shared_faces(session: Session, new: list[tuple[int, Any]]) -> list[tuple[int, int, float]]:
    """Pairs of different people whose reference faces are as one: each new encoding against
    every stored one (in chunks, as one matrix product each) and against the others imported."""
    if not new:
        return []
    ids = np.array([person_id for person_id, _encoding in new])
    matrix = np.vstack([np.asarray(encoding, dtype=np.float64) for _id, encoding in new])
    found: dict[tuple[int, int], float] = {}

    def compare(other_ids: npt.NDArray[Any], others: npt.NDArray[np.float64]) -> None:
        squared = (matrix**2).sum(axis=1)[:, None] + (others**2).sum(axis=1)[None, :] - 2 * matrix @ others.T
        near = np.argwhere(np.sqrt(np.clip(squared, 0, None)) < SHARED_FACE_DISTANCE)
        for row, column in near:
            a, b = int(ids[row]), int(other_ids[column])
            if a != b:
                pair = (min(a, b), max(a, b))
                found[pair] = min(found.get(pair, 9.0), float(np.sqrt(max(squared[row, column], 0))))

    compare(ids, matrix)
    stored = session.execute(
        select(PersonPhoto.person_id, PersonPhoto.encoding)
        .where(PersonPhoto.encoding.is_not(None), PersonPhoto.person_id.not_in(ids.tolist()))
        .execution_options(yield_per=_CHUNK)
    )
    for chunk in stored.partitions():
        compare(
            np.array([person_id for person_id, _e in chunk]),
            np.vstack([np.frombuffer(encoding or b"", dtype=np.float64) for _p, encoding in chunk]),
        )
    return [(a, b, round(distance, 3)) for (a, b), distance in sorted(found.items())]


def _open_shared_face_items(session: Session, shared: list[tuple[int, int, float]]) -> None:
    """Each person of a pair gets a check item naming the other (masked): one face, two identities."""
    if not shared:
        return
    numbers = dict(
        session.execute(
            select(Person.id, Person.id_number).where(Person.id.in_({p for pair in shared for p in pair[:2]}))
        ).all()
    )
    signals = [
        Signal(
            "shared_face",
            person,
            f"shared_face:{a}:{b}:{person}",
            {"other_person": mask_id_number(numbers[other]), "distance": distance},
        )
        for a, b, distance in shared
        for person, other in ((a, b), (b, a))
    ]
    open_items(session, signals)
