"""After the decision: the timeline, the receipt, the lump sum and the service rating."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select, text

from miniapp_api.claims.models import BenefitPayment
from miniapp_api.db import unit_of_work
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer, staff_login
from tests.claims_helpers import claimant, submit
from tests.conftest import is_postgres

TODAY = dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.UTC)


def test_the_timeline_lists_every_step_and_the_status_follows_from_it(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, months=30)
    claim = submit(client, tokens).get_json()
    timeline = client.get(f"/api/v1/claims/{claim['id']}/events", headers=bearer(tokens)).get_json()
    labels = [event["label"] for event in timeline["events"]]
    assert labels[:4] == ["提交申领", "办理失业登记", "自动审核", "核准"]
    assert labels.count("生成发放计划") == 12
    assert timeline["status"] == "approved" and timeline["status_label"] == "已核准，按月发放"
    assert timeline["events"][0]["actor"] == "claimant" and timeline["events"][3]["actor"] == "system"


def test_the_timeline_cannot_be_edited_in_the_database(
    client: Any, wechat_standin: WeChatStandIn, database_url: str
) -> None:
    if not is_postgres(database_url):
        pytest.skip("the append-only trigger is PostgreSQL's")
    tokens = claimant(client, wechat_standin)
    submit(client, tokens)
    with pytest.raises(Exception, match="append-only"), unit_of_work() as session:
        session.execute(text("UPDATE claim_events SET kind = 'approved'"))


@time_machine.travel(TODAY, tick=False)
def test_the_receipt_is_a_chinese_pdf_with_its_font_embedded(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin, months=70, name="张伟")
    claim = submit(client, tokens).get_json()
    answer = client.get(f"/api/v1/claims/{claim['id']}/receipt.pdf", headers=bearer(tokens))
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.data))
    page_text = "".join(page.extract_text() for page in reader.pages)
    for expected in ("失业保险金申领回执", claim["claim_no"], "张伟", "核准：按月发放失业保险金", "18个月", "2026-11"):
        assert expected in page_text
    assert "0315-12333" in page_text  # the agency's phone
    fonts = [font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()]
    chinese = [font for font in fonts if "WenQuanYiMicroHei" in str(font["/BaseFont"])]
    assert chinese, "the Chinese font is used"
    assert all("/FontFile2" in font["/FontDescriptor"].get_object() for font in chinese), "and embedded"


@time_machine.travel(TODAY, tick=False)
def test_a_rejection_receipt_gives_the_reasons(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin, reason="resigned")
    claim = submit(client, tokens).get_json()
    pdf = client.get(f"/api/v1/claims/{claim['id']}/receipt.pdf", headers=bearer(tokens)).data
    page_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "不予核准的原因" in page_text and "劳动合同法第三十七条" in page_text
    assert "发放计划" not in page_text and "社会保险法第四十六条" not in page_text  # nothing of an approval


@time_machine.travel(TODAY, tick=False)
def test_where_the_region_allows_it_a_business_founder_takes_the_rest_at_once(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, months=30, region_code="152200", stop_date=dt.date(2026, 10, 31))
    claim = submit(client, tokens).get_json()
    assert claim["lump_sum"]["available"] is True
    assert claim["lump_sum"]["remaining_months"] == 12
    expected = sum(Decimal(p["amount"]) for p in claim["payments"])
    assert Decimal(claim["lump_sum"]["remaining_amount"]) == expected
    bad = client.post(
        f"/api/v1/claims/{claim['id']}/lump-sum",
        json={"business_credit_code": "91152200MA0000000X"},
        headers=bearer(tokens),
    )
    assert bad.status_code == 422
    from miniapp_api.identifiers import make_credit_code

    code = make_credit_code("152201", "MA0TEA001")
    answer = client.post(
        f"/api/v1/claims/{claim['id']}/lump-sum", json={"business_credit_code": code}, headers=bearer(tokens)
    )
    assert answer.status_code == 200, answer.get_json()
    settled = answer.get_json()
    assert settled["status"] == "settled"
    (lump,) = [p for p in settled["payments"] if p["kind"] == "lump_sum"]
    assert Decimal(lump["amount"]) == expected
    assert lump["medical_premium_paid"] is False
    assert {p["status"] for p in settled["payments"] if p["kind"] == "monthly"} == {"cancelled"}
    again = client.post(
        f"/api/v1/claims/{claim['id']}/lump-sum", json={"business_credit_code": code}, headers=bearer(tokens)
    )
    assert (again.status_code, again.get_json()["code"]) == (409, "CLAIM_NOT_PAYING")
    with unit_of_work() as session:
        total = sum(p.amount for p in session.scalars(select(BenefitPayment)) if p.status != "cancelled")
        assert total == expected


@time_machine.travel(TODAY, tick=False)
def test_a_region_without_the_option_offers_no_lump_sum(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin)
    claim = submit(client, tokens).get_json()
    assert claim["lump_sum"] is None
    from miniapp_api.identifiers import make_credit_code

    answer = client.post(
        f"/api/v1/claims/{claim['id']}/lump-sum",
        json={"business_credit_code": make_credit_code("130203", "MA0TEA001")},
        headers=bearer(tokens),
    )
    assert (answer.status_code, answer.get_json()["code"]) == (422, "LUMP_SUM_NOT_OFFERED")


def test_a_decided_claim_is_rated_once_and_staff_see_the_ratings(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin)
    claim = submit(client, tokens).get_json()
    out_of_range = client.post(f"/api/v1/claims/{claim['id']}/rating", json={"score": 6}, headers=bearer(tokens))
    assert out_of_range.status_code == 422
    rated = client.post(
        f"/api/v1/claims/{claim['id']}/rating",
        json={"score": 5, "comment": "全程手机办理，很方便"},
        headers=bearer(tokens),
    )
    assert rated.status_code == 201, rated.get_json()
    twice = client.post(f"/api/v1/claims/{claim['id']}/rating", json={"score": 1}, headers=bearer(tokens))
    assert (twice.status_code, twice.get_json()["code"]) == (409, "ALREADY_RATED")
    assert client.get(f"/api/v1/claims/{claim['id']}", headers=bearer(tokens)).get_json()["rating"]["score"] == 5
    staff = staff_login(client, "handler1", "handler")
    summary = client.get("/api/v1/staff/ratings", headers=bearer(staff)).get_json()
    assert summary["count"] == 1 and summary["average"] == 5.0
    assert summary["by_score"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}
    assert summary["recent"][0]["comment"] == "全程手机办理，很方便"


def test_a_claim_waiting_for_review_cannot_be_rated_yet(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin, reason="no_such_reason")
    claim = submit(client, tokens).get_json()
    answer = client.post(f"/api/v1/claims/{claim['id']}/rating", json={"score": 3}, headers=bearer(tokens))
    assert (answer.status_code, answer.get_json()["code"]) == (409, "NOT_YET_DECIDED")
