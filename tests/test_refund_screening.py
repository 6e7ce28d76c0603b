"""稳岗返还 screening: every insured enterprise of a region, each condition with its values, the
amount, in one set-based pass; the same answers as the rule read for one enterprise."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import select, update

from miniapp_api.db import unit_of_work
from miniapp_api.records.models import Employer, RegionParameter
from miniapp_api.refunds.models import Assessment, CorporateAccount, EmployerProfile, LedgerMonth, Screening
from miniapp_api.refunds.screening import region_policy, screen
from miniapp_api.rules.errors import ParameterMissing
from miniapp_api.rules.refund import EnterpriseFacts, assess
from tests.refunds_helpers import POLICY_YEAR, demo_regions, enterprise, laid_off_workers, listed

TODAY = dt.date(POLICY_YEAR, 3, 2)


def _screen(region: str = "371500") -> Screening:
    with unit_of_work() as session:
        return screen(session, region, POLICY_YEAR, today=TODAY, started_by="test")


def _assessment(employer_id: int) -> Assessment:
    with unit_of_work() as session:
        found = session.scalar(
            select(Assessment).where(Assessment.employer_id == employer_id, Assessment.policy_year == POLICY_YEAR)
        )
        assert found is not None
        return found


def test_a_small_enterprise_that_paid_in_full_and_laid_nobody_off_gets_sixty_percent_of_last_years_contributions(
    app: Flask,
) -> None:
    with unit_of_work() as session:
        demo_regions(session)
        firm_id = enterprise(session, monthly_due=Decimal("1234.56")).id
    screening = _screen()
    found = _assessment(firm_id)
    assert (found.status, found.eligible, found.refusals, found.blockers) == ("eligible", True, "", "")
    assert found.months_paid_in_full == 24
    assert found.paid_last_year == Decimal("14814.72")  # 12 × 1,234.56
    assert found.share_percent == Decimal("60")
    assert found.amount == Decimal("8888.83")  # 60 % of 14,814.72, to the cent
    assert (screening.enterprises, screening.eligible, screening.total_amount) == (1, 1, Decimal("8888.83"))
    assert "人社部发〔2024〕40号" in screening.parameters["citations"]["refund_share"]


def test_contributions_in_whole_yuan_keep_the_jiao_and_fen_of_their_refund(app: Flask) -> None:
    with unit_of_work() as session:
        demo_regions(session)
        whole = enterprise(session, monthly_due=Decimal("5184.00")).id
        odd = enterprise(session, name="聊城市半分有限公司", monthly_due=Decimal("0.01")).id
    _screen()
    assert _assessment(whole).amount == Decimal("37324.80")  # 60 % of 62,208 (not 37,324: no whole-number division)
    assert _assessment(odd).amount == Decimal("0.07")  # 60 % of 0.12 is 0.072, to the fen


def test_a_large_enterprise_gets_thirty_percent(app: Flask) -> None:
    with unit_of_work() as session:
        demo_regions(session)
        firm_id = enterprise(session, size_class="large", headcount=400).id
    _screen()
    found = _assessment(firm_id)
    assert (found.share_percent, found.amount) == (Decimal("30"), Decimal("3600.00"))


def test_arrears_too_few_months_and_a_public_body_are_each_refused_with_their_code(app: Flask) -> None:
    with unit_of_work() as session:
        demo_regions(session)
        owing = enterprise(session, unpaid_months=1).id
        new = enterprise(session, months=12, unpaid_months=1).id
        bureau = enterprise(session, public_body=True).id
    _screen()
    assert _assessment(owing).refusals == "ARREARS"
    assert (_assessment(owing).arrears_months, _assessment(owing).arrears_amount) == (1, Decimal("1000.00"))
    assert _assessment(new).refusals == "MONTHS_PAID,ARREARS"
    assert _assessment(new).months_paid_in_full == 11
    assert _assessment(bureau).refusals == "PUBLIC_BODY"
    assert _assessment(bureau).amount is None


def test_the_layoff_rate_is_last_years_new_benefit_recipients_over_the_average_insured_headcount(app: Flask) -> None:
    with unit_of_work() as session:
        demo_regions(session)
        within = enterprise(session, headcount=100)
        over = enterprise(session, headcount=100)
        small = enterprise(session, headcount=20)
        laid_off_workers(session, within, 5)
        laid_off_workers(session, over, 6)
        laid_off_workers(session, small, 4)
        within, over, small = within.id, over.id, small.id
    _screen()
    assert (_assessment(within).layoff_rate, _assessment(within).refusals) == (Decimal("5.00"), "")
    assert (_assessment(over).layoff_rate, _assessment(over).refusals) == (Decimal("6.00"), "LAYOFF_RATE")
    # 30 or fewer insured: 20 % is the limit, and 4 of 20 is 20 %.
    assert (_assessment(small).layoff_rate, _assessment(small).layoff_rate_limit) == (Decimal("20.00"), Decimal("20"))
    assert _assessment(small).refusals == ""


def test_a_listing_in_force_on_the_screening_day_refuses_and_one_removed_before_it_does_not(app: Flask) -> None:
    with unit_of_work() as session:
        demo_regions(session)
        dishonest = enterprise(session)
        cleared = enterprise(session)
        listed(session, dishonest, "serious_dishonesty")
        listed(session, dishonest, "abnormal_operations")
        listed(session, cleared, "abnormal_operations", removed_on=dt.date(POLICY_YEAR, 1, 15))
        dishonest_id, cleared_id = dishonest.id, cleared.id
    _screen()
    assert _assessment(dishonest_id).refusals == "SERIOUS_DISHONESTY,ABNORMAL_OPERATIONS"
    assert _assessment(dishonest_id).credit_listings == "serious_dishonesty,abnormal_operations"
    assert (_assessment(cleared_id).refusals, _assessment(cleared_id).credit_listings) == ("", "")


def test_a_missing_size_class_or_account_blocks_payment_without_refusing_and_no_size_is_guessed(app: Flask) -> None:
    with unit_of_work() as session:
        demo_regions(session)
        unsized = enterprise(session, size_class=None).id
        no_account = enterprise(session, account=False).id
    _screen()
    assert (_assessment(unsized).eligible, _assessment(unsized).blockers) == (True, "SIZE_MISSING")
    assert (_assessment(unsized).share_percent, _assessment(unsized).amount) == (None, None)
    assert (_assessment(no_account).eligible, _assessment(no_account).blockers) == (True, "ACCOUNT_MISSING")
    assert _assessment(no_account).amount == Decimal("7200.00")


def test_a_region_whose_fund_misses_the_reserve_condition_refunds_nobody(app: Flask) -> None:
    with unit_of_work() as session:
        demo_regions(session)
        firm_id = enterprise(session).id
        session.add(
            RegionParameter(
                region_code="371500",
                kind="refund_fund_reserve",
                effective_from=dt.date(POLICY_YEAR, 1, 1),
                value={"condition_met": False},
                citation="测试：基金备付不足",
            )
        )
    _screen()
    assert _assessment(firm_id).refusals == "FUND_RESERVE"


def test_an_enterprise_that_has_applied_keeps_its_result_when_screened_again(app: Flask) -> None:
    with unit_of_work() as session:
        demo_regions(session)
        firm_id = enterprise(session).id
    _screen()
    with unit_of_work() as session:
        session.execute(update(Assessment).where(Assessment.employer_id == firm_id).values(status="applied"))
        session.execute(
            update(LedgerMonth).where(LedgerMonth.employer_id == firm_id).values(amount_paid=Decimal("1.00"))
        )
    second = _screen()
    found = _assessment(firm_id)
    assert (found.status, found.amount) == ("applied", Decimal("7200.00"))
    assert found.screening_id != second.id


def test_a_region_without_its_refund_parameters_is_refused_and_nothing_is_written(app: Flask) -> None:
    with unit_of_work() as session:
        demo_regions(session)
        session.query(RegionParameter).filter(RegionParameter.kind == "refund_notice_period").delete()
        enterprise(session)
    with pytest.raises(ParameterMissing, match="稳岗返还公示期"):
        _screen()
    with unit_of_work() as session:
        assert session.scalars(select(Assessment)).all() == []
        assert session.scalars(select(Screening)).all() == []


def test_the_screening_answers_as_the_rule_does_for_every_enterprise_of_a_random_population(app: Flask) -> None:
    chosen = random.Random(20260302)
    with unit_of_work() as session:
        demo_regions(session)
        ids = []
        for _ in range(40):
            firm = enterprise(
                session,
                size_class=chosen.choice(["large", "small_micro", None]),
                public_body=chosen.random() < 0.1,
                months=chosen.choice([6, 11, 12, 13, 24]),
                monthly_due=Decimal(chosen.randint(100, 500000)) / 100,
                headcount=chosen.choice([5, 20, 30, 31, 80, 300]),
                unpaid_months=chosen.choice([0, 0, 0, 1, 3]),
                account=chosen.random() < 0.8,
            )
            if chosen.random() < 0.3:
                laid_off_workers(session, firm, chosen.randint(1, 6))
            if chosen.random() < 0.15:
                listed(session, firm, chosen.choice(["serious_dishonesty", "abnormal_operations", "revoked"]))
            ids.append(firm.id)
    _screen()
    with unit_of_work() as session:
        policy = region_policy(session, "371500", TODAY)
        for firm_id in ids:
            found = _assessment(firm_id)
            profile = session.get(EmployerProfile, firm_id)
            assert profile is not None and session.get(Employer, firm_id) is not None
            facts = EnterpriseFacts(
                public_body=profile.public_body,
                size_class=profile.size_class,
                months_paid_in_full=found.months_paid_in_full,
                arrears_amount=found.arrears_amount,
                paid_last_year=found.paid_last_year,
                average_headcount=found.average_headcount,
                layoffs=found.layoffs,
                credit_listings=frozenset(filter(None, found.credit_listings.split(","))),
                has_account=session.get(CorporateAccount, firm_id) is not None,
            )
            expected = assess(facts, policy)
            assert (found.eligible, found.refusals, found.blockers) == (
                expected.eligible,
                ",".join(expected.refusals),
                ",".join(expected.blockers),
            ), firm_id
            assert (found.layoff_rate, found.layoff_rate_limit, found.amount) == (
                expected.layoff_rate,
                expected.layoff_rate_limit,
                expected.amount,
            ), firm_id
