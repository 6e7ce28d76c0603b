"""Filing and working objections the way the mini-program and the staff console do."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image
from sqlalchemy import select

from auth.models import StaffUser
from auth.staff import create_staff
from miniapp_api.db import unit_of_work
from tests.auth_helpers import STAFF_PASSWORD, bearer, staff_credentials

PAYROLL_CLERK_PHONE = "13700001111"


def objection(client: Any, tokens: dict[str, Any], **body: Any) -> Any:
    body.setdefault("category", "record")
    body.setdefault("description", "单位记录的离职原因不对，是单位先提出协商解除的")
    if body["category"] == "record":
        body.setdefault("field", "separation_reason")
    sent = {key: value for key, value in body.items() if value is not None}  # field=None: leave it out
    return client.post("/api/v1/objections", json=sent, headers=bearer(tokens))


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 180, 160)).save(buffer, format=kind)
    return buffer.getvalue()


def upload(client: Any, tokens: dict[str, Any], content: bytes, name: str = "photo.png") -> Any:
    return client.post(
        "/api/v1/objections/images",
        data={"image": (io.BytesIO(content), name)},
        headers=bearer(tokens),
        content_type="multipart/form-data",
    )


def staff(
    client: Any, username: str, *roles: str, phone: str | None = None, region: str | None = None
) -> dict[str, Any]:
    """A staff account with a work phone (reminders reach it), logged in."""
    with unit_of_work():
        create_staff(
            username, f"工作人员{username}", STAFF_PASSWORD, roles, region_code=region, operator="test", phone=phone
        )
    response = client.post("/api/v1/auth/staff/login", json=staff_credentials(username))
    assert response.status_code == 200, response.get_json()
    tokens: dict[str, Any] = response.get_json()
    return tokens


def act(client: Any, tokens: dict[str, Any], objection_id: int, action: str, **body: Any) -> Any:
    return client.post(f"/api/v1/staff/objections/{objection_id}/{action}", json=body, headers=bearer(tokens))


def staff_id(username: str) -> int:
    with unit_of_work() as session:
        found = session.scalar(select(StaffUser.id).where(StaffUser.username == username))
        assert found is not None
        return found


def relogin(client: Any, username: str) -> dict[str, Any]:
    """Days later a staff session has ended: log in again."""
    response = client.post("/api/v1/auth/staff/login", json=staff_credentials(username))
    assert response.status_code == 200, response.get_json()
    tokens: dict[str, Any] = response.get_json()
    return tokens
