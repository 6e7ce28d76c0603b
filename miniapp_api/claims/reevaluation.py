"""Deciding a claim again: after a corrected record (纠错后重新核定), or when an objection to a
decision or a suspension is upheld and the claim goes back to a reviewer (复核).

A rejected claim may become approved, an approved one may get a different schedule; months
already paid stay as they were (recovering an overpayment is a finance matter, not this).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapp_api.claims import decisions, timeline
from miniapp_api.claims.models import Claim
from miniapp_api.claims.records_view import RecordsView, ReviewReason, read_records
from miniapp_api.errors import ConflictError
from miniapp_api.records.models import Person

# Statuses the rules decide afresh on a corrected record. A claim still with a reviewer is left
# to the reviewer (who reads the records as they now stand); a settled, suspended, stopped or
# completed claim gets the correction on its timeline and is followed up by staff.
_DECIDED_AGAIN = ("approved", "rejected")
_WITH_A_REVIEWER = ("submitted", "manual_review")
UPHELD = "OBJECTION_UPHELD"


def latest_claim(session: Session, person_id: int) -> Claim | None:
    return session.scalars(
        select(Claim)
        .where(Claim.person_id == person_id)
        .order_by(Claim.submitted_at.desc(), Claim.id.desc())
        .limit(1)
        .with_for_update()
    ).first()


def _other_open_claim(session: Session, claim: Claim) -> str | None:
    return session.scalar(
        select(Claim.claim_no).where(
            Claim.person_id == claim.person_id, Claim.closed_at.is_(None), Claim.id != claim.id
        )
    )


def decide_after_correction(
    session: Session,
    person: Person,
    actor: tuple[str, str | None],
    *,
    correction_id: int,
    claim_id: int | None = None,
) -> Claim | None:
    """Run the disputed claim (or, the objection naming none, the person's latest) through the
    rules again on the corrected records."""
    claim = session.get(Claim, claim_id, with_for_update=True) if claim_id else latest_claim(session, person.id)
    if claim is None:
        return None
    reopening = claim.closed_at is not None
    if claim.status not in _DECIDED_AGAIN or (reopening and _other_open_claim(session, claim)):
        # With a reviewer already, or another claim open (which the reviewer decides on these
        # same corrected records): the correction goes on the timeline, nothing is decided here.
        timeline.append(claim, "records_corrected", actor, correction_id=correction_id)
        return claim
    view = read_records(session, person, claim.application_date, deciding_again=claim)
    before = _decision_summary(claim)
    _refresh_facts(claim, view)
    timeline.append(claim, "re_evaluated", actor, correction_id=correction_id, before=before)
    suffix = f":correction:{correction_id}"
    result = view.estimate
    if view.review_reasons or result is None or (result.eligible and not result.schedule):
        reasons = view.review_reasons or [ReviewReason("NO_DECISION", "按更正后的记录无法自动核定")]
        decisions.cancel_scheduled_payments(session, claim)
        decisions.send_to_review(session, claim, reasons, dedup_suffix=suffix)
    elif result.eligible:
        timeline.append(claim, "reviewed", mode="auto", eligible=True)
        decisions.approve(session, claim, result, timeline.SYSTEM, decided_by="auto", dedup_suffix=suffix)
    else:
        timeline.append(claim, "reviewed", mode="auto", eligible=False)
        decisions.reject(
            session, claim, list(result.reasons), timeline.SYSTEM, decided_by="auto", result=result, dedup_suffix=suffix
        )
    return claim


def send_back_to_review(
    session: Session,
    claim: Claim,
    actor: tuple[str, str | None],
    *,
    objection_no: str,
    staff_id: int | None,
    category: str = "decision",
) -> None:
    """An upheld objection to a decision or a suspension: a reviewer decides the claim again.
    The handler who upheld it is named, so the same person cannot also decide it. A claim since
    stopped for a statutory reason is not reopened by an objection to the earlier decision: only
    an objection to the stop itself can reopen it."""
    if claim.status == "stopped" and category != "suspension":
        raise ConflictError(
            "这笔申领此后已按法定事由停发，对原审核决定的异议成立也不恢复发放；"
            "申领人对停发有异议的，请按“对暂停或停止发放有异议”办理",
            code="CLAIM_STOPPED",
        )
    if claim.status == "settled":
        raise ConflictError(
            "这笔申领已一次性领取并发放，不能退回重新审核；请转经办机构财务岗位复核",
            code="CLAIM_SETTLED",
        )
    reason = {
        "code": UPHELD,
        "message": f"申领人对此申领提出的异议（编号{objection_no}）经核实成立，需重新审核",
        "raised_by": staff_id,
    }
    if claim.status in _WITH_A_REVIEWER:
        claim.review_reasons = [*claim.review_reasons, reason]
        timeline.append(claim, "reconsideration", actor, objection_no=objection_no)
        return
    if claim.closed_at is not None:
        other = _other_open_claim(session, claim)
        if other:
            raise ConflictError(
                f"申领人已有另一笔未办结的申领（受理号{other}），请在该申领中一并审核",
                code="OTHER_CLAIM_OPEN",
                details={"claim_no": other},
            )
    claim.review_reasons = [reason]
    timeline.append(claim, "reconsideration", actor, objection_no=objection_no)
    timeline.append(claim, "manual_review", actor, reasons=[UPHELD])


def raised_by(claim: Claim) -> set[int]:
    """Staff who sent this claim back for review by upholding an objection."""
    return {reason["raised_by"] for reason in claim.review_reasons if reason.get("raised_by") is not None}


def _decision_summary(claim: Claim) -> dict[str, Any]:
    return {
        "status": claim.status,
        "separation_date": claim.separation_date.isoformat() if claim.separation_date else None,
        "separation_reason": claim.separation_reason,
        "contribution_months": claim.contribution_months,
        "entitlement_months": claim.entitlement_months,
    }


def _refresh_facts(claim: Claim, view: RecordsView) -> None:
    stop = view.stop_event
    claim.employer_id = view.employer.id if view.employer else None
    claim.stop_event_id = stop.id if stop else None
    claim.separation_date = stop.stop_date if stop else None
    claim.separation_reason = stop.reason_code if stop else None
    claim.contribution_months = view.contribution_months
    claim.facts = view.facts.as_dict() if view.facts else None
    claim.review_reasons = [reason.as_dict() for reason in view.review_reasons]
