"""The console's pages. Each handler reads its form through the API's own schema and calls the
same service function as the API: the rules live once. A refusal is shown on the page it came
from, in Chinese; a page for a role the staff member lacks says so."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from functools import wraps
from typing import Any

import marshmallow as ma
from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from wtforms import ValidationError as CsrfInvalid

from auth import lockout, second_factor, sessions
from auth.caller import Caller
from auth.models import STAFF_ROLE_LABELS, StaffUser
from auth.service import authenticate_staff
from miniapp_api.api import accepts
from miniapp_api.audit.service import record as audit
from miniapp_api.audit.service import record_regardless
from miniapp_api.clock import CHINA
from miniapp_api.console import session as console_session
from miniapp_api.db import current_session
from miniapp_api.errors import AppError, ValidationFailed, plain_messages, schema_labels
from miniapp_api.records.models import Region

blp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
PAGE = 50  # rows a list shows; "下一页" continues after the last
CONSOLE_POLICY = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


@blp.after_request
def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONSOLE_POLICY
    response.headers["Cache-Control"] = "no-store"  # every page holds personal data
    # The console's own pages name themselves to the console (a refused form goes back to its
    # page); no other site is ever told a console address.
    response.headers["Referrer-Policy"] = "same-origin"
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


@blp.app_template_filter("china_time")
def _china_time(moment: dt.datetime | None) -> str:
    """A stored UTC moment as the agency's wall clock reads it."""
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else "—"


def pages(number: int, rows: int) -> dict[str, Any]:
    """The page a list shows (from 1) and whether another follows; `?page=` in the address."""
    return {"number": number, "more": rows == PAGE}


def page_number() -> int:
    """The page asked for, from 1 up to a page no list reaches (an offset the database can hold)."""
    return min(max(request.args.get("page", type=int) or 1, 1), 100_000)


@blp.app_context_processor
def _template_values() -> dict[str, Any]:
    return {"csrf_token": generate_csrf, "role_labels": STAFF_ROLE_LABELS, "status_words": STATUS_WORDS}


# Payment runs' and payments' states, as finance staff say them.
STATUS_WORDS = {
    "prepared": "已生成，待导出",
    "exported": "已导出银行文件，待回盘",
    "confirmed": "已回盘",
    "issued": "已交银行，待回盘",
    "paid": "已发放",
    "failed": "银行退回",
}


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
                return redirect(_back())
            except ma.ValidationError as error:
                flash(plain_messages(error.messages, _labels()), "error")
                return redirect(_back())

        return wrapper

    return decorate


def confirmed(what: str = "操作") -> None:
    """An irreversible action goes ahead only with its tick: the browser asks for it, and so does
    the server, for a form posted some other way."""
    if request.form.get("confirmed") != "1":
        raise ValidationFailed(f"请先勾选确认，再提交{what}", code="NOT_CONFIRMED")


@functools.cache
def _labels() -> dict[str, str]:
    return schema_labels()


def _back() -> str:
    """The console page the form came from; never another site a forged Referer names."""
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url + "console/"):
        return referrer
    return url_for("console.home")


def _me(caller: Caller) -> dict[str, Any]:
    staff = current_session().get(StaffUser, caller.staff_user_id)
    assert staff is not None
    return {
        "id": staff.id,
        "name": staff.display_name,
        "roles": sorted(caller.roles or ()),
        "region": caller.staff_region,
        "region_name": _region_name(caller.staff_region),
    }


def _region_name(code: str | None) -> str | None:
    region = current_session().get(Region, code) if code else None
    return f"{region.name}（{code}）" if region else code


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
        # Six digits fall to guessing without a limit: the password's lockout counts the codes too.
        try:
            guess = lockout.attempt(second_factor.LOCKOUT_SCOPE, str(staff.id))
        except AppError as error:
            console_session.forget()
            flash(error.message, "error")
            return redirect(url_for("console.login"))
        if second_factor.check(staff, request.form.get("code", "").strip()):
            guess.succeeded()
            issued = sessions.open_session("staff", staff=staff)
            audit("auth.console_login", actor=("staff", staff.id), subject=("auth_session", issued.session.id),
                  detail={"enrolled_second_factor": enrolling})  # fmt: skip
            console_session.signed_in(issued.session.id)
            return redirect(url_for("console.home"))
        locked = guess.failed()
        record_regardless(
            "auth.console_second_factor", actor=("staff", staff.id), detail={"locked": locked}, outcome="refused"
        )
        if locked:  # the password must be given again, and the lock waited out
            console_session.forget()
            flash("动态验证码错误次数过多，已暂时锁定，请稍后重新登录", "error")
            return redirect(url_for("console.login"))
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


# The pages of each kind of work register on `blp` as they are imported.
from miniapp_api.console import (  # noqa: E402, F401
    admin,
    calendar,
    casework,
    dashboard,
    finance,
    objections,
    parameters,
    refunds,
    supervision,
)
