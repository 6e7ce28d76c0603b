"""The rules against the data-file cases (tests/rules_cases/*.yaml), each citing its article."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from marshmallow import ValidationError

from miniapp_api.records.parameters import PARAMETER_KINDS, validate_parameter_value
from miniapp_api.rules import working_days
from miniapp_api.rules.errors import RulesError
from miniapp_api.rules.estimate import Estimate, estimate
from miniapp_api.rules.parameters import PARAMETER_LABELS
from miniapp_api.rules.retirement import RetirementCategory, legal_retirement
from tests.rules_helpers import case_facts, case_parameters, load_cases, package_calendar

ESTIMATES = load_cases("estimates.yaml")
RETIREMENTS = load_cases("retirement.yaml")
WORKING_DAYS = load_cases("working_days.yaml")


def test_there_are_at_least_sixty_cases_and_each_cites_an_article() -> None:
    cases = ESTIMATES + RETIREMENTS + WORKING_DAYS
    assert len(cases) >= 60
    assert all(case.get("article") for case in cases)


def check_estimate(result: Estimate, expect: dict[str, Any]) -> None:
    """Compare only what the case states; dates and money as the API writes them."""
    by_period = {month.period: month for month in result.schedule}
    for key, wanted in expect.items():
        if key == "reasons":
            assert [reason.code for reason in result.reasons] == wanted
        elif key == "months":
            assert len(result.schedule) == wanted
        elif key == "amounts":
            assert {period: str(by_period[period].amount) for period in wanted} == wanted
        elif key == "pay_by":
            assert {period: by_period[period].pay_by for period in wanted} == wanted
        elif key == "continued":
            assert {period: by_period[period].continued for period in wanted} == wanted
        elif key == "total_amount":
            assert str(result.total_amount) == wanted
        elif key == "all_medical_premium_paid":
            assert all(month.medical_premium_paid for month in result.schedule) is wanted
        else:
            assert getattr(result, key) == wanted, key


@pytest.mark.parametrize("case", ESTIMATES, ids=[case["name"] for case in ESTIMATES])
def test_estimate(case: dict[str, Any]) -> None:
    facts, parameters = case_facts(case), case_parameters(case)
    if "error" in case:
        with pytest.raises(RulesError) as caught:
            estimate(facts, parameters)
        assert caught.value.code == case["error"]["code"]
        assert caught.value.field == case["error"].get("field")
        assert caught.value.message
        return
    result = estimate(facts, parameters)
    check_estimate(result, case["expect"])
    outcomes = {step["rule"]: step["outcome"] for step in result.trace}
    for rule, outcome in case.get("trace", {}).items():
        assert outcomes.get(rule) == outcome, rule


@pytest.mark.parametrize("case", RETIREMENTS, ids=[case["name"] for case in RETIREMENTS])
def test_legal_retirement(case: dict[str, Any]) -> None:
    result = legal_retirement(case["birth_date"], RetirementCategory(case["category"]))
    assert (result.date, result.delay_months) == (case["expect"]["date"], case["expect"]["delay_months"])


@pytest.mark.parametrize("case", WORKING_DAYS, ids=[case["name"] for case in WORKING_DAYS])
def test_working_days(case: dict[str, Any]) -> None:
    operation = getattr(working_days, case["operation"])
    arguments = [package_calendar(), case["start"], *(case[key] for key in ("count", "days", "end") if key in case)]
    if "raises" in case:
        with pytest.raises(RulesError) as caught:
            operation(*arguments)
        assert type(caught.value).__name__ == case["raises"]
        assert "年的数据" in caught.value.message
    else:
        assert operation(*arguments) == case["expect"]


def test_every_result_traces_the_parameters_it_used_with_dates_and_citations() -> None:
    case = next(case for case in ESTIMATES if case["name"].startswith("Inner Mongolia continued"))
    result = estimate(case_facts(case), case_parameters(case))
    used = {(version.kind, version.effective_from) for version in result.parameters}
    assert ("benefit_rate", dt.date(2021, 12, 1)) in used
    assert ("minimum_wage", dt.date(2021, 12, 1)) in used
    assert ("continued_payment", dt.date(2019, 12, 1)) in used
    assert all(version.citation for version in result.parameters)
    assert all(step["basis"] and step["reason"] for step in result.trace)


def test_every_parameter_kind_the_records_accept_has_a_chinese_name_the_rules_use() -> None:
    assert set(PARAMETER_KINDS) == set(PARAMETER_LABELS)


def test_a_regional_scale_above_the_legal_caps_is_refused() -> None:
    steps = [
        {"min_contribution_months": 12, "entitlement_months": 12},
        {"min_contribution_months": 36, "entitlement_months": 18},
    ]
    with pytest.raises(ValidationError) as caught:
        validate_parameter_value("duration_scale", {"steps": steps})
    assert "法定上限12个月" in str(caught.value.messages)
