"""Opening, counting and resolving staff alerts; reading them scoped to the reader's region."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auth.caller import Caller
from miniapp_api.alerts.models import StaffAlert
from miniapp_api.audit.service import record as audit
from miniapp_api.db import MAX_ID, utcnow
from miniapp_api.errors import ConflictError, NotFoundError, ValidationFailed


def raise_alert(
    session: Session,
    kind: str,
    key: str,
    message: str,
    *,
    region_code: str | None = None,
    detail: dict[str, Any] | None = None,
) -> tuple[StaffAlert, bool]:
    """The open alert for `key`, opened now if there is none; True when it is new."""
    alert = _open_by_key(session, key)
    if alert is not None:
        alert.occurrences += 1
        alert.last_seen_at = utcnow()
        alert.message = message
        return alert, False
    alert = StaffAlert(kind=kind, key=key, region_code=region_code, message=message, detail=detail or {})
    try:
        with session.begin_nested():
            session.add(alert)
    except IntegrityError:  # opened at the same moment by another process
        found = _open_by_key(session, key)
        assert found is not None
        return found, False
    audit("alert.opened", subject=("staff_alert", alert.id), detail={"kind": kind, "key": key})
    return alert, True


def resolve(session: Session, kind: str, resolution: str, *, key_prefix: str = "") -> int:
    """Close every open alert of `kind` (whose key starts with `key_prefix`)."""
    query = select(StaffAlert).where(StaffAlert.kind == kind, StaffAlert.resolved_at.is_(None))
    if key_prefix:
        query = query.where(StaffAlert.key.startswith(key_prefix, autoescape=True))
    closed = 0
    for alert in session.scalars(query):
        alert.resolved_at, alert.resolution = utcnow(), resolution
        audit("alert.resolved", subject=("staff_alert", alert.id), detail={"kind": kind, "resolution": resolution})
        closed += 1
    return closed


def visible_to(caller: Caller, query: Select[StaffAlert]) -> Select[StaffAlert]:
    """A regional member of staff sees the region's alerts and those for every region."""
    if caller.staff_region:
        return query.where((StaffAlert.region_code == caller.staff_region) | StaffAlert.region_code.is_(None))
    return query


def list_alerts(
    session: Session, caller: Caller, *, status: str, kind: str | None, limit: int, offset: int = 0
) -> list[StaffAlert]:
    query = select(StaffAlert)
    query = query.where(StaffAlert.resolved_at.is_(None) if status == "open" else StaffAlert.resolved_at.is_not(None))
    if kind:
        query = query.where(StaffAlert.kind == kind)
    query = visible_to(caller, query).order_by(StaffAlert.opened_at.desc(), StaffAlert.id.desc())
    return list(session.scalars(query.offset(offset).limit(limit)))


def _open_by_key(session: Session, key: str) -> StaffAlert | None:
    return session.scalar(select(StaffAlert).where(StaffAlert.key == key, StaffAlert.resolved_at.is_(None)))


# Alerts a person closes by acting (a call made, a letter sent); the others close by themselves
# once their condition is gone.
CLOSED_BY_STAFF = frozenset({"message_undeliverable"})


def close_by_staff(session: Session, caller: Caller, alert_id: int, note: str) -> StaffAlert:
    found = visible_to(caller, select(StaffAlert).where(StaffAlert.id == alert_id))
    alert = session.scalar(found) if 0 < alert_id <= MAX_ID else None
    if alert is None:
        raise NotFoundError("本地区没有这条提醒", code="ALERT_NOT_FOUND")
    if alert.kind not in CLOSED_BY_STAFF:
        raise ConflictError("这条提醒在问题解决后自动关闭，不能手工关闭", code="ALERT_CLOSES_ITSELF")
    if alert.resolved_at is not None:
        raise ConflictError("这条提醒已经处理", code="ALERT_CLOSED")
    if not note.strip():
        raise ValidationFailed("请写明如何告知了对方（如电话联系时间、结果）", code="NOTE_REQUIRED")
    alert.resolved_at, alert.resolution = utcnow(), note.strip()[:500]
    audit(
        "alert.closed_by_staff",
        actor=caller.audit_actor,
        subject=("staff_alert", alert.id),
        detail={"kind": alert.kind},
    )
    return alert
