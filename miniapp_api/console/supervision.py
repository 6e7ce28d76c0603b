"""What supervisors watch in the console: employer duties escalated for a telephone call (with
the call log) and the staff alerts (the calendar running out, a message nobody received)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from auth.caller import Caller
from miniapp_api.alerts.models import ALERT_KINDS
from miniapp_api.alerts.service import CLOSED_BY_STAFF, close_by_staff, list_alerts
from miniapp_api.api import accepts
from miniapp_api.console.routes import FORM_TYPES, PAGE, _me, blp, page, page_number, pages
from miniapp_api.db import current_session
from miniapp_api.employers import compliance
from miniapp_api.employers import schemas as employer_schemas
from miniapp_api.employers.compliance import CALL_OUTCOMES


@blp.get("/employer-duties")
@page("handler", "supervisor", "admin")
def escalated_duties(caller: Caller) -> Any:
    number = page_number()
    duties = compliance.escalated(current_session(), caller, PAGE, offset=(number - 1) * PAGE)
    return render_template(
        "console/duties.html", me=_me(caller), duties=duties, outcomes=CALL_OUTCOMES, pages=pages(number, len(duties))
    )


@blp.post("/employer-duties/<int:duty_id>/calls")
@accepts(*FORM_TYPES)
@page("handler", "supervisor")
def record_call(caller: Caller, duty_id: int) -> Any:
    body = employer_schemas.CallIn().load(
        {"outcome": request.form.get("outcome", ""), "note": request.form.get("note", "")}
    )
    result = compliance.record_call(current_session(), caller, duty_id, body["outcome"], body["note"])
    flash("已记录电话督促" + ("，单位确认已送达，此项办结" if result.get("done") else ""), "info")
    return redirect(url_for("console.escalated_duties"))


@blp.get("/alerts")
@page("handler", "reviewer", "supervisor", "finance", "auditor", "admin")
def alerts(caller: Caller) -> Any:
    number = page_number()
    found = list_alerts(current_session(), caller, status="open", kind=None, limit=PAGE, offset=(number - 1) * PAGE)
    return render_template(
        "console/alerts.html",
        me=_me(caller),
        alerts=found,
        kinds=ALERT_KINDS,
        closable=CLOSED_BY_STAFF,
        pages=pages(number, len(found)),
    )


@blp.post("/alerts/<int:alert_id>/close")
@accepts(*FORM_TYPES)
@page("handler", "supervisor", "admin")
def close_alert(caller: Caller, alert_id: int) -> Any:
    close_by_staff(current_session(), caller, alert_id, request.form.get("note", ""))
    flash("已记录处理结果，提醒已关闭", "info")
    return redirect(url_for("console.alerts"))
