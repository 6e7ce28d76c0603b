"""Answering a face-verification challenge with the real test clip, as the mini-program does."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from liveness.evaluate import write_segment
from miniapp_api.db import unit_of_work
from miniapp_api.records.models import PersonPhoto
from tests import factories
from tests.auth_helpers import bearer

FACES = Path(__file__).parent / "fixtures" / "faces"


def miranda_with_photo() -> dict[str, Any]:
    """Miranda's records with his photo as the reference (the face in the test clip)."""
    photo = (FACES / "miranda_1.png").read_bytes()
    with unit_of_work() as session:
        person = factories.person(session, name="米兰达")
        session.add(
            PersonPhoto(
                person_id=person.id, content=photo, content_type="image/png", sha256=hashlib.sha256(photo).hexdigest()
            )
        )
        return {"id": person.id, "id_number": person.id_number, "name": "米兰达"}


def write_clip(path: Path, first: int, last: int) -> bytes:
    """Frames first..last of the test clip as an MP4 of their own, as a phone would upload it."""
    return write_segment(FACES / "head_turns_clip.mp4", first, last, path)


def challenge(client: Any, tokens: dict[str, Any], consent: bool = True) -> Any:
    return client.post("/api/v1/liveness/challenges", json={"consent": consent}, headers=bearer(tokens))


def respond(client: Any, tokens: dict[str, Any], challenge_id: str, clip: bytes, mimetype: str = "video/mp4") -> Any:
    # Encoded here rather than by the test client, which leaves its temporary file for large
    # multipart bodies open.
    boundary, body = encode_multipart({"video": FileStorage(io.BytesIO(clip), "clip.mp4", content_type=mimetype)})
    return client.post(
        f"/api/v1/liveness/challenges/{challenge_id}/response",
        data=body,
        headers=bearer(tokens),
        content_type=f"multipart/form-data; boundary={boundary}",
    )
