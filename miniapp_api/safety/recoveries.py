"""Settling a recovery item: finance records the money as recovered; waiving it is a business
decision (a supervisor's), for instance when the person has died without an estate."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.caller import Caller
from miniapp_api.audit.service import record as audit
from miniapp_api.db import MAX_ID, utcnow
from miniapp_api.errors import ConflictError, Forbidden, NotFoundError
from miniapp_api.pii import mask_text
from miniapp_api.safety.models import RecoveryItem

SETTLED_BY_ROLE = {"recovered": "finance", "waived": "supervisor"}


def listed(session: Session, caller: Caller, status: str, after_id: int, limit: int) -> list[RecoveryItem]:
    """Oldest first; a region's staff see their region's."""
    rows = select(RecoveryItem).where(RecoveryItem.status == status, RecoveryItem.id > after_id)
    if caller.staff_region:
        rows = rows.where(RecoveryItem.region_code == caller.staff_region)
    return list(session.scalars(rows.order_by(RecoveryItem.id).limit(limit)))


def settle(session: Session, caller: Caller, item_id: int, body: dict[str, Any]) -> RecoveryItem:
    outcome = body["outcome"]
    if SETTLED_BY_ROLE[outcome] not in caller.roles:
        raise Forbidden("追回到账由财务人员登记；核销（不再追回）须由主管决定", code="ROLE_REQUIRED")
    query = select(RecoveryItem).where(RecoveryItem.id == item_id).with_for_update()
    if caller.staff_region:
        query = query.where(RecoveryItem.region_code == caller.staff_region)
    item = session.scalar(query) if 0 < item_id <= MAX_ID else None
    if item is None:
        raise NotFoundError("没有找到这笔待追回款项", code="RECOVERY_NOT_FOUND")
    if item.status != "open":
        raise ConflictError("这笔款项已经处理过", code="RECOVERY_SETTLED")
    item.status, item.settled_by, item.settled_at, item.settlement_note = (
        outcome,
        caller.staff_user_id,
        utcnow(),
        mask_text(body["note"]),
    )
    audit(
        "recovery.settled",
        actor=caller.audit_actor,
        subject=("recovery_item", item.id),
        detail={
            "status": {"before": "open", "after": outcome},
            "amount": str(item.amount),
            "note": item.settlement_note,
        },
    )
    return item
