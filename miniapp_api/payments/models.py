"""Payment runs and their instructions. A region's run of a month exists once (unique region and
period: each region's agency pays its own claimants, and its bank file holds no one else's), and each
scheduled month of benefit has at most one live instruction (unique payment, and unique person,
month and kind, among instructions the bank has not returned): started twice, even at the same
moment, nothing is paid twice, and a month the bank returned is issued again by a later run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.db import Base, UtcDateTime, utcnow

RUN_STATUSES = ("prepared", "exported", "confirmed")
INSTRUCTION_STATUSES = ("issued", "paid", "failed")
_LIVE = text("status <> 'failed'")


class PaymentRun(Base):
    __tablename__ = "payment_runs"
    __table_args__ = (
        CheckConstraint("status IN ('prepared', 'exported', 'confirmed')", name="status"),
        UniqueConstraint("region_code", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    period: Mapped[dt.date] = mapped_column(Date)  # first day of the month paid
    status: Mapped[str] = mapped_column(String(10))
    instructions: Mapped[int] = mapped_column(Integer)
    total_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    medical_premiums: Mapped[int] = mapped_column(Integer)  # months whose premium the fund pays
    medical_premium_total: Mapped[Decimal] = mapped_column(
        Numeric(14, 2), default=Decimal("0.00"), server_default="0.00"
    )
    prepared_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    prepared_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    exported_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class PaymentInstruction(Base):
    __tablename__ = "payment_instructions"
    __table_args__ = (
        Index(
            "uq_payment_instructions_live_month",
            "person_id",
            "period",
            "kind",
            unique=True,
            postgresql_where=_LIVE,
            sqlite_where=_LIVE,
        ),
        Index(
            "uq_payment_instructions_live_payment",
            "benefit_payment_id",
            unique=True,
            postgresql_where=_LIVE,
            sqlite_where=_LIVE,
        ),
        CheckConstraint("status IN ('issued', 'paid', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("payment_runs.id"), index=True)
    benefit_payment_id: Mapped[int] = mapped_column(ForeignKey("benefit_payments.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    kind: Mapped[str] = mapped_column(String(10))
    period: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    medical_premium_paid: Mapped[bool] = mapped_column(Boolean)
    reference: Mapped[str] = mapped_column(String(32), unique=True)  # what the bank file and its answer carry
    status: Mapped[str] = mapped_column(String(10), default="issued")
    settled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    # Keyed hash of the account paid to: a month returned twice to the same account waits for a new one.
    account_hash: Mapped[str | None] = mapped_column(String(64))
