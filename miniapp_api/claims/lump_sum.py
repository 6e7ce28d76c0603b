"""自主创业一次性领取: the remaining entitlement in one payment, on the claimant's request."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from auth.caller import Caller
from miniapp_api.audit.service import record as audit
from miniapp_api.claims import decisions, timeline
from miniapp_api.claims.models import BenefitPayment, Claim
from miniapp_api.claims.progress import own_claim, payments_of, remaining_months
from miniapp_api.clock import china_today
from miniapp_api.errors import ConflictError, ValidationFailed
from miniapp_api.records.service import rules_parameters
from miniapp_api.rules.lump_sum import lump_sum_pay_by, lump_sum_rule


def take_lump_sum(session: Session, caller: Caller, claim_id: int, business_credit_code: str) -> Claim:
    claim = own_claim(session, caller, claim_id, for_update=True)
    if claim.status != "approved":
        raise ConflictError("只有正在按月领取的申领可以申请一次性领取", code="CLAIM_NOT_PAYING")
    today = china_today()
    parameters = rules_parameters(session, claim.region_code)
    rule = lump_sum_rule(parameters, today) if parameters else None
    if rule is None:
        raise ValidationFailed("您参保地区的政策没有规定自主创业可一次性领取失业保险金", code="LUMP_SUM_NOT_OFFERED")
    assert parameters is not None
    # A month already in a bank file is the bank's to settle: never counted again, nor cancelled.
    at_the_bank = decisions.in_flight(session, claim.id)
    payments = [p for p in payments_of(session, claim.id) if p.id not in at_the_bank]
    remaining = remaining_months(payments, today)
    if not remaining:
        raise ConflictError("您的失业保险金已没有剩余月份可一次性领取", code="NOTHING_REMAINING")
    amount = sum((p.amount for p in remaining), Decimal("0.00"))
    # Continued payment is not for those who took the lump sum (人社厅发〔2020〕24号第一条).
    cancelled = [
        p for p in payments if p.kind == "monthly" and p.status == "scheduled" and p.period >= today.replace(day=1)
    ]
    for payment in cancelled:
        payment.status = "cancelled"
    pay_by = lump_sum_pay_by(parameters, today)
    session.add(
        BenefitPayment(
            claim_id=claim.id,
            person_id=claim.person_id,
            kind="lump_sum",
            period=today.replace(day=1),
            month_index=remaining[0].month_index,
            amount=amount,
            medical_premium_paid=False,
            medical_premium=Decimal("0.00"),
            continued=False,
            pay_by=pay_by,
            status="scheduled",
        )
    )
    claim.business_credit_code = business_credit_code
    detail: dict[str, Any] = {
        "months": len(remaining),
        "left_to_the_bank": [f"{p.period:%Y-%m}" for p in payments_of(session, claim.id) if p.id in at_the_bank],
        "amount": str(amount),
        "cancelled_months": [f"{p.period:%Y-%m}" for p in cancelled],
        "pay_by": pay_by.isoformat(),
        "basis": rule.citation,
    }
    timeline.append(claim, "lump_sum_granted", timeline.actor_of(caller), **detail)
    audit("claim.lump_sum_granted", actor=caller.audit_actor, subject=("claim", claim.id), detail=detail)
    decisions.notify_claimant(
        session,
        claim,
        "claim_lump_sum_granted",
        {"claim_no": claim.claim_no, "amount": str(amount), "pay_by": pay_by.isoformat()},
    )
    return claim
