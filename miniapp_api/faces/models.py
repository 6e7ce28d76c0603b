from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.db import Base, UtcDateTime, utcnow


class LivenessChallenge(Base):
    """The actions asked of one session for one person; answered once, within its lifetime."""

    __tablename__ = "liveness_challenges"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    actions: Mapped[list[str]] = mapped_column(JSON)
    # "verify": the session's own bound person; "bind": an identity the session claims (the
    # recovery of a binding someone else took), which a pass binds to this account.
    purpose: Mapped[str] = mapped_column(String(10), default="verify", server_default="verify")
    # "local": liveness and the agency's photo; "wechat": WeChat's 人脸核身, by its verify_id.
    provider: Mapped[str] = mapped_column(String(10), default="local", server_default="local")
    verify_id: Mapped[str | None] = mapped_column(String(256))
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class FaceCheck(Base):
    """The decision on one response: outcome, reasons, timings and the media's SHA-256 — never
    the frames. The hash also refuses the same upload a second time."""

    __tablename__ = "face_checks"
    # The daily fraud-signal sweep reads recent failures only.
    __table_args__ = (
        Index(
            "ix_face_checks_failed_at",
            "created_at",
            postgresql_where=text("NOT passed"),
            sqlite_where=text("NOT passed"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[str] = mapped_column(ForeignKey("liveness_challenges.id", ondelete="CASCADE"), unique=True)
    person_id: Mapped[int] = mapped_column(Integer, index=True)
    session_id: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    match_distance: Mapped[float | None]  # kept for evaluation and audit; never answered
    timings_ms: Mapped[dict[str, Any]] = mapped_column(JSON)
    media_kind: Mapped[str] = mapped_column(String(10))  # "video" | "frames"
    media_sha256: Mapped[str] = mapped_column(String(64), index=True)
    # Difference hashes of every frame (liveness.fingerprint): a replay of this recording, re-encoded
    # or trimmed, is told by its content. Forgotten after LIVENESS_REPLAY_DAYS.
    frame_hashes: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
