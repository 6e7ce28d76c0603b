"""The periodic cross-check (定期比对) of everyone being paid benefit against the records.

Detection is one set-based query over all recipients at once: an employer paying contributions
for a month after the separation (re-employment), or a pension, death, conscription, emigration
or imprisonment on record after it. Each recipient's earliest such event stops payment from its
month: later scheduled months are cancelled, months already paid from then on become recovery
items for staff, the claim's timeline says why (with the legal basis), and the claimant is told
and may object. Only the hits are then handled one by one, in batches that commit on their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CompoundSelect, and_, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from miniapp_api.audit.service import record as audit
from miniapp_api.claims import decisions, timeline
from miniapp_api.claims.models import BenefitPayment, Claim, ClaimEvent
from miniapp_api.db import month_start, unit_of_work
from miniapp_api.records.models import ContributionPeriod, PersonEvent
from miniapp_api.safety.models import RecoveryItem
from miniapp_api.safety.reasons import STOP_REASONS, StopReason

BATCH = 200


@dataclass(frozen=True)
class Hit:
    claim_id: int
    reason: str
    effective_on: dt.date


def hits_query() -> CompoundSelect[Any]:
    """(claim, reason, date) for every event after the separation of a claim being paid."""
    paid = (
        select(
            Claim.id,
            Claim.person_id,
            Claim.employer_id,
            Claim.separation_date,
            month_start(Claim.separation_date).label("separation_month"),
        )
        .where(Claim.status == "approved")
        .subquery()
    )
    # A month after the separation's, or a new employer already paying for the separation's month.
    reemployed = (
        select(paid.c.id, literal("reemployed"), func.min(ContributionPeriod.start_month))
        .join(ContributionPeriod, ContributionPeriod.person_id == paid.c.person_id)
        .where(
            or_(
                ContributionPeriod.start_month > paid.c.separation_date,
                and_(
                    ContributionPeriod.start_month == paid.c.separation_month,
                    paid.c.employer_id.is_not(None),
                    ContributionPeriod.employer_id != paid.c.employer_id,
                ),
            )
        )
        .group_by(paid.c.id)
    )
    life = (
        select(paid.c.id, PersonEvent.kind, func.min(PersonEvent.event_date))
        .join(PersonEvent, PersonEvent.person_id == paid.c.person_id)
        .where(PersonEvent.event_date > paid.c.separation_date)
        .group_by(paid.c.id, PersonEvent.kind)
    )
    return union_all(reemployed, life)


def find_hits(session: Session) -> list[Hit]:
    """Each claim's earliest stop event (one per claim; ties: the order of STOP_REASONS)."""
    order = list(STOP_REASONS)
    earliest: dict[int, Hit] = {}
    for row in session.execute(hits_query()):
        claim_id, reason, day = row[0], row[1], row[2]
        hit = Hit(claim_id, reason, day)
        current = earliest.get(claim_id)
        if current is None or (day, order.index(reason)) < (current.effective_on, order.index(current.reason)):
            earliest[claim_id] = hit
    return sorted(earliest.values(), key=lambda hit: hit.claim_id)


def stop(session: Session, claim: Claim, hit: Hit, reason: StopReason | None = None) -> int:
    """Stop payment from the event's month; returns how many paid months became recovery items.
    `reason` overrides the national wording (a regional rule cites its own document)."""
    reason = reason or STOP_REASONS[hit.reason]
    if claim.separation_date and hit.effective_on <= claim.separation_date:
        # A new employer paying for the separation's own month: stopped from the day after it.
        hit = Hit(hit.claim_id, hit.reason, claim.separation_date + dt.timedelta(days=1))
    from_month = hit.effective_on.replace(day=1)
    payments = session.scalars(
        select(BenefitPayment).where(BenefitPayment.claim_id == claim.id, BenefitPayment.period >= from_month)
    ).all()
    recovered = 0
    for payment in payments:
        if payment.status == "scheduled":
            payment.status = "cancelled"
            timeline.append(claim, "payment_cancelled", period=payment.period, amount=str(payment.amount))
        elif payment.status == "paid" and add_recovery(session, claim, payment, reason.code, reason.basis):
            recovered += 1
    timeline.append(claim, "stopped", reason=reason.code, effective_on=hit.effective_on.isoformat(), basis=reason.basis)
    audit(
        "claim.stopped",
        subject=("claim", claim.id),
        detail={"reason": reason.code, "effective_on": hit.effective_on.isoformat(), "overpaid_months": recovered},
    )
    decisions.notify_claimant(
        session,
        claim,
        "benefit_suspended",
        {
            "effective_on": hit.effective_on.isoformat(),
            "action": "停止发放",
            "reason": reason.label,
            "basis": reason.basis,
        },
    )
    return recovered


def add_recovery(session: Session, claim: Claim, payment: BenefitPayment, reason: str, basis: str) -> bool:
    """A paid month to recover, once (an earlier stop may already have listed it)."""
    if session.scalar(select(RecoveryItem.id).where(RecoveryItem.benefit_payment_id == payment.id)):
        return False
    session.add(
        RecoveryItem(
            claim_id=claim.id,
            person_id=claim.person_id,
            benefit_payment_id=payment.id,
            region_code=claim.region_code,
            period=payment.period,
            amount=payment.amount,
            reason=reason,
            basis=basis,
        )
    )
    return True


def recover_paid_after_cancellation(session: Session, claim: Claim, payment: BenefitPayment) -> None:
    """The bank paid a month cancelled after its instruction had gone out: it is to recover, for
    the reason payment stopped (or because the claim was decided again)."""
    stopped = session.scalar(
        select(ClaimEvent)
        .where(ClaimEvent.claim_id == claim.id, ClaimEvent.kind == "stopped")
        .order_by(ClaimEvent.id.desc())
        .limit(1)
    )
    if stopped is not None:
        add_recovery(session, claim, payment, stopped.detail["reason"], stopped.detail["basis"])
    else:
        add_recovery(
            session,
            claim,
            payment,
            "decision_changed",
            "重新核定后该月不应发放；多发待遇及时纠正（人社厅发〔2020〕24号第八条）",
        )


@dataclass
class CrossCheckResult:
    recipients: int = 0
    stopped: int = 0
    overpaid_months: int = 0


def run(progress: Callable[[int, int], None] | None = None) -> CrossCheckResult:
    """`progress` hears (hits handled now, hits in all) batch by batch."""
    result = CrossCheckResult()
    with unit_of_work() as session:
        result.recipients = int(session.scalar(select(func.count()).where(Claim.status == "approved")) or 0)
        hits = find_hits(session)
    for start in range(0, len(hits), BATCH):
        with unit_of_work() as session:
            for hit in hits[start : start + BATCH]:
                claim = session.get(Claim, hit.claim_id, with_for_update=True)
                if claim is None or claim.status != "approved":
                    continue  # decided otherwise since the detection ran
                result.overpaid_months += stop(session, claim, hit)
                result.stopped += 1
        if progress:
            progress(len(hits[start : start + BATCH]), len(hits))
    return result
