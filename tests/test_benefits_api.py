"""The public estimator (待遇测算) over HTTP: the same answers as the rules, clear 422s."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from flask import Flask

from miniapp_api.db import unit_of_work
from miniapp_api.records.demo import seed_regions
from tests.rules_helpers import as_json_date, load_cases

API_CASES = [case for case in load_cases("estimates.yaml") if "parameters" not in case and "error" not in case]
BODY = {
    "region": "152200",
    "birth_date": "1965-09-10",
    "sex": "male",
    "contribution_months": 150,
    "separation_date": "2023-03-31",
    "separation_reason": "economic_layoff",
    "application_date": "2023-04-20",
}


@pytest.fixture
def estimator(app: Flask) -> Any:
    with unit_of_work() as session:
        seed_regions(session)
    return app.test_client()


def post(client: Any, **changes: Any) -> Any:
    body = {key: value for key, value in {**BODY, **changes}.items() if value is not None}
    return client.post("/api/v1/benefits/estimate", json=body)


@pytest.mark.parametrize("case", API_CASES, ids=[case["name"] for case in API_CASES])
def test_the_estimator_answers_each_case_as_the_rules_do(estimator: Any, case: dict[str, Any]) -> None:
    body = {key: as_json_date(value) for key, value in case["facts"].items()}
    response = estimator.post("/api/v1/benefits/estimate", json=body)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    schedule = {month["period"]: month for month in answer["schedule"]}
    for key, wanted in case["expect"].items():
        if key == "reasons":
            assert [reason["code"] for reason in answer["reasons"]] == wanted
        elif key == "months":
            assert len(answer["schedule"]) == wanted
        elif key in ("amounts", "pay_by", "continued"):
            field = {"amounts": "amount", "pay_by": "pay_by", "continued": "continued"}[key]
            assert {period: schedule[period][field] for period in wanted} == {
                period: as_json_date(value) for period, value in wanted.items()
            }
        elif key == "all_medical_premium_paid":
            assert all(month["medical_premium_paid"] for month in answer["schedule"])
        else:
            assert answer[key] == as_json_date(wanted), key


def test_a_refusal_carries_code_chinese_message_and_legal_basis(estimator: Any) -> None:
    answer = post(estimator, separation_reason="resigned", contribution_months=8).get_json()
    assert answer["eligible"] is False
    assert [(reason["code"], "劳动合同法第三十七条" in reason["legal_basis"]) for reason in answer["reasons"]] == [
        ("INSUFFICIENT_CONTRIBUTION", False),
        ("VOLUNTARY_SEPARATION", True),
    ]
    assert "不满1年" in answer["reasons"][0]["message"]
    assert answer["schedule"] == [] and answer["total_amount"] == "0.00"


def test_the_answer_lists_the_parameters_applied_and_the_trace(estimator: Any) -> None:
    answer = post(estimator).get_json()
    rates = [p for p in answer["parameters"] if p["kind"] == "benefit_rate"]
    assert [(p["effective_from"], p["label"]) for p in rates] == [("2021-12-01", "失业保险金标准")]
    assert "内人社办发〔2021〕209号" in rates[0]["citation"]
    assert answer["trace"]["facts"]["contribution_months"] == 150
    rules = [step["rule"] for step in answer["trace"]["steps"]]
    assert rules[:2] == ["retirement_age", "eligibility.contribution"]
    assert "continued_payment" in rules


@time_machine.travel(dt.datetime(2026, 3, 5, 1, 0, tzinfo=dt.UTC))
def test_the_application_date_defaults_to_today_in_china(estimator: Any) -> None:
    answer = post(estimator, application_date=None, separation_date="2026-02-27").get_json()
    assert answer["schedule"][0]["period"] == "2026-03"


@pytest.mark.parametrize(
    ("changes", "code", "field", "words"),
    [
        ({"region": "999999"}, "UNKNOWN_REGION", "region", "统筹地区"),
        ({"region": "15220"}, "VALIDATION_FAILED", "region", "统筹地区"),
        ({"separation_reason": "fired"}, "VALIDATION_FAILED", "separation_reason", "失业原因"),
        ({"separation_date": "1960-01-01"}, "IMPOSSIBLE_FACTS", "separation_date", "失业日期"),
        ({"application_date": "2023-03-30"}, "IMPOSSIBLE_FACTS", "application_date", "申领日期"),
        ({"birth_date": "2099-01-01"}, "VALIDATION_FAILED", "birth_date", "出生日期"),
        ({"birth_date": "1965-02-30"}, "VALIDATION_FAILED", "birth_date", "出生日期"),
        ({"sex": "M"}, "VALIDATION_FAILED", "sex", "性别"),
        ({"sex": "female"}, "IMPOSSIBLE_FACTS", "female_original_retirement_age", "原法定退休年龄"),
        (
            {"female_original_retirement_age": 60},
            "VALIDATION_FAILED",
            "female_original_retirement_age",
            "原法定退休年龄",
        ),
        ({"contribution_months": 12.5}, "VALIDATION_FAILED", "contribution_months", "累计缴费月数"),
        ({"contribution_months": -1}, "VALIDATION_FAILED", "contribution_months", "累计缴费月数"),
        ({"previous_unclaimed_months": 25}, "VALIDATION_FAILED", "previous_unclaimed_months", "前次应领未领月数"),
        ({"application_date": "2019-06-10", "separation_date": "2019-05-31"}, "PARAMETER_MISSING", None, "没有生效"),
    ],
)
def test_bad_facts_get_a_422_naming_the_field_in_chinese(
    estimator: Any, changes: dict[str, Any], code: str, field: str | None, words: str
) -> None:
    response = post(estimator, **changes)
    assert response.status_code == 422
    error = response.get_json()
    assert error["code"] == code
    assert words in error["message"]
    if field:
        assert list(error["details"]["fields"]) == [field]


def test_a_missing_field_is_named_in_chinese(estimator: Any) -> None:
    response = estimator.post("/api/v1/benefits/estimate", json={k: v for k, v in BODY.items() if k != "birth_date"})
    assert response.status_code == 422
    assert "出生日期（birth_date）：缺少必填项" in response.get_json()["message"]


def test_the_separation_reason_vocabulary_is_listed_with_its_articles(client: Any) -> None:
    reasons = {reason["code"]: reason for reason in client.get("/api/v1/benefits/separation-reasons").get_json()}
    qualifying = {
        "contract_expired", "employer_bankrupt", "employer_closed", "dismissed_for_cause",
        "dismissed_no_fault", "economic_layoff", "mutual_employer_proposed", "quit_employer_fault",
    }  # fmt: skip
    not_qualifying = {"resigned", "mutual_employee_proposed", "retired", "deceased"}
    assert qualifying | not_qualifying <= set(reasons)
    assert all(reasons[code]["qualifying"] for code in qualifying)
    assert not any(reasons[code]["qualifying"] for code in not_qualifying)
    assert reasons["dismissed_for_cause"]["legal_basis"] == "劳动合同法第三十九条"
    assert all(reason["label"] and reason["legal_basis"] for reason in reasons.values())


def test_the_estimator_is_documented_in_the_openapi_spec(client: Any) -> None:
    spec = client.get("/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/benefits/estimate"]["post"]
    assert {"200", "422"} <= set(operation["responses"])

    def properties(content: dict[str, Any]) -> set[str]:
        name = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        return set(spec["components"]["schemas"][name]["properties"])

    assert properties(operation["requestBody"]["content"]) == {
        "region", "birth_date", "sex", "female_original_retirement_age", "contribution_months", "separation_date",
        "separation_reason", "application_date", "previous_unclaimed_months", "receiving_pension",
    }  # fmt: skip
    assert {
        "eligible", "reasons", "entitlement_months", "legal_retirement_date", "continued_payment_until",
        "schedule", "total_amount", "parameters", "trace",
    } <= properties(operation["responses"]["200"]["content"])  # fmt: skip
