"""A reviewer's console work: record corrections, manual-review claims, fund-safety check items."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from auth.caller import Caller
from miniapp_api.api import accepts
from miniapp_api.claims import review
from miniapp_api.claims import schemas as claim_schemas
from miniapp_api.clock import CHINA
from miniapp_api.console.routes import FORM_TYPES, PAGE, _me, blp, confirmed, page
from miniapp_api.db import current_session
from miniapp_api.objections import corrections, handling
from miniapp_api.objections.models import Objection
from miniapp_api.pii import mask_id_number, mask_name
from miniapp_api.records import fields as f
from miniapp_api.records.models import Person
from miniapp_api.rules.facts import FACT_LABELS
from miniapp_api.rules.separation_reasons import SEPARATION_REASONS
from miniapp_api.safety import checks, holds
from miniapp_api.safety.models import CHECK_KINDS
from miniapp_api.safety.reasons import STOP_REASONS
from miniapp_api.safety.schemas import DecisionIn, HoldIn

CORRECTION_TARGETS = {"person": "个人信息", "stop_event": "停保记录", "contribution_period": "缴费记录"}
_RECORD_WORDS = {
    "name": "姓名",
    "sex": "性别",
    "birth_date": "出生日期",
    "bank_name": "开户银行",
    "bank_account": "银行账号",
    "stop_date": "失业（停保）日期",
    "reason_code": "失业原因",
    "start_month": "起始月份",
    "end_month": "截止月份",
    "employer_id": "单位编号",
    "employer_credit_code": "单位统一社会信用代码",
    "period_id": "缴费记录编号",
}


@blp.app_template_filter("record_values")
def record_values(values: dict[str, Any]) -> str:
    """A correction's before or after as staff say it: "失业原因：用人单位提出协商一致解除"."""
    if not values:
        return "（无此记录，将新建）"
    shown = []
    for key, value in values.items():
        if key == "reason_code" and value in SEPARATION_REASONS:
            value = SEPARATION_REASONS[value].label
        elif key == "sex":
            value = {"M": "男", "F": "女"}.get(value, value)
        shown.append(f"{_RECORD_WORDS.get(key, key)}：{value}")
    return "；".join(shown)


@blp.app_template_filter("facts_in_words")
def facts_in_words(facts: dict[str, Any]) -> list[tuple[str, str]]:
    """The facts a decision used, as a reviewer reads them: 性别 男, 失业原因 用人单位裁员."""
    shown = []
    for key, value in (facts or {}).items():
        if key == "sex":
            value = {"male": "男", "female": "女"}.get(value, value)
        elif key == "separation_reason" and value in SEPARATION_REASONS:
            value = SEPARATION_REASONS[value].label
        elif isinstance(value, bool):
            value = "是" if value else "否"
        elif value is None:
            value = "—"
        shown.append((FACT_LABELS.get(key, key), str(value)))
    return shown


# The words for what a check item's evidence holds (safety.signals and the face and binding checks).
_EVIDENCE_WORDS = {
    "list": "名单文件",
    "suspicions": "疑点",
    "account": "银行账户",
    "others": "其他申领人",
    "wechat_user": "微信用户",
    "failures": "核验失败次数",
    "first_at": "首次",
    "last_at": "最近",
    "days": "天数",
    "other_person": "另一身份",
    "distance": "人脸特征距离",
    "squatting_account": "抢先绑定的微信账户",
    "recovered_by_account": "本人找回身份所用的微信账户",
    "held_since": "抢先绑定时间",
    "row": "行号",
    "kind": "类型",
    "note": "说明",
    "source": "比对来源",
    "drafts_discarded": "作废的草稿",
    "detail": "疑点说明",
    "name": "姓名",
    "id_number": "身份证号码",
    "open_objections_filed": "待办异议",
}


