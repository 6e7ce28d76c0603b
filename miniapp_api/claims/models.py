"""Claims, their registration, their timeline, their monthly payments, drafts and ratings.

A claim's status is kept on the row for queries, and it is always the status its events
derive (`status.derive`): both change together in one transaction, and only through
`timeline.append`. Events are never updated or deleted (PostgreSQL refuses it by trigger).
"""

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
from sqlalchemy.orm import Mapped, mapped_column, validates

from miniapp_api.db import Base, TimestampMixin, UtcDateTime, utcnow
from miniapp_api.pii import EncryptedText, cipher

BANK_ACCOUNT_SOURCES = ("ss_card", "other")
PAYMENT_KINDS = ("monthly", "lump_sum")
PAYMENT_STATUSES = ("scheduled", "paid", "cancelled")
_OPEN = text("closed_at IS NULL")


class Claim(TimestampMixin, Base):
    __tablename__ = "claims"
    __table_args__ = (
        # One open claim per person: the database decides between concurrent submissions.
        Index("uq_claims_one_open_per_person", "person_id", unique=True, postgresql_where=_OPEN, sqlite_where=_OPEN),
        UniqueConstraint("person_id", "idempotency_key"),
        Index("ix_claims_status_submitted_at", "status", "submitted_at"),
        CheckConstraint("bank_account_source IN ('ss_card', 'other')", name="bank_account_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_no: Mapped[str] = mapped_column(String(24), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    status: Mapped[str] = mapped_column(String(20))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    request_sha256: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    application_date: Mapped[dt.date] = mapped_column(Date)

    # What the records said at submission (the facts the decision was made on).
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"))
    stop_event_id: Mapped[int | None] = mapped_column(ForeignKey("stop_contribution_events.id"))
    separation_date: Mapped[dt.date | None] = mapped_column(Date)
    separation_reason: Mapped[str | None] = mapped_column(String(40))
    contribution_months: Mapped[int | None] = mapped_column(Integer)
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    review_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    # The decision.
    refusals: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    entitlement_months: Mapped[int | None] = mapped_column(Integer)
    continued_payment_months: Mapped[int | None] = mapped_column(Integer)
    legal_retirement_date: Mapped[dt.date | None] = mapped_column(Date)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(40))  # "auto" or "staff:<id>"
    decision_note: Mapped[str | None] = mapped_column(Text)
    trace: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    # What the claimant confirmed and chose.
    commitment_version: Mapped[int] = mapped_column(Integer)
    phone: Mapped[str | None] = mapped_column(EncryptedText("claim.phone"))
    contact_address: Mapped[str | None] = mapped_column(EncryptedText("claim.contact_address"))
    bank_account_source: Mapped[str] = mapped_column(String(10))
    bank_name: Mapped[str | None] = mapped_column(String(50))
    bank_account: Mapped[str | None] = mapped_column(EncryptedText("claim.bank_account"))
    # Keyed hash of the account, so one account used by several claimants can be found.
    bank_account_hash: Mapped[str | None] = mapped_column(String(64), index=True)

    # Lump sum for starting a business (一次性领取), where the region allows it.
    business_credit_code: Mapped[str | None] = mapped_column(String(18))

    # When the claimant was told that payment goes on to retirement (续发), once.
    continued_notice_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    @validates("bank_account")
    def _hash_bank_account(self, _key: str, account: str | None) -> str | None:
        self.bank_account_hash = bank_account_hash(account) if account else None
        return account


def bank_account_hash(account: str) -> str:
    return cipher().keyed_hash(account.replace(" ", ""), "bank_account")


class UnemploymentRegistration(Base):
    """失业登记, made with the claim in the same transaction (one door, one window)."""

    __tablename__ = "unemployment_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    registered_on: Mapped[dt.date] = mapped_column(Date)
    reason_code: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class ClaimEvent(Base):
    """One entry of a claim's timeline; append-only."""

    __tablename__ = "claim_events"
    __table_args__ = (Index("ix_claim_events_claim_id_id", "claim_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(20))  # "claimant", "staff", "system"
    actor_id: Mapped[str | None] = mapped_column(String(40))
    period: Mapped[dt.date | None] = mapped_column(Date)  # the payment month, for payment events
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class BenefitPayment(Base):
    """A month of benefit due under a claim (or the one lump sum), and whether it was paid."""

    __tablename__ = "benefit_payments"
    __table_args__ = (
        UniqueConstraint("claim_id", "kind", "period"),
        CheckConstraint("kind IN ('monthly', 'lump_sum')", name="kind"),
        CheckConstraint("status IN ('scheduled', 'paid', 'cancelled')", name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
        # Continued months are few: the daily continued-payment notice reads only them.
        Index(
            "ix_benefit_payments_continued",
            "period",
            "claim_id",
            postgresql_where=text("continued"),
            sqlite_where=text("continued"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    period: Mapped[dt.date] = mapped_column(Date)  # first day of the month paid for
    month_index: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    medical_premium_paid: Mapped[bool] = mapped_column(Boolean)
    # The premium the fund remits for the month (the region's `medical_premium` then in force);
    # None only on months scheduled before the amount was recorded.
    medical_premium: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    continued: Mapped[bool] = mapped_column(Boolean, default=False)
    pay_by: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    paid_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class ClaimDraft(Base):
    """The editable fields a claimant saved before submitting; one per person, expiring."""

    __tablename__ = "claim_drafts"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True)
    # JSON of the edits (a phone, an address, a bank account): ciphertext as a whole.
    edits: Mapped[str] = mapped_column(EncryptedText("claim_draft.edits"))
    # A keyed hash of each internal field's value when the draft was saved: enough to say
    # which of them changed since, without keeping a second copy of the records.
    internal_fingerprints: Mapped[dict[str, str]] = mapped_column(JSON)
    saved_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ServiceRating(Base):
    """好差评: one rating per rated subject (a decided claim, an answered objection)."""

    __tablename__ = "service_ratings"
    __table_args__ = (
        UniqueConstraint("subject_kind", "subject_id"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class IssuedReceipt(Base):
    """A receipt as issued: its document number and verification code, for the decision the claim
    had then. One per claim and decision; anyone holding the code can confirm the number, date and
    decision (never who it is about)."""

    __tablename__ = "issued_receipts"
    __table_args__ = (UniqueConstraint("claim_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    status: Mapped[str] = mapped_column(String(20))
    receipt_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    verification_code: Mapped[str] = mapped_column(String(24), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
