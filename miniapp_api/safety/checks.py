"""Check items (核查事项): signals about a person that staff look into.

Opening one never changes a payment. A reviewer or supervisor closes it either as cleared, with
a note, or by stopping payment for a legal reason from a date they name — the same stop the
cross-check applies, with the recovery of months paid since and the claimant told.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auth.caller import Caller
from miniapp_api.audit.service import record as audit
from miniapp_api.claims.models import Claim
from miniapp_api.clock import china_today
from miniapp_api.db import MAX_ID, insert_new_rows, utcnow
from miniapp_api.errors import ConflictError, NotFoundError, ValidationFailed
from miniapp_api.pii import mask_text
from miniapp_api.records.models import Person
from miniapp_api.records.service import rules_parameters
from miniapp_api.safety import crosscheck, holds
from miniapp_api.safety.models import CheckItem
from miniapp_api.safety.reasons import STOP_REASONS, StopReason

_CHUNK = 500


@dataclass(frozen=True)
class Signal:
    kind: str
    person_id: int
    dedup_key: str
    evidence: dict[str, Any]
    suspect_list_id: int | None = None


def open_items(session: Session, signals: Sequence[Signal]) -> list[int]:
    """Open an item for each signal not opened before (by its key); returns the new items' ids.
    Two runs at once open each item once: the key is unique and taken keys are skipped."""
    homes = _homes(session, {signal.person_id for signal in signals})
    rows = [
        {
            "kind": signal.kind,
            "person_id": signal.person_id,
            "claim_id": homes[signal.person_id][0],
            "region_code": homes[signal.person_id][1],
            "dedup_key": signal.dedup_key,
            "evidence": signal.evidence,
            "suspect_list_id": signal.suspect_list_id,
            "status": "open",
            "created_at": utcnow(),
        }
        for signal in {s.dedup_key: s for s in signals}.values()
    ]
    kinds = {row["dedup_key"]: row["kind"] for row in rows}
    opened = insert_new_rows(session, CheckItem, rows, "dedup_key")
    for item_id, dedup_key in opened:
        audit("check.opened", subject=("check_item", item_id), detail={"kind": kinds[dedup_key]})
    ids = [item_id for item_id, _ in opened]
    holds.hold_for(session, ids)
    return ids


def _homes(session: Session, person_ids: Iterable[int]) -> dict[int, tuple[int | None, str]]:
    """Each person's latest claim and its region (staff of that region look), else the records' region."""
    ids = list(person_ids)
    homes: dict[int, tuple[int | None, str]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        homes.update(
            {
                pid: (None, region)
                for pid, region in session.execute(select(Person.id, Person.region_code).where(Person.id.in_(chunk)))
            }
        )
        latest = (
            select(func.max(Claim.id)).where(Claim.person_id.in_(chunk)).group_by(Claim.person_id).scalar_subquery()
        )
        for claim_id, person_id, region in session.execute(
            select(Claim.id, Claim.person_id, Claim.region_code).where(Claim.id.in_(latest))
        ):
            homes[person_id] = (claim_id, region)
    return homes


def listed(
    session: Session, caller: Caller, status: str, kind: str | None, after_id: int, limit: int
) -> list[CheckItem]:
    """Oldest first; a region's staff see their region's."""
    rows = select(CheckItem).where(CheckItem.status == status, CheckItem.id > after_id)
    if kind:
        rows = rows.where(CheckItem.kind == kind)
    if caller.staff_region:
        rows = rows.where(CheckItem.region_code == caller.staff_region)
    return list(session.scalars(rows.order_by(CheckItem.id).limit(limit)))


def item_for(session: Session, caller: Caller, item_id: int, *, for_update: bool = False) -> CheckItem:
    query = select(CheckItem).where(CheckItem.id == item_id)
    if caller.staff_region:
        query = query.where(CheckItem.region_code == caller.staff_region)
    item = session.scalar(query.with_for_update() if for_update else query) if 0 < item_id <= MAX_ID else None
    if item is None:
        raise NotFoundError("没有找到这个核查事项", code="CHECK_NOT_FOUND")
    return item


def decide(session: Session, caller: Caller, item_id: int, body: dict[str, Any]) -> CheckItem:
    """Close an item: `cleared` with a note, or `stop` with a legal reason and the date it took effect."""
    item = item_for(session, caller, item_id, for_update=True)
    if item.status != "open":
        raise ConflictError("这个核查事项已经处理过", code="CHECK_CLOSED")
    stopped: dict[str, Any] = {}
    if body["outcome"] == "stop":
        stopped = _stop_claim(session, item, body["reason"], body["effective_on"])
    item.status = "stopped" if stopped else "cleared"
    item.decided_by, item.decided_at, item.decision_note = caller.staff_user_id, utcnow(), mask_text(body["note"])
    if not stopped:
        holds.release_after(session, item)
    audit(
        "check.decided",
        actor=caller.audit_actor,
        subject=("check_item", item.id),
        detail={"kind": item.kind, "outcome": item.status, **stopped},
    )
    return item


def hold(session: Session, caller: Caller, item_id: int, note: str) -> CheckItem:
    """Hold the person's payment while the item is checked (暂停发放); clearing it resumes."""
    item = item_for(session, caller, item_id, for_update=True)
    if item.status != "open":
        raise ConflictError("这个核查事项已经处理过", code="CHECK_CLOSED")
    if holds.holds_payment(item):
        raise ConflictError("这个核查事项已经暂停了发放", code="ALREADY_HELD")
    item.held_by, item.held_at = caller.staff_user_id, utcnow()
    session.flush()
    suspended = holds.hold_for(session, [item.id])
    audit(
        "check.held",
        actor=caller.audit_actor,
        subject=("check_item", item.id),
        detail={"kind": item.kind, "suspended_claims": suspended, "note": mask_text(note)},
    )
    return item


