"""Objections in the console: the handler's queue, an objection's page with its photos, history
and the back-and-forth with the claimant, and the handler's (or supervisor's) actions on it."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from auth.caller import Caller
from miniapp_api.api import accepts
from miniapp_api.console.routes import FORM_TYPES, PAGE, _me, blp, confirmed, page, page_number, pages
from miniapp_api.db import current_session
from miniapp_api.objections import handling
from miniapp_api.objections import schemas as objection_schemas
from miniapp_api.objections.vocabulary import REJECTION_CATEGORIES, REJECTION_REASONS
from miniapp_api.records.models import ContributionPeriod, Employer
from miniapp_api.rules.separation_reasons import SEPARATION_REASONS

# Every value a correction may carry (objections.schemas.CorrectionIn); the form shows those the
# disputed field needs.
CORRECTION_KEYS = (
    "name", "sex", "birth_date", "bank_name", "bank_account", "stop_date", "reason_code",
    "employer_credit_code", "period_id", "start_month", "end_month",
)  # fmt: skip


@blp.get("/objections")
@page("handler", "supervisor")
def objections(caller: Caller) -> Any:
    filters = {"assigned": request.args.get("assigned") or None, "overdue": request.args.get("overdue") == "1"}
    number = page_number()
    items = handling.queue(current_session(), caller, {**filters, "limit": PAGE, "offset": (number - 1) * PAGE})
    return render_template(
        "console/objections.html", me=_me(caller), items=items, filters=filters, pages=pages(number, len(items))
    )


@blp.get("/objections/<int:objection_id>")
@page("handler", "supervisor", "reviewer")  # the reviewer reads what a correction came from
def objection(caller: Caller, objection_id: int) -> Any:
    session = current_session()
    item = handling.detail(session, caller, objection_id)
    person_id = handling.staff_objection_of(session, caller, objection_id).person_id
    # A claimant's contribution history, to check a record against (an enterprise has none).
    periods = (
        session.execute(
            select(ContributionPeriod, Employer.name)
            .join(Employer, Employer.id == ContributionPeriod.employer_id)
            .where(ContributionPeriod.person_id == person_id)
            .order_by(ContributionPeriod.start_month)
        ).all()
        if person_id is not None
        else []
    )
    named = {e["detail"].get("to") for e in item["events"] if e["kind"] == "assigned"} | {
        e["actor_id"] for e in item["events"] if e["actor"] == "staff" and e["actor_id"]
    }
    holder = item["assigned_to"]["id"] if item["assigned_to"] else None
    return render_template(
        "console/objection.html",
        me=_me(caller),
        item=item,
        may_act=item["status"] in ("received", "in_progress", "awaiting_claimant")
        and ("supervisor" in caller.roles or ("handler" in caller.roles and holder in (None, caller.staff_user_id))),
        handlers=handling.region_handlers(session, item["region_code"]) if "supervisor" in caller.roles else [],
        names=handling.staff_names(session, {int(i) for i in named if isinstance(i, int)}),
        reasons={
            code: wording
            for code, wording in REJECTION_REASONS.items()
            if item["category"] in REJECTION_CATEGORIES.get(code, ())
        },
        separation_reasons=SEPARATION_REASONS,
        periods=periods,
    )


@blp.post("/objections/<int:objection_id>/<action>")
@accepts(*FORM_TYPES)
@page("handler", "supervisor")
def objection_action(caller: Caller, objection_id: int, action: str) -> Any:
    session, form = current_session(), request.form
    if action in ("accept", "reject"):
        confirmed("答复")
    if action == "assign":
        assigned = handling.assign(session, caller, objection_id, form.get("username") or None)
        given_to = assigned["assigned_to"]["name"] if assigned.get("assigned_to") else ""
        flash("已承办" if not form.get("username") else f"已交由{given_to}承办", "info")
    elif action == "request-info":
        body = objection_schemas.ObjectionInfoRequestIn().load({"request": form.get("request", "")})
        handling.request_info(session, caller, objection_id, body["request"])
        flash("已请提出人补充材料，答复期限暂停计算", "info")
    elif action == "accept":
        wanted = {key: form[key].strip() for key in CORRECTION_KEYS if form.get(key, "").strip()}
        body = objection_schemas.ObjectionAcceptIn().load(
            {"answer": form.get("answer", ""), **({"correction": wanted} if wanted else {})}
        )
        handling.accept(session, caller, objection_id, body)
        flash("已答复：异议成立" + ("，更正待复核" if wanted else ""), "info")
    elif action == "reject":
        body = objection_schemas.ObjectionRejectIn().load(
            {"reason_code": form.get("reason_code", ""), "answer": form.get("answer", "")}
        )
        handling.reject(session, caller, objection_id, body)
        flash("已答复：异议不成立", "info")
    else:
        return render_template("console/error.html", message="没有这项操作", me=_me(caller)), 404
    return redirect(url_for("console.objection", objection_id=objection_id))


@blp.get("/objections/<int:objection_id>/images/<int:attachment_id>")
@page("handler", "supervisor", "reviewer")
def objection_image(caller: Caller, objection_id: int, attachment_id: int) -> Any:
    """A photo the claimant sent: each viewing is audited (by the service)."""
    attachment, content = handling.image(current_session(), caller, objection_id, attachment_id)
    return Response(content, mimetype=attachment.content_type, headers={"Cache-Control": "no-store"})
