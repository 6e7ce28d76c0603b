"""Objections (异议), their attachments and history, their reply clocks, and the record
corrections they lead to.

An objection's reply clock is its own row (`ObjectionDeadline`): the sweeps and the dashboards
read those rows through partial indexes that hold only what is still running, so their cost
follows what is due, not how many objections were ever filed. A correction keeps the record's
before and after, and who proposed and who approved it — never the same person.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.db import Base, TimestampMixin, UtcDateTime, utcnow
from miniapp_api.pii import EncryptedText

CATEGORIES = ("record", "decision", "suspension", "refund")
STATUSES = ("received", "in_progress", "awaiting_claimant", "correction_pending", "answered")
OUTCOMES = ("accepted", "rejected")
CLOCK_STATES = ("running", "paused", "calendar_pending", "closed")
CORRECTION_STATUSES = ("proposed", "approved", "declined")
_OPEN = text("closed_at IS NULL")
_RUNNING_UNREMINDED = text("state = 'running' AND reminded_at IS NULL")
_RUNNING_NOT_OVERDUE = text("state = 'running' AND overdue_at IS NULL")
_NOT_CLOSED = text("state <> 'closed'")
_CALENDAR_PENDING = text("state = 'calendar_pending'")
_PROPOSED = text("status = 'proposed'")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Objection(TimestampMixin, Base):
    __tablename__ = "objections"
    __table_args__ = (
        # One open objection per person and subject (a field, a claim's decision or suspension).
        Index(
            "uq_objections_one_open_per_subject",
            "person_id",
            "subject_key",
            unique=True,
            postgresql_where=_OPEN,
            sqlite_where=_OPEN,
        ),
        # An enterprise's objections to its refund (稳岗返还), one open per refund and condition.
        Index(
            "uq_objections_one_open_per_employer_subject",
            "employer_id",
            "subject_key",
            unique=True,
            postgresql_where=_OPEN,
            sqlite_where=_OPEN,
        ),
        Index("ix_objections_person_id_filed_at", "person_id", "filed_at"),
        CheckConstraint(_in("category", CATEGORIES), name="category"),
        # Filed by a person (a claimant) or by an enterprise, never both.
        CheckConstraint("(person_id IS NULL) <> (employer_id IS NULL)", name="one_filer"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(f"outcome IS NULL OR {_in('outcome', OUTCOMES)}", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_no: Mapped[str] = mapped_column(String(24), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"))
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refund_assessments.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    category: Mapped[str] = mapped_column(String(12))
    field: Mapped[str | None] = mapped_column(String(40))  # the e-form field, for category "record"
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    subject_key: Mapped[str] = mapped_column(String(60))  # "field:separation_reason", "claim:12:decision"
    # What the records said when the objection was filed, and what the claimant says is right
    # (JSON text; encrypted, as either may be a bank account or a name).
    recorded_value: Mapped[str | None] = mapped_column(EncryptedText("objection.recorded_value"))
    claimed_value: Mapped[str | None] = mapped_column(EncryptedText("objection.claimed_value"))
    description: Mapped[str] = mapped_column(EncryptedText("objection.description"))
    status: Mapped[str] = mapped_column(String(20))
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    filed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    filed_on: Mapped[dt.date] = mapped_column(Date)
    info_request: Mapped[str | None] = mapped_column(Text)  # what staff asked the claimant for, last
    outcome: Mapped[str | None] = mapped_column(String(10))
    answer: Mapped[str | None] = mapped_column(Text)
    rejection_code: Mapped[str | None] = mapped_column(String(40))
    legal_basis: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class ObjectionAttachment(Base):
    """An image the claimant uploaded: the bytes live encrypted in a file outside the database
    and the web root; the row keeps the name, type, size and the plaintext's SHA-256."""

    __tablename__ = "objection_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    objection_id: Mapped[int | None] = mapped_column(ForeignKey("objections.id"), index=True)
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(30))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class ObjectionEvent(Base):
    """One step of an objection's handling; append-only (a trigger on PostgreSQL)."""

    __tablename__ = "objection_events"
    __table_args__ = (Index("ix_objection_events_objection_id_id", "objection_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("objections.id"))
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ObjectionDeadline(Base):
    """The reply clock of one objection: when it is due, whether it runs, and what the sweep did."""

    __tablename__ = "objection_deadlines"
    __table_args__ = (
        Index(
            "ix_objection_deadlines_remind_due",
            "remind_on",
            postgresql_where=_RUNNING_UNREMINDED,
            sqlite_where=_RUNNING_UNREMINDED,
        ),
        Index(
            "ix_objection_deadlines_overdue_due",
            "due_on",
            postgresql_where=_RUNNING_NOT_OVERDUE,
            sqlite_where=_RUNNING_NOT_OVERDUE,
        ),
        Index(
            "ix_objection_deadlines_open_region_due",
            "region_code",
            "due_on",
            postgresql_where=_NOT_CLOSED,
            sqlite_where=_NOT_CLOSED,
        ),
        Index("ix_objection_deadlines_closed_on", "closed_on"),
        Index(
            "ix_objection_deadlines_calendar_pending",
            "filed_on",
            postgresql_where=_CALENDAR_PENDING,
            sqlite_where=_CALENDAR_PENDING,
        ),
        CheckConstraint(_in("state", CLOCK_STATES), name="state"),
    )

    objection_id: Mapped[int] = mapped_column(ForeignKey("objections.id"), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6))
    category: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(20))
    working_days: Mapped[int] = mapped_column(Integer)  # the limit the region set at filing
    basis: Mapped[str] = mapped_column(Text)
    filed_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)  # None only while the calendar lacks the year
    remind_on: Mapped[dt.date | None] = mapped_column(Date)
    paused_on: Mapped[dt.date | None] = mapped_column(Date)
    days_left: Mapped[int | None] = mapped_column(Integer)  # working days left when paused
    # The claimant's answer came while the calendar lacked the year: the clock runs on from here.
    resumed_on: Mapped[dt.date | None] = mapped_column(Date)
    # While the calendar lacks `pending_year`: the date the handler works to, counted on weekends
    # only. It earns a reminder, never an overdue mark.
    pending_year: Mapped[int | None] = mapped_column(Integer)
    provisional_due_on: Mapped[dt.date | None] = mapped_column(Date)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    overdue_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    on_time: Mapped[bool | None] = mapped_column(Boolean)


class RecordCorrection(Base):
    """A change to the internal records proposed by one member of staff and approved by another."""

    __tablename__ = "record_corrections"
    __table_args__ = (
        Index(
            "uq_record_corrections_one_proposed",
            "objection_id",
            unique=True,
            postgresql_where=_PROPOSED,
            sqlite_where=_PROPOSED,
        ),
        CheckConstraint(_in("status", CORRECTION_STATUSES), name="status"),
        CheckConstraint("decided_by IS NULL OR decided_by <> proposed_by", name="maker_is_not_checker"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("objections.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    target: Mapped[str] = mapped_column(String(30))  # "person", "stop_event", "contribution_period"
    target_id: Mapped[int | None] = mapped_column(Integer)  # None: a record to be added
    # The record's values before and the values proposed (JSON text, encrypted).
    before: Mapped[str] = mapped_column(EncryptedText("record_correction.before"))
    after: Mapped[str] = mapped_column(EncryptedText("record_correction.after"))
    status: Mapped[str] = mapped_column(String(10), default="proposed")
    proposed_by: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    proposed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    proposal_note: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    applied_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
