"""Holding payment while a fund-safety check is open (暂停发放): an item of a kind that calls for
it suspends the person's claim being paid, so its unpaid months go to no bank file; clearing the
last such item resumes it, and the months held go into the next run, none lost (they were never
cancelled). Stopping payment for good still needs a reviewer's decision on the item.

The claimant is told both times, with the objection route (人社厅发〔2020〕24号第八条:
疑点数据核实后处理; the hold is that check, not a sanction).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from miniapp_api.claims import decisions, timeline
from miniapp_api.claims.models import Claim
from miniapp_api.clock import china_today
from miniapp_api.safety.models import CHECK_KINDS, CheckItem

# Signals that money may be going to the wrong person or account. A WeChat user behind several
# identities, repeated failed face checks, or an identity its owner recovered by face (the money
# is the owner's, proved) are for staff to look at; money keeps flowing.
HOLDING_KINDS = frozenset({"suspect_list", "shared_bank_account", "shared_face"})


def holding() -> Any:
    """SQL: an item that holds payment, by its kind or because a reviewer put a hold on it."""
    return CheckItem.kind.in_(HOLDING_KINDS) | CheckItem.held_at.is_not(None)


def holds_payment(item: CheckItem) -> bool:
    return item.kind in HOLDING_KINDS or item.held_at is not None


def on_hold(person_id: Any) -> Any:
    """SQL: the person has an open item that holds payment (for claims approved after it opened)."""
    return exists().where(CheckItem.person_id == person_id, CheckItem.status == "open", holding())


HOLD_BASIS = "人社厅发〔2020〕24号第八条（疑点数据核实后处理）"


def hold_for(session: Session, item_ids: Sequence[int]) -> int:
    """Suspend the claim being paid of each newly opened holding item's person; returns how many."""
    if not item_ids:
        return 0
    items = session.scalars(select(CheckItem).where(CheckItem.id.in_(item_ids), holding())).all()
    held = 0
    for item in items:
        claim = session.scalar(
            select(Claim).where(Claim.person_id == item.person_id, Claim.status == "approved").with_for_update()
        )
        if claim is None:
            continue
        reason = f"核查：{CHECK_KINDS[item.kind]}"
        timeline.append(claim, "suspended", check_item_id=item.id, reason=reason, basis=HOLD_BASIS)
        decisions.notify_claimant(
            session,
            claim,
            "benefit_suspended",
            {
                "effective_on": china_today().isoformat(),
                "action": "暂停发放",
                "reason": "需核实有关情况，核实后恢复并补发",
                "basis": HOLD_BASIS,
            },
            dedup_suffix=f":hold:{item.id}",
        )
        held += 1
    return held


def hold_if_open(session: Session, person_id: int) -> int:
    """At approval: an item that holds payment opened earlier (while the claim was refused or in
    review) suspends the claim now, and the claimant is told, as if it had opened just now."""
    open_ids = session.scalars(
        select(CheckItem.id).where(CheckItem.person_id == person_id, CheckItem.status == "open", holding())
    ).all()
    return hold_for(session, list(open_ids)[:1])


def release_after(session: Session, item: CheckItem) -> bool:
    """Resume the person's claim once no holding item of theirs is open; True when it resumed."""
    if not holds_payment(item):
        return False
    still_open = session.scalar(
        select(CheckItem.id).where(
            CheckItem.person_id == item.person_id, CheckItem.status == "open", holding(), CheckItem.id != item.id
        )
    )
    if still_open is not None:
        return False
    claim = session.scalar(
        select(Claim).where(Claim.person_id == item.person_id, Claim.status == "suspended").with_for_update()
    )
    if claim is None:
        return False
    timeline.append(claim, "resumed", check_item_id=item.id, reason="核查无误")
    decisions.notify_claimant(
        session,
        claim,
        "benefit_resumed",
        {"resumed_on": china_today().isoformat()},
        dedup_suffix=f":resume:{item.id}",
    )
    return True
