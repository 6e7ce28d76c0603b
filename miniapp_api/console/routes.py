"""The console's pages. Each handler reads its form through the API's own schema and calls the
same service function as the API: the rules live once. A refusal is shown on the page it came
from, in Chinese; a page for a role the staff member lacks says so."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import marshmallow as ma
from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from sqlalchemy import select
from wtforms import ValidationError as CsrfInvalid

from auth import sessions
from auth.caller import Caller
from auth.models import STAFF_ROLES, StaffUser
from auth.service import authenticate_staff
from miniapp_api.api import accepts
from miniapp_api.audit.service import record as audit
from miniapp_api.audit.service import record_regardless
from miniapp_api.console import accounts, second_factor
from miniapp_api.console import session as console_session
from miniapp_api.db import current_session
from miniapp_api.errors import AppError
from miniapp_api.objections import corrections, handling
from miniapp_api.objections import schemas as objection_schemas
from miniapp_api.objections.vocabulary import REJECTION_REASONS
from miniapp_api.payments import service as payments
from miniapp_api.payments.models import PaymentRun
from miniapp_api.records import fields as f
from miniapp_api.rules.separation_reasons import SEPARATION_REASONS

blp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
CONSOLE_POLICY = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


@blp.after_request
def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONSOLE_POLICY
    response.headers["Cache-Control"] = "no-store"  # every page holds personal data
    return response


@blp.before_request
def _csrf() -> None:
    """Every form posts its token; one without it (another site's, an old tab's) is refused."""
    # Flask-WTF keeps the request's token in `g`, which lives as long as the app context: one
    # left by an earlier request in the same context (a job, a test) must not stand for this one.
    g.pop("csrf_token", None)
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token"))
        except (CsrfInvalid, CSRFError):
            raise CsrfRefused() from None


class CsrfRefused(Exception):
    pass


@blp.errorhandler(CsrfRefused)
def _csrf_refused(_: CsrfRefused) -> tuple[str, int]:
    return render_template("console/error.html", message="表单已过期或不是从本系统页面提交的，请刷新页面后重试"), 400


@blp.errorhandler(console_session.SignInNeeded)
def _sign_in(error: console_session.SignInNeeded) -> Any:
    flash(error.message, "error")
    return redirect(url_for("console.login"))


@blp.app_context_processor
def _template_values() -> dict[str, Any]:
    return {"csrf_token": generate_csrf}


def page(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A page for staff holding one of `roles` (any staff when none): the view gets the caller;
    a refusal from the services is shown on the page the form came from."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            caller = console_session.caller()
            if roles and not set(roles) & set(caller.roles or ()):
                return render_template("console/error.html", message="您的岗位不能使用此页面", me=_me(caller)), 403
            try:
                return view(caller, **kwargs)
            except AppError as error:
                if request.method != "POST":
                    return render_template("console/error.html", message=error.message, me=_me(caller)), error.status
                flash(error.message, "error")
                return redirect(request.referrer or url_for("console.home"))
            except ma.ValidationError as error:
                flash(_plain(error.messages), "error")
                return redirect(request.referrer or url_for("console.home"))

        return wrapper

    return decorate


def _plain(messages: Any) -> str:
    if isinstance(messages, dict):
        return "；".join(f"{key}：{_plain(value)}" for key, value in messages.items())
    if isinstance(messages, list):
        return "，".join(_plain(item) for item in messages)
    return str(messages)


def _me(caller: Caller) -> dict[str, Any]:
    staff = current_session().get(StaffUser, caller.staff_user_id)
    assert staff is not None
    return {"name": staff.display_name, "roles": sorted(caller.roles or ()), "region": caller.staff_region}


# --- signing in and out -------------------------------------------------------------------------


@blp.route("/login", methods=["GET", "POST"])
@accepts(*FORM_TYPES)
def login() -> Any:
    if request.method == "GET":
        return render_template("console/login.html")
    try:
        staff = authenticate_staff(request.form.get("username", "").strip(), request.form.get("password", ""))
    except AppError as error:
        flash(error.message, "error")
        return render_template("console/login.html"), error.status
    console_session.password_passed(staff.id)
    return redirect(url_for("console.second_step"))


@blp.route("/second-factor", methods=["GET", "POST"])
@accepts(*FORM_TYPES)
def second_step() -> Any:
    staff_id = console_session.pending_staff()
    staff = current_session().get(StaffUser, staff_id) if staff_id else None
    if staff is None or not staff.active:
        flash("请先输入用户名和密码", "error")
        return redirect(url_for("console.login"))
    enrolling = not second_factor.enrolled(staff)
    if request.method == "POST":
        if second_factor.check(staff, request.form.get("code", "").strip()):
            issued = sessions.open_session("staff", staff=staff)
            audit("auth.console_login", actor=("staff", staff.id), subject=("auth_session", issued.session.id),
                  detail={"enrolled_second_factor": enrolling})  # fmt: skip
            console_session.signed_in(issued.session.id)
            return redirect(url_for("console.home"))
        record_regardless("auth.console_second_factor", actor=("staff", staff.id), outcome="refused")
        flash("动态验证码不正确或已使用，请输入身份验证器中当前显示的6位数字", "error")
    secret = second_factor.secret_for_enrolment(staff) if enrolling else None
    qr = second_factor.enrolment_qr_svg(staff, secret) if secret else None
    return render_template("console/second_factor.html", enrolling=enrolling, secret=secret, qr=qr)


@blp.post("/logout")
@accepts(*FORM_TYPES)
def logout() -> Any:
    console_session.end("console_logout")
    flash("已退出登录", "info")
    return redirect(url_for("console.login"))


# --- home ---------------------------------------------------------------------------------------


@blp.get("/")
@page()
def home(caller: Caller) -> Any:
    return render_template("console/home.html", me=_me(caller))


# --- objections (handler) and corrections (reviewer) -------------------------------------------


@blp.get("/objections")
@page("handler", "supervisor")
def objections(caller: Caller) -> Any:
    filters = {"assigned": request.args.get("assigned") or None, "overdue": request.args.get("overdue") == "1"}
    items = handling.queue(current_session(), caller, {**filters, "limit": 50})
    return render_template("console/objections.html", me=_me(caller), items=items, filters=filters)


@blp.get("/objections/<int:objection_id>")
@page("handler", "supervisor")
def objection(caller: Caller, objection_id: int) -> Any:
    item = handling.detail(current_session(), caller, objection_id)
    return render_template(
        "console/objection.html",
        me=_me(caller),
        item=item,
        reasons=REJECTION_REASONS,
        separation_reasons=SEPARATION_REASONS,
    )


@blp.post("/objections/<int:objection_id>/<action>")
@accepts(*FORM_TYPES)
@page("handler", "supervisor")
def objection_action(caller: Caller, objection_id: int, action: str) -> Any:
    session, form = current_session(), request.form
    if action == "assign":
        handling.assign(session, caller, objection_id, form.get("username") or None)
        flash("已承办", "info")
    elif action == "request-info":
        body = objection_schemas.ObjectionInfoRequestIn().load({"request": form.get("request", "")})
        handling.request_info(session, caller, objection_id, body["request"])
        flash("已请申领人补充材料，答复期限暂停计算", "info")
    elif action == "accept":
        wanted = {
            key: form[key] for key in ("reason_code", "stop_date", "name", "bank_account", "bank_name") if form.get(key)
        }
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


@blp.get("/corrections")
@page("reviewer", "supervisor")
def correction_queue(caller: Caller) -> Any:
    items = corrections.pending(current_session(), caller, 50)
    return render_template("console/corrections.html", me=_me(caller), items=items)


@blp.post("/corrections/<int:correction_id>/<verdict>")
@accepts(*FORM_TYPES)
@page("reviewer", "supervisor")
def correction_verdict(caller: Caller, correction_id: int, verdict: str) -> Any:
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


# --- payment runs (finance) ---------------------------------------------------------------------


@blp.route("/payment-runs", methods=["GET", "POST"])
@accepts(*FORM_TYPES)
@page("finance")
def payment_runs(caller: Caller) -> Any:
    session = current_session()
    if request.method == "POST":
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


# --- staff accounts (admin) ---------------------------------------------------------------------


@blp.route("/staff", methods=["GET", "POST"])
@accepts(*FORM_TYPES)
@page("admin")
def staff_accounts(caller: Caller) -> Any:
    session = current_session()
    if request.method == "POST":
        form = {**request.form.to_dict(), "roles": request.form.getlist("roles")}
        created = accounts.create(session, caller, form)
        flash(f"已创建账号 {created.username}；首次登录时绑定身份验证器", "info")
        return redirect(url_for("console.staff_accounts"))
    after = request.args.get("after", type=int) or 0
    people = accounts.listed(session, caller, after)
    return render_template(
        "console/staff.html",
        me=_me(caller),
        people=people,
        roles=STAFF_ROLES,
        next_after=people[-1].id if len(people) == accounts.PAGE_SIZE else None,
        enrolled=second_factor.enrolled,
    )


@blp.post("/staff/<username>/<action>")
@accepts(*FORM_TYPES)
@page("admin")
def staff_action(caller: Caller, username: str, action: str) -> Any:
    if action == "disable":
        accounts.disable(current_session(), caller, username)
        flash(f"已停用 {username}，其登录已全部失效", "info")
    elif action == "reset-second-factor":
        accounts.reset_second_factor(current_session(), caller, username)
        flash(f"已重置 {username} 的身份验证器，下次登录时重新绑定", "info")
    else:
        return render_template("console/error.html", message="没有这项操作", me=_me(caller)), 404
    return redirect(url_for("console.staff_accounts"))
