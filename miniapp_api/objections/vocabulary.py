"""The words of the objection channel: categories, statuses, steps, the reasons an objection may
be rejected for (each with its legal basis), and what a claimant can do after a rejection."""

from __future__ import annotations

from typing import Any

from miniapp_api.claims.form import FIELDS
from miniapp_api.records.models import Region

CATEGORY_LABELS = {
    "record": "申领表信息有误",
    "decision": "对审核决定有异议",
    "suspension": "对暂停或停止发放有异议",
    "refund": "对稳岗返还比对结果有异议",
}

# What an enterprise may object to in its refund (稳岗返还): each condition compared, its size
# class and the amount (last year's contributions paid).
REFUND_SUBJECTS = {
    "FUND_RESERVE": "统筹地区基金备付条件",
    "MONTHS_PAID": "足额缴纳失业保险费月数",
    "ARREARS": "欠缴失业保险费",
    "LAYOFF_RATE": "上年度裁员率",
    "CREDIT": "信用记录（严重失信、经营异常、注销吊销）",
    "PUBLIC_BODY": "机关事业单位认定",
    "SIZE_CLASS": "企业划型",
    "AMOUNT": "上年度实缴失业保险费及返还金额",
}


# The figures a refund was judged on, as the objection keeps them, in words.
REFUND_VALUE_LABELS = {
    "met": "是否符合",
    "condition_met": "基金备付条件",
    "months_paid_in_full": "足额缴费月数",
    "required": "要求月数",
    "arrears_months": "欠缴月数",
    "arrears_amount": "欠缴金额（元）",
    "layoffs": "裁员人数",
    "average_headcount": "月平均参保人数",
    "layoff_rate": "裁员率",
    "limit": "裁员率标准",
    "layoffs_counted_as": "裁员计算口径",
    "listings": "所在名单",
    "size_class": "企业划型",
    "paid_last_year": "上年度实缴（元）",
    "share_percent": "返还比例（%）",
    "amount": "返还金额（元）",
}


# The layoff count's formula as the region chose it (parameter refund_conditions).
_COUNTED_AS = {"new_benefit_recipients": "上年度新增领取失业保险金人数", "separations": "按规定原因停保的人数"}


def refund_values_in_words(values: dict[str, Any]) -> str:
    def word(value: Any) -> str:
        if isinstance(value, str) and value in _COUNTED_AS:
            return _COUNTED_AS[value]
        if value is True or value is False:
            return "是" if value else "否"
        if value in (None, "", []):
            return "未登记" if value is None else "无"
        return "、".join(map(str, value)) if isinstance(value, list) else str(value)

    return "；".join(f"{REFUND_VALUE_LABELS.get(key, key)}：{word(value)}" for key, value in values.items())


def subject_label(category: str, field: str | None) -> str | None:
    """The e-form field, or the refund's condition, an objection is about, in words."""
    if field is None:
        return None
    if category == "refund":
        return REFUND_SUBJECTS.get(field, field)
    return FIELDS[field].label


STATUS_LABELS = {
    "received": "已受理，待分派",
    "in_progress": "办理中",
    "awaiting_claimant": "待您补充材料（答复期限暂停计算）",
    "correction_pending": "已提出更正，待复核",
    "answered": "已办结",
}

EVENT_LABELS = {
    "filed": "提交异议",
    "assigned": "分派经办人",
    "info_requested": "请提出人补充材料",
    "info_supplied": "提出人补充材料",
    "correction_proposed": "提出更正记录",
    "correction_declined": "更正未获复核通过，退回经办人",
    "correction_approved": "更正经复核通过，记录已更正",
    "answered": "答复",
    "reminded": "到期前提醒经办人",
    "overdue": "逾期，已提交主管督办",
    "due_date_set": "确定答复期限",
    "rated": "服务评价",
    "filer_lost_identity": "提出人的微信身份绑定已被解除（身份由本人找回）",
    "refund_rescreen_due": "异议成立，稳岗返还待更正记录后重新比对（此前的申请和审核作废）",
}
# The same statuses as staff read them (the claimant's read "待您补充").
STAFF_STATUS_LABELS = {**STATUS_LABELS, "awaiting_claimant": "待提出人补充材料（答复期限暂停计算）"}

