"""The refund's records and its screening results."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.db import Base, UtcDateTime, utcnow
from miniapp_api.pii import EncryptedText

SIZE_CLASSES = ("large", "small_micro")  # 划型: 大型企业 / 中小微企业
CREDIT_LISTS = ("serious_dishonesty", "abnormal_operations", "deregistered", "revoked")


class LedgerMonth(Base):
    """One month of an employer's unemployment-insurance account: what was due, what it paid,
    what it still owes, how many it insured."""

    __tablename__ = "employer_ledger"
    __table_args__ = (
        UniqueConstraint("employer_id", "month"),
        CheckConstraint("amount_due >= 0 AND amount_paid >= 0 AND arrears >= 0", name="amounts"),
        CheckConstraint("insured_headcount >= 0", name="headcount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    month: Mapped[dt.date] = mapped_column(Date)  # first day of the month
    amount_due: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    amount_paid: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    arrears: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    insured_headcount: Mapped[int] = mapped_column(Integer)


class EmployerProfile(Base):
    """What the refund needs to know of an employer beyond its name: its size class (划型, an
    imported fact, never guessed) and whether it is a government body or public institution
    (机关事业单位, which a dispatch agency does not apply for)."""

    __tablename__ = "employer_profiles"
    __table_args__ = (CheckConstraint("size_class IN ('large', 'small_micro')", name="size_class"),)

    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), primary_key=True)
    size_class: Mapped[str | None] = mapped_column(String(12))
    size_source: Mapped[str | None] = mapped_column(String(100))
    public_body: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class CreditListing(Base):
    """An enterprise on a list that bars the refund, as the list says, dated and sourced."""

    __tablename__ = "credit_listings"
    __table_args__ = (
        UniqueConstraint("credit_code", "list_kind", "listed_on"),
        CheckConstraint(
            "list_kind IN ('serious_dishonesty', 'abnormal_operations', 'deregistered', 'revoked')", name="list_kind"
        ),
        Index("ix_credit_listings_credit_code", "credit_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18))
    list_kind: Mapped[str] = mapped_column(String(24))
    listed_on: Mapped[dt.date] = mapped_column(Date)
    removed_on: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200))  # the list's publisher and document


class DispatchRelation(Base):
    """A labour-dispatch agency (派遣机构) and an employer its workers are sent to: the agency
    applies for the refund of that user employer (unless it is a public body)."""

    __tablename__ = "dispatch_relations"
    __table_args__ = (UniqueConstraint("agency_id", "user_employer_id", "from_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    user_employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    from_month: Mapped[dt.date] = mapped_column(Date)
    to_month: Mapped[dt.date | None] = mapped_column(Date)


class CorporateAccount(Base):
    """The enterprise's corporate bank account (对公账户) the refund is paid to."""

    __tablename__ = "corporate_accounts"

    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), primary_key=True)
    bank_name: Mapped[str] = mapped_column(String(50))
    account_name: Mapped[str] = mapped_column(String(200))
    account_number: Mapped[str] = mapped_column(EncryptedText("corporate_account.number"))
    account_hash: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(12))  # "records" or "enterprise"
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Screening(Base):
    """One set-based screening of a region's enterprises for a policy year."""

    __tablename__ = "refund_screenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    policy_year: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[dt.date] = mapped_column(Date)  # parameters and lists as they stood this day
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)  # the values used, with citations
    enterprises: Mapped[int] = mapped_column(Integer, default=0)
    eligible: Mapped[int] = mapped_column(Integer, default=0)
    total_amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal("0.00"))
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    started_by: Mapped[str] = mapped_column(String(60))


_UNCONFIRMED = text("status = 'eligible'")


class Assessment(Base):
    """An enterprise's refund for a policy year: each condition with its values, the amount, and
    where it stands. One per enterprise and year (one refund a year); a later screening updates
    it until the enterprise has applied."""

    __tablename__ = "refund_assessments"
    __table_args__ = (
        UniqueConstraint("employer_id", "policy_year"),
        Index("ix_refund_assessments_region_year_status", "region_code", "policy_year", "status"),
        # The reminder sweep reads only refunds still waiting for the enterprise's confirmation.
        Index(
            "ix_refund_assessments_unconfirmed",
            "next_step_on",
            postgresql_where=_UNCONFIRMED,
            sqlite_where=_UNCONFIRMED,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    policy_year: Mapped[int] = mapped_column(Integer)
    screening_id: Mapped[int] = mapped_column(ForeignKey("refund_screenings.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # eligible, ineligible, then the application's course
    eligible: Mapped[bool] = mapped_column(Boolean)
    refusals: Mapped[str] = mapped_column(String(200))  # condition codes not met, comma-separated
    blockers: Mapped[str] = mapped_column(String(100))  # what stops payment until supplied, comma-separated
    size_class: Mapped[str | None] = mapped_column(String(12))
    months_paid_in_full: Mapped[int] = mapped_column(Integer)
    arrears_months: Mapped[int] = mapped_column(Integer)
    arrears_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    paid_last_year: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    average_headcount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    layoffs: Mapped[int] = mapped_column(Integer)
    layoff_rate: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))  # percent
    layoff_rate_limit: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    credit_listings: Mapped[str] = mapped_column(String(100))  # list kinds the enterprise is on, comma-separated
    share_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # None until the size class is known
    screened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The application: the enterprise (or its dispatch agency) confirmed the account and applied.
    applied_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    applied_by: Mapped[int | None] = mapped_column(ForeignKey("employer_contacts.id"))
    applied_for_by: Mapped[int | None] = mapped_column(ForeignKey("employers.id"))  # a dispatch agency
    # The agency's review: approved, or rejected with a coded reason.
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    rejection_code: Mapped[str | None] = mapped_column(String(30))
    decision_note: Mapped[str | None] = mapped_column(Text)
    # The public notice it was listed in, and an objection received during it that holds it.
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("refund_notices.id"), index=True)
    held_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    hold_reason: Mapped[str | None] = mapped_column(Text)
    # Payment: the batch, the reference the bank file and its answer carry, the outcome.
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("refund_payment_batches.id"), index=True)
    payment_reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    paid_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    # Waiting for the enterprise: when it was told it may confirm, by when, the reminders since,
    # the day the sweep looks again, and the waiver when the window closed unconfirmed.
    told_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    confirm_by: Mapped[dt.date | None] = mapped_column(Date)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_step_on: Mapped[dt.date | None] = mapped_column(Date)
    waived_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class Notice(Base):
    """A public notice (公示) of approved refunds for N working days, counted with the official
    calendar. What it publishes holds no personal data: enterprise, credit code, amount."""

    __tablename__ = "refund_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    policy_year: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)  # the last day of the notice
    working_days: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(Text)
    enterprises: Mapped[int] = mapped_column(Integer)
    total_amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    published_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    published_by: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))


class PaymentBatch(Base):
    """Refunds paid to corporate accounts: prepared, its bank file exported, the bank's answer
    confirmed; by the finance role only."""

    __tablename__ = "refund_payment_batches"
    __table_args__ = (CheckConstraint("status IN ('prepared', 'exported', 'confirmed')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    policy_year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="prepared")
    instructions: Mapped[int] = mapped_column(Integer)
    total_amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    prepared_by: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    prepared_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    exported_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
