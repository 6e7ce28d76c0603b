"""Deadlines from regional parameters on the official calendar, and which separation reason prevails."""

from __future__ import annotations

import datetime as dt

import marshmallow as ma
import pytest

from miniapp_api.records.parameters import validate_parameter_value
from miniapp_api.rules.deadlines import filing_deadline, objection_reply_due
from miniapp_api.rules.parameters import ParameterVersion, RegionParameters
from miniapp_api.rules.separation_reasons import prevailing_reason
from tests.rules_helpers import package_calendar, region_parameters

CALENDAR = package_calendar()


def test_xingan_league_counts_seven_working_days_for_filing_across_national_day() -> None:
    deadline = filing_deadline(dt.date(2026, 9, 30), region_parameters("152200"), CALENDAR)
    assert deadline.rule == "7个工作日"
    assert deadline.due == dt.date(2026, 10, 15)  # 10-08, 10-09, 10-10 (调休), 10-12, 10-13, 10-14, 10-15
    assert "兴人社办发〔2020〕57号" in deadline.basis


def test_tangshan_counts_fifteen_calendar_days_moved_off_a_rest_day() -> None:
    deadline = filing_deadline(dt.date(2026, 9, 16), region_parameters("130200"), CALENDAR)
    assert deadline.rule == "15日"
    assert deadline.due == dt.date(2026, 10, 8)  # day 15 is 10-01, National Day: the next working day
    assert "社会保险法第五十条" in deadline.basis


def test_liaocheng_counts_seven_calendar_days() -> None:
    assert filing_deadline(dt.date(2026, 3, 2), region_parameters("371500"), CALENDAR).due == dt.date(2026, 3, 9)


def test_an_objection_filed_before_spring_festival_is_due_five_working_days_later() -> None:
    deadline = objection_reply_due(dt.date(2026, 2, 12), region_parameters("220100"), CALENDAR)
    assert deadline.due == dt.date(2026, 2, 26)  # 02-13, 02-14 (调休), 02-24, 02-25, 02-26
    assert deadline.rule == "5个工作日"


def test_the_stop_contribution_reason_prevails_over_the_declared_one() -> None:
    assert prevailing_reason("economic_layoff", "resigned").code == "economic_layoff"  # type: ignore[union-attr]
    assert prevailing_reason(None, "contract_expired").code == "contract_expired"  # type: ignore[union-attr]
    assert prevailing_reason(None, None) is None
    assert prevailing_reason("unknown_code", "contract_expired") is None


def test_a_region_may_give_a_category_its_own_reply_limit() -> None:
    value = validate_parameter_value("objection_reply_limit", {"working_days": 5, "by_category": {"suspension": 3}})
    base = region_parameters("130200")
    versions = [
        *base.own_versions(),
        ParameterVersion("130200", "objection_reply_limit", dt.date(2026, 1, 1), value, "某市规定（测试）"),
    ]
    parameters = RegionParameters("130200", versions)
    assert objection_reply_due(dt.date(2026, 3, 2), parameters, CALENDAR, "suspension").due == dt.date(2026, 3, 5)
    assert objection_reply_due(dt.date(2026, 3, 2), parameters, CALENDAR, "record").due == dt.date(2026, 3, 9)


def test_a_reply_limit_for_an_unknown_category_is_refused() -> None:
    with pytest.raises(ma.ValidationError):
        validate_parameter_value("objection_reply_limit", {"working_days": 5, "by_category": {"salary": 3}})
