"""Employers' duties after a separation, as rows: file the termination (备案) within the region's
limit, and hand the dismissed worker the claim notice (《失业保险金申领告知书》). Each duty carries
its due date and the day the sweep acts on it next, so reminders, escalation and the compliance
figures all read the same rows.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.db import Base, UtcDateTime, utcnow

DUTY_KINDS = ("notice", "filing")
# notice: reminded → re_reminded → escalated → acknowledged (or called, after escalation)
NOTICE_STAGES = ("reminded", "re_reminded", "escalated", "acknowledged")
_OPEN = text("done_at IS NULL")
_UNDATED = text("due_on IS NULL")
_WAITING = text("pending_year IS NOT NULL AND done_at IS NULL")


class FilingBatch(Base):
    """One uploaded filing form (备案表): who, which file, how many rows went in or were refused."""

    __tablename__ = "filing_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("employer_contacts.id"))
    operator: Mapped[str | None] = mapped_column(String(100))  # the CLI path
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    rows_total: Mapped[int] = mapped_column(Integer)
    rows_imported: Mapped[int] = mapped_column(Integer)
    rows_refused: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class TerminationFiling(Base):
    """The employer's filing of one termination; it becomes the stop-contribution record."""

    __tablename__ = "termination_filings"
    __table_args__ = (
        UniqueConstraint("employer_id", "person_id", "separation_date"),
        Index("ix_termination_filings_undated", "id", postgresql_where=_UNDATED, sqlite_where=_UNDATED),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    stop_event_id: Mapped[int] = mapped_column(ForeignKey("stop_contribution_events.id"), unique=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("filing_batches.id"), index=True)
    separation_date: Mapped[dt.date] = mapped_column(Date)
    reason_code: Mapped[str] = mapped_column(String(40))
    form_number: Mapped[str | None] = mapped_column(String(40))  # 编号 on the form
    filed_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)  # None while the calendar lacks the year
    late: Mapped[bool] = mapped_column(Boolean)
    filed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class EmployerDuty(Base):
    """One duty of one employer for one separation, with its clock."""

    __tablename__ = "employer_duties"
    __table_args__ = (
        UniqueConstraint("stop_event_id", "kind"),
        # The sweep reads only open duties whose next step has come.
        Index("ix_employer_duties_next_action", "next_action_on", postgresql_where=_OPEN, sqlite_where=_OPEN),
        Index("ix_employer_duties_calendar_waiting", "id", postgresql_where=_WAITING, sqlite_where=_WAITING),
        Index("ix_employer_duties_employer_open", "employer_id", "kind", "done_at"),
        Index("ix_employer_duties_region_kind", "region_code", "kind"),
        CheckConstraint("kind IN ('notice', 'filing')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    stop_event_id: Mapped[int] = mapped_column(ForeignKey("stop_contribution_events.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    separation_date: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    basis: Mapped[str] = mapped_column(Text)
    stage: Mapped[str | None] = mapped_column(String(20))
    stage_on: Mapped[dt.date] = mapped_column(Date)  # the day the current stage began (China)
    next_action_on: Mapped[dt.date | None] = mapped_column(Date)  # None: nothing more to do
    # The year the calendar lacked when this duty's next date was counted; None once dated.
    pending_year: Mapped[int | None] = mapped_column(Integer)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    done_via: Mapped[str | None] = mapped_column(String(20))  # "api", "link", "filing", "agency_call"
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    # A keyed hash of the acknowledgement link's nonce: the link works once, and only this one.
    ack_nonce_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class EscalationCall(Base):
    """The agency's phone call to an employer whose duty was escalated, as the caller recorded it."""

    __tablename__ = "escalation_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    duty_id: Mapped[int] = mapped_column(ForeignKey("employer_duties.id"), index=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    outcome: Mapped[str] = mapped_column(String(20))  # reached, no_answer, refused, handed_over
    note: Mapped[str] = mapped_column(Text)
    called_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
