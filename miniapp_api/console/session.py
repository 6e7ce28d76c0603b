"""The console's sign-in state, in Flask's signed session cookie (HttpOnly, SameSite=Strict,
Secure in production): after the password, whom the second factor is for; after it, the
AuthSession the console acts through, and when it was last used (idle timeout)."""

from __future__ import annotations

import time

from flask import session as cookie

from auth import sessions
from auth.caller import Caller
from auth.models import AuthSession
from miniapp_api.db import current_session, utcnow
from miniapp_api.extensions import settings

PENDING_S = 300  # the second factor must follow the password within five minutes


class SignInNeeded(Exception):
    """No signed-in console session (never, expired, idle too long, or revoked)."""

    def __init__(self, message: str = "请先登录") -> None:
        super().__init__(message)
        self.message = message


def password_passed(staff_id: int) -> None:
    cookie.clear()
    cookie["pending"] = {"staff": staff_id, "at": time.time()}


def forget() -> None:
    """No sign-in under way any more (a locked second factor starts again from the password)."""
    cookie.clear()


def pending_staff() -> int | None:
    pending = cookie.get("pending")
    if not pending or time.time() - pending["at"] > PENDING_S:
        return None
    return int(pending["staff"])


def signed_in(auth_session_id: int) -> None:
    cookie.clear()
    cookie["session"] = auth_session_id
    cookie["seen"] = time.time()
    cookie.permanent = False


def caller() -> Caller:
    """The signed-in staff member, or SignInNeeded; each use restarts the idle clock."""
    session_id = cookie.get("session")
    if session_id is None:
        raise SignInNeeded()
    if time.time() - float(cookie.get("seen", 0)) > settings().CONSOLE_IDLE_TIMEOUT_S:
        cookie.clear()  # the cookie, even if copied, stays idle: its time is signed into it
        raise SignInNeeded("长时间未操作，已自动退出，请重新登录")
    record = current_session().get(AuthSession, int(session_id))
    now = utcnow()
    if record is None or record.revoked_at is not None or record.expires_at <= now or record.kind != "staff":
        cookie.clear()
        raise SignInNeeded("登录已失效，请重新登录")
    cookie["seen"] = time.time()
    return sessions.caller_for(record, now)


def end(reason: str) -> None:
    session_id = cookie.get("session")
    cookie.clear()
    if session_id is not None:
        sessions.revoke(int(session_id), reason)
