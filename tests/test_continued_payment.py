"""Continued payment (续发): a recipient whose period ends less than a year before retirement
is paid on to the retirement month without applying, and told once when those months begin."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from flask import Flask
from sqlalchemy import select

from miniapp_api.claims.models import BenefitPayment, Claim, ClaimEvent
from miniapp_api.db import unit_of_work
from miniapp_api.records.models import PersonEvent
from miniapp_api.safety.continued import notify_started
from miniapp_api.safety.crosscheck import run as crosscheck
from notifications.models import Message
from notifications.standins.wechat_server import WeChatStandIn
from tests.claims_helpers import claimant, submit
from tests.cli_helpers import run_cli

NOVEMBER = dt.datetime(2026, 11, 16, 2, 0, tzinfo=dt.UTC)


def _near_retirement(client: Any, wechat: WeChatStandIn) -> dict[str, Any]:
    """A man born 1967-06 retires 2028-02 (60 years and 8 months); 24 months paid give 12 months
    of benefit from November 2026, ending October 2027: under a year before retirement."""
    with time_machine.travel(NOVEMBER, tick=True):
        tokens = claimant(client, wechat, months=24, birth_date=dt.date(1967, 6, 10))
        claim = submit(client, tokens).get_json()
    assert claim["status"] == "approved"
    return {"claim": claim, "person_id": tokens["person_id"]}


def _continued_months(claim_id: int) -> list[str]:
    with unit_of_work() as session:
        periods = session.scalars(
            select(BenefitPayment.period)
            .where(BenefitPayment.claim_id == claim_id, BenefitPayment.continued.is_(True))
            .order_by(BenefitPayment.period)
        )
        return [f"{period:%Y-%m}" for period in periods]


def test_the_period_is_extended_to_retirement_without_an_application(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    claim = _near_retirement(client, wechat_standin)["claim"]
    assert claim["decision"]["entitlement_months"] == 12
    assert claim["decision"]["continued_payment_months"] == 3
    assert claim["decision"]["legal_retirement_date"] == "2028-02-01"
    assert _continued_months(claim["id"]) == ["2027-11", "2027-12", "2028-01"]


def test_the_recipient_is_told_once_when_continued_payment_begins(
    client: Any, wechat_standin: WeChatStandIn, app: Flask
) -> None:
    claim = _near_retirement(client, wechat_standin)["claim"]
    assert notify_started(dt.date(2027, 10, 31)) == 0
    result = run_cli(app, "safety", "continued", "--today", "2027-11-03")
    assert result.exit_code == 0, result.output
    assert "1 人" in result.output
    assert notify_started(dt.date(2027, 12, 3)) == 0
    with unit_of_work() as session:
        told = session.scalars(select(Message.personalisation).where(Message.kind == "benefit_continued")).one()
        assert "2028年01月" in told
        event = session.scalars(
            select(ClaimEvent).where(ClaimEvent.claim_id == claim["id"], ClaimEvent.kind == "continued_payment")
        ).one()
        assert (event.period, event.detail) == (dt.date(2027, 11, 1), {"until": "2028-01-01"})
        row = session.get(Claim, claim["id"])
        assert row is not None and row.status == "approved" and row.continued_notice_at is not None


def test_a_stop_before_the_continued_months_cancels_them_and_nobody_is_told(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    paid = _near_retirement(client, wechat_standin)
    with unit_of_work() as session:
        session.add(
            PersonEvent(person_id=paid["person_id"], kind="emigration", event_date=dt.date(2027, 9, 2), source="test")
        )
    assert crosscheck().stopped == 1
    assert notify_started(dt.date(2027, 11, 3)) == 0
    with unit_of_work() as session:
        statuses = session.scalars(
            select(BenefitPayment.status).where(
                BenefitPayment.claim_id == paid["claim"]["id"], BenefitPayment.continued.is_(True)
            )
        )
        assert set(statuses) == {"cancelled"}
        assert session.scalars(select(Message).where(Message.kind == "benefit_continued")).all() == []
