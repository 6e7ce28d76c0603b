"""Helpers for the messaging tests."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.orm import selectinload

from miniapp_api.db import unit_of_work
from notifications import service
from notifications.models import Message

PHONE = "13800138000"
OPENID = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"


def queue(
    kind: str, personalisation: dict[str, Any], *, phone: str | None = PHONE, openid: str | None = None, **options: Any
) -> str:
    with unit_of_work():
        message = service.send(kind, service.Recipient("person", 1, phone, openid), personalisation, **options)
        return message.id


def message(message_id: str) -> Message:
    with unit_of_work() as session:
        found = session.get(Message, message_id, options=[selectinload(Message.events)])
        assert found is not None
        session.expunge(found)
        return found


def statuses(message_id: str) -> list[str]:
    return [event.status for event in message(message_id).events]


def wait_for_status(message_id: str, *wanted: str, timeout_s: float = 10.0) -> Message:
    deadline = time.monotonic() + timeout_s
    while True:
        current = message(message_id)
        if current.status in wanted or time.monotonic() > deadline:
            return current
        time.sleep(0.02)


LOGIN_CODE = {"code": "482913", "minutes": 5}
APPROVED = {"claim_no": "SY20261121001", "months": 12, "monthly_amount": "1719.00", "start_month": "2026-11"}


def allow(client: Any, wechat: Any, openid: str, results: dict[str, str]) -> Any:
    """The user answers the subscribe popup: WeChat (the stand-in) notes it and pushes it to the
    service, signed and encrypted, as WeChat does; returns the service's answer to the push."""
    from miniapp_api.extensions import settings
    from notifications.providers import configure_push

    if wechat.push_to is None:  # posted here through the test client, never over HTTP
        configure_push(wechat, settings(), "http://127.0.0.1:9/unused")
    wechat.user_answers(openid, results, push=False)
    query, body = wechat.popup_push(openid, results)
    return client.post("/api/v1/wechat/push", query_string=query, data=body, content_type="text/xml")
