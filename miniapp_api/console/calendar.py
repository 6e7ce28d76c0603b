"""The official calendar in the console: which years are known and from where; a year entered
from its notice (YAML or CSV) and approved by a second person (the service keeps them apart)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from auth.caller import Caller
from auth.models import StaffUser
from miniapp_api.api import accepts
from miniapp_api.console.routes import FORM_TYPES, _me, blp, confirmed, page
from miniapp_api.db import current_session
from miniapp_api.holidays import service
from miniapp_api.holidays.schemas import CalendarDecisionIn, CalendarRejectIn, CalendarYearFormIn

ALL_STAFF = ("handler", "reviewer", "supervisor", "finance", "auditor", "admin")


def _staff(caller: Caller) -> StaffUser:
    staff = current_session().get(StaffUser, caller.staff_user_id)
    assert staff is not None  # the session belongs to an account
    return staff


@blp.get("/calendar")
@page(*ALL_STAFF)
def calendar(caller: Caller) -> Any:
    return render_template("console/calendar.html", me=_me(caller), view=service.overview(current_session()))


@blp.post("/calendar/years")
@accepts(*FORM_TYPES)
@page(*service.ENTER_ROLES)
def calendar_enter(caller: Caller) -> Any:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("请选择节假日安排文件（.yaml 或 .csv）", "error")
        return redirect(url_for("console.calendar"))
    try:
        name, content = upload.filename, upload.read()
    finally:
        upload.close()
    fields = {key: value for key, value in request.form.items() if key != "csrf_token" and value}
    session = current_session()
    record = service.submit(session, _staff(caller), name, content, CalendarYearFormIn().load(fields), via="console")
    flash(f"已录入{record.year}年安排，须另一位管理员或主管审核后生效", "info")
    return redirect(url_for("console.calendar_year", record_id=record.id))


@blp.get("/calendar/years/<int:record_id>")
@page(*ALL_STAFF)
def calendar_year(caller: Caller, record_id: int) -> Any:
    session = current_session()
    record = service.describe(session, service.get(session, record_id))
    return render_template("console/calendar_year.html", me=_me(caller), record=record)


@blp.post("/calendar/years/<int:record_id>/<verdict>")
@accepts(*FORM_TYPES)
@page(*service.APPROVE_ROLES)
def calendar_verdict(caller: Caller, record_id: int, verdict: str) -> Any:
    session, note = current_session(), request.form.get("note", "").strip()
    confirmed("审核")
    if verdict == "approve":
        body = CalendarDecisionIn().load({"note": note} if note else {})
        service.approve(session, _staff(caller), record_id, body.get("note"))
        flash("已审核通过，该年安排生效，等待该年份的期限随即确定", "info")
    elif verdict == "reject":
        service.reject(session, _staff(caller), record_id, CalendarRejectIn().load({"note": note})["note"])
        flash("已退回录入人", "info")
    else:
        return render_template("console/error.html", message="没有这项操作", me=_me(caller)), 404
    return redirect(url_for("console.calendar_year", record_id=record_id))
