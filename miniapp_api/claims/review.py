"""Staff review: the queue of claims the records could not decide, and a reviewer's decision."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.caller import Caller
from miniapp_api.audit.service import record as audit
from miniapp_api.claims import decisions, timeline
from miniapp_api.claims.models import Claim
from miniapp_api.claims.progress import any_claim, describe_for_staff
from miniapp_api.claims.records_view import claim_facts, read_records
from miniapp_api.clock import china_today
from miniapp_api.errors import ConflictError, ValidationFailed
from miniapp_api.pii import mask_name
from miniapp_api.records.models import Person
from miniapp_api.records.service import rules_parameters
from miniapp_api.rules.eligibility import (
    CONTRIBUTION_BASIS,
    INVOLUNTARY_BASIS,
    PENSION_BASIS,
    Refusal,
)
from miniapp_api.rules.errors import RulesError
from miniapp_api.rules.estimate import estimate

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


def queue(session: Session, status: str, region: str | None, limit: int, after_id: int | None) -> list[dict[str, Any]]:
    """Oldest first: whoever waited longest is seen first."""
    query = select(Claim, Person.name).join(Person, Person.id == Claim.person_id).where(Claim.status == status)
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


def staff_claim(session: Session, claim_id: int) -> dict[str, Any]:
    return describe_for_staff(session, any_claim(session, claim_id))


def _pending(session: Session, claim_id: int) -> Claim:
    claim = any_claim(session, claim_id, for_update=True)
    if claim.status not in _PENDING:
        raise ConflictError(
            "这笔申领已经作出决定，不能重复审核", code="CLAIM_NOT_PENDING", details={"status": claim.status}
        )
    return claim


def staff_approve(session: Session, caller: Caller, claim_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Approve on the facts as the reviewer verified them; the rules still decide the amounts,
    and refuse an approval the law does not allow."""
    claim = _pending(session, claim_id)
    person = session.get(Person, claim.person_id)
    assert person is not None
    view = read_records(session, person, claim.application_date)
    parameters = rules_parameters(session, claim.region_code)
    verified = {k: body[k] for k in ("separation_date", "separation_reason", "contribution_months") if k in body}
    stop = view.stop_event
    separation_date = verified.get("separation_date") or (stop.stop_date if stop else None)
    separation_reason = verified.get("separation_reason") or (stop.reason_code if stop else None)
    if separation_date is None or separation_reason is None:
        raise ValidationFailed("内部记录缺少停保信息，请填写核实后的失业日期和失业原因", code="VERIFIED_FACTS_REQUIRED")
    if parameters is None:
        raise ValidationFailed("统筹地区参数缺失，无法核定待遇", code="PARAMETER_MISSING")
    facts = claim_facts(
        view,
        separation_date=separation_date,
        separation_reason=separation_reason,
        contribution_months=verified.get("contribution_months"),
    )
    try:
        result = estimate(facts, parameters)
    except RulesError as error:
        raise ValidationFailed(f"无法核定：{error.message}", code=error.code) from None
    if not result.eligible:
        raise ValidationFailed(
            "按核实后的事实不符合领取条件，请改为不予核准并注明原因",
            code="NOT_ELIGIBLE",
            details={"refusals": [dataclasses.asdict(r) for r in result.reasons]},
        )
    actor = timeline.actor_of(caller)
    claim.separation_date = facts.separation_date
    claim.separation_reason = facts.separation_reason
    claim.contribution_months = facts.contribution_months
    timeline.append(claim, "reviewed", actor, mode="manual", verified=sorted(verified))
    decisions.approve(session, claim, result, actor, decided_by=f"staff:{caller.staff_user_id}", note=body["note"])
    audit(
        "claim.approved",
        actor=caller.audit_actor,
        subject=("claim", claim.id),
        detail={"note": body["note"], "verified": {k: str(v) for k, v in verified.items()}},
    )
    return describe_for_staff(session, claim)


def staff_reject(session: Session, caller: Caller, claim_id: int, body: dict[str, Any]) -> dict[str, Any]:
    unknown = [code for code in body["reason_codes"] if code not in REJECTION_REASONS]
    if unknown:
        raise ValidationFailed(
            f"不予核准原因代码不正确：{'、'.join(unknown)}；可用代码：{'、'.join(REJECTION_REASONS)}",
            code="UNKNOWN_REJECTION_REASON",
        )
    claim = _pending(session, claim_id)
    actor = timeline.actor_of(caller)
    refusals = [Refusal(code, *REJECTION_REASONS[code]) for code in dict.fromkeys(body["reason_codes"])]
    timeline.append(claim, "reviewed", actor, mode="manual")
    decisions.reject(session, claim, refusals, actor, decided_by=f"staff:{caller.staff_user_id}", note=body["note"])
    audit(
        "claim.rejected",
        actor=caller.audit_actor,
        subject=("claim", claim.id),
        detail={"note": body["note"], "reasons": [r.code for r in refusals]},
    )
    return describe_for_staff(session, claim)
