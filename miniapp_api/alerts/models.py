from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.db import Base, UtcDateTime, utcnow

ALERT_KINDS = {
    "calendar_year_missing": "节假日安排缺失，期限无法确定",
    "calendar_horizon": "节假日日历即将用尽",
    "message_undeliverable": "通知未能送达，需电话或书面告知",
    "refund_rescreen_due": "稳岗返还异议成立，待更正记录后重新比对",
    "refund_difference": "稳岗返还异议成立但已拨付或结束，需核实差额",
}
_OPEN = text("resolved_at IS NULL")


class StaffAlert(Base):
    """Something staff must act on, open until the condition is gone. One open alert per key:
    the same condition seen again counts up instead of opening another."""

    __tablename__ = "staff_alerts"
    __table_args__ = (
        Index("uq_staff_alerts_open_key", "key", unique=True, postgresql_where=_OPEN, sqlite_where=_OPEN),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(120))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)  # None: every region
    message: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    opened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
