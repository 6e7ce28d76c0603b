"""What a claimant (or a member of staff) sees of a claim: its decision, payments and timeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.caller import Caller
from miniapp_api.claims.models import BenefitPayment, Claim, ClaimEvent, ServiceRating
from miniapp_api.claims.status import EVENT_LABELS, STATUS_LABELS
from miniapp_api.clock import china_today
from miniapp_api.db import MAX_ID
from miniapp_api.errors import NotFoundError
from miniapp_api.pii import mask_bank_account, mask_id_number, mask_name, mask_phone
from miniapp_api.records.models import Person, Region
from miniapp_api.records.service import rules_parameters
from miniapp_api.rules.lump_sum import lump_sum_rule
from miniapp_api.rules.separation_reasons import SEPARATION_REASONS


def own_claim(session: Session, caller: Caller, claim_id: int, *, for_update: bool = False) -> Claim:
    """The caller's own claim; another person's is "not found", never "forbidden" (no probing)."""
    if not 0 < claim_id <= MAX_ID:
        raise NotFoundError("没有找到这笔申领", code="CLAIM_NOT_FOUND")
    query = select(Claim).where(Claim.id == claim_id, Claim.person_id == caller.person_id)
    claim = session.scalar(query.with_for_update() if for_update else query)
    if claim is None:
        raise NotFoundError("没有找到这笔申领", code="CLAIM_NOT_FOUND")
    return claim


def staff_claim_of(session: Session, caller: Caller, claim_id: int, *, for_update: bool = False) -> Claim:
    """Any claim for province-wide staff; only their own region's for a region's staff."""
    if not 0 < claim_id <= MAX_ID:
        raise NotFoundError("没有找到这笔申领", code="CLAIM_NOT_FOUND")
    query = select(Claim).where(Claim.id == claim_id)
    if caller.staff_region:
        query = query.where(Claim.region_code == caller.staff_region)
    claim = session.scalar(query.with_for_update() if for_update else query)
    if claim is None:
        raise NotFoundError("没有找到这笔申领", code="CLAIM_NOT_FOUND")
    return claim


def payments_of(session: Session, claim_id: int) -> list[BenefitPayment]:
    return list(
        session.scalars(
            select(BenefitPayment)
            .where(BenefitPayment.claim_id == claim_id)
            .order_by(BenefitPayment.period, BenefitPayment.kind)
        )
    )


def my_claims(session: Session, caller: Caller) -> list[dict[str, Any]]:
    claims = session.scalars(
        select(Claim).where(Claim.person_id == caller.person_id).order_by(Claim.submitted_at.desc())
    )
    return [
        {
            "id": c.id,
            "claim_no": c.claim_no,
            "status": c.status,
            "status_label": STATUS_LABELS[c.status],
            "submitted_at": c.submitted_at,
        }
        for c in claims
    ]


def describe(session: Session, claim: Claim) -> dict[str, Any]:
    region = session.get(Region, claim.region_code)
    assert region is not None  # a foreign key
    payments = payments_of(session, claim.id)
    rating = session.scalar(
        select(ServiceRating).where(ServiceRating.subject_kind == "claim", ServiceRating.subject_id == claim.id)
    )
    reason = SEPARATION_REASONS.get(claim.separation_reason or "")
    return {
        "id": claim.id,
        "claim_no": claim.claim_no,
        "status": claim.status,
        "status_label": STATUS_LABELS[claim.status],
        "submitted_at": claim.submitted_at,
        "application_date": claim.application_date,
        "region": {"code": region.code, "name": region.name, "province": region.province},
        "agency": {"name": region.agency_name, "phone": region.agency_phone, "address": region.agency_address},
        "separation_date": claim.separation_date,
        "separation_reason": claim.separation_reason,
        "separation_reason_label": reason.label if reason else None,
        "contribution_months": claim.contribution_months,
        "review_reasons": claim.review_reasons if claim.status == "manual_review" else [],
        "decision": {
            "decided_at": claim.decided_at,
            "decided_by": None if claim.decided_by is None else claim.decided_by.split(":", 1)[0],
            "refusals": claim.refusals,
            "entitlement_months": claim.entitlement_months,
            "continued_payment_months": claim.continued_payment_months,
            "legal_retirement_date": claim.legal_retirement_date,
            "note": claim.decision_note,
        },
        "payments": [_payment(p) for p in payments],
        "total_amount": sum((p.amount for p in payments if p.status != "cancelled"), Decimal("0.00")),
        "bank_account": f"{claim.bank_name or ''} {mask_bank_account(claim.bank_account)}".strip(),
        "phone": mask_phone(claim.phone),
        "lump_sum": lump_sum_offer(session, claim, payments),
        "rating": {"score": rating.score, "comment": rating.comment, "created_at": rating.created_at}
        if rating
        else None,
        "receipt_url": f"/api/v1/claims/{claim.id}/receipt.pdf",
    }


def describe_for_staff(session: Session, claim: Claim) -> dict[str, Any]:
    person = session.get(Person, claim.person_id)
    assert person is not None  # a foreign key
    return {
        **describe(session, claim),
        "review_reasons": claim.review_reasons,
        "claimant": {"name": mask_name(person.name), "id_number": mask_id_number(person.id_number)},
        "facts": claim.facts,
        "trace": claim.trace,
        # The claim's history (decisions, stops and their basis, reconsiderations): a reviewer
        # deciding again sees why payment was stopped before.
        "history": events(session, claim)["events"],
    }


def _payment(payment: BenefitPayment) -> dict[str, Any]:
    return {
        "kind": payment.kind,
        "period": f"{payment.period:%Y-%m}",
        "month_index": payment.month_index,
        "amount": payment.amount,
        "medical_premium_paid": payment.medical_premium_paid,
        "medical_premium": payment.medical_premium,
        "continued": payment.continued,
        "pay_by": payment.pay_by,
        "status": payment.status,
    }


def lump_sum_offer(session: Session, claim: Claim, payments: list[BenefitPayment]) -> dict[str, Any] | None:
    """Whether the claimant may take what remains of the entitlement at once, and how much."""
    if claim.status != "approved":
        return None
    today = china_today()
    parameters = rules_parameters(session, claim.region_code)
    rule = lump_sum_rule(parameters, today) if parameters else None
    if rule is None:
        return None
    remaining = remaining_months(payments, today)
    return {
        "available": bool(remaining),
        "remaining_months": len(remaining),
        "remaining_amount": sum((p.amount for p in remaining), Decimal("0.00")),
        "note": "自主创业的，可一次性领取剩余期限的失业保险金；"
        f"一次性领取后不再享受医疗保险费代缴和续发（{rule.citation}）",
    }


def remaining_months(payments: list[BenefitPayment], today: dt.date) -> list[BenefitPayment]:
    """Scheduled months of the entitlement itself (continued payment is not part of it) not yet due."""
    first = today.replace(day=1)
    return [
        p for p in payments if p.kind == "monthly" and p.status == "scheduled" and not p.continued and p.period >= first
    ]


def events(session: Session, claim: Claim) -> dict[str, Any]:
    rows = session.scalars(select(ClaimEvent).where(ClaimEvent.claim_id == claim.id).order_by(ClaimEvent.id))
    return {
        "claim_no": claim.claim_no,
        "status": claim.status,
        "status_label": STATUS_LABELS[claim.status],
        "events": [
            {
                "kind": e.kind,
                "label": _label(e),
                "at": e.at,
                "actor": e.actor_kind,
                "period": f"{e.period:%Y-%m}" if e.period else None,
                "detail": e.detail,
            }
            for e in rows
        ],
    }


def _label(event: ClaimEvent) -> str:
    if event.kind == "reviewed":
        return {"auto": "自动审核", "manual": "人工审核"}.get(event.detail.get("mode", ""), "审核")
    return EVENT_LABELS.get(event.kind, event.kind)