OUTCOME_LABELS = {"accepted": "异议成立", "rejected": "异议不成立"}

# Why an objection may be found unfounded, and on what basis. Staff pick a code; the claimant
# reads the wording and the basis.
REJECTION_REASONS: dict[str, tuple[str, str]] = {
    "RECORD_VERIFIED": (
        "经与用人单位申报和缴费记录核对，原记录无误",
        "人社部发〔2019〕18号第一条；人社厅发〔2020〕24号第三条",
    ),
    "STOP_REASON_PREVAILS": (
        "失业登记所填原因与用人单位停保原因不一致的，以停保原因为准",
        # A region whose own document says so adds it (parameter `stop_reason_prevails`).
        "社会保险法第五十条第一款（以用人单位出具并报送的终止或者解除劳动关系原因为准）",
    ),
    "DECISION_LAWFUL": (
        "原审核决定事实清楚，适用依据正确",
        "社会保险法第四十五条；失业保险条例第十四条",
    ),
    "SUSPENSION_LAWFUL": (
        "暂停或停止发放符合法定情形",
        "社会保险法第五十一条；失业保险条例第十五条",
    ),
    "LABOUR_DISPUTE": (
        "所提事项属于与用人单位之间的劳动争议，经办机构无权认定",
        "劳动争议调解仲裁法第二条、第五条",
    ),
    "REFUND_RECORDS_VERIFIED": (
        "经与单位缴费台账、参保人数、企业划型和信用名单核对，比对结果无误",
        # The region's conditions document is added from the screening that judged it.
        "稳岗返还按单位缴费台账、参保人数、企业划型和信用名单比对",
    ),
}


# Which objections each reason can answer: a record found correct is no answer to a suspension.
REJECTION_CATEGORIES: dict[str, tuple[str, ...]] = {
    "RECORD_VERIFIED": ("record",),
    "STOP_REASON_PREVAILS": ("record", "decision"),
    "DECISION_LAWFUL": ("decision",),
    "SUSPENSION_LAWFUL": ("suspension",),
    "LABOUR_DISPUTE": ("record", "decision", "suspension"),
    "REFUND_RECORDS_VERIFIED": ("refund",),
}


def next_steps(rejection_code: str | None, region: Region, category: str = "record") -> list[dict[str, Any]]:
    """What a claimant (or an enterprise) whose objection was rejected can do next, with the law
    that gives it."""
    evidence = "缴费凭证、企业划型证明" if category == "refund" else "劳动合同、解除通知书"
    steps = [
        {
            "title": "申请行政复议",
            "text": f"对答复不服的，可以自知道之日起六十日内，向{region.agency_name}的主管部门依法申请行政复议",
            "basis": "行政复议法第二十条；社会保险法第八十三条",
        },
        {
            "title": "提起行政诉讼",
            "text": "也可以自知道之日起六个月内，依法向人民法院提起行政诉讼",
            "basis": "行政诉讼法第四十六条；社会保险法第八十三条",
        },
        {
            "title": "补充证据后再次提出",
            "text": f"有新的证据材料（如{evidence}）的，可在小程序中就同一事项再次提出异议",
            "basis": "人社厅发〔2020〕24号第三条",
        },
        {
            "title": "咨询",
            "text": f"{region.agency_name}，电话{region.agency_phone}，地址{region.agency_address}；或拨打12333",
            "basis": "",
        },
    ]
    if rejection_code == "LABOUR_DISPUTE":
        steps.insert(
            0,
            {
                "title": "申请劳动争议仲裁",
                "text": "与用人单位就解除劳动关系的原因有争议的，可向劳动人事争议仲裁委员会申请仲裁；"
                "仲裁或判决改变解除原因的，凭结果再次提出异议",
                "basis": "劳动争议调解仲裁法第二条、第二十七条",
            },
        )
    return steps
