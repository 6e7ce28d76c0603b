"""The monthly payment run: due months become instructions once per person and month, the bank
file carries them, the bank's answer settles them once; a run started twice at the same moment
pays nothing twice; finance and business duties stay apart."""

from __future__ import annotations

import datetime as dt
import io
import threading
from typing import Any

import time_machine
from flask import Flask
from sqlalchemy import func, select

from miniapp_api.claims.models import BenefitPayment, ClaimEvent
from miniapp_api.db import unit_of_work
from miniapp_api.payments.models import PaymentInstruction, PaymentRun
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer, staff_login
from tests.claims_helpers import claimant, submit

NOVEMBER = dt.datetime(2026, 11, 16, 2, 0, tzinfo=dt.UTC)
DECEMBER = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)


def _approved_claims(client: Any, wechat: WeChatStandIn, count: int) -> list[dict[str, Any]]:
    claims = []
    with time_machine.travel(NOVEMBER, tick=True):
        for index in range(count):
            tokens = claimant(client, wechat, name=f"职工{index}", stop_date=dt.date(2026, 10, 31))
            claim = submit(client, tokens).get_json()
            assert claim["status"] == "approved", claim
            claims.append({**claim, "tokens": tokens})
    return claims


def _due_by(period: dt.date) -> int:
    with unit_of_work() as session:
        return int(
            session.scalar(
                select(func.count()).where(BenefitPayment.status == "scheduled", BenefitPayment.period <= period)
            )
            or 0
        )


def _confirm(client: Any, tokens: dict[str, Any], run_id: int, rows: list[str]) -> Any:
    body = ("业务编号,结果,原因\n" + "\n".join(rows) + "\n").encode("utf-8-sig")
    return client.post(
        f"/api/v1/finance/payment-runs/{run_id}/confirmation",
        data={"file": (io.BytesIO(body), "回盘.csv")},
        headers=bearer(tokens),
        content_type="multipart/form-data",
    )


def test_a_month_is_paid_once_through_the_bank_file_and_the_banks_answer(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    claims = _approved_claims(client, wechat_standin, 2)
    due = _due_by(dt.date(2026, 12, 1))
    assert due == 4  # November and December for each of the two
    with time_machine.travel(DECEMBER, tick=True):
        finance = staff_login(client, "finance1", "finance")
        run = client.post("/api/v1/finance/payment-runs", json={"period": "2026-12"}, headers=bearer(finance))
        assert run.status_code == 201, run.get_json()
        prepared = run.get_json()
        assert (prepared["instructions"], prepared["medical_premiums"]) == (4, 4)
        assert "*" in prepared["sample"][0]["bank"]
        again = client.post("/api/v1/finance/payment-runs", json={"period": "2026-12"}, headers=bearer(finance))
        assert (again.status_code, again.get_json()["code"]) == (409, "RUN_EXISTS")
        exported = client.get(f"/api/v1/finance/payment-runs/{prepared['id']}/bank-file.csv", headers=bearer(finance))
        lines = exported.data.decode("utf-8-sig").splitlines()
        assert lines[0] == "业务编号,姓名,开户银行,银行账号,金额,所属月份,基本医疗保险费代缴"
        assert len(lines) == 5 and "6212260000138001383" in lines[1]
        references = [line.split(",")[0] for line in lines[1:]]
        answer = _confirm(
            client,
            finance,
            prepared["id"],
            [f"{r},成功," for r in references[:3]] + [f"{references[3]},失败,账户已销户"],
        )
        assert answer.status_code == 200, answer.get_json()
        assert (answer.get_json()["paid"], answer.get_json()["failed"]) == (3, 1)
        repeated = _confirm(client, finance, prepared["id"], [f"{r},成功," for r in references])
        assert repeated.get_json()["unchanged"] == 4 and repeated.get_json()["paid"] == 0
        forged = _confirm(client, finance, prepared["id"], ["BP999999,成功,"])
        assert (forged.status_code, forged.get_json()["code"]) == (422, "UNKNOWN_REFERENCE")
    with unit_of_work() as session:
        assert session.scalar(select(func.count()).where(BenefitPayment.status == "paid")) == 3
        kinds = session.scalars(select(ClaimEvent.kind).where(ClaimEvent.claim_id.in_([c["id"] for c in claims])))
        assert list(kinds).count("payment_paid") == 3


def test_a_run_started_twice_at_once_pays_nothing_twice(make_app: Any, wechat_standin: WeChatStandIn) -> None:
    app: Flask = make_app()
    with app.app_context():
        client = app.test_client()
        _approved_claims(client, wechat_standin, 3)
        with time_machine.travel(DECEMBER, tick=True):
            tokens = [staff_login(client, f"finance{i}", "finance") for i in range(2)]
            barrier = threading.Barrier(2)
            answers: list[int] = []

            def start(token: dict[str, Any]) -> None:
                with app.app_context():
                    own = app.test_client()
                    barrier.wait()
                    response = own.post(
                        "/api/v1/finance/payment-runs", json={"period": "2026-12"}, headers=bearer(token)
                    )
                    answers.append(response.status_code)

            threads = [threading.Thread(target=start, args=(token,)) for token in tokens]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert sorted(answers) == [201, 409]
        with unit_of_work() as session:
            assert session.scalar(select(func.count()).select_from(PaymentRun)) == 1
            assert session.scalar(select(func.count()).select_from(PaymentInstruction)) == 6
            keys = session.execute(select(PaymentInstruction.person_id, PaymentInstruction.period)).all()
            assert len(set(keys)) == 6


def test_business_and_finance_duties_are_kept_apart(client: Any, wechat_standin: WeChatStandIn) -> None:
    reviewer = staff_login(client, "reviewer1", "reviewer")
    refused = client.post("/api/v1/finance/payment-runs", json={"period": "2026-11"}, headers=bearer(reviewer))
    assert (refused.status_code, refused.get_json()["code"]) == (403, "ROLE_REQUIRED")
    finance = staff_login(client, "finance1", "finance")
    assert client.get("/api/v1/staff/claims", headers=bearer(finance)).status_code == 403
