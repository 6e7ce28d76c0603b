"""Telling staff of objections: the handler before a due date, supervisors when one is overdue
or when the calendar cannot give a due date. Everything goes through `notifications` (outbox,
quiet hours, retries); a member of staff with no work phone on file is logged, not skipped silently."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.models import StaffUser
from auth.staff_wechat import openid_of
from miniapp_api.objections.models import Objection
from notifications import service as notify

log = logging.getLogger(__name__)


def supervisors(session: Session, region_code: str) -> list[StaffUser]:
    """Active supervisors of the region, and province-wide ones (no region)."""
    staff = session.scalars(
        select(StaffUser).where(
            StaffUser.active.is_(True),
            (StaffUser.region_code == region_code) | StaffUser.region_code.is_(None),
        )
    )
    return [member for member in staff if "supervisor" in member.roles]


def tell(session: Session, member: StaffUser, kind: str, values: dict[str, Any], dedup_key: str) -> bool:
    if not member.phone:
        log.warning("staff %s has no work phone for %s", member.id, kind)
        return False
    try:
        recipient = notify.Recipient("staff", member.id, phone=member.phone, openid=openid_of(session, member.id))
        notify.send(kind, recipient, values, dedup_key=dedup_key)
    except notify.Undeliverable:
        return False
    return True


def _handler_or_supervisors(session: Session, objection: Objection) -> list[StaffUser]:
    """The handler, or — nobody having taken it yet — the supervisors."""
    handler = session.get(StaffUser, objection.assigned_to) if objection.assigned_to else None
    return [handler] if handler is not None and handler.active else supervisors(session, objection.region_code)


def due_soon(session: Session, objection: Objection, due_on: str) -> int:
    values = {"objection_no": objection.objection_no, "due_on": due_on}
    key = f"objection:{objection.id}:due_soon:{due_on}"
    return sum(
        tell(session, member, "staff_objection_due_soon", values, f"{key}:{member.id}")
        for member in _handler_or_supervisors(session, objection)
    )


def due_soon_provisional(session: Session, objection: Objection, aim_on: str, year: int) -> int:
    """Before the date counted on weekends only, while the real due date waits for `year`."""
    values = {"objection_no": objection.objection_no, "due_on": aim_on, "year": str(year)}
    key = f"objection:{objection.id}:due_soon_provisional:{aim_on}"
    return sum(
        tell(session, member, "staff_objection_due_soon_provisional", values, f"{key}:{member.id}")
        for member in _handler_or_supervisors(session, objection)
    )


def overdue(session: Session, objection: Objection, due_on: str) -> int:
    handler = session.get(StaffUser, objection.assigned_to) if objection.assigned_to else None
    sent = 0
    key = f"objection:{objection.id}:overdue:{due_on}"
    if handler is not None and handler.active:
        values = {"objection_no": objection.objection_no, "due_on": due_on}
        sent += tell(session, handler, "staff_objection_overdue", values, f"{key}:{handler.id}")
    escalation = {
        "objection_no": objection.objection_no,
        "due_on": due_on,
        "handler": handler.display_name if handler else "未分派",
    }
    for member in supervisors(session, objection.region_code):
        sent += tell(session, member, "staff_objection_escalated", escalation, f"{key}:{member.id}")
    return sent


def calendar_missing(session: Session, objection: Objection, year: int) -> int:
    values = {"year": str(year), "objection_no": objection.objection_no}
    return sum(
        tell(session, member, "staff_calendar_missing", values, f"calendar:{year}:{member.id}")
        for member in supervisors(session, objection.region_code)
    )
