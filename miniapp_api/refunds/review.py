"""The agency's side: screen a region, review the applications in a queue, approve or reject with
a coded reason. Every read and action is scoped to the member of staff's own region."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auth.caller import Caller
from miniapp_api.audit.service import record as audit
from miniapp_api.celery_app import task
from miniapp_api.clock import china_today
from miniapp_api.db import MAX_ID, after_commit, utcnow
from miniapp_api.errors import ConflictError, Forbidden, NotFoundError, ValidationFailed
from miniapp_api.pii import mask_text
from miniapp_api.records.models import Employer, Region
from miniapp_api.refunds import telling
from miniapp_api.refunds.models import Assessment
from miniapp_api.refunds.objections import any_open
from miniapp_api.refunds.presenting import STATUS_LABELS, describe
from miniapp_api.refunds.screening import screen
from miniapp_api.rules.errors import RulesError

REJECTION_CODES = {
    "RECORDS_MISMATCH": "缴费或参保记录与系统比对结果不符",
    "LAYOFF_CHECK": "裁员情况核查未通过",
    "CREDIT_CHECK": "征信核查未通过",
    "ACCOUNT_INVALID": "对公账户信息有误",
    "ALREADY_REFUNDED": "本年度已享受稳岗返还",
    "OTHER": "其他原因（见说明）",
}


def region_for(caller: Caller, asked: str | None) -> str:
    if caller.staff_region:
        if asked and asked != caller.staff_region:
            raise Forbidden(f"只能处理本地区（{caller.staff_region}）的稳岗返还", code="OTHER_REGION")
        return caller.staff_region
    if not asked:
        raise ValidationFailed("请指定统筹地区（region）", code="REGION_REQUIRED", details={"field": "region"})
    return asked


def run_screening(session: Session, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    region = region_for(caller, body.get("region"))
    if session.get(Region, region) is None:
        raise NotFoundError("统筹地区不存在", code="REGION_NOT_FOUND")
    try:
        done = screen(
            session, region, body["policy_year"], today=china_today(), started_by=f"staff:{caller.staff_user_id}"
        )
    except RulesError as error:  # a refund parameter the region has not set
        raise ValidationFailed(error.message, code=error.code) from None
    # The enterprises found eligible are told now, not at the next hourly sweep.
    after_commit(lambda: task("refunds.sweep_reminders").delay())
    audit(
        "refund.screened",
        actor=caller.audit_actor,
        subject=("refund_screening", done.id),
        detail={"region": region, "policy_year": done.policy_year, "eligible": done.eligible},
    )
    return {
        "id": done.id,
        "region_code": region,
        "policy_year": done.policy_year,
        "as_of": done.as_of,
        "enterprises": done.enterprises,
        "eligible": done.eligible,
        "total_amount": str(done.total_amount),
    }


def queue(session: Session, caller: Caller, query: dict[str, Any]) -> dict[str, Any]:
    region = region_for(caller, query.get("region"))
    conditions = [
        Assessment.region_code == region,
        Assessment.policy_year == query["policy_year"],
        Assessment.status == query["status"],
    ]
    total = session.scalar(select(func.count()).select_from(Assessment).where(*conditions)) or 0
    rows = session.execute(
        select(Assessment, Employer.name, Employer.credit_code)
        .join(Employer, Employer.id == Assessment.employer_id)
        .where(*conditions)
        .order_by(Assessment.applied_at, Assessment.id)
        .limit(query["limit"])
        .offset(query["offset"])
    ).all()
    return {
        "total": total,
        "items": [
            {
                "id": found.id,
                "enterprise": {"name": name, "credit_code": code},
                "status": found.status,
                "status_label": STATUS_LABELS[found.status],
                "amount": None if found.amount is None else str(found.amount),
                "applied_at": found.applied_at,
            }
            for found, name, code in rows
        ],
    }


def staff_refund(session: Session, caller: Caller, refund_id: int, *, for_update: bool = False) -> Assessment:
    """A refund of the member of staff's region; another region's is "not found"."""
    if not 0 < refund_id <= MAX_ID:
        raise NotFoundError("没有找到这笔稳岗返还", code="REFUND_NOT_FOUND")
    query = select(Assessment).where(Assessment.id == refund_id)
    if caller.staff_region:
        query = query.where(Assessment.region_code == caller.staff_region)
    found = session.scalar(query.with_for_update() if for_update else query)
    if found is None:
        raise NotFoundError("没有找到这笔稳岗返还", code="REFUND_NOT_FOUND")
    return found


def detail(session: Session, caller: Caller, refund_id: int) -> dict[str, Any]:
    return describe(session, staff_refund(session, caller, refund_id))


def decide(session: Session, caller: Caller, refund_id: int, body: dict[str, Any]) -> dict[str, Any]:
    found = staff_refund(session, caller, refund_id, for_update=True)
    if found.status not in ("applied", "held"):
        raise ConflictError(
            "只能审核已确认申请、或公示期间因异议暂缓的稳岗返还",
            code="REFUND_NOT_UNDER_REVIEW",
            details={"status": found.status},
        )
    approve = body["decision"] == "approve"
    if approve and any_open(session, found.id):
        raise ConflictError(
            "该单位对这笔稳岗返还的异议尚未答复，请答复后再审核通过（异议成立的将退回重新比对）",
            code="OBJECTION_OPEN",
        )
    note = mask_text((body.get("note") or "").strip()) or None  # the enterprise reads it
    if not approve:
        code = body.get("reason_code")
        if code not in REJECTION_CODES:
            raise ValidationFailed(
                "不予通过须选择原因代码：" + "、".join(f"{key}（{label}）" for key, label in REJECTION_CODES.items()),
                code="REASON_CODE_REQUIRED",
                details={"field": "reason_code"},
            )
        if code == "OTHER" and not note:
            raise ValidationFailed("选择“其他原因”时请填写说明", code="NOTE_REQUIRED", details={"field": "note"})
        found.rejection_code = code
    # An objection looked into and found wanting: the refund goes back on the notice it was held from.
    back_on_notice = approve and found.status == "held"
    found.status = ("in_notice" if back_on_notice else "approved") if approve else "rejected"
    found.decided_at = utcnow()
    found.decided_by = caller.staff_user_id
    found.decision_note = note
    if not approve:
        telling.rejected(session, found, REJECTION_CODES[found.rejection_code or "OTHER"])
    elif not back_on_notice:
        telling.approved(session, found)
    else:
        telling.hold_lifted(session, found)
    audit(
        "refund.approved" if approve else "refund.rejected",
        actor=caller.audit_actor,
        subject=("refund_assessment", found.id),
        detail={"rejection_code": found.rejection_code},
    )
    return describe(session, found)
