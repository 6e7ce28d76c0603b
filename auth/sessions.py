"""Sessions and their tokens: open at login, look up on every request, rotate on refresh,
revoke on logout or when a used refresh token comes back (a sign it was stolen)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update

from auth.caller import Caller, Level
from auth.models import AuthSession, RefreshToken, StaffUser, WeChatAccount
from auth.tokens import digest, new_token
from miniapp_api.audit.service import record_regardless
from miniapp_api.db import after_transaction, current_session, unit_of_work, utcnow
from miniapp_api.errors import Unauthenticated
from miniapp_api.extensions import settings
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


def authenticate(access_token: str) -> Caller:
    """The caller behind a bearer token, or Unauthenticated (expired, revoked, unknown)."""
    db = current_session()
    session = db.scalar(select(AuthSession).where(AuthSession.access_token_hash == digest(access_token)))
    now = utcnow()
    if session is None or session.revoked_at is not None:
        raise Unauthenticated("登录已失效，请重新登录", code="TOKEN_INVALID")
    if session.access_expires_at <= now:
        raise Unauthenticated("登录已过期，请刷新或重新登录", code="TOKEN_EXPIRED")
    return caller_for(session, now)


def caller_for(session: AuthSession, now: dt.datetime) -> Caller:
    db = current_session()
    if session.kind == "claimant":
        account = db.get(WeChatAccount, session.wechat_account_id)
        if account is None:
            raise Unauthenticated("登录已失效，请重新登录", code="TOKEN_INVALID")
        level = Level.WECHAT
        if account.person_id is not None:
            level = Level.BOUND
            verified = session.face_verified_until
            if verified and verified > now and session.face_verified_person_id == account.person_id:
                level = Level.FACE_VERIFIED
        return Caller(session.id, "claimant", level, wechat_account_id=account.id, person_id=account.person_id)
    if session.kind == "employer":
        contact = db.get(EmployerContact, session.employer_contact_id)
        if contact is None:
            raise Unauthenticated("登录已失效，请重新登录", code="TOKEN_INVALID")
        return Caller(session.id, "employer", employer_id=contact.employer_id, employer_contact_id=contact.id)
    staff = db.get(StaffUser, session.staff_user_id)
    if staff is None or not staff.active:
        raise Unauthenticated("账号已停用，请联系管理员", code="ACCOUNT_DISABLED")
    return Caller(
        session.id, "staff", staff_user_id=staff.id, roles=frozenset(staff.roles), staff_region=staff.region_code
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
