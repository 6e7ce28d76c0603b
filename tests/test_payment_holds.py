"""Money stops flowing while a fund-safety check is open: a suspect-list match holds the claim's
unpaid months (the claimant told, with the objection route); clearing it puts every held month
into the next run, none lost; stopping for good is still a reviewer's decision. Before, the
months kept being paid until someone decided."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import time_machine
from sqlalchemy import select

from miniapp_api.claims.models import Claim
from miniapp_api.db import unit_of_work
from miniapp_api.records.models import Person
from miniapp_api.safety.checks import Signal, open_items
from notifications.models import Message
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer, staff_login
from tests.claims_helpers import claimant, submit

NOVEMBER = dt.datetime(2026, 11, 16, 2, 0, tzinfo=dt.UTC)
DECEMBER = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)
JANUARY = dt.datetime(2027, 1, 5, 2, 0, tzinfo=dt.UTC)


def _status(claim_id: int) -> str:
    with unit_of_work() as session:
        claim = session.get(Claim, claim_id)
        assert claim is not None
        return claim.status


def _kinds() -> list[str]:
    with unit_of_work() as session:
        return list(session.scalars(select(Message.kind).where(Message.recipient_kind == "person")))


def test_an_open_suspect_check_holds_the_months_and_clearing_it_pays_them_all(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    with time_machine.travel(NOVEMBER, tick=True):
        tokens = claimant(client, wechat_standin, stop_date=dt.date(2026, 10, 31))
        claim = submit(client, tokens).get_json()
        with unit_of_work() as session:
            id_number = session.get(Person, tokens["person_id"]).id_number  # type: ignore[union-attr]
    with time_machine.travel(DECEMBER, tick=True):
        reviewer = staff_login(client, "reviewer1", "reviewer", region="130200")
        listed = f"身份证号码,疑点类型\n{id_number},领取期间在外省参保缴费\n".encode()
        uploaded = client.post(
            "/api/v1/staff/suspect-lists",
            data={"file": (io.BytesIO(listed), "疑点.csv")},
            headers=bearer(reviewer),
            content_type="multipart/form-data",
        )
        assert uploaded.get_json()["opened"] == 1
        assert _status(claim["id"]) == "suspended"
        assert "benefit_suspended" in _kinds()
        finance = staff_login(client, "finance1", "finance", region="130200")
        run = client.post("/api/v1/finance/payment-runs", json={"period": "2026-12"}, headers=bearer(finance))
        assert run.get_json()["instructions"] == 0  # nothing to the bank while it is checked
        (item,) = client.get("/api/v1/staff/checks", headers=bearer(reviewer)).get_json()
        cleared = client.post(
            f"/api/v1/staff/checks/{item['id']}/decision",
            json={"outcome": "cleared", "note": "外省参保记录系重名，核实无误"},
            headers=bearer(reviewer),
        )
        assert cleared.status_code == 200, cleared.get_json()
        assert _status(claim["id"]) == "approved"
        assert "benefit_resumed" in _kinds()
    with time_machine.travel(JANUARY, tick=True):
        finance = staff_login(client, "finance2", "finance", region="130200")
        run = client.post("/api/v1/finance/payment-runs", json={"period": "2027-01"}, headers=bearer(finance))
        assert run.get_json()["instructions"] == 3  # November and December held, and January


def test_a_held_claim_is_stopped_only_by_a_reviewers_decision(client: Any, wechat_standin: WeChatStandIn) -> None:
    with time_machine.travel(NOVEMBER, tick=True):
        tokens = claimant(client, wechat_standin, stop_date=dt.date(2026, 10, 31))
        claim = submit(client, tokens).get_json()
        with unit_of_work() as session:
            id_number = session.get(Person, tokens["person_id"]).id_number  # type: ignore[union-attr]
    with time_machine.travel(DECEMBER, tick=True):
        reviewer = staff_login(client, "reviewer1", "reviewer", region="130200")
        client.post(
            "/api/v1/staff/suspect-lists",
            data={"file": (io.BytesIO(f"身份证号码,疑点类型\n{id_number},死亡\n".encode()), "疑点.csv")},
            headers=bearer(reviewer),
            content_type="multipart/form-data",
        )
        (item,) = client.get("/api/v1/staff/checks", headers=bearer(reviewer)).get_json()
        stopped = client.post(
            f"/api/v1/staff/checks/{item['id']}/decision",
            json={"outcome": "stop", "note": "核实已死亡", "reason": "death", "effective_on": "2026-11-20"},
            headers=bearer(reviewer),
        )
        assert stopped.status_code == 200, stopped.get_json()
        assert _status(claim["id"]) == "stopped"


def test_a_claim_approved_while_a_holding_item_is_open_is_held_too(client: Any, wechat_standin: WeChatStandIn) -> None:
    """The item opened before any claim (a face shared with another identity, at photo import)."""
    with time_machine.travel(NOVEMBER, tick=True):
        tokens = claimant(client, wechat_standin, stop_date=dt.date(2026, 10, 31))
        with unit_of_work() as session:
            open_items(session, [Signal("shared_face", tokens["person_id"], "shared_face:test", {"distance": 0.1})])
        claim = submit(client, tokens).get_json()
        assert _status(claim["id"]) == "suspended"  # held from the start, not "approved" and silently unpaid
        assert "benefit_suspended" in _kinds()
    with time_machine.travel(DECEMBER, tick=True):
        finance = staff_login(client, "finance1", "finance", region="130200")
        run = client.post("/api/v1/finance/payment-runs", json={"period": "2026-12"}, headers=bearer(finance))
        assert run.get_json()["instructions"] == 0
