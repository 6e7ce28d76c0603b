"""Shared by the rules tests: the data-file cases and the demo regions' parameters."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any

import yaml

from miniapp_api.holidays.package import package_years
from miniapp_api.records.demo import demo_parameters
from miniapp_api.records.parameters import validate_parameter_value
from miniapp_api.rules.calendar import OfficialCalendar
from miniapp_api.rules.facts import ClaimFacts
from miniapp_api.rules.parameters import ParameterVersion, RegionParameters

CASES = Path(__file__).parent / "rules_cases"
DEMO_REGIONS = ("130200", "152200", "371500", "220100", "130100")


def load_cases(name: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((CASES / name).read_text(encoding="utf-8"))
    cases: list[dict[str, Any]] = data["cases"] if isinstance(data, dict) else data
    return cases


def package_calendar() -> OfficialCalendar:
    """The official calendar as the `chinesecalendar` package knows it (2004–2026)."""
    return OfficialCalendar(package_years())


@functools.cache
def region_parameters(code: str) -> RegionParameters:
    return demo_parameters(code)


def case_parameters(case: dict[str, Any]) -> RegionParameters:
    code = case["facts"]["region"]
    extra = case.get("parameters")
    if not extra:
        return region_parameters(code)
    base = demo_parameters(code)
    versions = base.own_versions()
    for row in extra:
        value = validate_parameter_value(row["kind"], row["value"])
        versions.append(ParameterVersion(code, row["kind"], row["effective_from"], value, row["citation"]))
    return RegionParameters(code, versions)


def case_facts(case: dict[str, Any]) -> ClaimFacts:
    facts = {key: value for key, value in case["facts"].items() if key != "region"}
    facts.setdefault("female_original_retirement_age", None)
    return ClaimFacts(**facts)


def as_json_date(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value
