"""Staff accounts: created and disabled by an administrator (the `miniapp staff` command)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select, update

from auth.models import STAFF_ROLES, AuthSession, StaffUser
from auth.passwords import hash_password, password_problem
from miniapp_api.audit.service import record
from miniapp_api.db import current_session, utcnow
from miniapp_api.errors import ConflictError, NotFoundError, ValidationFailed
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
) -> StaffUser:
    db = current_session()
    wanted = sorted(set(roles))
    if not _USERNAME.match(username):
        raise ValidationFailed("用户名应为3到40位小写字母、数字或 . _ -，以字母开头", code="BAD_USERNAME")
    unknown = set(wanted) - set(STAFF_ROLES)
    if not wanted or unknown:
        raise ValidationFailed(f"岗位应为 {'、'.join(STAFF_ROLES)} 中的一个或多个", code="BAD_ROLE")
    problem = password_problem(password)
    if problem:
        raise ValidationFailed(problem, code="WEAK_PASSWORD")
    if phone is not None and not is_mobile(phone):
        raise ValidationFailed("手机号码应为11位、以1开头", code="BAD_PHONE")
    if region_code and db.get(Region, region_code) is None:
        raise ValidationFailed(f"统筹地区 {region_code} 不存在", code="UNKNOWN_REGION")
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
    record("staff.create", actor=("operator", operator), subject=("staff_user", staff.id), detail={"roles": wanted})
    return staff


def disable_staff(username: str, *, operator: str) -> StaffUser:
    db = current_session()
    staff = db.scalar(select(StaffUser).where(StaffUser.username == username))
    if staff is None:
        raise NotFoundError(f"用户名 {username} 不存在", code="STAFF_NOT_FOUND")
    staff.active = False
    db.execute(
        update(AuthSession)
        .where(AuthSession.staff_user_id == staff.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason="staff_disabled")
    )
    record("staff.disable", actor=("operator", operator), subject=("staff_user", staff.id))
    return staff
