"""The synthetic demo population: valid, varied, and the same for the same seed."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from flask import Flask
from sqlalchemy import select

from miniapp_api.db import unit_of_work
from miniapp_api.identifiers import parse_credit_code, parse_id_number
from miniapp_api.records import demo
from miniapp_api.records.models import ContributionPeriod, Employer, Person, RegionParameter, StopContributionEvent
from miniapp_api.rules.separation_reasons import SEPARATION_REASONS
from tests.cli_helpers import run_cli

AS_OF = dt.date(2026, 11, 1)


def _seed(persons: int = 300, seed: int = 11) -> demo.DemoStats:
    with unit_of_work() as session:
        demo.clear_records(session)
        return demo.seed_demo(session, persons=persons, seed=seed, as_of=AS_OF)


def _id_numbers() -> list[str]:
    with unit_of_work() as session:
        return sorted(session.scalars(select(Person.id_number)))


def test_every_generated_identifier_passes_its_check_character(app: Flask) -> None:
    _seed()
    with unit_of_work() as session:
        people = session.scalars(select(Person)).all()
        for person in people:
            parsed = parse_id_number(person.id_number, today=AS_OF)
            assert (parsed.birth_date, parsed.sex) == (person.birth_date, person.sex)
        for code in session.scalars(select(Employer.credit_code)):
            parse_credit_code(code)


def test_the_population_spans_adult_working_ages_and_the_named_regions(app: Flask) -> None:
    _seed()
    with unit_of_work() as session:
        people = session.scalars(select(Person)).all()
        ages = [(AS_OF - p.birth_date).days // 365 for p in people]
        assert min(ages) >= 18
        assert max(ages) <= 64
        assert {"130200", "152200", "371500"} <= {p.region_code for p in people}
        parameter_regions = set(session.scalars(select(RegionParameter.region_code)))
        assert {p.region_code for p in people} <= parameter_regions


def test_contribution_histories_run_from_none_to_thirty_years_and_never_start_before_eighteen(app: Flask) -> None:
    _seed(persons=600)
    with unit_of_work() as session:
        people = {p.id: p for p in session.scalars(select(Person))}
        months: Counter[int] = Counter()
        for period in session.scalars(select(ContributionPeriod)):
            end = period.end_month or AS_OF.replace(day=1)
            months[period.person_id] += (
                (end.year - period.start_month.year) * 12 + end.month - period.start_month.month + 1
            )
            birth = people[period.person_id].birth_date
            assert period.start_month >= birth.replace(year=birth.year + 18, day=1)
        assert len(months) < len(people)  # some people have never contributed
        assert max(months.values()) <= 30 * 12
        assert max(months.values()) > 20 * 12


def test_separations_mix_qualifying_and_non_qualifying_reasons(app: Flask) -> None:
    _seed()
    with unit_of_work() as session:
        reasons = list(session.scalars(select(StopContributionEvent.reason_code)))
    qualifying = sum(SEPARATION_REASONS[r].qualifying for r in reasons)
    assert 0.4 < qualifying / len(reasons) < 0.9
    assert len(set(reasons)) >= 8


def test_the_same_seed_gives_the_same_people_and_another_seed_other_people(app: Flask) -> None:
    _seed(seed=5)
    first = _id_numbers()
    _seed(seed=5)
    assert _id_numbers() == first
    _seed(seed=6)
    assert _id_numbers() != first


def test_seed_demo_command_reports_counts_and_then_leaves_existing_records_alone(app: Flask) -> None:
    result = run_cli(app, "seed-demo", "--persons", "50", "--as-of", "2026-11-01")
    assert result.exit_code == 0, result.output
    assert "51 名人员" in result.output  # the 50 asked for and the walkthrough claimant
    assert "张伟" in result.output
    again = run_cli(app, "seed-demo", "--persons", "50")
    assert again.exit_code == 0
    assert "跳过" in again.output
    with unit_of_work() as session:
        assert len(session.scalars(select(Person.id)).all()) == 51
