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

from sqlalchemy import CompoundSelect, func, literal, select, union_all
from sqlalchemy.orm import Session

from miniapp_api.audit.service import record as audit
from miniapp_api.claims import decisions, timeline
from miniapp_api.claims.models import BenefitPayment, Claim
from miniapp_api.db import unit_of_work
from miniapp_api.records.models import ContributionPeriod, PersonEvent
from miniapp_api.safety.models import RecoveryItem
from miniapp_api.safety.reasons import STOP_REASONS

BATCH = 200


@dataclass(frozen=True)
class Hit:
    claim_id: int
    reason: str
    effective_on: dt.date


def hits_query() -> CompoundSelect[Any]:
    """(claim, reason, date) for every event after the separation of a claim being paid."""
    paid = select(Claim.id, Claim.person_id, Claim.separation_date).where(Claim.status == "approved").subquery()
    reemployed = (
        select(paid.c.id, literal("reemployed"), func.min(ContributionPeriod.start_month))
        .join(ContributionPeriod, ContributionPeriod.person_id == paid.c.person_id)
        .where(ContributionPeriod.start_month > paid.c.separation_date)
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


def stop(session: Session, claim: Claim, hit: Hit) -> int:
    """Stop payment from the event's month; returns how many paid months became recovery items."""
    reason = STOP_REASONS[hit.reason]
    from_month = hit.effective_on.replace(day=1)
    payments = session.scalars(
        select(BenefitPayment).where(BenefitPayment.claim_id == claim.id, BenefitPayment.period >= from_month)
    ).all()
    recovered = 0
    for payment in payments:
        if payment.status == "scheduled":
            payment.status = "cancelled"
            timeline.append(claim, "payment_cancelled", period=payment.period, amount=str(payment.amount))
        elif payment.status == "paid":
            session.add(
                RecoveryItem(
                    claim_id=claim.id,
                    person_id=claim.person_id,
                    benefit_payment_id=payment.id,
                    region_code=claim.region_code,
                    period=payment.period,
                    amount=payment.amount,
                    reason=reason.code,
                    basis=reason.basis,
                )
            )
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
