"""Deciding a claim — automatically on submission, or by a reviewer — and telling the claimant.

Automatic acceptance and review (自动受理、审核) approves or rejects only when the records are
complete and consistent; anything missing or conflicting goes to a person. Nothing here ever
refuses because the application came after the 60-day window (the rules do not), and nothing
asks for documents.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.models import WeChatAccount
from miniapp_api.audit.service import record as audit
from miniapp_api.claims import timeline
from miniapp_api.claims.models import BenefitPayment, Claim
from miniapp_api.claims.records_view import RecordsView, ReviewReason
from miniapp_api.clock import CHINA
from miniapp_api.db import utcnow
from miniapp_api.payments.models import PaymentInstruction
from miniapp_api.records.models import Person
from miniapp_api.records.service import rules_parameters
from miniapp_api.rules.eligibility import Refusal
from miniapp_api.rules.estimate import Estimate
from miniapp_api.safety.models import RecoveryItem
from notifications import service as notify

log = logging.getLogger(__name__)


def decide_automatically(session: Session, claim: Claim, view: RecordsView) -> None:
    result = view.estimate
    if view.review_reasons or result is None:
        reasons = view.review_reasons or [ReviewReason("NO_DECISION", "按现有记录无法自动审核")]
        send_to_review(session, claim, reasons)
        return
    if result.eligible and not result.schedule:
        send_to_review(
            session, claim, [ReviewReason("EMPTY_SCHEDULE", "符合条件但未能生成发放计划，需人工核对地区参数")]
        )
        return
    timeline.append(claim, "reviewed", mode="auto", eligible=result.eligible)
    if result.eligible:
        approve(session, claim, result, timeline.SYSTEM, decided_by="auto")
    else:
        reject(session, claim, list(result.reasons), timeline.SYSTEM, decided_by="auto", result=result)


def send_to_review(session: Session, claim: Claim, reasons: list[ReviewReason], *, dedup_suffix: str = "") -> None:
    claim.review_reasons = [reason.as_dict() for reason in reasons]
    timeline.append(claim, "manual_review", reasons=[reason.code for reason in reasons])
    notify_claimant(
        session,
        claim,
        "claim_submitted",
        {"claim_no": claim.claim_no, "submitted_on": _china_day(claim.submitted_at).isoformat()},
        dedup_suffix=dedup_suffix,
    )


def approve(
    session: Session,
    claim: Claim,
    result: Estimate,
    actor: tuple[str, str | None],
    *,
    decided_by: str,
    note: str | None = None,
    dedup_suffix: str = "",
) -> None:
    _record_decision(claim, decided_by, note, result)
    claim.refusals = []
    claim.entitlement_months = result.entitlement_months
    claim.continued_payment_months = result.continued_payment_months
    timeline.append(
        claim,
        "approved",
        actor,
        entitlement_months=result.entitlement_months,
        continued_payment_months=result.continued_payment_months,
        total_amount=str(result.total_amount),
    )
    schedule_payments(session, claim, result)
    from miniapp_api.safety import holds  # holds builds on this module: imported at use

    holds.hold_if_open(session, claim.person_id)
    amounts = sorted({month.amount for month in result.schedule})
    monthly = str(amounts[0]) if len(amounts) == 1 else f"{amounts[0]}–{amounts[-1]}"
    notify_claimant(
        session,
        claim,
        "claim_approved",
        {
            "claim_no": claim.claim_no,
            "months": result.entitlement_months + result.continued_payment_months,
            "monthly_amount": monthly,
            "start_month": result.schedule[0].period if result.schedule else "",
        },
        dedup_suffix=dedup_suffix,
    )


def schedule_payments(session: Session, claim: Claim, result: Estimate) -> None:
    """Make the claim's monthly payments match the decision's schedule. On a first approval that
    is one row per month; on a new decision (a corrected record) months still scheduled are
    updated or cancelled and new ones added, and months already paid are left as they were."""
    existing = {p.period: p for p in _monthly_payments(session, claim.id)}
    at_the_bank = in_flight(session, claim.id)
    for month in result.schedule:
        period = dt.date.fromisoformat(f"{month.period}-01")
        payment = existing.pop(period, None)
        if payment is not None and payment.status == "paid":
            _due_again(session, claim, payment)
            continue
        if payment is not None and payment.id in at_the_bank:
            continue  # in a bank file: the bank's answer settles it as it was sent
        if payment is None:
            payment = BenefitPayment(claim_id=claim.id, person_id=claim.person_id, kind="monthly", period=period)
            session.add(payment)
        payment.month_index = month.index
        payment.amount = month.amount
        payment.medical_premium_paid = month.medical_premium_paid
        payment.medical_premium = month.medical_premium
        payment.continued = month.continued
        payment.pay_by = month.pay_by
        payment.status = "scheduled"
        timeline.append(
            claim, "payment_scheduled", period=period, amount=str(month.amount), pay_by=month.pay_by.isoformat()
        )
    for payment in existing.values():
        if payment.status == "scheduled":
            payment.status = "cancelled"
            timeline.append(claim, "payment_cancelled", period=payment.period, amount=str(payment.amount))


def _due_again(session: Session, claim: Claim, payment: BenefitPayment) -> None:
    """A month paid after a refusal cancelled it is due again under this decision: its recovery
    item is withdrawn (nothing to recover), on the record."""
    item = session.scalar(
        select(RecoveryItem).where(RecoveryItem.benefit_payment_id == payment.id, RecoveryItem.status == "open")
    )
    if item is None or item.reason != "decision_changed":
        return
    item.status, item.settled_at = "waived", utcnow()
    item.settlement_note = "重新核定后该月应予发放，无需追回"
    timeline.append(claim, "recovery_withdrawn", period=payment.period, amount=str(payment.amount))
    audit(
        "recovery.withdrawn",
        actor=None,  # the system, deciding again
        subject=("recovery_item", item.id),
        detail={"status": {"before": "open", "after": "waived"}, "reason": "due_again"},
    )


def cancel_scheduled_payments(session: Session, claim: Claim) -> None:
    """Months not yet paid are cancelled. One already in a bank file is cancelled too: should
    the bank pay it anyway, its answer makes it a recovery item (the decision says it is not due)."""
    for payment in _monthly_payments(session, claim.id):
        if payment.status == "scheduled":
            payment.status = "cancelled"
            timeline.append(claim, "payment_cancelled", period=payment.period, amount=str(payment.amount))


def in_flight(session: Session, claim_id: int) -> set[int]:
    """The claim's months in a bank file the bank has not answered yet (BenefitPayment ids)."""
    return set(
        session.scalars(
            select(PaymentInstruction.benefit_payment_id).where(
                PaymentInstruction.claim_id == claim_id, PaymentInstruction.status == "issued"
            )
        )
    )


