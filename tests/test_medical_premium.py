"""The medical premium the fund pays for every benefit month (社会保险法第四十八条): an amount set
by a dated, cited regional parameter, shown to the claimant, and remitted to the medical-insurance
fund through a list beside the bank file, each month once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import marshmallow as ma
import pytest
import time_machine
from sqlalchemy import select

from miniapp_api.audit.models import AuditEvent
from miniapp_api.db import unit_of_work
from miniapp_api.records.parameters import validate_parameter_value
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer, staff_login
from tests.claims_helpers import claimant, submit
from tests.test_payment_run import DECEMBER, NOVEMBER, _bank_file, _confirm

TANGSHAN_PREMIUM = "304.00"  # demo parameter: base 3800.00 at 8 %


def test_a_premium_is_a_monthly_amount_or_a_rate_of_a_base_never_both_nor_neither() -> None:
    assert validate_parameter_value("medical_premium", {"monthly": "220"}) == {"monthly": "220.00"}
    assert validate_parameter_value("medical_premium", {"base_monthly": "3800", "percent": "8"})["percent"] == "8"
    for value in (
        {},
        {"monthly": "220", "percent": "8"},
        {"base_monthly": "3800"},
        {"percent": "50", "base_monthly": "1"},
    ):
        with pytest.raises(ma.ValidationError):
            validate_parameter_value("medical_premium", value)


def _approved(client: Any, wechat: WeChatStandIn) -> dict[str, Any]:
    with time_machine.travel(NOVEMBER, tick=True):
        tokens = claimant(client, wechat, name="李秀英", stop_date=dt.date(2026, 10, 31))
        claim = submit(client, tokens).get_json()
    assert claim["status"] == "approved", claim
    return {**claim, "tokens": tokens}


def _remittance(client: Any, tokens: dict[str, Any], run_id: int) -> Any:
    return client.get(f"/api/v1/finance/payment-runs/{run_id}/medical-remittance.csv", headers=bearer(tokens))


def test_the_claimant_sees_each_months_premium_with_the_regions_document(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    claim = _approved(client, wechat_standin)
    with time_machine.travel(NOVEMBER, tick=True):
        seen = client.get(f"/api/v1/claims/{claim['id']}", headers=bearer(claim["tokens"])).get_json()
    months = [p for p in seen["payments"] if p["kind"] == "monthly"]
    assert months and {p["medical_premium"] for p in months} == {TANGSHAN_PREMIUM}
    estimate = client.post(
        "/api/v1/benefits/estimate",
        json={
            "region": "130200",
            "birth_date": "1980-05-17",
            "sex": "male",
            "contribution_months": 60,
            "separation_date": "2026-10-31",
            "separation_reason": "economic_layoff",
            "application_date": "2026-11-16",
        },
    ).get_json()
    assert {m["medical_premium"] for m in estimate["schedule"]} == {TANGSHAN_PREMIUM}
    step = next(s for s in estimate["trace"]["steps"] if s["rule"] == "schedule.medical_premium")
    assert "304.00元" in step["reason"] and "唐山市" in step["basis"] and "社会保险法第四十八条" in step["basis"]


def test_the_remittance_list_carries_each_month_once_even_when_the_bank_returned_it(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    _approved(client, wechat_standin)
    with time_machine.travel(DECEMBER, tick=True):
        finance = staff_login(client, "finance1", "finance")
        first = client.post(
            "/api/v1/finance/payment-runs", json={"period": "2026-11", "region": "130200"}, headers=bearer(finance)
        ).get_json()
        assert (first["medical_premiums"], first["medical_premium_total"]) == (1, TANGSHAN_PREMIUM)
        listed = _remittance(client, finance, first["id"])
        assert listed.status_code == 200 and listed.headers["Cache-Control"] == "no-store"
        lines = [line.split(",") for line in listed.data.decode("utf-8-sig").splitlines()]
        assert lines[0][:5] == ["业务编号", "姓名", "公民身份号码", "所属月份", "代缴基本医疗保险费"]
        (row,) = lines[1:]
        assert (row[1], row[3], row[4]) == ("李秀英", "2026-11", TANGSHAN_PREMIUM)
        assert len(row[2]) == 18  # the full number: the medical-insurance fund credits the person by it
        assert "社会保险法第四十八条" in row[5] and "唐山市" in row[5]  # the law, and the document setting the amount
        (bank_row,) = _bank_file(client, finance, first["id"])
        _confirm(client, finance, first["id"], [f"{bank_row[0]},失败,账户冻结"])
        second = client.post(
            "/api/v1/finance/payment-runs", json={"period": "2026-12", "region": "130200"}, headers=bearer(finance)
        ).get_json()
        assert second["instructions"] == 2  # November again, and December
        assert (second["medical_premiums"], second["medical_premium_total"]) == (1, TANGSHAN_PREMIUM)
        again = _remittance(client, finance, second["id"]).data.decode("utf-8-sig").splitlines()[1:]
        assert [line.split(",")[3] for line in again] == ["2026-12"]
        elsewhere = staff_login(client, "finance_xa", "finance", region="152200")
        assert _remittance(client, elsewhere, first["id"]).status_code == 404
    with unit_of_work() as session:
        exports = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "payment.medical_remittance_exported")
        ).all()
        assert [e.detail["rows"] for e in exports] == [1, 1]
        assert Decimal(exports[0].detail["total"]) == Decimal(TANGSHAN_PREMIUM)
