"""稳岗返还 in the console. The business roles read the region's queue and a refund's conditions
and course; reviewers screen, approve or reject with a coded reason, publish the notice and hold
an enterprise an objection names. Finance alone pays: a batch, its bank file, the bank's answer.
Each page reads its form through the API's own schema and calls the same service function as the
API (refunds/routes.py), with the same roles kept apart; the services scope to the region and audit."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from auth.caller import Caller
from miniapp_api.api import accepts
from miniapp_api.clock import china_today
from miniapp_api.console.routes import FORM_TYPES, PAGE, _me, blp, confirmed, page, page_number, pages
from miniapp_api.db import current_session
from miniapp_api.documents.tables import csv_download
from miniapp_api.refunds import listing, notices, payouts, review
from miniapp_api.refunds.presenting import STATUS_LABELS
from miniapp_api.refunds.schemas import RefundDecisionIn, RefundHoldIn, RefundQueueQuery, RefundRegionYearIn

# As the API's (refunds/routes.py): business roles read and review, finance pays; no role does both.
READERS = ("handler", "reviewer", "supervisor", "auditor", "admin")
REVIEWERS = ("reviewer", "supervisor", "admin")
FINANCE = ("finance",)
BATCH_READERS = ("finance", "auditor")
FIRST_POLICY_YEAR = 2019

# The words for a condition's values (refunds.presenting.conditions), as a reviewer reads them.
_VALUE_WORDS = {
    "condition_met": "统筹地区符合备付条件",
    "months_paid_in_full": "足额缴费月数",
    "required": "规定月数",
    "arrears_months": "欠费月数",
    "arrears_amount": "欠费金额（元）",
    "layoffs": "裁员人数",
    "average_headcount": "上年度月平均参保人数",
    "layoff_rate": "裁员率",
    "limit": "裁员率上限",
    "layoffs_counted_as": "裁员人数口径",
    "listings": "所在名单",
}
_VALUE_MEANINGS = {
    "new_benefit_recipients": "上年度新增领取失业保险金人数",
    "separations": "按所列原因停保的人数",
    "serious_dishonesty": "严重失信主体名单",
    "abnormal_operations": "经营异常名录",
    "deregistered": "已注销",
    "revoked": "已被吊销营业执照",
}


def _word(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_word(item) for item in value) or "无"
    if value is None:
        return "—"
    return _VALUE_MEANINGS.get(str(value), str(value))


@blp.app_template_filter("refund_values")
def refund_values(values: dict[str, Any]) -> str:
    """A condition's values in words: "足额缴费月数：24；规定月数：12"."""
    return "；".join(f"{_VALUE_WORDS.get(key, key)}：{_word(value)}" for key, value in values.items()) or "—"


@blp.app_template_filter("yuan")
def yuan(amount: str | None) -> str:
    """An amount the services give as text, with thousands separators: "21,600.00"."""
    if amount in (None, ""):
        return "—"
    try:
        return f"{Decimal(str(amount)):,.2f}"
    except InvalidOperation:
        return str(amount)


def _region_and_year(source: Any) -> dict[str, Any]:
    """The policy year and, for a province-wide member, the region, as RefundRegionYearIn reads them."""
    year = source.get("policy_year", "").strip()
    # A form sends text; the API's schema takes the year only as a number (never "2026.5").
    wanted: dict[str, Any] = {"policy_year": int(year) if year.isascii() and year.isdigit() else year}
    if source.get("region", "").strip():
        wanted["region"] = source.get("region", "").strip()
    return wanted


def _offset(number: int) -> int:
    return (number - 1) * PAGE


# --- the queue and one refund (business roles) ---------------------------------------------------


@blp.get("/refunds")
@page(*READERS)
def refund_queue(caller: Caller) -> Any:
    number = page_number()
    this_year = china_today().year
    asked: dict[str, Any] = {
        "policy_year": request.args.get("policy_year", "").strip() or this_year,
        "status": request.args.get("status", "").strip() or "applied",
        "limit": PAGE,
        "offset": _offset(number),
    }
    if request.args.get("region", "").strip():
        asked["region"] = request.args.get("region", "").strip()
    query = RefundQueueQuery().load(asked)
    # A province-wide member names the region first; the service would refuse the query without it.
    found = review.queue(current_session(), caller, query) if caller.staff_region or query.get("region") else None
    years = sorted({*range(this_year, FIRST_POLICY_YEAR - 1, -1), query["policy_year"]}, reverse=True)
    return render_template(
        "console/refunds.html",
        me=_me(caller),
        query=query,
        found=found,
        years=years,
        statuses=STATUS_LABELS,
        pages=pages(number, len(found["items"]) if found else 0),
    )


@blp.get("/refunds/<int:refund_id>")
@page(*READERS)
def refund_detail(caller: Caller, refund_id: int) -> Any:
    refund = listing.refund(current_session(), caller, refund_id)
    return render_template("console/refund.html", me=_me(caller), refund=refund, reasons=review.REJECTION_CODES)


@blp.post("/refunds/<int:refund_id>/decision")
@accepts(*FORM_TYPES)
@page(*REVIEWERS)
def refund_decision(caller: Caller, refund_id: int) -> Any:
    confirmed("审核决定")
    form = {key: request.form.get(key, "").strip() for key in ("decision", "reason_code", "note")}
    body = RefundDecisionIn().load({key: value for key, value in form.items() if value})
    decided = review.decide(current_session(), caller, refund_id, body)
    flash(f"已作出审核决定：{decided['status_label']}", "info")
    return redirect(url_for("console.refund_detail", refund_id=refund_id))