def _monthly_payments(session: Session, claim_id: int) -> list[BenefitPayment]:
    return list(
        session.scalars(
            select(BenefitPayment)
            .where(BenefitPayment.claim_id == claim_id, BenefitPayment.kind == "monthly")
            .order_by(BenefitPayment.period)
        )
    )


def reject(
    session: Session,
    claim: Claim,
    refusals: list[Refusal],
    actor: tuple[str, str | None],
    *,
    decided_by: str,
    note: str | None = None,
    result: Estimate | None = None,
    dedup_suffix: str = "",
) -> None:
    _record_decision(claim, decided_by, note, result)
    claim.refusals = [{"code": r.code, "message": r.message, "legal_basis": r.legal_basis} for r in refusals]
    cancel_scheduled_payments(session, claim)  # a new decision on a corrected record
    timeline.append(claim, "rejected", actor, reasons=[refusal.code for refusal in refusals])
    decided_on = _china_day(claim.decided_at)
    notify_claimant(
        session,
        claim,
        "claim_rejected",
        {
            "claim_no": claim.claim_no,
            "reason": "；".join(refusal.message for refusal in refusals),
            "basis": refusals[0].legal_basis,
            "reply_days": str(_reply_working_days(session, claim.region_code, decided_on)),
            "decided_on": decided_on.isoformat(),
        },
        dedup_suffix=dedup_suffix,
    )


def _reply_working_days(session: Session, region_code: str, on: dt.date) -> int:
    """The region's objection reply limit in working days — the number, not a due date, so
    no calendar year is needed to tell the claimant of it."""
    parameters = rules_parameters(session, region_code)
    assert parameters is not None  # the claim's region is a foreign key
    return int(parameters.in_force("objection_reply_limit", on).value["working_days"])


def _record_decision(claim: Claim, decided_by: str, note: str | None, result: Estimate | None) -> None:
    claim.decided_at = utcnow()
    claim.decided_by = decided_by
    claim.decision_note = note
    if result is not None:
        claim.facts = result.facts.as_dict()
        claim.legal_retirement_date = result.legal_retirement_date
        claim.trace = {"facts": result.facts.as_dict(), "steps": list(result.trace), "parameters": _parameters(result)}


def _parameters(result: Estimate) -> list[dict[str, Any]]:
    return [
        {**version.describe(), "effective_from": version.effective_from.isoformat()} for version in result.parameters
    ]


def _china_day(moment: dt.datetime | None) -> dt.date:
    return (moment or utcnow()).astimezone(CHINA).date()


def notify_claimant(
    session: Session, claim: Claim, kind: str, values: dict[str, Any], *, dedup_suffix: str = ""
) -> None:
    """`dedup_suffix` tells a later decision on the same claim (after a correction) from a
    retry of the first, which must not be sent twice."""
    notify_person(session, claim.person_id, kind, values, f"claim:{claim.id}:{kind}{dedup_suffix}", phone=claim.phone)


def notify_person(
    session: Session, person_id: int, kind: str, values: dict[str, Any], dedup_key: str, *, phone: str | None = None
) -> None:
    """A message to a claimant: WeChat where they have used the mini-program, else SMS to the
    phone they gave (or the records' one)."""
    openid = session.scalar(select(WeChatAccount.openid).where(WeChatAccount.person_id == person_id))
    if phone is None:
        person = session.get(Person, person_id)
        phone = person.phone if person else None
    try:
        notify.send(
            kind, notify.Recipient("person", person_id, phone=phone, openid=openid), values, dedup_key=dedup_key
        )
    except notify.Undeliverable:
        # The step stands; the claimant sees it in the mini-program.
        log.warning("person %s: no phone or WeChat account to tell of %s", person_id, kind)
