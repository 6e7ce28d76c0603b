"""Regional parameters in the console: each kind's version in force, those scheduled and past,
with their documents; a new version proposed by an administrator and put in force by another."""

from __future__ import annotations

import json
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from auth.caller import Caller
from miniapp_api.api import accepts
from miniapp_api.clock import china_today
from miniapp_api.console.calendar import ALL_STAFF
from miniapp_api.console.routes import FORM_TYPES, _me, blp, confirmed, page
from miniapp_api.db import current_session
from miniapp_api.errors import ValidationFailed
from miniapp_api.objections import handling
from miniapp_api.records import parameter_changes as changes
from miniapp_api.records.service import list_regions
from miniapp_api.rules.parameters import NATIONAL_DEFAULTS, PARAMETER_LABELS, ParameterVersion

# The words for each part of a value, so a value reads as a sentence and not as JSON.
VALUE_WORDS = {
    "monthly": "每月（元）",
    "base_monthly": "缴费基数（元/月）",
    "percent": "比例（%）",
    "basis": "计算基数",
    "minimum_wage": "最低工资标准",
    "bands": "分段",
    "from_month": "自第几个月",
    "to_month": "至第几个月",
    "steps": "档次",
    "min_contribution_months": "累计缴费满（月）",
    "entitlement_months": "领取期限（月）",
    "days": "天数",
    "working_days": "工作日",
    "by_category": "按异议类别",
    "cutoff_day": "每月截止日",
    "months_before_retirement": "距法定退休年龄不足（月）",
    "allowed": "允许",
    "enabled": "适用",
    "min_months": "连续月数",
    "applies": "适用",
    "large_percent": "大型企业返还比例（%）",
    "small_micro_percent": "中小微企业返还比例（%）",
    "months_paid_in_full": "足额缴费满（月）",
    "layoffs_counted_as": "裁员人数口径",
    "new_benefit_recipients": "上年度新增领取失业保险金人数",
    "separations": "按所列原因停保的人数",
    "layoff_reasons": "计入裁员的停保原因",
    "layoff_rate_percent": "裁员率上限（%）",
    "small_employer_headcount": "小规模企业参保人数上限",
    "small_employer_layoff_rate_percent": "小规模企业裁员率上限（%）",
    "condition_met": "符合备付条件",
    "reserve_months": "基金备付月数",
    "reminders": "提醒次数",
}


# A starting value for a kind the region has never set and the law gives no default for; the
# administrator edits the numbers (checked like every value before it is proposed).
EXAMPLES: dict[str, dict[str, Any]] = {
    "minimum_wage": {"monthly": "2200.00"},
    "minimum_living_allowance": {"monthly": "800.00"},
    "benefit_rate": {"basis": "minimum_wage", "bands": [{"from_month": 1, "to_month": None, "percent": "90"}]},
    "termination_filing_limit": {"days": 15, "working_days": False},
    "payment_schedule": {"cutoff_day": 20},
    "business_start_lump_sum": {"allowed": False},
    "hidden_employment": {"enabled": False, "min_months": 3},
    "medical_premium": {"monthly": "250.00"},
    "resettlement_payment_bar": {"applies": False},
    "stop_reason_prevails": {"applies": False},
    "refund_fund_reserve": {"condition_met": True, "reserve_months": "12"},
    "refund_notice_period": {"working_days": 5},
    "refund_confirmation_window": {"days": 30, "reminders": 3},
    "refund_without_application": {"applies": False},
}


def national_defaults() -> dict[str, ParameterVersion]:
    """The law's own value of each kind it sets, the latest version."""
    latest: dict[str, ParameterVersion] = {}
    for version in sorted(NATIONAL_DEFAULTS, key=lambda v: v.effective_from):
        latest[version.kind] = version
    return latest


def starting_value(kind: str, current: Any, national: ParameterVersion | None) -> Any:
    if current is not None:
        return current.value
    return national.value if national else EXAMPLES.get(kind, {})


def readable(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return "；".join(f"{VALUE_WORDS.get(key, key)}：{readable(item)}" for key, item in value.items())
    if isinstance(value, list):
        return " / ".join(f"（{readable(item)}）" for item in value)
    if value is None:
        return "不限"
    return str(VALUE_WORDS.get(value, value)) if isinstance(value, str) and value in VALUE_WORDS else str(value)


@blp.get("/regions")
@page(*ALL_STAFF)
def regions(caller: Caller) -> Any:
    shown = [r for r in list_regions(current_session()) if not caller.staff_region or r.code == caller.staff_region]
    return render_template("console/regions.html", me=_me(caller), regions=shown)


@blp.post("/regions/<code>/parameters")
@accepts(*FORM_TYPES)
@page(*changes.PROPOSE_ROLES)
def propose_parameter(caller: Caller, code: str) -> Any:
    form = request.form.to_dict()
    try:
        form["value"] = json.loads(form.get("value") or "")
    except (ValueError, RecursionError):  # RecursionError: brackets nested thousands deep
        raise ValidationFailed("参数值应按现行值的格式填写（JSON），请对照修改", code="BAD_PARAMETER_VALUE") from None
    change = changes.propose(current_session(), caller, code, form)
    flash(f"已提出“{PARAMETER_LABELS[change.kind]}”的调整，须另一位管理员或主管审核后生效", "info")
    return redirect(url_for("console.region_parameters", code=code))


@blp.get("/regions/<code>/parameters")
@page(*ALL_STAFF)
def region_parameters(caller: Caller, code: str) -> Any:
    session = current_session()
    region = changes.region_in_scope(session, caller, code)
    today = china_today()
    by_kind = changes.history(session, code)
    pending = changes.changes(session, code)
    return render_template(
        "console/parameters.html",
        me=_me(caller),
        region=region,
        today=today,
        labels=PARAMETER_LABELS,
        by_kind=by_kind,
        in_force={kind: next((v for v in rows if v.effective_from <= today), None) for kind, rows in by_kind.items()},
        changes=pending,
        national=national_defaults(),
        starting_value=starting_value,
        proposers=handling.staff_names(session, {change.proposed_by for change in pending}),
        status_labels=changes.STATUS_LABELS,
        readable=readable,
        as_json=lambda value: json.dumps(value, ensure_ascii=False),
        may_propose=bool(set(changes.PROPOSE_ROLES) & set(caller.roles or ())),
        may_decide=bool(set(changes.DECIDE_ROLES) & set(caller.roles or ())),
    )


@blp.post("/parameter-changes/<int:change_id>/<verdict>")
@accepts(*FORM_TYPES)
@page(*changes.DECIDE_ROLES)
def parameter_change_verdict(caller: Caller, change_id: int, verdict: str) -> Any:
    session, note = current_session(), request.form.get("note", "")
    confirmed("审核")
    if verdict == "approve":
        row = changes.approve(session, caller, change_id, note)
        flash(f"已批准：“{PARAMETER_LABELS[row.kind]}”自 {row.effective_from} 起适用", "info")
        return redirect(url_for("console.region_parameters", code=row.region_code))
    if verdict == "reject":
        change = changes.reject(session, caller, change_id, note)
        flash("已退回提出人", "info")
        return redirect(url_for("console.region_parameters", code=change.region_code))
    return render_template("console/error.html", message="没有这项操作", me=_me(caller)), 404
