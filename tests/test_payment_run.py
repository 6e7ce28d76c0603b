"""The monthly payment run: due months become instructions once per person and month, the bank
file carries them, the bank's answer settles them once; a run started twice at the same moment
pays nothing twice; finance and business duties stay apart."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
from typing import Any

import pytest
import time_machine
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from miniapp_api import db
from miniapp_api.claims.models import BenefitPayment, Claim, ClaimEvent
from miniapp_api.db import unit_of_work
from miniapp_api.payments import service as payments_service
from miniapp_api.payments.models import PaymentInstruction, PaymentRun
from miniapp_api.records.models import Person, PersonEvent
from miniapp_api.safety.crosscheck import run as crosscheck
from miniapp_api.safety.models import RecoveryItem
from notifications.models import Message
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
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, payload = encode_multipart({"file": FileStorage(io.BytesIO(body), "回盘.csv")})
    return client.post(
        f"/api/v1/finance/payment-runs/{run_id}/confirmation",
        data=payload,
        headers=bearer(tokens),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_a_month_is_paid_once_through_the_bank_file_and_the_banks_answer(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    claims = _approved_claims(client, wechat_standin, 2)
    due = _due_by(dt.date(2026, 12, 1))
    assert due == 4  # November and December for each of the two
    with time_machine.travel(DECEMBER, tick=True):
        finance = staff_login(client, "finance1", "finance")
        run = client.post(
            "/api/v1/finance/payment-runs", json={"period": "2026-12", "region": "130200"}, headers=bearer(finance)
        )
        assert run.status_code == 201, run.get_json()
        prepared = run.get_json()
        assert (prepared["instructions"], prepared["medical_premiums"]) == (4, 4)
        assert "*" in prepared["sample"][0]["bank"]
        again = client.post(
            "/api/v1/finance/payment-runs", json={"period": "2026-12", "region": "130200"}, headers=bearer(finance)
        )
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
        same_answer = [f"{r},成功," for r in references[:3]] + [f"{references[3]},失败,账户已销户"]
        repeated = _confirm(client, finance, prepared["id"], same_answer)
        assert repeated.get_json()["unchanged"] == 4 and repeated.get_json()["paid"] == 0
        # The bank now says the returned month was paid after all: nothing is settled silently.
        changed = _confirm(client, finance, prepared["id"], [f"{references[3]},成功,"])
        assert (changed.status_code, changed.get_json()["code"]) == (409, "RESULT_CONFLICT")
        assert changed.get_json()["details"]["references"] == [references[3]]
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
                        "/api/v1/finance/payment-runs",
                        json={"period": "2026-12", "region": "130200"},
                        headers=bearer(token),
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


def _bank_file(client: Any, tokens: dict[str, Any], run_id: int) -> list[list[str]]:
    exported = client.get(f"/api/v1/finance/payment-runs/{run_id}/bank-file.csv", headers=bearer(tokens))
    return [line.split(",") for line in exported.data.decode("utf-8-sig").splitlines()[1:]]


def test_a_month_the_bank_returned_is_issued_again_by_the_next_run_and_the_claimant_is_told(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    (claim,) = _approved_claims(client, wechat_standin, 1)
    with time_machine.travel(DECEMBER, tick=True):
        finance = staff_login(client, "finance1", "finance")
        first_run = client.post(
            "/api/v1/finance/payment-runs", json={"period": "2026-11", "region": "130200"}, headers=bearer(finance)
        )
        (row,) = _bank_file(client, finance, first_run.get_json()["id"])
        answer = _confirm(client, finance, first_run.get_json()["id"], [f"{row[0]},失败,户名与账号不符"])
        assert answer.get_json()["failed"] == 1
        next_run = client.post(
            "/api/v1/finance/payment-runs", json={"period": "2026-12", "region": "130200"}, headers=bearer(finance)
        )
        assert next_run.get_json()["instructions"] == 2  # November again, and December
        rows = _bank_file(client, finance, next_run.get_json()["id"])
        november = next(r for r in rows if r[5] == "2026-11")
        assert november[0] != row[0]
        assert _confirm(client, finance, next_run.get_json()["id"], [f"{r[0]},成功," for r in rows]).status_code == 200
    with unit_of_work() as session:
        months = dict(
            session.execute(
                select(BenefitPayment.period, BenefitPayment.status).where(BenefitPayment.claim_id == claim["id"])
            ).all()
        )
        assert (months[dt.date(2026, 11, 1)], months[dt.date(2026, 12, 1)]) == ("paid", "paid")
        returned = session.scalars(
            select(ClaimEvent).where(ClaimEvent.claim_id == claim["id"], ClaimEvent.kind == "payment_returned")
        ).one()
        assert returned.detail["reason"] == "户名与账号不符"
        told = session.scalars(select(Message.personalisation).where(Message.kind == "payment_returned")).one()
        assert "2026年11月" in told and "户名与账号不符" in told
        paid = session.scalars(
            select(PaymentInstruction.status).where(PaymentInstruction.period == dt.date(2026, 11, 1))
        ).all()
        assert sorted(paid) == ["failed", "paid"]


def test_a_month_returned_twice_to_the_same_account_waits_for_a_new_account(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    (claim,) = _approved_claims(client, wechat_standin, 1)

    def run_in(period: str, day: dt.datetime) -> tuple[dict[str, Any], dict[str, Any], list[list[str]]]:
        with time_machine.travel(day, tick=True):
            finance = staff_login(client, f"finance{period}", "finance")
            run = client.post(
                "/api/v1/finance/payment-runs", json={"period": period, "region": "130200"}, headers=bearer(finance)
            )
            assert run.status_code == 201, run.get_json()
            return finance, run.get_json(), _bank_file(client, finance, run.get_json()["id"])

    for period, day in (("2026-11", NOVEMBER), ("2026-12", DECEMBER)):
        finance, run, rows = run_in(period, day)
        november = next(r for r in rows if r[5] == "2026-11")
        with time_machine.travel(day, tick=True):
            assert _confirm(client, finance, run["id"], [f"{november[0]},失败,账户已冻结"]).status_code == 200
    _, held, rows = run_in("2027-01", dt.datetime(2027, 1, 5, 2, tzinfo=dt.UTC))
    assert held["held_after_returns"] == 1 and "2026-11" not in {r[5] for r in rows}
    with unit_of_work() as session:
        row = session.get(Claim, claim["id"])
        assert row is not None
        row.bank_account = "6222020000000000018"  # the claimant's corrected account
    _, released, rows = run_in("2027-02", dt.datetime(2027, 2, 3, 2, tzinfo=dt.UTC))
    assert released["held_after_returns"] == 0
    assert [r[3] for r in rows if r[5] == "2026-11"] == ["6222020000000000018"]


def test_a_return_after_payment_stopped_promises_nothing_and_a_cancelled_month_paid_is_to_recover(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    first, second = _approved_claims(client, wechat_standin, 2)
    with time_machine.travel(DECEMBER, tick=True):
        finance = staff_login(client, "finance1", "finance")
        run = client.post(
            "/api/v1/finance/payment-runs", json={"period": "2026-11", "region": "130200"}, headers=bearer(finance)
        )
        rows = _bank_file(client, finance, run.get_json()["id"])
        with unit_of_work() as session:
            for person_id in (first["tokens"]["person_id"], second["tokens"]["person_id"]):
                session.add(PersonEvent(person_id=person_id, kind="death", event_date=dt.date(2026, 11, 5), source="t"))
        assert crosscheck().stopped == 2  # while the bank still has November
        references = {int(r[0][2:].split("-")[0]): r[0] for r in rows}
        with unit_of_work() as session:
            by_claim = dict(session.execute(select(BenefitPayment.claim_id, BenefitPayment.id).where(
                BenefitPayment.period == dt.date(2026, 11, 1))).all())  # fmt: skip
        answer = [f"{references[by_claim[first['id']]]},失败,户名不符", f"{references[by_claim[second['id']]]},成功,"]
        assert _confirm(client, finance, run.get_json()["id"], answer).status_code == 200
    with unit_of_work() as session:
        assert session.scalars(select(Message).where(Message.kind == "payment_returned")).all() == []
        returned = session.scalars(select(ClaimEvent).where(ClaimEvent.kind == "payment_returned")).one()
        assert returned.detail["reissued"] is False
        (recovery,) = session.scalars(select(RecoveryItem)).all()
        assert (recovery.claim_id, recovery.reason) == (second["id"], "death")


def test_business_and_finance_duties_are_kept_apart(client: Any, wechat_standin: WeChatStandIn) -> None:
    reviewer = staff_login(client, "reviewer1", "reviewer")
    refused = client.post(
        "/api/v1/finance/payment-runs", json={"period": "2026-11", "region": "130200"}, headers=bearer(reviewer)
    )
    assert (refused.status_code, refused.get_json()["code"]) == (403, "ROLE_REQUIRED")
    finance = staff_login(client, "finance1", "finance")
    assert client.get("/api/v1/staff/claims", headers=bearer(finance)).status_code == 403


def test_a_provincial_size_bank_answer_is_read_whole_in_slices(
    client: Any, wechat_standin: WeChatStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    _approved_claims(client, wechat_standin, 1)
    with time_machine.travel(DECEMBER, tick=True):
        finance = staff_login(client, "finance.big", "finance")
        run = client.post(
            "/api/v1/finance/payment-runs", json={"period": "2026-12", "region": "130200"}, headers=bearer(finance)
        )
        run_id = run.get_json()["id"]
        references = [row[0] for row in _bank_file(client, finance, run_id)]
        forged = [f"BP{900000 + n}-{run_id},成功," for n in range(1500)]
        too_many = _confirm(client, finance, run_id, [f"{r},成功," for r in references] + forged)
        assert (too_many.status_code, too_many.get_json()["code"]) == (422, "TOO_MANY_ROWS")
        unknown = _confirm(client, finance, run_id, [f"{references[0]},成功,", forged[0]])
        assert (unknown.status_code, unknown.get_json()["code"]) == (422, "UNKNOWN_REFERENCE")
        # Over the API's 1 MB default (a bank's file pads; the route takes up to 64 MB), and
        # looked up one reference per IN list.
        monkeypatch.setattr(db, "IN_LIST_SIZE", 1)
        padded = [f"{r},成功," for r in references] + [","] * 600_000
        answer = _confirm(client, finance, run_id, padded)
        assert answer.status_code == 200, answer.get_json()
        assert answer.get_json()["paid"] == len(references) == 2  # November and December


def test_a_month_is_run_only_once_it_has_begun_in_china_and_a_run_across_midnight_stays_in_its_month(
    client: Any, wechat_standin: WeChatStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    _approved_claims(client, wechat_standin, 1)  # November and December due, from the November decision
    just_before = dt.datetime(2026, 11, 30, 23, 59, 59, 900000, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with time_machine.travel(just_before - dt.timedelta(minutes=1)):
        finance = staff_login(client, "finance.midnight", "finance")
    with time_machine.travel(just_before, tick=False) as clock:
        early = client.post(
            "/api/v1/finance/payment-runs", json={"period": "2026-12", "region": "130200"}, headers=bearer(finance)
        )
        assert early.status_code == 422
        assert early.get_json()["details"]["fields"]["period"] == ["月份不能晚于本月"]
        # The November run starts before midnight; the clock passes into December while it selects.
        selecting = payments_service._due_months

        def across_midnight(*args: Any) -> Any:
            clock.shift(dt.timedelta(seconds=1))
            return selecting(*args)

        monkeypatch.setattr(payments_service, "_due_months", across_midnight)
        november = client.post(
            "/api/v1/finance/payment-runs", json={"period": "2026-11", "region": "130200"}, headers=bearer(finance)
        )
        assert november.status_code == 201, november.get_json()
        assert dt.datetime.now(dt.UTC) > just_before  # it did cross
        assert [row[5] for row in _bank_file(client, finance, november.get_json()["id"])] == ["2026-11"]
    # Midnight in China is 16:00 UTC the day before: December may be run from then, not from UTC's.
    with time_machine.travel(dt.datetime(2026, 11, 30, 16, 0, 1, tzinfo=dt.UTC)):
        finance = staff_login(client, "finance.december", "finance")
        december = client.post(
            "/api/v1/finance/payment-runs", json={"period": "2026-12", "region": "130200"}, headers=bearer(finance)
        )
        assert december.status_code == 201, december.get_json()
        assert [row[5] for row in _bank_file(client, finance, december.get_json()["id"])] == ["2026-12"]


def test_a_run_whose_process_dies_midway_leaves_nothing_and_the_next_pays_each_month_once(
    client: Any, wechat_standin: WeChatStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    _approved_claims(client, wechat_standin, 2)
    with time_machine.travel(DECEMBER, tick=True):
        finance = staff_login(client, "finance.crash", "finance")

        def die(*_args: Any) -> int:
            raise SystemExit("the worker process is killed after the instructions were inserted")

        monkeypatch.setattr(payments_service, "held_months", die)
        with pytest.raises(SystemExit):
            client.post(
                "/api/v1/finance/payment-runs", json={"period": "2026-12", "region": "130200"}, headers=bearer(finance)
            )
        with unit_of_work() as session:
            assert session.scalar(select(func.count()).select_from(PaymentRun)) == 0
            assert session.scalar(select(func.count()).select_from(PaymentInstruction)) == 0
        monkeypatch.undo()
        run = client.post(
            "/api/v1/finance/payment-runs", json={"period": "2026-12", "region": "130200"}, headers=bearer(finance)
        )
        assert (run.status_code, run.get_json()["instructions"]) == (201, 4)


def test_a_claimant_is_told_once_a_run_however_many_months_it_paid(client: Any, wechat_standin: WeChatStandIn) -> None:
    """Before, claimants learned of payments only by looking."""
    _approved_claims(client, wechat_standin, 1)
    with time_machine.travel(DECEMBER, tick=True):
        finance = staff_login(client, "finance1", "finance")
        run = client.post(
            "/api/v1/finance/payment-runs", json={"period": "2026-12", "region": "130200"}, headers=bearer(finance)
        )
        run_id = run.get_json()["id"]
        references = [row[0] for row in _bank_file(client, finance, run_id)]
        assert len(references) == 2  # November and December
        assert _confirm(client, finance, run_id, [f"{r},成功," for r in references]).status_code == 200
        assert _confirm(client, finance, run_id, [f"{r},成功," for r in references]).status_code == 200
    with unit_of_work() as session:
        (told,) = session.scalars(select(Message).where(Message.kind == "benefit_paid")).all()
        values = json.loads(told.personalisation)
    assert (values["period"], values["amount"]) == ("2026年11月至2026年12月", "3960.00")


def test_a_month_paid_after_a_refusal_is_not_announced_and_approval_again_withdraws_its_recovery(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    from miniapp_api.claims import decisions, timeline
    from miniapp_api.claims.records_view import read_records
    from miniapp_api.rules.eligibility import INVOLUNTARY_BASIS, Refusal

    (claim,) = _approved_claims(client, wechat_standin, 1)
    with time_machine.travel(DECEMBER, tick=True):
        finance = staff_login(client, "finance1", "finance")
        run = client.post(
            "/api/v1/finance/payment-runs", json={"period": "2026-11", "region": "130200"}, headers=bearer(finance)
        ).get_json()
        (row,) = _bank_file(client, finance, run["id"])
        with unit_of_work() as session:  # refused while November is at the bank
            stored = session.get(Claim, claim["id"])
            assert stored is not None
            refusal = Refusal("VOLUNTARY_SEPARATION", "因本人意愿中断就业", INVOLUNTARY_BASIS)
            decisions.reject(session, stored, [refusal], timeline.SYSTEM, decided_by="staff:1")
        assert _confirm(client, finance, run["id"], [f"{row[0]},成功,"]).status_code == 200
        with unit_of_work() as session:
            assert session.scalars(select(Message).where(Message.kind == "benefit_paid")).all() == []
            assert session.scalars(select(RecoveryItem.status)).all() == ["open"]
            stored = session.get(Claim, claim["id"])
            person = session.get(Person, stored.person_id) if stored else None
            assert stored is not None and person is not None
            view = read_records(session, person, stored.application_date, deciding_again=stored)
            assert view.estimate is not None
            decisions.approve(session, stored, view.estimate, timeline.SYSTEM, decided_by="staff:2")
    with unit_of_work() as session:
        (recovery,) = session.scalars(select(RecoveryItem)).all()
        assert (recovery.status, recovery.settlement_note) == ("waived", "重新核定后该月应予发放，无需追回")
        kinds = session.scalars(select(ClaimEvent.kind).where(ClaimEvent.claim_id == claim["id"])).all()
        assert "recovery_withdrawn" in kinds
