"""Read versions: every table an answer is made of bumps its owner's version in the transaction
that writes it, and only when that transaction commits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text, update

from miniapp_api.claims.models import ClaimEvent
from miniapp_api.db import Base, unit_of_work
from miniapp_api.extensions import database
from miniapp_api.models import load_all_models
from miniapp_api.reads import triggers
from miniapp_api.reads.models import REFERENCE_OWNER, ReadVersion
from miniapp_api.records.models import ContributionPeriod, Person, Region
from tests import factories
from tests.auth_helpers import bearer
from tests.claims_helpers import claimant

# Columns that tie a row to a person's pages: a table with one of them feeds a cached answer.
_PERSON_COLUMNS = {"person_id", "claim_id", "objection_id"}
# Tables with such a column whose rows no cached answer shows.
_NOT_SHOWN = {"auth_sessions", "read_versions", *triggers.NOT_READ}


def _version(scope: str, owner_id: int) -> int:
    with unit_of_work() as session:
        found = session.get(ReadVersion, (scope, owner_id))
        return found.version if found else 0


def _installed_triggers() -> set[str]:
    with unit_of_work() as session:
        if session.get_bind().dialect.name == "postgresql":
            rows = session.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))
        else:
            rows = session.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        return {row[0] for row in rows}


def test_every_table_a_persons_pages_are_made_of_bumps_a_read_version(app: Flask) -> None:
    load_all_models()
    feeding = {
        table.name
        for table in Base.metadata.sorted_tables
        if _PERSON_COLUMNS & {column.name for column in table.columns} and table.name not in _NOT_SHOWN
    }
    assert feeding - set(triggers.OWNERS) == set()


def test_after_the_migrations_every_listed_table_has_its_three_triggers(app: Flask) -> None:
    installed = _installed_triggers()
    missing = [name for table in triggers.OWNERS for name in triggers.trigger_names(table) if name not in installed]
    assert missing == []


def test_a_committed_write_bumps_its_persons_version_once_per_transaction_and_a_rolled_back_one_nothing(
    app: Flask,
) -> None:
    with app.app_context():
        with unit_of_work() as session:
            factories.region(session)
            person_id = factories.laid_off(session).id
        before = _version("person", person_id)
        assert before > 0  # the person, their contributions and their stop record were written
        with unit_of_work() as session:
            session.execute(update(Person).where(Person.id == person_id).values(name="李四"))
        assert _version("person", person_id) == before + 1
        with pytest.raises(RuntimeError), unit_of_work() as session:
            session.execute(update(Person).where(Person.id == person_id).values(name="王五"))
            raise RuntimeError("the request failed after writing")
        assert _version("person", person_id) == before + 1


def test_rows_reached_through_a_claim_or_an_objection_bump_their_persons_version(app: Flask) -> None:
    with app.app_context():
        with unit_of_work() as session:
            factories.region(session)
            person = factories.laid_off(session)
            claim = factories.decided_claim(session, person)
            objection = factories.open_objection(session, person, claim)
            person_id, claim_id, objection_id = person.id, claim.id, objection.id
        before = _version("person", person_id)
        with unit_of_work() as session:
            session.add(ClaimEvent(claim_id=claim_id, kind="note", actor_kind="system"))
        assert _version("person", person_id) == before + 1
        with unit_of_work() as session:
            session.execute(
                text("UPDATE objection_deadlines SET state = state WHERE objection_id = :id"), {"id": objection_id}
            )
        assert _version("person", person_id) == before + 2


def test_a_workers_record_changing_bumps_the_version_of_each_employer_that_lists_them(app: Flask) -> None:
    with app.app_context():
        with unit_of_work() as session:
            duty = factories.notice_duty(session, "张三", escalated=False)
            person_id, employer_id = duty.person_id, duty.employer_id
        before = _version("employer", employer_id)
        with unit_of_work() as session:
            session.execute(update(Person).where(Person.id == person_id).values(name="张叁"))
        assert _version("employer", employer_id) == before + 1


def test_regions_and_parameters_bump_the_reference_version_everyone_reads(app: Flask) -> None:
    with app.app_context():
        with unit_of_work() as session:
            factories.region(session)
        before = _version("reference", REFERENCE_OWNER)
        with unit_of_work() as session:
            session.execute(update(Region).values(agency_phone="0315-1234567"))
        assert _version("reference", REFERENCE_OWNER) == before + 1


def test_a_bulk_insert_of_many_rows_for_one_person_leaves_one_version_row(app: Flask) -> None:
    with app.app_context():
        with unit_of_work() as session:
            factories.region(session)
            person = factories.laid_off(session)
            employer_id = session.scalars(
                select(ContributionPeriod.employer_id).where(ContributionPeriod.person_id == person.id)
            ).first()
            person_id = person.id
        before = _version("person", person_id)
        rows: list[dict[str, Any]] = [
            {
                "person_id": person_id,
                "employer_id": employer_id,
                "region_code": "130200",
                "start_month": dt.date(2000 + year, 1, 1),
                "end_month": dt.date(2000 + year, 12, 1),
            }
            for year in range(10)
        ]
        with unit_of_work() as session:
            session.execute(ContributionPeriod.__table__.insert().values(rows))  # type: ignore[attr-defined]
        bumped = _version("person", person_id) - before
        # One bump per statement on PostgreSQL; SQLite's row triggers bump once per row.
        assert bumped == (1 if database().engine.dialect.name == "postgresql" else len(rows))
        with unit_of_work() as session:
            owners = session.scalars(select(ReadVersion).where(ReadVersion.scope == "person")).all()
            assert len([row for row in owners if row.owner_id == person_id]) == 1


def test_a_callers_read_version_moves_when_their_records_change(client: Any, wechat_standin: Any) -> None:
    tokens = claimant(client, wechat_standin)
    first = client.get("/api/v1/claims", headers=bearer(tokens))
    assert first.status_code == 200
    version = _version("person", tokens["person_id"])
    assert version > 0
    with unit_of_work() as session:
        session.execute(update(Person).where(Person.id == tokens["person_id"]).values(phone="13800138000"))
    assert _version("person", tokens["person_id"]) == version + 1


def test_tables_no_cached_answer_reads_take_no_persons_version_row(app: Flask) -> None:
    """A stranger's identity challenge or a slow face check must never hold the row the person's
    own writes need."""
    installed = _installed_triggers()
    assert [name for table in triggers.NOT_READ for name in triggers.trigger_names(table) if name in installed] == []