@blp.post("/refunds/<int:refund_id>/hold")
@accepts(*FORM_TYPES)
@page(*REVIEWERS)
def refund_hold(caller: Caller, refund_id: int) -> Any:
    confirmed("暂缓拨付")
    body = RefundHoldIn().load({"reason": request.form.get("reason", "")})
    notices.hold(current_session(), caller, refund_id, body)
    flash("已暂缓该单位的拨付；核实后请重新审核：通过则回到公示，否则不予通过", "info")
    return redirect(url_for("console.refund_detail", refund_id=refund_id))


# --- screening and the public notice (reviewers) -------------------------------------------------


@blp.get("/refund-screenings")
@page(*READERS)
def refund_screenings(caller: Caller) -> Any:
    number = page_number()
    found = listing.screenings(current_session(), caller, PAGE, _offset(number))
    return render_template(
        "console/refund_screenings.html",
        me=_me(caller),
        screenings=found,
        year=china_today().year,
        pages=pages(number, len(found)),
    )


@blp.post("/refund-screenings")
@accepts(*FORM_TYPES)
@page(*REVIEWERS)
def run_refund_screening(caller: Caller) -> Any:
    body = RefundRegionYearIn().load(_region_and_year(request.form))
    done = review.run_screening(current_session(), caller, body)
    flash(
        f"{done['region_code']} {done['policy_year']}年度稳岗返还比对完成：参保企业{done['enterprises']}家，"
        f"符合条件{done['eligible']}家，返还金额合计{yuan(done['total_amount'])}元",
        "info",
    )
    return redirect(url_for("console.refund_screenings"))


@blp.get("/refund-notices")
@page(*READERS)
def refund_notices(caller: Caller) -> Any:
    number = page_number()
    found = listing.notices(current_session(), caller, PAGE, _offset(number))
    return render_template(
        "console/refund_notices.html",
        me=_me(caller),
        notices=found,
        year=china_today().year,
        pages=pages(number, len(found)),
    )


@blp.post("/refund-notices")
@accepts(*FORM_TYPES)
@page(*REVIEWERS)
def publish_refund_notice(caller: Caller) -> Any:
    confirmed("公示")
    body = RefundRegionYearIn().load(_region_and_year(request.form))
    published = notices.publish(current_session(), caller, body)
    flash(
        f"已发布公示：{published['enterprises']}家单位，返还金额合计{yuan(published['total_amount'])}元，"
        f"公示至{published['ends_on']:%Y年%m月%d日}",
        "info",
    )
    return redirect(url_for("console.refund_notice", notice_id=published["id"]))


@blp.get("/refund-notices/<int:notice_id>")
@page(*READERS)
def refund_notice(caller: Caller, notice_id: int) -> Any:
    number = page_number()
    found = listing.notice(current_session(), caller, notice_id, PAGE, _offset(number))
    return render_template(
        "console/refund_notice.html", me=_me(caller), notice=found, pages=pages(number, len(found["refunds"]))
    )


# --- payment batches (finance; the auditor reads) ------------------------------------------------


@blp.get("/refund-batches")
@page(*BATCH_READERS)
def refund_batches(caller: Caller) -> Any:
    number = page_number()
    found = listing.batches(current_session(), caller, PAGE, _offset(number))
    return render_template(
        "console/refund_batches.html",
        me=_me(caller),
        batches=found,
        year=china_today().year,
        pages=pages(number, len(found)),
    )


@blp.post("/refund-batches")
@accepts(*FORM_TYPES)
@page(*FINANCE)
def prepare_refund_batch(caller: Caller) -> Any:
    confirmed("生成拨付批次")
    body = RefundRegionYearIn().load(_region_and_year(request.form))
    batch = payouts.prepare(current_session(), caller, body)
    flash(f"已生成拨付批次：{batch['instructions']}笔，合计{yuan(batch['total_amount'])}元", "info")
    return redirect(url_for("console.refund_batch", batch_id=batch["id"]))


@blp.get("/refund-batches/<int:batch_id>")
@page(*BATCH_READERS)
def refund_batch(caller: Caller, batch_id: int) -> Any:
    number = page_number()
    found = listing.batch(current_session(), caller, batch_id, PAGE, _offset(number))
    return render_template(
        "console/refund_batch.html",
        me=_me(caller),
        batch=found,
        pages=pages(number, len(found["refunds"])),
    )


@blp.get("/refund-batches/<int:batch_id>/bank-file.csv")
@page(*FINANCE)
def refund_bank_file(caller: Caller, batch_id: int) -> Any:
    content = payouts.bank_file(current_session(), caller, batch_id)
    return csv_download(content, f"refund-batch-{batch_id}.csv")


@blp.post("/refund-batches/<int:batch_id>/confirmation")
@accepts(*FORM_TYPES)
@page(*FINANCE)
def refund_batch_confirmation(caller: Caller, batch_id: int) -> Any:
    confirmed("银行回盘")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("请选择银行回盘文件", "error")
        return redirect(url_for("console.refund_batch", batch_id=batch_id))
    try:
        content = upload.read()
    finally:
        upload.close()
    result = payouts.confirm(current_session(), caller, batch_id, content)["settled"]
    flash(
        f"回盘已导入：已拨付{result['paid']}笔，银行退回{result['returned']}笔，此前已处理{result['unchanged']}笔",
        "info",
    )
    return redirect(url_for("console.refund_batch", batch_id=batch_id))
