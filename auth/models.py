"""Accounts and sessions: WeChat accounts bound to persons, staff users, and the sessions
their tokens open. Tokens are stored only as SHA-256 digests of 256-bit random values."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.db import Base, TimestampMixin, UtcDateTime, utcnow
from miniapp_api.pii import EncryptedText

SESSION_KINDS = ("claimant", "employer", "staff")
# handler: objections; reviewer: claims and record corrections; supervisor: overdue objections
# are escalated to them, and they assign work; finance: payment runs, kept apart from deciding
# claims; auditor: reads; admin: everything staff may read.
STAFF_ROLES = ("handler", "reviewer", "supervisor", "finance", "auditor", "admin")
STAFF_ROLE_LABELS = {
    "handler": "异议经办",
    "reviewer": "复核",
    "supervisor": "主管",
    "finance": "财务",
    "auditor": "审计",
    "admin": "系统管理",
}


class WeChatAccount(TimestampMixin, Base):
    """A mini-program user (appid + openid), bound to at most one person and vice versa."""

    __tablename__ = "wechat_accounts"
    __table_args__ = (UniqueConstraint("appid", "openid"), UniqueConstraint("person_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    appid: Mapped[str] = mapped_column(String(32))
    openid: Mapped[str] = mapped_column(String(64))
    unionid: Mapped[str | None] = mapped_column(String(64))
    # WeChat's session_key decrypts the user's encrypted data; it never leaves the server.
    session_key: Mapped[str | None] = mapped_column(EncryptedText("wechat_account.session_key"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    bound_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # When this binding first passed a face check of its person. Until then a binding is only
    # someone's word (an ID number and a name): it may not send benefit anywhere but the
    # social security card. Cleared whenever the binding changes.
    face_verified_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # The phone this WeChat user proved as an employer contact's (signed in with its SMS code, or
    # WeChat's own phone number): reminders to every contact with that phone may go by WeChat,
    # and the contact may sign in with WeChat alone.
    contact_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    # A member of staff who bound this WeChat user (signed in with password and authenticator):
    # their alerts go to it as subscribe messages where allowed.
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"), index=True)


class StaffUser(TimestampMixin, Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # An account an admin created, or whose roles or region an admin changed, in the console stays
    # off until another admin turns it on: one admin cannot make an account for themselves and
    # then act as the second person their own changes need.
    pending_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    # Where reminders and escalations reach them (a work mobile).
    phone: Mapped[str | None] = mapped_column(EncryptedText("staff_user.phone"))
    # The console's second factor (TOTP, RFC 6238): the secret, when its enrolment was confirmed
    # with a code, and the last time step used (a code works once).
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText("staff_user.totp_secret"))
    totp_confirmed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)


class AuthSession(Base):
    """One login. Its access token is replaced on every refresh; revoking it ends them all."""

    __tablename__ = "auth_sessions"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in SESSION_KINDS)})", name="kind"),
        CheckConstraint(
            "(kind = 'claimant' AND wechat_account_id IS NOT NULL)"
            " OR (kind = 'employer' AND employer_contact_id IS NOT NULL)"
            " OR (kind = 'staff' AND staff_user_id IS NOT NULL)",
            name="subject",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    wechat_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("wechat_accounts.id", ondelete="CASCADE"), index=True
    )
    employer_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("employer_contacts.id", ondelete="CASCADE"), index=True
    )
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    access_expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # Set by a passed face check (the liveness module) for the person it verified.
    face_verified_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    face_verified_person_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(40))


class RefreshToken(Base):
    """Each refresh token works once; presenting a used one again revokes its session."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class IdentityBinding(Base):
    """Every binding of a WeChat user to a person, kept after it moves: one WeChat user behind
    several identities is a fraud signal for staff."""

    __tablename__ = "identity_bindings"

    id: Mapped[int] = mapped_column(primary_key=True)
    wechat_account_id: Mapped[int] = mapped_column(ForeignKey("wechat_accounts.id", ondelete="CASCADE"), index=True)
    unionid: Mapped[str | None] = mapped_column(String(64), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    bound_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
