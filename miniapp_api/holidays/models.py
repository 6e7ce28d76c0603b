from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.db import Base, UtcDateTime, utcnow

CALENDAR_STATUSES = ("pending", "approved", "rejected", "superseded")
_APPROVED = text("status = 'approved'")
_PENDING = text("status = 'pending'")


class CalendarYearRecord(Base):
    """One year's holiday arrangement as entered from the State Council's notice. It takes effect
    only once a second member of staff approves it (a wrong calendar moves legal deadlines); an
    approved record overrides the calendar package for its year."""

    __tablename__ = "calendar_years"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected', 'superseded')", name="status"),
        CheckConstraint("decided_by IS NULL OR decided_by <> entered_by", name="maker_is_not_checker"),
        # One arrangement in force and one awaiting approval per year, at most.
        Index("uq_calendar_years_approved", "year", unique=True, postgresql_where=_APPROVED, sqlite_where=_APPROVED),
        Index("uq_calendar_years_pending", "year", unique=True, postgresql_where=_PENDING, sqlite_where=_PENDING),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    document_no: Mapped[str] = mapped_column(String(60))  # 国办发明电〔2026〕X号
    title: Mapped[str] = mapped_column(String(200))
    published_on: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(500))  # where the notice was read (URL or gazette)
    summary: Mapped[str] = mapped_column(Text)
    # What it changes against the calendar in force for the year when it was entered.
    compared_with: Mapped[str | None] = mapped_column(String(120))
    differences: Mapped[list[str]] = mapped_column(JSON, default=list)
    entered_by: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    entered_via: Mapped[str] = mapped_column(String(10))  # "api" | "cli" | "console"
    entered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)

    lines: Mapped[list[CalendarLineRecord]] = relationship(
        order_by="CalendarLineRecord.line_no", cascade="all, delete-orphan", lazy="selectin"
    )


class CalendarLineRecord(Base):
    """One line of a notice: a holiday range, or one adjusted working day."""

    __tablename__ = "calendar_lines"
    __table_args__ = (
        CheckConstraint("kind IN ('holiday', 'working_day')", name="kind"),
        CheckConstraint("last_day >= first_day", name="ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_year_id: Mapped[int] = mapped_column(ForeignKey("calendar_years.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(20))
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