@blp.app_template_filter("evidence_in_words")
def evidence_in_words(value: Any) -> str:
    if isinstance(value, dict):
        return "；".join(f"{_EVIDENCE_WORDS.get(k, k)}：{evidence_in_words(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(evidence_in_words(item) for item in value) or "—"
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T":  # an ISO moment
        try:
            return dt.datetime.fromisoformat(value).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    return "—" if value is None else str(value)


# --- record corrections (reviewer) --------------------------------------------------------------


@blp.get("/corrections")
@page("reviewer", "supervisor")
def correction_queue(caller: Caller) -> Any:
    session = current_session()
    items = corrections.pending(session, caller, PAGE)
    names = handling.staff_names(session, {item["proposed_by"] for item in items})
    numbers = dict(
        session.execute(
            select(Objection.id, Objection.objection_no).where(Objection.id.in_({i["objection_id"] for i in items}))
        ).all()
    )
    return render_template(
        "console/corrections.html",
        me=_me(caller),
        items=items,
        names=names,
        numbers=numbers,
        targets=CORRECTION_TARGETS,
    )


@blp.post("/corrections/<int:correction_id>/<verdict>")
@accepts(*FORM_TYPES)
@page("reviewer", "supervisor")
def correction_verdict(caller: Caller, correction_id: int, verdict: str) -> Any:
    confirmed("复核结论")
    note = f.Text().deserialize(request.form.get("note", "")) if request.form.get("note", "").strip() else "核实无误"
    if verdict == "approve":
        corrections.approve(current_session(), caller, correction_id, note)
        flash("已批准更正，记录已修改，相关申领已重新核定", "info")
    elif verdict == "decline":
        corrections.decline(current_session(), caller, correction_id, note)
        flash("已退回更正", "info")
    else:
        return render_template("console/error.html", message="没有这项操作", me=_me(caller)), 404
    return redirect(url_for("console.correction_queue"))


# --- manual-review claims (reviewer) -------------------------------------------------------------


@blp.get("/claims")
@page("reviewer", "supervisor")
def review_queue(caller: Caller) -> Any:
    after = request.args.get("after", type=int)
    items = review.queue(current_session(), caller, "manual_review", None, PAGE, after)
    return render_template(
        "console/claims.html", me=_me(caller), items=items, next_after=items[-1]["id"] if len(items) == PAGE else None
    )


@blp.get("/claims/<int:claim_id>")
@page("reviewer", "supervisor")
def review_claim(caller: Caller, claim_id: int) -> Any:
    claim = review.staff_claim(current_session(), caller, claim_id)
    return render_template("console/claim.html", me=_me(caller), claim=claim, reasons=review.REJECTION_REASONS)


@blp.post("/claims/<int:claim_id>/<verdict>")
@accepts(*FORM_TYPES)
@page("reviewer", "supervisor")
def review_verdict(caller: Caller, claim_id: int, verdict: str) -> Any:
    confirmed("审核决定")
    session = current_session()
    if verdict == "approve":
        review.staff_approve(
            session, caller, claim_id, claim_schemas.ApproveIn().load({"note": request.form.get("note", "")})
        )
        flash("已核准，发放计划已生成，申领人已收到通知", "info")
    elif verdict == "reject":
        body = claim_schemas.RejectIn().load(
            {"reason_codes": request.form.getlist("reason_codes"), "note": request.form.get("note", "")}
        )
        review.staff_reject(session, caller, claim_id, body)
        flash("已作出不予核准决定，申领人已收到通知及救济途径", "info")
    else:
        return render_template("console/error.html", message="没有这项操作", me=_me(caller)), 404
    return redirect(url_for("console.review_claim", claim_id=claim_id))


# --- fund-safety check items (reviewer) ---------------------------------------------------------


@blp.get("/checks")
@page("handler", "reviewer", "supervisor", "auditor", "admin")
def check_items(caller: Caller) -> Any:
    after = request.args.get("after", type=int) or 0
    session = current_session()
    items = checks.listed(session, caller, "open", None, after, PAGE)
    people = {
        person.id: f"{mask_name(person.name)}（{mask_id_number(person.id_number)}）"
        for person in session.scalars(select(Person).where(Person.id.in_({item.person_id for item in items})))
    }
    return render_template(
        "console/checks.html",
        me=_me(caller),
        items=items,
        people=people,
        kinds=CHECK_KINDS,
        reasons=STOP_REASONS,
        holding=holds.holds_payment,
        next_after=items[-1].id if len(items) == PAGE else None,
    )


@blp.post("/checks/<int:item_id>/decision")
@accepts(*FORM_TYPES)
@page("reviewer", "supervisor")
def check_decision(caller: Caller, item_id: int) -> Any:
    confirmed("核查结论")
    form = {key: value for key, value in request.form.items() if key != "csrf_token" and value}
    form.pop("confirmed", None)
    item = checks.decide(current_session(), caller, item_id, DecisionIn().load(form))
    flash(
        "已核实无误，暂停的发放已恢复" if item.status == "cleared" else "已按法定事由停发，多发月份转入待追回", "info"
    )
    return redirect(url_for("console.check_items"))


@blp.post("/checks/<int:item_id>/hold")
@accepts(*FORM_TYPES)
@page("reviewer", "supervisor")
def check_hold(caller: Caller, item_id: int) -> Any:
    confirmed("暂停发放")
    body = HoldIn().load({"note": request.form.get("note", "")})
    checks.hold(current_session(), caller, item_id, body["note"])
    flash("已暂停发放；核实无误后恢复并补发，申领人已收到通知", "info")
    return redirect(url_for("console.check_items"))
