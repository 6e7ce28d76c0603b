"""Lookups over the internal records."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapp_api.db import has_written
from miniapp_api.pii import cipher
from miniapp_api.reads.models import REFERENCE_OWNER, ReadVersion
from miniapp_api.records.models import Person, Region, RegionParameter
from miniapp_api.rules.parameters import ParameterVersion, RegionParameters


def id_number_hash(id_number: str) -> str:
    return cipher().keyed_hash(id_number.strip().upper(), "id_number")


def phone_hash(phone: str) -> str:
    return cipher().keyed_hash(phone.strip(), "phone")


def find_person(session: Session, id_number: str) -> Person | None:
    return session.scalar(select(Person).where(Person.id_number_hash == id_number_hash(id_number)))


def parameter_in_force(session: Session, region_code: str, kind: str, on: dt.date) -> RegionParameter | None:
    """The row of `kind` for the region whose effective date is the latest on or before `on`."""
    return session.scalar(
        select(RegionParameter)
        .where(
            RegionParameter.region_code == region_code,
            RegionParameter.kind == kind,
            RegionParameter.effective_from <= on,
        )
        .order_by(RegionParameter.effective_from.desc())
        .limit(1)
    )


def list_regions(session: Session) -> list[Region]:
    return list(session.scalars(select(Region).order_by(Region.code)))


def region_parameters(session: Session, region_code: str, on: dt.date) -> list[RegionParameter]:
    """Every parameter kind's row in force on `on` for the region."""
    rows = session.scalars(
        select(RegionParameter)
        .where(RegionParameter.region_code == region_code, RegionParameter.effective_from <= on)
        .order_by(RegionParameter.kind, RegionParameter.effective_from.desc())
    )
    latest: dict[str, RegionParameter] = {}
    for row in rows:
        latest.setdefault(row.kind, row)
    return list(latest.values())


# Parsed parameters by (database, region, reference read version), in this process: every change
# to regions or parameters bumps the version (reads/triggers.py), so an entry is never out of date.
_parsed: dict[tuple[str, str, int], RegionParameters] = {}
_MOST_PARSED = 256
_REFERENCE_VERSION = select(ReadVersion.version).where(
    ReadVersion.scope == "reference", ReadVersion.owner_id == REFERENCE_OWNER
)


def rules_parameters(session: Session, region_code: str) -> RegionParameters | None:
    """Every dated parameter version of the region, for the rules; None if the region is unknown.
    Read and parsed once per version of the reference data."""
    key = (str(session.get_bind().engine.url), region_code, session.scalar(_REFERENCE_VERSION) or 0)
    found = _parsed.get(key)
    if found is not None:
        return found
    if session.get(Region, region_code) is None:
        return None
    rows = session.scalars(select(RegionParameter).where(RegionParameter.region_code == region_code))
    parsed = RegionParameters(
        region_code,
        (ParameterVersion(region_code, row.kind, row.effective_from, row.value, row.citation) for row in rows),
    )
    if not has_written(session):  # parameters this transaction changed may yet be rolled back
        if len(_parsed) >= _MOST_PARSED:
            _parsed.clear()
        _parsed[key] = parsed
    return parsed
