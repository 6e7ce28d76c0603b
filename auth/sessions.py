"""Sessions and their tokens: open at login, look up on every request, rotate on refresh,
revoke on logout or when a used refresh token comes back (a sign it was stolen)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, case, func, select, update
from sqlalchemy.orm import aliased

from auth.caller import Caller, Level
from auth.models import AuthSession, RefreshToken, StaffUser, WeChatAccount
from auth.tokens import digest, new_token
from miniapp_api.audit.service import record_regardless
from miniapp_api.db import after_transaction, current_session, unit_of_work, utcnow
from miniapp_api.errors import Unauthenticated
from miniapp_api.extensions import settings
from miniapp_api.reads.models import REFERENCE_OWNER, ReadVersion
from miniapp_api.records.models import EmployerContact


@dataclass(frozen=True)
class IssuedTokens:
    session: AuthSession
    access_token: str
    refresh_token: str
    access_expires_in: int
    refresh_expires_in: int


def open_session(
    kind: str,
    *,
    wechat_account: WeChatAccount | None = None,
    contact: EmployerContact | None = None,
    staff: StaffUser | None = None,
) -> IssuedTokens:
    config = settings()
    now = utcnow()
    lifetime = config.AUTH_STAFF_SESSION_TTL_S if kind == "staff" else config.AUTH_REFRESH_TTL_S
    session = AuthSession(
        kind=kind,
        wechat_account_id=wechat_account.id if wechat_account else None,
        employer_contact_id=contact.id if contact else None,
        staff_user_id=staff.id if staff else None,
        access_token_hash="",
        access_expires_at=now,
        created_at=now,
        expires_at=now + dt.timedelta(seconds=lifetime),
    )
    current_session().add(session)
    return _issue(session, now)


def _issue(session: AuthSession, now: dt.datetime) -> IssuedTokens:
    config = settings()
    access, refresh = new_token("at"), new_token("rt")
    session.access_token_hash = digest(access)
    session.access_expires_at = min(now + dt.timedelta(seconds=config.AUTH_ACCESS_TTL_S), session.expires_at)
    db = current_session()
    db.flush()
    db.add(RefreshToken(session_id=session.id, token_hash=digest(refresh), created_at=now))
    return IssuedTokens(
        session,
        access,
        refresh,
        int((session.access_expires_at - now).total_seconds()),
        int((session.expires_at - now).total_seconds()),
    )


_PersonVersion = aliased(ReadVersion)
_EmployerVersion = aliased(ReadVersion)
_REFERENCE_VERSION = (
    select(ReadVersion.version)
    .where(ReadVersion.scope == "reference", ReadVersion.owner_id == REFERENCE_OWNER)
    .scalar_subquery()
)

# Everything a request needs to know about its caller, in one round trip.
_CALLER_FACTS = (
    select(
        AuthSession.id,
        AuthSession.kind,
        AuthSession.revoked_at,
        AuthSession.access_expires_at,
        AuthSession.face_verified_until,
        AuthSession.face_verified_person_id,
        WeChatAccount.id.label("account_id"),
        WeChatAccount.person_id,
        EmployerContact.id.label("contact_id"),
        EmployerContact.employer_id,
        StaffUser.id.label("staff_id"),
        StaffUser.active,
        StaffUser.roles,
        StaffUser.region_code,
        # By the session's kind: an employer's WeChat account may also be bound to a claimant.
        func.coalesce(
            case((AuthSession.kind == "employer", _EmployerVersion.version), else_=_PersonVersion.version), 0
        ).label("own_version"),
        func.coalesce(_REFERENCE_VERSION, 0).label("reference_version"),
    )
    .outerjoin(WeChatAccount, WeChatAccount.id == AuthSession.wechat_account_id)
    .outerjoin(EmployerContact, EmployerContact.id == AuthSession.employer_contact_id)
    .outerjoin(StaffUser, StaffUser.id == AuthSession.staff_user_id)
    .outerjoin(
        _PersonVersion, and_(_PersonVersion.scope == "person", _PersonVersion.owner_id == WeChatAccount.person_id)
    )
    .outerjoin(
        _EmployerVersion,
        and_(_EmployerVersion.scope == "employer", _EmployerVersion.owner_id == EmployerContact.employer_id),
    )
)
# Built once, so its SQL is compiled once; run on the connection, past the ORM, as it loads no
# objects (every request comes through here).
_BY_TOKEN = _CALLER_FACTS.where(AuthSession.access_token_hash == bindparam("token_hash"))


def authenticate(access_token: str) -> Caller:
    """The caller behind a bearer token, or Unauthenticated (expired, revoked, unknown)."""
    facts = current_session().connection().execute(_BY_TOKEN, {"token_hash": digest(access_token)}).first()
    now = utcnow()
    if facts is None or facts.revoked_at is not None:
        raise Unauthenticated("登录已失效，请重新登录", code="TOKEN_INVALID")
    if facts.access_expires_at <= now:
        raise Unauthenticated("登录已过期，请刷新或重新登录", code="TOKEN_EXPIRED")
    return _caller(facts, now)


def caller_for(session: AuthSession, now: dt.datetime) -> Caller:
    current_session().flush()
    return _caller(current_session().execute(_CALLER_FACTS.where(AuthSession.id == session.id)).one(), now)


def _caller(facts: Any, now: dt.datetime) -> Caller:
    read_version = f"{facts.own_version}.{facts.reference_version}"
    if facts.kind == "claimant":
        if facts.account_id is None:
            raise Unauthenticated("登录已失效，请重新登录", code="TOKEN_INVALID")
        level = Level.WECHAT
        if facts.person_id is not None:
            level = Level.BOUND
            verified = facts.face_verified_until
            if verified and verified > now and facts.face_verified_person_id == facts.person_id:
                level = Level.FACE_VERIFIED
        return Caller(
            facts.id,
            "claimant",
            level,
            wechat_account_id=facts.account_id,
            person_id=facts.person_id,
            read_version=read_version,
        )
    if facts.kind == "employer":
        if facts.contact_id is None:
            raise Unauthenticated("登录已失效，请重新登录", code="TOKEN_INVALID")
        return Caller(
            facts.id,
            "employer",
            wechat_account_id=facts.account_id,
            employer_id=facts.employer_id,
            employer_contact_id=facts.contact_id,
            read_version=read_version,
        )
    if facts.staff_id is None or not facts.active:
        raise Unauthenticated("账号已停用，请联系管理员", code="ACCOUNT_DISABLED")
    return Caller(
        facts.id, "staff", staff_user_id=facts.staff_id, roles=frozenset(facts.roles), staff_region=facts.region_code
    )


def rotate(refresh_token: str) -> IssuedTokens:
    """A new token pair for a refresh token that has not been used; a reused one ends the session."""
    db = current_session()
    now = utcnow()
    token = db.scalar(select(RefreshToken).where(RefreshToken.token_hash == digest(refresh_token)))
    session = db.get(AuthSession, token.session_id) if token else None
    if token is None or session is None or session.revoked_at is not None:
        raise Unauthenticated("登录已失效，请重新登录", code="REFRESH_INVALID")
    if token.used_at is not None:
        _revoke_after_reuse(session.id, now)
        raise Unauthenticated("检测到登录凭证被重复使用，已退出登录，请重新登录", code="REFRESH_REUSED")
    if session.expires_at <= now:
        raise Unauthenticated("登录已过期，请重新登录", code="SESSION_EXPIRED")
    # Mark used with a guarded UPDATE, so two refreshes racing with one token cannot both win.
    claimed = db.execute(
        update(RefreshToken).where(RefreshToken.id == token.id, RefreshToken.used_at.is_(None)).values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        _revoke_after_reuse(session.id, now)
        raise Unauthenticated("检测到登录凭证被重复使用，已退出登录，请重新登录", code="REFRESH_REUSED")
    return _issue(session, now)


def _revoke_after_reuse(session_id: int, now: dt.datetime) -> None:
    """Revoke in a transaction of its own: the refused request's own work is rolled back."""

    def revoke_now() -> None:
        with unit_of_work() as db:
            db.execute(
                update(AuthSession)
                .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
                .values(revoked_at=now, revoked_reason="refresh_reused")
            )

    after_transaction(revoke_now)
    record_regardless("auth.refresh_reused", subject=("auth_session", session_id), outcome="refused")


def revoke(session_id: int, reason: str) -> None:
    current_session().execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )


def revoke_account_sessions(wechat_account_id: int, reason: str) -> None:
    current_session().execute(
        update(AuthSession)
        .where(AuthSession.wechat_account_id == wechat_account_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )


def mark_face_verified(session_id: int, person_id: int) -> dt.datetime:
    """Called by the liveness check when it passes for `person_id`; returns the expiry."""
    until = utcnow() + dt.timedelta(seconds=settings().AUTH_FACE_VERIFIED_TTL_S)
    current_session().execute(
        update(AuthSession)
        .where(AuthSession.id == session_id)
        .values(face_verified_until=until, face_verified_person_id=person_id)
    )
    return until
