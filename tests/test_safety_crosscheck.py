"""The cross-check stops payment for each legal reason from the right month, with its basis:
later months cancelled, months already paid from then on left for staff to recover, the
claimant told; flexible work with no employer paying is not a reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from miniapp_api.claims.models import BenefitPayment, Claim, ClaimEvent
from miniapp_api.db import unit_of_work
from miniapp_api.records.models import Employer, Person, PersonEvent
from miniapp_api.safety.crosscheck import run
from miniapp_api.safety.models import RecoveryItem
from notifications.models import Message
from notifications.standins.wechat_server import WeChatStandIn
from tests import factories
from tests.auth_helpers import bearer, staff_login
from tests.claims_helpers import claimant, submit
from tests.cli_helpers import run_cli

NOVEMBER = dt.datetime(2026, 11, 16, 2, 0, tzinfo=dt.UTC)


def _paid_claim(client: Any, wechat: WeChatStandIn) -> dict[str, Any]:
    """Approved in November 2026 for 18 months from November; November already paid."""
    with time_machine.travel(NOVEMBER, tick=True):
        tokens = claimant(client, wechat, months=70, stop_date=dt.date(2026, 10, 31))
        claim = submit(client, tokens).get_json()
    assert claim["status"] == "approved"
    with unit_of_work() as session:
        november = session.scalars(
            select(BenefitPayment).where(
                BenefitPayment.claim_id == claim["id"], BenefitPayment.period == dt.date(2026, 11, 1)
            )
        ).one()
        november.status = "paid"
    return {"claim_id": claim["id"], "person_id": tokens["person_id"]}


def _months(claim_id: int) -> dict[str, str]:
    with unit_of_work() as session:
        rows = session.execute(
            select(BenefitPayment.period, BenefitPayment.status).where(BenefitPayment.claim_id == claim_id)
        ).all()
        return {f"{period:%Y-%m}": status for period, status in rows}


def test_new_contributions_from_an_employer_stop_payment_from_their_first_month(
    client: Any, wechat_standin: WeChatStandIn, app: Flask
) -> None:
    paid = _paid_claim(client, wechat_standin)
    with unit_of_work() as session:
        person = session.get(Person, paid["person_id"])
        assert person is not None
        factories.contribution(session, person, factories.employer(session), dt.date(2026, 11, 1), None)
    result = run_cli(app, "safety", "crosscheck")
    assert result.exit_code == 0, result.output
    assert "停止发放 1 人" in result.output
    months = _months(paid["claim_id"])
    # Re-employed from November: November (already paid) is to recover, the rest cancelled.
    assert months["2026-11"] == "paid" and {status for month, status in months.items() if month > "2026-11"} == {
        "cancelled"
    }
    with unit_of_work() as session:
        claim = session.get(Claim, paid["claim_id"])
        assert claim is not None and claim.status == "stopped" and claim.closed_at is not None
        stopped = session.scalars(
            select(ClaimEvent).where(ClaimEvent.claim_id == claim.id, ClaimEvent.kind == "stopped")
        ).one()
        assert stopped.detail["reason"] == "reemployed" and "社会保险法第五十一条" in stopped.detail["basis"]
        (item,) = session.scalars(select(RecoveryItem)).all()
        assert (item.period, item.reason) == (dt.date(2026, 11, 1), "reemployed")
        told = session.scalars(select(Message.personalisation).where(Message.kind == "benefit_suspended")).one()
        assert "停止发放" in told and "2026-11-01" in told
    reviewer = staff_login(client, "reviewer1", "reviewer")
    listed = client.get("/api/v1/staff/recoveries", headers=bearer(reviewer)).get_json()
    assert [(row["period"], row["amount"]) for row in listed] == [("2026-11-01", str(item.amount))]


@pytest.mark.parametrize(
    ("kind", "basis"),
    [
        ("pension_start", "第五十一条第（四）项"),
        ("death", "失业保险条例第二十条"),
        ("conscription", "第五十一条第（二）项"),
        ("emigration", "第五十一条第（三）项"),
        ("imprisonment", "失业保险条例第十五条第（四）项"),
    ],
)
def test_each_life_event_after_the_separation_stops_payment_from_its_month(
    client: Any, wechat_standin: WeChatStandIn, kind: str, basis: str
) -> None:
    paid = _paid_claim(client, wechat_standin)
    with unit_of_work() as session:
        session.add(PersonEvent(person_id=paid["person_id"], kind=kind, event_date=dt.date(2027, 1, 15), source="test"))
    assert run().stopped == 1
    months = _months(paid["claim_id"])
    assert months["2026-11"] == "paid" and months["2026-12"] == "scheduled"
    assert {status for month, status in months.items() if month >= "2027-01"} == {"cancelled"}
    with unit_of_work() as session:
        stopped = session.scalars(
            select(ClaimEvent).where(ClaimEvent.claim_id == paid["claim_id"], ClaimEvent.kind == "stopped")
        ).one()
        assert stopped.detail == {"reason": kind, "effective_on": "2027-01-15", "basis": stopped.detail["basis"]}
        assert basis in stopped.detail["basis"]
        assert session.scalars(select(RecoveryItem)).all() == []


def test_nothing_stops_without_a_legal_reason(client: Any, wechat_standin: WeChatStandIn) -> None:
    paid = _paid_claim(client, wechat_standin)
    with unit_of_work() as session:
        # Before the separation: the job that ended. Flexible work pays no employer contributions
        # and leaves nothing in these records.
        session.add(
            PersonEvent(person_id=paid["person_id"], kind="conscription", event_date=dt.date(2001, 3, 1), source="test")
        )
    result = run()
    assert (result.recipients, result.stopped) == (1, 0)
    assert run().stopped == 0
    with unit_of_work() as session:
        claim = session.get(Claim, paid["claim_id"])
        assert claim is not None and claim.status == "approved"


def test_a_new_employer_paying_for_the_separation_month_stops_payment_from_the_next_day(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    with time_machine.travel(NOVEMBER, tick=True):
        tokens = claimant(client, wechat_standin, months=70, stop_date=dt.date(2026, 10, 15))
        claim = submit(client, tokens).get_json()
    assert claim["status"] == "approved"
    with unit_of_work() as session:
        person = session.get(Person, tokens["person_id"])
        claim_row = session.get(Claim, claim["id"])
        assert person is not None and claim_row is not None and claim_row.employer_id is not None
        former = session.get(Employer, claim_row.employer_id)
        # The employer that let the person go, paying for October on its own record: not a new job.
        factories.contribution(session, person, former, dt.date(2026, 10, 1), dt.date(2026, 10, 1))
    assert run().stopped == 0
    with unit_of_work() as session:
        person = session.get(Person, tokens["person_id"])
        assert person is not None
        factories.contribution(session, person, factories.employer(session), dt.date(2026, 10, 1), None)
    assert run().stopped == 1
    with unit_of_work() as session:
        stopped = session.scalars(
            select(ClaimEvent).where(ClaimEvent.claim_id == claim["id"], ClaimEvent.kind == "stopped")
        ).one()
        assert (stopped.detail["reason"], stopped.detail["effective_on"]) == ("reemployed", "2026-10-16")
    assert set(_months(claim["id"]).values()) == {"cancelled"}
