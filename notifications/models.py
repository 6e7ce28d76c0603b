"""The outbox: one row per message, its status history, and alerts for staff."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.db import Base, TimestampMixin, UtcDateTime, utcnow
from miniapp_api.pii import EncryptedText

CREATED, SENDING, SENT, DELIVERED = "created", "sending", "sent", "delivered"
TEMPORARY_FAILURE, PERMANENT_FAILURE, TECHNICAL_FAILURE = "temporary_failure", "permanent_failure", "technical_failure"
EXPIRED = "expired"  # not sent: what it carried (a login code) had expired before it could go
STATUSES = (CREATED, SENDING, SENT, DELIVERED, TEMPORARY_FAILURE, PERMANENT_FAILURE, TECHNICAL_FAILURE, EXPIRED)
FINAL_STATUSES = frozenset({DELIVERED, TEMPORARY_FAILURE, PERMANENT_FAILURE, TECHNICAL_FAILURE, EXPIRED})
UNDELIVERED = frozenset({TEMPORARY_FAILURE, PERMANENT_FAILURE, TECHNICAL_FAILURE})  # final, and not received


class Message(TimestampMixin, Base):
    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="status"),
        UniqueConstraint("dedup_key", "dedup_bucket"),
        Index("ix_messages_status_next_attempt_at", "status", "next_attempt_at"),
    )

    # Also the reference handed to the provider (OutId / SessionContext), so receipts and
    # look-ups find the message even if the worker died before recording the provider's id.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    template_version: Mapped[int] = mapped_column(Integer)
    recipient_kind: Mapped[str] = mapped_column(String(20))
    recipient_id: Mapped[int | None] = mapped_column(Integer)
    phone: Mapped[str | None] = mapped_column(EncryptedText("message.phone"))
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    wechat_openid: Mapped[str | None] = mapped_column(String(64), index=True)
    # JSON; encrypted because it may hold login codes and names.
    personalisation: Mapped[str] = mapped_column(EncryptedText("message.personalisation"))
    channel: Mapped[str] = mapped_column(String(20))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Never sent at or after this moment (a login code past its life is marked expired instead).
    expires_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20), default=CREATED)
    status_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    sending_started_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # When the sweep last asked the provider about this message (so it asks each in turn).
    checked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    provider: Mapped[str | None] = mapped_column(String(20))
    provider_reference: Mapped[str | None] = mapped_column(String(64), index=True)
    segments: Mapped[int | None] = mapped_column(Integer)
    dedup_key: Mapped[str | None] = mapped_column(String(120))
    dedup_bucket: Mapped[int | None] = mapped_column(Integer)
    failure_reason: Mapped[str | None] = mapped_column(String(300))
    # Every update checks it: two writers that both read the row (possible on SQLite, which
    # has no row locks) cannot both move it — the second gets StaleDataError.
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}

    # Loaded only where the history is wanted (look-ups); deliveries never need it.
    events: Mapped[list[MessageEvent]] = relationship(back_populates="message", order_by="MessageEvent.id")


class MessageEvent(Base):
    """Every status a message passed through, when, and why."""

    __tablename__ = "message_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    detail: Mapped[str | None] = mapped_column(String(300))

    message: Mapped[Message] = relationship(back_populates="events")


class NotificationAlert(Base):
    """A message the service gave up on, for staff to follow up by other means."""

    __tablename__ = "notification_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


SUBSCRIPTION_STATES = ("accepted", "rejected", "banned", "off")


class WeChatSubscription(Base):
    """What one WeChat user accepted for one subscribe-message template. A one-time template is a
    count of sends the user allowed (each acceptance one more, each send one less); a long-term
    template (open to 政务民生 mini-programs) holds until the user turns it off."""

    __tablename__ = "wechat_subscriptions"
    __table_args__ = (
        UniqueConstraint("openid", "template_id"),
        CheckConstraint("status IN ('accepted', 'rejected', 'banned', 'off')", name="status"),
        CheckConstraint("credits >= 0", name="credits"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64))
    template_id: Mapped[str] = mapped_column(String(64))
    long_term: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10))
    credits: Mapped[int] = mapped_column(Integer, default=0)
    # The last acceptance and who reported it ("client" or "push"): the mini-program and WeChat
    # both report the same popup, which must count once.
    granted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    granted_by: Mapped[str | None] = mapped_column(String(10))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
