"""Logging in as each kind of caller, the way the clients do it."""

from __future__ import annotations

import json
from typing import Any

from auth.sessions import mark_face_verified
from auth.staff import create_staff
from miniapp_api.db import unit_of_work
from notifications.standins.sms_server import SmsStandIn
from notifications.standins.wechat_server import WeChatStandIn

STAFF_PASSWORD = "Correct-Horse-42"


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def wechat_login(client: Any, wechat: WeChatStandIn, openid: str | None = None) -> dict[str, Any]:
    response = client.post("/api/v1/auth/wechat/login", json={"code": wechat.issue_code(openid)})
    assert response.status_code == 200, response.get_json()
    tokens: dict[str, Any] = response.get_json()
    return tokens


def bind(client: Any, tokens: dict[str, Any], id_number: str, name: str) -> Any:
    return client.post("/api/v1/auth/identity", json={"id_number": id_number, "name": name}, headers=bearer(tokens))


def bound_claimant(client: Any, wechat: WeChatStandIn, id_number: str, name: str) -> dict[str, Any]:
    tokens = wechat_login(client, wechat)
    response = bind(client, tokens, id_number, name)
    assert response.status_code == 200, response.get_json()
    return tokens


def face_verify(tokens: dict[str, Any], person_id: int) -> None:
    """What a passed liveness check does to the session and to its binding (the face service
    calls these)."""
    from auth.binding import stamp_face_check
    from auth.sessions import authenticate

    with unit_of_work():
        caller = authenticate(tokens["access_token"])
        mark_face_verified(caller.session_id, person_id)
        stamp_face_check(caller.session_id, person_id)


def sent_code(sms: SmsStandIn, phone: str) -> str:
    """The login code the SMS stand-in accepted for `phone` last."""
    for record in reversed(sms.accepted):
        if record["phone"].endswith(phone):
            params = json.loads(record["params"])
            values = params if isinstance(params, list) else list(params.values())
            return str(values[0])
    raise AssertionError(f"no SMS was sent to {phone}")


def employer_login(client: Any, sms: SmsStandIn, credit_code: str, phone: str) -> dict[str, Any]:
    answer = client.post("/api/v1/auth/employer/code", json={"credit_code": credit_code, "phone": phone})
    assert answer.status_code == 202, answer.get_json()
    response = client.post(
        "/api/v1/auth/employer/login", json={"credit_code": credit_code, "phone": phone, "code": sent_code(sms, phone)}
    )
    assert response.status_code == 200, response.get_json()
    tokens: dict[str, Any] = response.get_json()
    return tokens


def staff_account(username: str, *roles: str, region: str | None = None) -> None:
    """A staff account: province-wide unless a region is given."""
    with unit_of_work():
        create_staff(username, f"工作人员{username}", STAFF_PASSWORD, roles, region_code=region, operator="test")


def authenticator_code(username: str) -> str:
    """The code the member's authenticator shows now (enrolled here if it never was), one the
    service has not yet accepted: each code works once."""
    import time

    import pyotp

    from auth.models import StaffUser
    from miniapp_api.db import utcnow

    with unit_of_work() as session:
        staff = session.query(StaffUser).filter_by(username=username).one()
        if staff.totp_secret is None or staff.totp_confirmed_at is None:
            staff.totp_secret, staff.totp_confirmed_at = pyotp.random_base32(), utcnow()
        secret, last = staff.totp_secret, staff.totp_last_step or 0
    now = utcnow().timestamp()
    if last > now // 30:  # the next code is used already, as a person would, wait for a new one
        time.sleep(30 - now % 30 + 0.1)
        now = utcnow().timestamp()
    step = max(int(now // 30), last + 1)
    return str(pyotp.TOTP(secret).at(step * 30))


def staff_credentials(username: str) -> dict[str, str]:
    return {"username": username, "password": STAFF_PASSWORD, "code": authenticator_code(username)}


def staff_login(client: Any, username: str, *roles: str, region: str | None = None) -> dict[str, Any]:
    staff_account(username, *roles, region=region)
    response = client.post("/api/v1/auth/staff/login", json=staff_credentials(username))
    assert response.status_code == 200, response.get_json()
    tokens: dict[str, Any] = response.get_json()
    return tokens
