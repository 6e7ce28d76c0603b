"""Staff accounts (admins) and the audit trail (auditors) in the console."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from auth import second_factor
from auth.caller import Caller
from auth.models import STAFF_ROLES, StaffUser
from miniapp_api.api import accepts
from miniapp_api.audit import chain as audit_chain
from miniapp_api.audit import search as audit_search
from miniapp_api.audit.routes import AuditQuery
from miniapp_api.audit.service import record as audit
from miniapp_api.console import accounts
from miniapp_api.console.routes import FORM_TYPES, PAGE, _me, blp, confirmed, page
from miniapp_api.db import current_session

# --- staff accounts (admin) ---------------------------------------------------------------------


@blp.route("/staff", methods=["GET", "POST"])
@accepts(*FORM_TYPES)
@page("admin")
def staff_accounts(caller: Caller) -> Any:
    session = current_session()
    if request.method == "POST":
        form = {**request.form.to_dict(), "roles": request.form.getlist("roles")}
        created = accounts.create(session, caller, form)
        flash(f"已创建账号 {created.username}，须另一位管理员核对后启用；启用后首次登录时绑定身份验证器", "info")
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


@blp.get("/staff/<username>")
@page("admin")
def staff_member(caller: Caller, username: str) -> Any:
    session = current_session()
    person = accounts.in_scope(session, caller, username)
    pending_by = session.get(StaffUser, person.pending_by) if person.pending_by else None
    return render_template(
        "console/staff_member.html",
        me=_me(caller),
        person=person,
        pending_by=pending_by,
        roles=STAFF_ROLES,
        enrolled=second_factor.enrolled,
    )


@blp.post("/staff/<username>/<action>")
@accepts(*FORM_TYPES)
@page("admin")
def staff_action(caller: Caller, username: str, action: str) -> Any:
    session = current_session()
    if action == "change":
        form = {**request.form.to_dict(), "roles": request.form.getlist("roles")}
        accounts.change(session, caller, username, form)
        flash(f"已更改 {username} 的岗位和地区；账号暂停使用，须另一位管理员核对后启用", "info")
    elif action == "disable":
        confirmed("停用")
        accounts.disable(session, caller, username)
        flash(f"已停用 {username}，其登录已全部失效", "info")
    elif action == "enable":
        if session.scalar(select(StaffUser.pending_by).where(StaffUser.username == username)):
            confirmed("启用")
        accounts.enable(session, caller, username)
        flash(f"已启用 {username} 的账号", "info")
    elif action == "reset-second-factor":
        accounts.reset_second_factor(session, caller, username)
        flash(f"已重置 {username} 的身份验证器，下次登录时重新绑定", "info")
    else:
        return render_template("console/error.html", message="没有这项操作", me=_me(caller)), 404
    return redirect(url_for("console.staff_member", username=username))


# --- the audit trail (auditor) -------------------------------------------------------------------


_AUDIT_FILTERS = ("action", "subject_kind", "subject_id", "outcome", "before_id")


@blp.get("/audit")
@page("auditor", "admin")
def audit_trail(caller: Caller) -> Any:
    asked = {key: value.strip() for key, value in request.args.items() if key in _AUDIT_FILTERS and value.strip()}
    filters: dict[str, Any] = AuditQuery().load(asked)  # the API's own checks of each filter
    events = audit_search.search(current_session(), caller, {**filters, "limit": PAGE})
    return render_template(
        "console/audit.html",
        me=_me(caller),
        events=events,
        filters=filters,
        next_url=url_for(
            "console.audit_trail",
            before_id=events[-1]["id"],
            **{key: value for key, value in filters.items() if value and key not in ("before_id", "limit")},
        )
        if len(events) == PAGE
        else None,
    )


@blp.post("/audit/verify")
@accepts(*FORM_TYPES)
@page("auditor", "admin")
def audit_verify(caller: Caller) -> Any:
    if caller.staff_region:
        return render_template(
            "console/error.html", message="审计链涵盖全省，只有全省账号可以核对", me=_me(caller)
        ), 403
    verdict = audit_chain.verify(current_session())
    audit(
        "audit.chain_verified", actor=caller.audit_actor, detail={"checked": verdict.checked, "intact": verdict.intact}
    )
    if verdict.intact:
        flash(f"审计链完整：逐条核对{verdict.checked}条，无改动或删除", "info")
    else:
        flash(
            f"审计链校验未通过：核对{verdict.checked}条，发现{len(verdict.problems)}处问题："
            + "；".join(verdict.problems[:5]),
            "error",
        )
    return redirect(url_for("console.audit_trail"))
