"""Staff accounts: created, changed and disabled by an administrator (the `miniapp staff` command
or the console). `actor` is who did it for the audit trail: an operator at a shell, or a staff member."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, update

from auth.models import STAFF_ROLE_LABELS, STAFF_ROLES, AuthSession, StaffUser
from auth.passwords import hash_password, password_problem
from miniapp_api.audit.service import record
from miniapp_api.db import current_session, utcnow
from miniapp_api.errors import ConflictError, Forbidden, NotFoundError, ValidationFailed
from miniapp_api.records.fields import is_mobile
from miniapp_api.records.models import Region

_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,39}$")


def create_staff(
    username: str,
    display_name: str,
    password: str,
    roles: Iterable[str],
    *,
    region_code: str | None,
    operator: str,
    phone: str | None = None,
    actor: tuple[str, Any] | None = None,
) -> StaffUser:
    db = current_session()
    wanted = _roles(roles)
    if not _USERNAME.match(username):
        raise ValidationFailed("用户名应为3到40位小写字母、数字或 . _ -，以字母开头", code="BAD_USERNAME")
    _display_name(display_name)
    problem = password_problem(password)
    if problem:
        raise ValidationFailed(problem, code="WEAK_PASSWORD")
    if phone is not None and not is_mobile(phone):
        raise ValidationFailed("手机号码应为11位、以1开头", code="BAD_PHONE")
    _known_region(region_code)
    if db.scalar(select(StaffUser.id).where(StaffUser.username == username)):
        raise ConflictError(f"用户名 {username} 已存在", code="USERNAME_TAKEN")
    staff = StaffUser(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        roles=wanted,
        region_code=region_code,
        active=True,
        phone=phone,
    )
    db.add(staff)
    db.flush()
    record(
        "staff.create",
        actor=actor or ("operator", operator),
        subject=("staff_user", staff.id),
        detail={"roles": wanted, "region": region_code},
    )
    return staff


def disable_staff(username: str, *, operator: str, actor: tuple[str, Any] | None = None) -> StaffUser:
    staff = _staff(username)
    staff.active = False
    _sign_out_everywhere(staff, "staff_disabled")
    record("staff.disable", actor=actor or ("operator", operator), subject=("staff_user", staff.id))
    return staff


def enable_staff(username: str, *, actor: tuple[str, Any]) -> StaffUser:
    """Turn an account on; one waiting since an admin's change needs another admin to do it."""
    staff = _staff(username)
    if staff.active:
        raise ConflictError(f"{username} 的账号本来就在用", code="STAFF_ACTIVE")
    if staff.pending_by is not None and actor == ("staff", staff.pending_by):
        raise Forbidden("这个账号由您创建或更改，须另一位管理员核对后启用", code="MAKER_CANNOT_ENABLE")
    staff.active, staff.pending_by = True, None
    record("staff.enable", actor=actor, subject=("staff_user", staff.id))
    return staff


def hold_for_second_admin(staff: StaffUser, admin_id: int) -> None:
    """The account stays off (and signed out) until an admin other than `admin_id` turns it on."""
    staff.active, staff.pending_by = False, admin_id
    _sign_out_everywhere(staff, "staff_pending")


def change_staff(username: str, roles: Iterable[str], region_code: str | None, *, actor: tuple[str, Any]) -> StaffUser:
    """New roles or region take effect at the next sign-in: every open session ends now, so no
    session keeps a scope its account no longer has."""
    staff = _staff(username)
    wanted = _roles(roles)
    _known_region(region_code)
    before = {"roles": list(staff.roles), "region": staff.region_code}
    staff.roles, staff.region_code = wanted, region_code
    _sign_out_everywhere(staff, "staff_changed")
    record(
        "staff.change",
        actor=actor,
        subject=("staff_user", staff.id),
        detail={"before": before, "after": {"roles": wanted, "region": region_code}},
    )
    return staff


def _display_name(name: str) -> None:
    if not 1 <= len(name) <= 50 or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise ValidationFailed("姓名应为1到50个字符，不含换行等控制字符", code="BAD_DISPLAY_NAME")


def _staff(username: str) -> StaffUser:
    staff = current_session().scalar(select(StaffUser).where(StaffUser.username == username))
    if staff is None:
        raise NotFoundError(f"用户名 {username} 不存在", code="STAFF_NOT_FOUND")
    return staff


def _roles(roles: Iterable[str]) -> list[str]:
    wanted = sorted(set(roles))
    if not wanted or set(wanted) - set(STAFF_ROLES):
        choices = "、".join(f"{STAFF_ROLE_LABELS[role]}（{role}）" for role in STAFF_ROLES)
        raise ValidationFailed(f"请选择岗位，可选：{choices}，可多选", code="BAD_ROLE")
    mixed = set(wanted) & _NOT_WITH_FINANCE
    if "finance" in wanted and mixed:
        named = "、".join(STAFF_ROLE_LABELS[role] for role in sorted(mixed))
        raise ValidationFailed(f"财务岗位不能与{named}兼任：审核与拨付须由不同的人办理", code="ROLES_NOT_SEPARATED")
    return wanted


# Who decides a payment and who pays it are never one person (业务与财务分离).
_NOT_WITH_FINANCE = frozenset({"handler", "reviewer", "supervisor", "admin"})


def _known_region(region_code: str | None) -> None:
    if region_code and current_session().get(Region, region_code) is None:
        raise ValidationFailed(f"统筹地区 {region_code} 不存在", code="UNKNOWN_REGION")


def _sign_out_everywhere(staff: StaffUser, reason: str) -> None:
    current_session().execute(
        update(AuthSession)
        .where(AuthSession.staff_user_id == staff.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