def _stop_claim(session: Session, item: CheckItem, code: str, effective_on: dt.date) -> dict[str, Any]:
    """Stop the person's claim being paid in the item's region (the caller's, for regional staff)."""
    if effective_on > china_today():
        raise ValidationFailed(
            "停发日期（effective_on）不能晚于今天：停发依据的是已经发生的事由",
            code="EFFECTIVE_DATE",
            details={"field": "effective_on"},
        )
    claim = session.scalar(
        select(Claim)
        .where(Claim.person_id == item.person_id, Claim.status.in_(("approved", "suspended")))  # held while checked
        .with_for_update()
    )
    if claim is None:
        raise ConflictError("此人当前没有正在发放的待遇，无需停发；请选择“核实无误”并说明", code="NOTHING_TO_STOP")
    if claim.region_code != item.region_code:
        raise ConflictError("此人的待遇由其他统筹地区发放，应由该地区经办机构核查处理", code="CLAIM_OTHER_REGION")
    if claim.separation_date and effective_on <= claim.separation_date:
        raise ValidationFailed(
            "停发日期（effective_on）应在离职日期之后", code="EFFECTIVE_DATE", details={"field": "effective_on"}
        )
    reason = STOP_REASONS[code]
    if code == "hidden_employment":
        reason = _hidden_employment_rule(session, claim.region_code, effective_on)
    overpaid = crosscheck.stop(session, claim, crosscheck.Hit(claim.id, code, effective_on), reason)
    return {"claim_id": claim.id, "reason": code, "effective_on": effective_on.isoformat(), "overpaid_months": overpaid}


def _hidden_employment_rule(session: Session, region_code: str, on: dt.date) -> StopReason:
    """The region's own rule, with its months and the document it comes from."""
    parameters = rules_parameters(session, region_code)
    rule = parameters.optional("hidden_employment", on) if parameters else None
    if rule is None or not rule.value.get("enabled"):
        raise ValidationFailed("本地区未实行“隐性就业视同就业”的规定，不能以此为由停发", code="REASON_NOT_IN_FORCE")
    months = int(rule.value.get("min_months", 3))
    return StopReason(
        "hidden_employment",
        f"隐性就业（连续工作{months}个月以上，收入不低于当地最低工资标准）",
        f"社会保险法第五十一条第（一）项；{rule.citation}",
    )
