"""The auditor's search over the audit trail: by action, actor, subject and time, newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.caller import Caller
from miniapp_api.audit.models import AuditEvent
from miniapp_api.errors import Forbidden


def search(session: Session, caller: Caller, filters: dict[str, Any]) -> list[dict[str, Any]]:
    """The trail spans every region and cannot be cut by one: only province-wide auditors and
    admins (accounts without a region) search it."""
    if caller.staff_region:
        raise Forbidden(
            "审计日志涵盖全省各地区，只有全省（不限地区）的审计人员或管理员可以查询", code="PROVINCE_WIDE_ROLE_REQUIRED"
        )
    query = select(AuditEvent)
    for name in ("action", "actor_kind", "actor_id", "subject_kind", "subject_id", "outcome"):
        if filters.get(name):
            query = query.where(getattr(AuditEvent, name) == filters[name])
    if filters.get("since"):
        query = query.where(AuditEvent.at >= filters["since"])
    if filters.get("until"):
        query = query.where(AuditEvent.at < filters["until"])
    if filters.get("before_id"):
        query = query.where(AuditEvent.id < filters["before_id"])
    rows = session.scalars(query.order_by(AuditEvent.id.desc()).limit(filters.get("limit", 100)))
    return [
        {
            "id": e.id,
            "at": e.at,
            "action": e.action,
            "outcome": e.outcome,
            "actor_kind": e.actor_kind,
            "actor_id": e.actor_id,
            "subject_kind": e.subject_kind,
            "subject_id": e.subject_id,
            "detail": e.detail,
            "request_id": e.request_id,
            "seq": e.seq,
            "entry_hash": e.entry_hash,
        }
        for e in rows
    ]
