"""Staff accounts in the console (admin): list, create, change roles and region, disable and
enable, reset the second factor. A regional admin manages their own region's accounts only and
keeps them in it; a province-wide admin, any. Nobody changes or disables their own account."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth import second_factor
from auth.caller import Caller
from auth.models import StaffUser
from auth.staff import change_staff, create_staff, disable_staff, enable_staff, hold_for_second_admin
from miniapp_api.audit.service import record as audit
from miniapp_api.errors import Forbidden, NotFoundError, ValidationFailed

PAGE_SIZE = 50


def _operator(caller: Caller) -> str:
    return f"staff:{caller.staff_user_id}"


def _scope(caller: Caller, form: dict[str, Any]) -> str | None:
    """The region the form asks for, within what the admin may give."""
    region = (form.get("region") or "").strip() or None
    if caller.staff_region and region != caller.staff_region:
        raise Forbidden(f"只能设置本地区（{caller.staff_region}）的账号", code="OTHER_REGION")
    if not region and not form.get("province_wide"):
        raise ValidationFailed("请填写统筹地区，或勾选“全省账号”", code="SCOPE_REQUIRED")
    return region


def _not_self(caller: Caller, staff: StaffUser, doing: str) -> None:
    if staff.id == caller.staff_user_id:
        raise ValidationFailed(f"不能{doing}自己的账号，请另一位管理员办理", code="SELF_CHANGE")


def listed(session: Session, caller: Caller, after_id: int = 0) -> list[StaffUser]:
    query = select(StaffUser).where(StaffUser.id > after_id).order_by(StaffUser.id).limit(PAGE_SIZE)
    if caller.staff_region:
        query = query.where(StaffUser.region_code == caller.staff_region)
    return list(session.scalars(query))


def in_scope(session: Session, caller: Caller, username: str) -> StaffUser:
    staff = session.scalar(select(StaffUser).where(StaffUser.username == username))
    if staff is None or (caller.staff_region and staff.region_code != caller.staff_region):
        raise NotFoundError(f"本地区没有用户名为 {username} 的工作人员", code="STAFF_NOT_FOUND")
    return staff


def create(session: Session, caller: Caller, form: dict[str, Any]) -> StaffUser:
    """A new account starts off: another admin checks it and turns it on."""
    region = _scope(caller, form)
    created = create_staff(
        (form.get("username") or "").strip(),
        (form.get("display_name") or "").strip() or (form.get("username") or "").strip(),
        form.get("password") or "",
        form.get("roles") or [],
        region_code=region,
        operator=_operator(caller),
        phone=(form.get("phone") or "").strip() or None,
        actor=caller.audit_actor,
    )
    assert caller.staff_user_id is not None
    hold_for_second_admin(created, caller.staff_user_id)
    return created


def change(session: Session, caller: Caller, username: str, form: dict[str, Any]) -> StaffUser:
    """New roles or region wait, the account off, for another admin to turn it on."""
    _not_self(caller, in_scope(session, caller, username), "更改")
    changed = change_staff(username, form.get("roles") or [], _scope(caller, form), actor=caller.audit_actor)
    assert caller.staff_user_id is not None
    hold_for_second_admin(changed, caller.staff_user_id)
    return changed


def disable(session: Session, caller: Caller, username: str) -> StaffUser:
    _not_self(caller, in_scope(session, caller, username), "停用")
    return disable_staff(username, operator=_operator(caller), actor=caller.audit_actor)


def enable(session: Session, caller: Caller, username: str) -> StaffUser:
    in_scope(session, caller, username)
    return enable_staff(username, actor=caller.audit_actor)


def reset_second_factor(session: Session, caller: Caller, username: str) -> StaffUser:
    """A lost phone: the account enrols a new authenticator at its next sign-in."""
    staff = in_scope(session, caller, username)
    _not_self(caller, staff, "重置")
    second_factor.reset(staff)
    audit("staff.second_factor_reset", actor=caller.audit_actor, subject=("staff_user", staff.id))
    return staff
