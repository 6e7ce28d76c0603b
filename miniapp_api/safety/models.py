from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.db import Base, UtcDateTime, utcnow


class RecoveryItem(Base):
    """A month paid after the date payment should have stopped: staff recover it (or decide not to)."""

    __tablename__ = "recovery_items"
    __table_args__ = (CheckConstraint("status IN ('open', 'recovered', 'waived')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    benefit_payment_id: Mapped[int] = mapped_column(ForeignKey("benefit_payments.id"), unique=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    period: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    reason: Mapped[str] = mapped_column(String(40))
    basis: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
