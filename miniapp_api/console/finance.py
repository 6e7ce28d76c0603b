"""Payment runs in the console (finance): create, files, the bank's answer."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from auth.caller import Caller
from miniapp_api.api import accepts
from miniapp_api.console.routes import FORM_TYPES, PAGE, _me, blp, confirmed, page
from miniapp_api.db import current_session
from miniapp_api.payments import service as payments
from miniapp_api.payments.models import PaymentRun
from miniapp_api.records import fields as f
from miniapp_api.safety import recoveries
from miniapp_api.safety.reasons import STOP_REASONS
from miniapp_api.safety.schemas import SettlementIn

# --- payment runs (finance) ---------------------------------------------------------------------


@blp.route("/payment-runs", methods=["GET", "POST"])
@accepts(*FORM_TYPES)
@page("finance")
def payment_runs(caller: Caller) -> Any:
    session = current_session()
    if request.method == "POST":
        confirmed("生成批次")
        period = f.PaymentMonth().deserialize(request.form.get("period", ""))
        run = payments.prepare(session, caller, period, request.form.get("region") or None)
        flash(f"已生成批次：{run['instructions']}笔，合计{run['total_amount']}元", "info")
        return redirect(url_for("console.payment_run", run_id=run["id"]))
    query = select(PaymentRun).order_by(PaymentRun.id.desc()).limit(50)
    if caller.staff_region:
        query = query.where(PaymentRun.region_code == caller.staff_region)
    return render_template("console/runs.html", me=_me(caller), runs=session.scalars(query).all())


@blp.get("/payment-runs/<int:run_id>")
@page("finance")
def payment_run(caller: Caller, run_id: int) -> Any:
    session = current_session()
    run = payments.describe(session, payments.run_of(session, caller, run_id))
    return render_template("console/run.html", me=_me(caller), run=run)


@blp.get("/payment-runs/<int:run_id>/<kind>.csv")
@page("finance")
def payment_file(caller: Caller, run_id: int, kind: str) -> Any:
    makers = {"bank-file": payments.bank_file, "medical-remittance": payments.medical_remittance}
    if kind not in makers:
        return render_template("console/error.html", message="没有这种文件", me=_me(caller)), 404
    content = makers[kind](current_session(), caller, run_id)
    return Response(
        content,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{kind}-{run_id}.csv"'},
    )


@blp.post("/payment-runs/<int:run_id>/confirmation")
@accepts(*FORM_TYPES)
@page("finance")
def payment_confirmation(caller: Caller, run_id: int) -> Any:
    confirmed("银行回盘")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("请选择银行回盘文件", "error")
        return redirect(url_for("console.payment_run", run_id=run_id))
    try:
        content = upload.read()
    finally:
        upload.close()
    result = payments.confirm(current_session(), caller, run_id, content)
    flash(f"回盘已导入：成功{result['paid']}笔，失败{result['failed']}笔，此前已处理{result['unchanged']}笔", "info")
    return redirect(url_for("console.payment_run", run_id=run_id))


# --- recoveries (finance records money back; supervisors waive) --------------------------------


@blp.get("/recoveries")
@page("reviewer", "supervisor", "finance", "auditor", "admin")
def recovery_items(caller: Caller) -> Any:
    after = request.args.get("after", type=int) or 0
    items = recoveries.listed(current_session(), caller, "open", after, PAGE)
    return render_template(
        "console/recoveries.html",
        stop_reasons=STOP_REASONS,
        me=_me(caller),
        items=items,
        next_after=items[-1].id if len(items) == PAGE else None,
    )


@blp.post("/recoveries/<int:item_id>/settlement")
@accepts(*FORM_TYPES)
@page("finance", "supervisor")
def recovery_settlement(caller: Caller, item_id: int) -> Any:
    confirmed("登记")
    body = SettlementIn().load({"outcome": request.form.get("outcome", ""), "note": request.form.get("note", "")})
    recoveries.settle(current_session(), caller, item_id, body)
    flash("已登记追回到账" if body["outcome"] == "recovered" else "已核销，不再追回", "info")
    return redirect(url_for("console.recovery_items"))
