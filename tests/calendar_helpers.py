"""Entering a year into the official calendar the way staff do: an admin uploads the file, a
second person (supervisor) approves it. The 2027 used is made up (tests/fixtures/calendar)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from tests.auth_helpers import bearer
from tests.conftest import FIXTURES
from tests.objections_helpers import staff

MADE_UP_2027 = FIXTURES / "calendar" / "2027-made-up.yaml"


def enter_year(client: Any, tokens: dict[str, Any], content: bytes, name: str = "2027.yaml", **form: Any) -> Any:
    return client.post(
        "/api/v1/staff/calendar/years",
        data={"file": (io.BytesIO(content), name), **form},
        headers=bearer(tokens),
        content_type="multipart/form-data",
    )


def decide(client: Any, tokens: dict[str, Any], record_id: int, outcome: str = "approve", **body: Any) -> Any:
    return client.post(f"/api/v1/staff/calendar/years/{record_id}/{outcome}", json=body, headers=bearer(tokens))


def approve_made_up_2027(client: Any, path: Path = MADE_UP_2027) -> dict[str, Any]:
    """Maker and checker are two people: an admin enters it, a supervisor approves it."""
    maker = staff(client, "calendar-maker", "admin")
    checker = staff(client, "calendar-checker", "supervisor")
    entered = enter_year(client, maker, path.read_bytes(), path.name)
    assert entered.status_code == 201, entered.get_json()
    approved = decide(client, checker, entered.get_json()["id"])
    assert approved.status_code == 200, approved.get_json()
    body: dict[str, Any] = approved.get_json()
    return body
