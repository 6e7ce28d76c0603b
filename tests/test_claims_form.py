"""The electronic claim form: filled from the records, confirmed by the claimant, drafts kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from sqlalchemy import select, text, update

from miniapp_api.claims.models import Claim, ClaimDraft
from miniapp_api.db import unit_of_work
from miniapp_api.records.models import StopContributionEvent
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer
from tests.claims_helpers import claimant, submit

TODAY = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


@time_machine.travel(TODAY, tick=False)
def test_the_form_is_filled_from_the_records_and_only_contact_fields_are_editable(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, verified=False, months=70)
    form = client.get("/api/v1/claims/prefill", headers=bearer(tokens)).get_json()
    fields = form["fields"]
    assert fields["separation_reason"]["value"] == "economic_layoff"
    assert fields["separation_reason"]["source"] == "stop_contribution_record"
    assert "劳动合同法第四十一条" in fields["separation_reason"]["text"]
    assert fields["separation_date"]["value"] == "2026-10-31"
    assert fields["contribution_months"] == {
        **fields["contribution_months"],
        "value": 70,
        "source": "contribution_records",
        "editable": False,
    }
    assert fields["entitlement_months"]["value"] == 18
    assert fields["entitlement_months"]["source"] == "rules"
    assert len(fields["monthly_amounts"]["value"]) == 18
    assert fields["medical_premium"]["text"].startswith("领取期间的基本医疗保险费由失业保险基金代缴")
    assert {name for name, field in fields.items() if field["editable"]} == {"phone", "contact_address", "bank_account"}
    assert fields["separation_reason"]["dispute"] == {"field": "separation_reason", "path": "/api/v1/objections"}
    assert fields["entitlement_months"]["dispute"] is None
    assert fields["ss_card_bank_account"]["value"].endswith("**** 1383")
    assert "*" in fields["id_number"]["value"]
    assert form["outlook"] == {"decision": "approve", "refusals": [], "review_reasons": []}
    assert form["field_order"][:3] == ["name", "sex", "birth_date"] and set(form["field_order"]) == set(fields)
    assert form["commitment"]["version"] == 1
    assert "无需每月到经办机构签到" in form["commitment"]["text"]


def test_the_form_needs_a_bound_identity(client: Any, wechat_standin: WeChatStandIn) -> None:
    from tests.auth_helpers import wechat_login

    tokens = wechat_login(client, wechat_standin)
    answer = client.get("/api/v1/claims/prefill", headers=bearer(tokens))
    assert (answer.status_code, answer.get_json()["code"]) == (403, "IDENTITY_NOT_BOUND")


def test_without_a_stop_contribution_record_the_form_says_a_person_will_review(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    with unit_of_work() as session:
        session.execute(StopContributionEvent.__table__.delete())
    form = client.get("/api/v1/claims/prefill", headers=bearer(tokens)).get_json()
    assert form["outlook"]["decision"] == "manual_review"
    assert [r["code"] for r in form["outlook"]["review_reasons"]] == ["NO_STOP_RECORD"]
    assert form["fields"]["separation_date"]["text"] == "暂无停保记录"


@time_machine.travel(TODAY, tick=False)
def test_a_draft_keeps_the_claimants_edits_and_says_which_internal_fields_changed(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin)  # face-verified: only then may it name another account
    edits = {
        "phone": "13712345678",
        "contact_address": "唐山市路北区建设路1号",
        "bank_account": {"source": "other", "bank_name": "中国建设银行", "account_number": "6217000010001234569"},
    }
    saved = client.put("/api/v1/claims/draft", json=edits, headers=bearer(tokens))
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["draft"]["changed_internal_fields"] == []
    with unit_of_work() as session:
        session.execute(update(StopContributionEvent).values(reason_code="contract_expired"))
        stored = session.scalars(select(ClaimDraft)).one()
        # The records' values are kept only as keyed hashes, never as a second copy.
        assert "economic_layoff" not in str(stored.internal_fingerprints)
        assert len(stored.internal_fingerprints["separation_reason"]) == 64
    resumed = client.get("/api/v1/claims/draft", headers=bearer(tokens)).get_json()
    assert resumed["fields"]["phone"]["value"] == "137****5678"
    assert resumed["fields"]["phone"]["source"] == "claimant"
    assert resumed["fields"]["contact_address"]["value"] == "唐山市路北区建设路1号"
    assert resumed["fields"]["bank_account"]["value"] == {
        "source": "other",
        "bank_name": "中国建设银行",
        "account": "**** 4569",
    }
    assert resumed["fields"]["separation_reason"]["value"] == "contract_expired"
    assert "separation_reason" in resumed["draft"]["changed_internal_fields"]


def test_the_draft_is_stored_encrypted(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    client.put("/api/v1/claims/draft", json={"contact_address": "路北区建设路1号"}, headers=bearer(tokens))
    with unit_of_work() as session:
        raw = bytes(session.execute(text("SELECT edits FROM claim_drafts")).scalar_one())
    assert "建设路".encode() not in raw


def test_an_internal_field_cannot_be_edited_on_the_form(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    answer = client.put(
        "/api/v1/claims/draft",
        json={"separation_reason": "contract_expired", "phone": "13712345678"},
        headers=bearer(tokens),
    )
    body = answer.get_json()
    assert (answer.status_code, body["code"]) == (422, "FIELD_NOT_EDITABLE")
    assert "失业原因来自内部记录" in body["message"] and "异议" in body["message"]
    assert client.get("/api/v1/claims/draft", headers=bearer(tokens)).status_code == 404


def test_a_bank_card_number_must_pass_its_check_digit(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    bank = {"source": "other", "bank_name": "中国建设银行", "account_number": "6217000010001234563"}
    answer = client.put("/api/v1/claims/draft", json={"bank_account": bank}, headers=bearer(tokens))
    body = answer.get_json()
    assert answer.status_code == 422
    assert body["details"]["fields"]["bank_account.account_number"] == ["银行卡号校验位不正确，请核对后重新输入"]
    missing = client.put("/api/v1/claims/draft", json={"bank_account": {"source": "other"}}, headers=bearer(tokens))
    assert missing.status_code == 422
    assert set(missing.get_json()["details"]["fields"]) == {"bank_account.bank_name", "bank_account.account_number"}


def test_an_expired_draft_is_refused_and_a_claim_from_it_writes_nothing(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin)
    client.put("/api/v1/claims/draft", json={"contact_address": "路北区"}, headers=bearer(tokens))
    with unit_of_work() as session:
        session.execute(update(ClaimDraft).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    answer = client.get("/api/v1/claims/draft", headers=bearer(tokens))
    body = answer.get_json()
    assert (answer.status_code, body["code"]) == (410, "DRAFT_EXPIRED")
    assert "草稿已超过保存期限" in body["message"]
    submitted = submit(client, tokens, use_draft=True)
    assert (submitted.status_code, submitted.get_json()["code"]) == (410, "DRAFT_EXPIRED")
    with unit_of_work() as session:
        assert session.scalars(select(Claim)).all() == []


def test_expired_drafts_are_deleted_by_the_hourly_sweep(client: Any, wechat_standin: WeChatStandIn) -> None:
    from miniapp_api.celery_app import task

    tokens = claimant(client, wechat_standin)
    client.put("/api/v1/claims/draft", json={"contact_address": "路北区"}, headers=bearer(tokens))
    task("claims.purge_expired_drafts").apply()
    with unit_of_work() as session:
        assert len(session.scalars(select(ClaimDraft)).all()) == 1
        session.execute(update(ClaimDraft).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    task("claims.purge_expired_drafts").apply()
    with unit_of_work() as session:
        assert session.scalars(select(ClaimDraft)).all() == []


@time_machine.travel(TODAY, tick=False)
def test_a_saved_draft_is_what_is_submitted_unless_the_claimant_says_otherwise(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    """Once, submitting without the undocumented use_draft paid the card and deleted the draft."""
    tokens = claimant(client, wechat_standin)
    other = {"source": "other", "bank_name": "中国建设银行", "account_number": "6217000010001234569"}
    assert client.put("/api/v1/claims/draft", json={"bank_account": other}, headers=bearer(tokens)).status_code == 200
    form = client.get("/api/v1/claims/prefill", headers=bearer(tokens)).get_json()
    assert form["fields"]["bank_account"]["value"]["bank_name"] == "中国建设银行"  # the form says who is paid
    assert form["fields"]["bank_account"]["value"]["account"] == "**** 4569"
    claim = submit(client, tokens).get_json()
    assert claim["bank_account"] == "中国建设银行 **** 4569"


@time_machine.travel(TODAY, tick=False)
def test_after_a_decision_the_form_shows_the_facts_the_decision_used(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    """Once, after approval, the form said 累计缴费 0个月 and 暂无停保记录."""
    tokens = claimant(client, wechat_standin, months=60, stop_date=dt.date(2026, 10, 31))
    before = client.get("/api/v1/claims/prefill", headers=bearer(tokens)).get_json()["fields"]
    assert submit(client, tokens).get_json()["status"] == "approved"
    after = client.get("/api/v1/claims/prefill", headers=bearer(tokens)).get_json()["fields"]
    for field in ("contribution_months", "separation_date", "separation_reason"):
        assert after[field]["value"] == before[field]["value"], field
    assert after["contribution_months"]["value"] == 60
