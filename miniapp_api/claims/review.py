"""Staff review: the queue of claims the records could not decide, and a reviewer's decision."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auth.caller import Caller
from miniapp_api.audit.service import record as audit
from miniapp_api.claims import decisions, timeline
from miniapp_api.claims.models import Claim, ClaimEvent
from miniapp_api.claims.progress import describe_for_staff, staff_claim_of
from miniapp_api.claims.records_view import read_records
from miniapp_api.claims.reevaluation import raised_by
from miniapp_api.clock import china_today
from miniapp_api.errors import ConflictError, Forbidden, ValidationFailed
from miniapp_api.pii import mask_name, mask_text
from miniapp_api.records.models import Person
from miniapp_api.rules.eligibility import (
    CONTRIBUTION_BASIS,
    INVOLUNTARY_BASIS,
    PENSION_BASIS,
    Refusal,
)

# What a reviewer may reject for, each with its legal basis. The 60-day window is not here,
# and never will be (人社厅发〔2020〕24号第四条).
REJECTION_REASONS: dict[str, tuple[str, str]] = {
    "INSUFFICIENT_CONTRIBUTION": ("失业前累计缴纳失业保险费不满1年", CONTRIBUTION_BASIS),
    "VOLUNTARY_SEPARATION": ("因本人意愿中断就业", INVOLUNTARY_BASIS),
    "SEPARATION_BY_RETIREMENT": ("因退休终止劳动关系", f"{INVOLUNTARY_BASIS}；劳动合同法第四十四条第（二）项"),
    "RECEIVING_PENSION": ("已依法享受基本养老保险待遇", PENSION_BASIS),
    "REEMPLOYED": ("失业后已重新就业（有单位为本人缴纳社会保险）", "社会保险法第五十一条第（一）项"),
    "CONSCRIPTED": ("应征服兵役", "社会保险法第五十一条第（二）项"),
    "EMIGRATED": ("移居境外", "社会保险法第五十一条第（三）项"),
    "IMPRISONED": ("被判刑收监执行", "失业保险条例第十五条第（四）项"),
}
_PENDING = ("submitted", "manual_review")


def queue(
    session: Session, caller: Caller, status: str, region: str | None, limit: int, after_id: int | None
) -> list[dict[str, Any]]:
    """Oldest first: whoever waited longest is seen first. A region's staff see their region."""
    query = select(Claim, Person.name).join(Person, Person.id == Claim.person_id).where(Claim.status == status)
    if caller.staff_region:
        query = query.where(Claim.region_code == caller.staff_region)
    if region:
        query = query.where(Claim.region_code == region)
    if after_id is not None:
        query = query.where(Claim.id > after_id)
    today = china_today()
    return [
        {
            "id": claim.id,
            "claim_no": claim.claim_no,
            "status": claim.status,
            "region_code": claim.region_code,
            "claimant": mask_name(name),
            "submitted_at": claim.submitted_at,
            "waiting_days": (today - claim.application_date).days,
            "review_reasons": claim.review_reasons,
        }
        for claim, name in session.execute(query.order_by(Claim.id).limit(limit))
    ]


def staff_claim(session: Session, caller: Caller, claim_id: int) -> dict[str, Any]:
    return describe_for_staff(session, staff_claim_of(session, caller, claim_id))


def _pending(session: Session, caller: Caller, claim_id: int) -> Claim:
    claim = staff_claim_of(session, caller, claim_id, for_update=True)
    if claim.status not in _PENDING:
        raise ConflictError(
            "这笔申领已经作出决定，不能重复审核", code="CLAIM_NOT_PENDING", details={"status": claim.status}
        )
    if caller.staff_user_id in raised_by(claim):
        raise Forbidden("您受理了对这笔申领的异议并提请复核，须由另一名审核人员作出决定", code="MAKER_CHECKER")
    return claim


def _decision_round(session: Session, claim: Claim) -> str:
    """Tells a decision after reconsideration from the first one, so its message is not taken
    for a duplicate of the first."""
    earlier = session.scalar(
        select(func.count())
        .select_from(ClaimEvent)
        .where(ClaimEvent.claim_id == claim.id, ClaimEvent.kind.in_(("approved", "rejected")))
    )
    return f":round:{earlier}" if earlier else ""


def staff_approve(session: Session, caller: Caller, claim_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Approve on the records as they stand now; the rules set the amounts and refuse an
    approval the law does not allow. A reviewer does not change facts here: a wrong record is
    corrected through the objection channel, where whoever proposes a correction never approves
    it (人社部发〔2019〕18号第五条), and the claim is then decided on the corrected record."""
    claim = _pending(session, caller, claim_id)
    person = session.get(Person, claim.person_id)
    assert person is not None
    view = read_records(session, person, claim.application_date, deciding_again=claim)
    if view.facts is None or view.estimate is None:
        reasons = "；".join(reason.message for reason in view.review_reasons) or "内部记录不完整"
        raise ValidationFailed(
            f"内部记录尚不足以核定待遇（{reasons}），请先更正内部记录或作出不予核准的决定",
            code="RECORDS_INCOMPLETE",
            details={"review_reasons": [reason.as_dict() for reason in view.review_reasons]},
        )
    result = view.estimate
    if not result.eligible:
        raise ValidationFailed(
            "按内部记录不符合领取条件，请改为不予核准并注明原因",
            code="NOT_ELIGIBLE",
            details={"refusals": [dataclasses.asdict(r) for r in result.reasons]},
        )
    if not result.schedule:
        raise ValidationFailed("未能生成发放计划，请核对地区参数", code="EMPTY_SCHEDULE")
    actor = timeline.actor_of(caller)
    note = mask_text(body["note"])
    timeline.append(claim, "reviewed", actor, mode="manual")
    decisions.approve(
        session,
        claim,
        result,
        actor,
        decided_by=f"staff:{caller.staff_user_id}",
        note=note,
        dedup_suffix=_decision_round(session, claim),
    )
    audit(
        "claim.approved",
        actor=caller.audit_actor,
        subject=("claim", claim.id),
        detail={"note": note, "review_reasons": [r["code"] for r in claim.review_reasons]},
    )
    return describe_for_staff(session, claim)


def staff_reject(session: Session, caller: Caller, claim_id: int, body: dict[str, Any]) -> dict[str, Any]:
    unknown = [code for code in body["reason_codes"] if code not in REJECTION_REASONS]
    if unknown:
        choices = "、".join(f"{wording}（{code}）" for code, (wording, *_rest) in REJECTION_REASONS.items())
        raise ValidationFailed(
            f"不予核准原因代码不正确：{'、'.join(unknown)}；可选：{choices}", code="UNKNOWN_REJECTION_REASON"
        )
    claim = _pending(session, caller, claim_id)
    actor = timeline.actor_of(caller)
    note = mask_text(body["note"])
    refusals = [Refusal(code, *REJECTION_REASONS[code]) for code in dict.fromkeys(body["reason_codes"])]
    timeline.append(claim, "reviewed", actor, mode="manual")
    decisions.reject(
        session,
        claim,
        refusals,
        actor,
        decided_by=f"staff:{caller.staff_user_id}",
        note=note,
        dedup_suffix=_decision_round(session, claim),
    )
    audit(
        "claim.rejected",
        actor=caller.audit_actor,
        subject=("claim", claim.id),
        detail={"note": note, "reasons": [r.code for r in refusals]},
    )
    return describe_for_staff(session, claim)
