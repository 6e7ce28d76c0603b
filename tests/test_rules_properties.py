"""Invariants of the rules over generated facts (hypothesis), on every demo region."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from miniapp_api.rules.entitlement import MAX_ENTITLEMENT_MONTHS
from miniapp_api.rules.estimate import estimate
from miniapp_api.rules.facts import ClaimFacts
from miniapp_api.rules.months import add_months, first_day, month_number
from miniapp_api.rules.retirement import RetirementCategory, legal_retirement
from miniapp_api.rules.separation_reasons import SEPARATION_REASONS
from tests.rules_helpers import DEMO_REGIONS, region_parameters

PROPERTIES = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


# Reasons that qualify in every region (a regional bar makes one not qualify somewhere).
QUALIFYING = sorted(
    code for code, reason in SEPARATION_REASONS.items() if reason.qualifying and reason.regional_bar is None
)


@st.composite
def claim_facts(draw: st.DrawFn, *, eligible: bool = False) -> ClaimFacts:
    """Possible facts; with `eligible`, facts that meet every condition (so few are discarded)."""
    sex = draw(st.sampled_from(["male", "female"]))
    birth = draw(st.dates(dt.date(1955, 1, 1), dt.date(2004, 12, 31)))
    separation = draw(st.dates(max(dt.date(2020, 6, 1), add_months(birth, 17 * 12)), dt.date(2030, 12, 31)))
    assume(separation > birth)
    working_months = max(0, (separation.year - birth.year - 17) * 12)  # safely inside working life
    assume(not eligible or working_months >= 12)
    return ClaimFacts(
        birth_date=birth,
        sex=sex,
        female_original_retirement_age=draw(st.sampled_from([50, 55])) if sex == "female" else None,
        contribution_months=draw(st.integers(12 if eligible else 0, working_months)),
        separation_date=separation,
        separation_reason=draw(st.sampled_from(QUALIFYING if eligible else sorted(SEPARATION_REASONS))),
        application_date=separation + dt.timedelta(days=draw(st.integers(0, 900))),
        previous_unclaimed_months=draw(st.integers(0, 24)),
        receiving_pension=False if eligible else draw(st.booleans()),
    )


regions = st.sampled_from(DEMO_REGIONS)


@PROPERTIES
@given(claim_facts(), regions)
def test_entitlement_never_exceeds_24_months_before_continued_payment(facts: ClaimFacts, region: str) -> None:
    result = estimate(facts, region_parameters(region))
    assert 0 <= result.entitlement_months <= MAX_ENTITLEMENT_MONTHS
    assert len(result.schedule) == result.entitlement_months + result.continued_payment_months
    assert [month.continued for month in result.schedule].count(False) == result.entitlement_months


@PROPERTIES
@given(claim_facts(), regions)
def test_every_month_lies_between_the_allowance_and_the_minimum_wage_in_force(facts: ClaimFacts, region: str) -> None:
    parameters = region_parameters(region)
    result = estimate(facts, parameters)
    for month in result.schedule:
        day = dt.date.fromisoformat(month.period + "-01")
        floor = parameters.in_force("minimum_living_allowance", day).parsed
        ceiling = parameters.in_force("minimum_wage", day).parsed
        assert floor <= month.amount <= ceiling
        assert month.amount == month.amount.quantize(floor) and month.amount.as_tuple().exponent == -2
    assert result.total_amount == sum(month.amount for month in result.schedule)


@PROPERTIES
@given(claim_facts(eligible=True), regions)
def test_continued_payment_runs_exactly_to_retirement_when_the_period_ends_within_a_year(
    facts: ClaimFacts, region: str
) -> None:
    result = estimate(facts, region_parameters(region))
    assert result.eligible
    period_end = month_number(facts.application_date) + result.entitlement_months
    months_left = month_number(result.legal_retirement_date) - period_end
    continues = 0 < months_left < 12 and first_day(period_end) >= dt.date(2019, 12, 1)
    assert result.continued_payment_months == (months_left if continues else 0)
    assert result.continued_payment_until == (result.legal_retirement_date if continues else None)
    if continues:
        assert month_number(result.legal_retirement_date) == month_number(facts.application_date) + len(result.schedule)


@PROPERTIES
@given(
    st.dates(dt.date(1940, 1, 1), dt.date(2010, 12, 31)),
    st.dates(dt.date(1940, 1, 1), dt.date(2010, 12, 31)),
    st.sampled_from(list(RetirementCategory)),
)
def test_retirement_date_is_monotone_in_birth_date(
    earlier: dt.date, later: dt.date, category: RetirementCategory
) -> None:
    earlier, later = sorted((earlier, later))
    assert legal_retirement(earlier, category).date <= legal_retirement(later, category).date


@PROPERTIES
@given(claim_facts(eligible=True), regions, st.integers(1, 2000))
def test_a_later_application_never_turns_eligible_into_ineligible(facts: ClaimFacts, region: str, delay: int) -> None:
    parameters = region_parameters(region)
    later = ClaimFacts(**{**_fields(facts), "application_date": facts.application_date + dt.timedelta(days=delay)})
    assert estimate(facts, parameters).eligible
    assert estimate(later, parameters).eligible


def _fields(facts: ClaimFacts) -> dict[str, object]:
    return {name: getattr(facts, name) for name in ClaimFacts.__slots__}
