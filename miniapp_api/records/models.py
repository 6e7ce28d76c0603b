"""The internal records this service reads: persons, employers, contributions, stop events,
and the dated regional parameters the rules run on.

They arrive from the provincial system through the import command; corrections to them go
through approval (a later module). ID numbers, phones and bank accounts are ciphertext here,
with a keyed hash beside the ones the service looks people up by.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_api.db import Base, TimestampMixin, UtcDateTime, utcnow
from miniapp_api.pii import EncryptedBytes, EncryptedText

SEXES = ("M", "F")
RETIREMENT_CATEGORIES = ("male_60", "female_55", "female_50")
STOP_EVENT_SOURCES = ("records_feed", "employer_filing", "agency")
PERSON_EVENT_KINDS = ("pension_start", "death", "conscription", "emigration", "imprisonment")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Region(TimestampMixin, Base):
    """A pooling region (统筹地区), keyed by its GB/T 2260 code, with its agency's contacts."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    province: Mapped[str] = mapped_column(String(30))
    agency_name: Mapped[str] = mapped_column(String(100))
    agency_phone: Mapped[str] = mapped_column(String(30))
    agency_address: Mapped[str] = mapped_column(String(200))


class RegionParameter(Base):
    """One dated value of one regional parameter, with the document it comes from."""

    __tablename__ = "region_parameters"
    __table_args__ = (UniqueConstraint("region_code", "kind", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    citation: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class ParameterChange(Base):
    """A new version of a regional parameter proposed by one administrator and put in force by
    another (maker ≠ checker): the rules pay money on these values."""

    __tablename__ = "region_parameter_changes"
    __table_args__ = (CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    citation: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    proposed_by: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    proposed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)


class Person(TimestampMixin, Base):
    __tablename__ = "persons"
    __table_args__ = (
        CheckConstraint(_in("sex", SEXES), name="sex"),
        CheckConstraint(_in("retirement_category", RETIREMENT_CATEGORIES), name="retirement_category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(EncryptedText("person.id_number"))
    id_number_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    retirement_category: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(EncryptedText("person.phone"))
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    ss_card_number: Mapped[str | None] = mapped_column(EncryptedText("person.ss_card_number"))
    bank_name: Mapped[str | None] = mapped_column(String(50))
    bank_account: Mapped[str | None] = mapped_column(EncryptedText("person.bank_account"))

    photo: Mapped[PersonPhoto | None] = relationship(back_populates="person", lazy="raise")


class PersonPhoto(Base):
    """The reference photo of the identity records, which face verification compares against."""

    __tablename__ = "person_photos"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True)
    # Biometric data: encrypted at rest, like the identifiers.
    content: Mapped[bytes] = mapped_column(EncryptedBytes("person_photo.content"))
    content_type: Mapped[str] = mapped_column(String(30))
    sha256: Mapped[str] = mapped_column(String(64))
    # The photo's face encoding (128 float64), computed once at the first check.
    encoding: Mapped[bytes | None] = mapped_column(EncryptedBytes("person_photo.encoding"))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    person: Mapped[Person] = relationship(back_populates="photo")


class Employer(TimestampMixin, Base):
    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)


class EmployerContact(TimestampMixin, Base):
    """A person who acts for an employer (receives reminders, logs in with SMS codes)."""

    __tablename__ = "employer_contacts"
    __table_args__ = (UniqueConstraint("employer_id", "phone_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(EncryptedText("employer_contact.phone"))
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)


class ContributionPeriod(Base):
    """Months an employer paid unemployment-insurance contributions for a person (inclusive)."""

    __tablename__ = "contribution_periods"
    __table_args__ = (
        UniqueConstraint("person_id", "employer_id", "start_month"),
        CheckConstraint("end_month IS NULL OR end_month >= start_month", name="months_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    # First day of the first and of the last month paid; no end means still paying.
    start_month: Mapped[dt.date] = mapped_column(Date)
    end_month: Mapped[dt.date | None] = mapped_column(Date)


class StopContributionEvent(Base):
    """The employer stopped paying for a person (停保): the internal proof of unemployment."""

    __tablename__ = "stop_contribution_events"
    __table_args__ = (
        UniqueConstraint("person_id", "employer_id", "stop_date"),
        CheckConstraint(_in("source", STOP_EVENT_SOURCES), name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    stop_date: Mapped[dt.date] = mapped_column(Date)
    reason_code: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class PersonEvent(Base):
    """Pension start, death and the other §51 stop events the records know of."""

    __tablename__ = "person_events"
    __table_args__ = (
        UniqueConstraint("person_id", "kind", "event_date"),
        CheckConstraint(_in("kind", PERSON_EVENT_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    event_date: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(50))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class ImportBatch(Base):
    """One file accepted by the import command: what, from where, by whom, how many rows."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    rows_inserted: Mapped[int] = mapped_column(Integer)
    rows_updated: Mapped[int] = mapped_column(Integer)
    operator: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
