"""What an enterprise, and what staff, see of a refund: each condition in words, with its values
and its basis, the amount, and where the application stands."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapp_api.objections.models import Objection, ObjectionDeadline
from miniapp_api.objections.vocabulary import REFUND_SUBJECTS, next_steps
from miniapp_api.objections.vocabulary import STATUS_LABELS as OBJECTION_STATUS_LABELS
from miniapp_api.pii import mask_bank_account
from miniapp_api.records.models import Employer, Region
from miniapp_api.refunds.models import Assessment, CorporateAccount, Screening
from miniapp_api.rules.refund import BLOCKERS, REFUSALS

STATUS_LABELS = {
    "eligible": "符合条件，待确认对公账户",
    "ineligible": "不符合条件",
    "applied": "已确认申请，待经办机构审核",
    "approved": "审核通过，待公示",
    "rejected": "审核未通过",
    "in_notice": "公示中",
    "held": "公示期间有异议，暂缓发放",
    "payable": "公示无异议，待拨付",
    "paying": "拨付中",
    "paid": "已拨付",
    "returned": "银行退回，待更正账户",
    "waived": "逾期未确认，视为放弃",
}
SIZE_LABELS = {"large": "大型企业", "small_micro": "中小微企业"}
# The enterprise's own wording of the objection status it waits in.
_OBJECTION_STATUS_LABELS = {**OBJECTION_STATUS_LABELS, "awaiting_claimant": "待贵单位补充材料（答复期限暂停计算）"}


def _codes(value: str) -> list[str]:
    return [code for code in value.split(",") if code]


def _percent(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}%"


def conditions(found: Assessment, screening: Screening) -> list[dict[str, Any]]:
    """Each condition: met or not, the enterprise's values, the rule and the document it is from."""
    used = screening.parameters
    citations = used["citations"]
    refused = set(_codes(found.refusals))
    listed = _codes(found.credit_listings)
    return [
        {
            "code": "FUND_RESERVE",
            "label": "统筹地区基金备付条件",
            "met": "FUND_RESERVE" not in refused,
            "values": {"condition_met": used["fund_reserve_met"]},
            "basis": citations["refund_fund_reserve"],
        },
        {
            "code": "MONTHS_PAID",
            "label": f"足额缴纳失业保险费满{used['months_paid_in_full']}个月",
            "met": "MONTHS_PAID" not in refused,
            "values": {"months_paid_in_full": found.months_paid_in_full, "required": used["months_paid_in_full"]},
            "basis": citations["refund_conditions"],
        },
        {
            "code": "ARREARS",
            "label": "无欠缴失业保险费",
            "met": "ARREARS" not in refused,
            "values": {"arrears_months": found.arrears_months, "arrears_amount": str(found.arrears_amount)},
            "basis": citations["refund_conditions"],
        },
        {
            "code": "LAYOFF_RATE",
            "label": "上年度裁员率不高于规定标准",
            "met": "LAYOFF_RATE" not in refused,
            "values": {
                "layoffs": found.layoffs,
                "average_headcount": str(found.average_headcount),
                "layoff_rate": _percent(found.layoff_rate),
                "limit": _percent(found.layoff_rate_limit),
                "layoffs_counted_as": used["layoffs_counted_as"],
            },
            "basis": citations["refund_conditions"],
        },
        {
            "code": "CREDIT",
            "label": "未被列入严重失信主体名单、经营异常名录，未注销或被吊销",
            "met": not refused & {"SERIOUS_DISHONESTY", "ABNORMAL_OPERATIONS", "DEREGISTERED", "REVOKED"},
            "values": {"listings": listed},
            # The region's own conditions, and the lists as imported with their publisher and date.
            "basis": f"{citations['refund_conditions']}；信用名单以导入记录所载的发布机关、文件和列入日期为准",
        },
        {
            "code": "PUBLIC_BODY",
            "label": "参保企业（机关事业单位不享受）",
            "met": "PUBLIC_BODY" not in refused,
            "values": {},
            "basis": f"返还对象为参保企业：{citations['refund_share']}",
        },
    ]


def describe(session: Session, found: Assessment) -> dict[str, Any]:
    screening = session.get(Screening, found.screening_id)
    employer = session.get(Employer, found.employer_id)
    account = session.get(CorporateAccount, found.employer_id)
    assert screening is not None  # a foreign key
    assert employer is not None
    return {
        "id": found.id,
        "policy_year": found.policy_year,
        "enterprise": {"name": employer.name, "credit_code": employer.credit_code},
        "status": found.status,
        "status_label": STATUS_LABELS[found.status],
        "eligible": found.eligible,
        "refusals": [{"code": code, "message": REFUSALS[code]} for code in _codes(found.refusals)],
        "blockers": [{"code": code, "message": BLOCKERS[code]} for code in _blockers(found, account)],
        "conditions": conditions(found, screening),
        "size_class": found.size_class,
        "size_label": SIZE_LABELS.get(found.size_class or ""),
        "paid_last_year": str(found.paid_last_year),
        "share": _percent(found.share_percent),
        "amount": None if found.amount is None else str(found.amount),
        "share_basis": screening.parameters["citations"]["refund_share"],
        "account": {
            "bank_name": account.bank_name,
            "account_name": account.account_name,
            "account_number": mask_bank_account(account.account_number),
        }
        if account
        else None,
        "screened_at": found.screened_at,
        "applied_at": found.applied_at,
        "decided_at": found.decided_at,
        "rejection_code": found.rejection_code,
        "decision_note": found.decision_note,
        "notice_id": found.notice_id,
        "hold_reason": found.hold_reason,
        "paid_at": found.paid_at,
        "failure_reason": found.failure_reason,
        "confirm_by": found.confirm_by,
        "waived_at": found.waived_at,
        "objections": objections_of(session, found.id),
    }


def _blockers(found: Assessment, account: CorporateAccount | None) -> list[str]:
    """What stops the refund being paid now (the account may have been entered since screening)."""
    if not found.eligible:
        return []
    codes = [code for code in _codes(found.blockers) if code != "ACCOUNT_MISSING"]
    return codes + ([] if account else ["ACCOUNT_MISSING"])


def objections_of(session: Session, refund_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Objection, ObjectionDeadline)
        .join(ObjectionDeadline, ObjectionDeadline.objection_id == Objection.id)
        .where(Objection.refund_id == refund_id)
        .order_by(Objection.id)
    ).all()
    if not rows:
        return []
    region = session.get(Region, rows[0][0].region_code)
    assert region is not None  # a foreign key
    return [describe_objection(objection, deadline, region) for objection, deadline in rows]


def describe_objection(objection: Objection, deadline: ObjectionDeadline, region: Region) -> dict[str, Any]:
    """One objection as the enterprise follows it; after a rejection, what it can do next."""
    return {
        "id": objection.id,
        "objection_no": objection.objection_no,
        "condition": objection.field,
        "condition_label": REFUND_SUBJECTS.get(objection.field or "", objection.field),
        "status": objection.status,
        "status_label": _OBJECTION_STATUS_LABELS[objection.status],
        "filed_on": objection.filed_on,
        "due_on": deadline.due_on,
        "working_days": deadline.working_days,
        "basis": deadline.basis,
        "info_request": objection.info_request if objection.status == "awaiting_claimant" else None,
        "outcome": objection.outcome,
        "answer": objection.answer,
        "legal_basis": objection.legal_basis,
        "next_steps": next_steps(objection.rejection_code, region, "refund") if objection.outcome == "rejected" else [],
    }
