"""The whole benefit decision for one set of facts: eligibility, entitlement, retirement date,
continued payment and the monthly schedule, with the trace of how each was reached.

The public estimator (待遇测算) and the claim review call the same function, so what a claimant
is told before applying is what the review decides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from miniapp_api.rules.eligibility import Refusal, assess_eligibility
from miniapp_api.rules.entitlement import entitlement_months
from miniapp_api.rules.facts import ClaimFacts, check_facts
from miniapp_api.rules.money import ZERO
from miniapp_api.rules.months import month_number
from miniapp_api.rules.parameters import ParameterVersion, RegionParameters
from miniapp_api.rules.retirement import RETIREMENT_BASIS, legal_retirement
from miniapp_api.rules.schedule import RETIREMENT_STOP_NOTE, ScheduleMonth, continued_months, monthly_schedule
from miniapp_api.rules.trace import Trace


@dataclass(frozen=True, slots=True)
class Estimate:
    facts: ClaimFacts
    region_code: str
    eligible: bool
    reasons: tuple[Refusal, ...]
    entitlement_months: int
    continued_payment_months: int
    legal_retirement_date: dt.date
    legal_retirement_age: str
    continued_payment_until: dt.date | None
    schedule: tuple[ScheduleMonth, ...]
    total_amount: Decimal
    parameters: tuple[ParameterVersion, ...]
    trace: tuple[dict[str, Any], ...]


def estimate(facts: ClaimFacts, parameters: RegionParameters) -> Estimate:
    check_facts(facts)
    trace = Trace()
    retirement = legal_retirement(facts.birth_date, facts.retirement_category)
    trace.step(
        "retirement_age",
        "applied",
        retirement.reason + f"，法定退休时间{retirement.date.isoformat()}",
        RETIREMENT_BASIS,
        category=retirement.category.value,
        delay_months=retirement.delay_months,
    )
    refusals = assess_eligibility(facts, retirement, parameters, trace)
    if refusals:
        return _result(facts, parameters, trace, retirement.date, retirement.age_text, refusals, 0, 0, [])

    months = entitlement_months(
        facts.contribution_months, facts.previous_unclaimed_months, parameters, facts.application_date, trace
    )
    start_month = month_number(facts.application_date)
    extra = continued_months(start_month, months, retirement, parameters, trace)
    schedule = monthly_schedule(facts.application_date, months, extra, parameters, trace)
    if month_number(retirement.date) < start_month + months:
        trace.step("retirement_age.during_period", "note", RETIREMENT_STOP_NOTE, RETIREMENT_BASIS)
    return _result(facts, parameters, trace, retirement.date, retirement.age_text, [], months, extra, schedule)


def _result(
    facts: ClaimFacts,
    parameters: RegionParameters,
    trace: Trace,
    retirement_date: dt.date,
    retirement_age: str,
    refusals: list[Refusal],
    months: int,
    extra: int,
    schedule: list[ScheduleMonth],
) -> Estimate:
    return Estimate(
        facts=facts,
        region_code=parameters.region_code,
        eligible=not refusals,
        reasons=tuple(refusals),
        entitlement_months=months,
        continued_payment_months=extra,
        legal_retirement_date=retirement_date,
        legal_retirement_age=retirement_age,
        continued_payment_until=retirement_date if extra else None,
        schedule=tuple(schedule),
        total_amount=sum((month.amount for month in schedule), ZERO),
        parameters=tuple(trace.parameters),
        trace=tuple(trace.steps),
    )
