"""Submitting a claim: registration and claim in one transaction, decided at once where the
records allow, once per person, retried safely."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import time_machine
from sqlalchemy import func, select, update

from miniapp_api.audit.models import AuditEvent
from miniapp_api.claims.models import BenefitPayment, Claim, ClaimEvent, UnemploymentRegistration
from miniapp_api.claims.status import derive
from miniapp_api.db import unit_of_work
from miniapp_api.records.models import StopContributionEvent
from notifications.models import Message
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer
from tests.claims_helpers import CONFIRMED, add_contribution, claimant, submit

TODAY = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing


def _count(model: Any) -> int:
    with unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@time_machine.travel(TODAY, tick=False)
def test_a_face_verified_claimant_is_registered_and_approved_at_once(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, months=70)
    answer = submit(client, tokens)
    assert answer.status_code == 201, answer.get_json()
    claim = answer.get_json()
    assert claim["status"] == "approved"
    assert claim["decision"]["decided_by"] == "auto"
    assert claim["decision"]["entitlement_months"] == 18
    assert claim["application_date"] == "2026-11-20"
    assert [p["period"] for p in claim["payments"]][:2] == ["2026-11", "2026-12"]
    assert all(p["medical_premium_paid"] and p["status"] == "scheduled" for p in claim["payments"])
    assert claim["payments"][0]["pay_by"] == "2026-12-31"  # applied after the 15th: paid by next month's end
    assert Decimal(claim["total_amount"]) == sum(Decimal(p["amount"]) for p in claim["payments"])
    assert claim["bank_account"] == "中国工商银行 **** 1383"
    assert claim["claim_no"].startswith("13020020261120")
    with unit_of_work() as session:
        registration = session.scalars(select(UnemploymentRegistration)).one()
        assert (registration.claim_id, registration.registered_on) == (claim["id"], dt.date(2026, 11, 20))
        kinds = list(session.scalars(select(ClaimEvent.kind).order_by(ClaimEvent.id)))
        assert kinds[:5] == ["submitted", "registered", "reviewed", "approved", "payment_scheduled"]
        assert kinds.count("payment_scheduled") == 18
        assert derive(kinds) == session.get(Claim, claim["id"]).status
        assert session.scalars(select(Message.kind)).all() == ["claim_approved"]
        audited = list(session.scalars(select(AuditEvent.action).where(AuditEvent.subject_kind == "claim")))
        assert [action for action in audited if not action.startswith("claim_event.")] == ["claim.submitted"]
        assert [action.removeprefix("claim_event.") for action in audited if action != "claim.submitted"] == kinds


def test_a_claim_needs_a_face_check_and_nothing_is_written_without_one(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    answer = submit(client, tokens)
    assert (answer.status_code, answer.get_json()["code"]) == (403, "FACE_VERIFICATION_REQUIRED")
    assert _count(Claim) == 0 and _count(UnemploymentRegistration) == 0


def test_a_claim_needs_the_commitment_and_an_idempotency_key(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin)
    unconfirmed = submit(client, tokens, confirmation={"accepted": False, "commitment_version": 1})
    assert (unconfirmed.status_code, unconfirmed.get_json()["code"]) == (422, "COMMITMENT_REQUIRED")
    outdated = submit(client, tokens, confirmation={"accepted": True, "commitment_version": 0})
    assert outdated.get_json()["code"] == "COMMITMENT_OUTDATED"
    keyless = client.post("/api/v1/claims", json={"confirmation": CONFIRMED}, headers=bearer(tokens))
    assert keyless.status_code == 422
    assert "Idempotency-Key" in keyless.get_json()["details"]["fields"]
    assert _count(Claim) == 0


def test_a_retry_with_the_same_key_returns_the_same_claim(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin)
    first = submit(client, tokens, key="retry-key-0001")
    again = submit(client, tokens, key="retry-key-0001")
    assert again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"]
    reused = submit(client, tokens, key="retry-key-0001", edits={"contact_address": "别的地址"})
    assert (reused.status_code, reused.get_json()["code"]) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert _count(Claim) == 1


def test_a_second_open_claim_is_refused_with_a_pointer_to_the_first(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin)
    first = submit(client, tokens).get_json()
    second = submit(client, tokens)
    body = second.get_json()
    assert (second.status_code, body["code"]) == (409, "CLAIM_ALREADY_OPEN")
    assert body["details"] == {"claim_id": first["id"], "claim_no": first["claim_no"], "status": "approved"}
    assert first["claim_no"] in body["message"]
    assert _count(Claim) == 1 and _count(UnemploymentRegistration) == 1


def test_a_claim_cannot_name_another_person_or_edit_an_internal_field(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin)
    other = submit(client, tokens, person_id=1)
    assert (other.status_code, other.get_json()["details"]["fields"]) == (422, {"person_id": ["不接受此字段"]})
    named = submit(client, tokens, id_number="130203198005170011")
    assert (named.status_code, named.get_json()["code"]) == (422, "FIELD_NOT_EDITABLE")
    edited = submit(client, tokens, edits={"contribution_months": 120})
    assert (edited.status_code, edited.get_json()["code"]) == (422, "FIELD_NOT_EDITABLE")
    assert _count(Claim) == 0


def test_another_persons_claim_is_not_found(client: Any, wechat_standin: WeChatStandIn) -> None:
    owner = claimant(client, wechat_standin)
    claim = submit(client, owner).get_json()
    stranger = claimant(client, wechat_standin)
    for path in ("", "/events", "/receipt.pdf"):
        answer = client.get(f"/api/v1/claims/{claim['id']}{path}", headers=bearer(stranger))
        assert (answer.status_code, answer.get_json()["code"]) == (404, "CLAIM_NOT_FOUND")
    rating = client.post(f"/api/v1/claims/{claim['id']}/rating", json={"score": 1}, headers=bearer(stranger))
    assert rating.status_code == 404


@time_machine.travel(TODAY, tick=False)
def test_a_voluntary_resignation_is_rejected_with_its_reason_and_legal_basis(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, reason="resigned")
    claim = submit(client, tokens).get_json()
    assert claim["status"] == "rejected"
    (refusal,) = claim["decision"]["refusals"]
    assert refusal["code"] == "VOLUNTARY_SEPARATION"
    assert "不属于非因本人意愿中断就业" in refusal["message"]
    assert "社会保险法第四十五条" in refusal["legal_basis"] and "劳动合同法第三十七条" in refusal["legal_basis"]
    assert claim["payments"] == []
    with unit_of_work() as session:
        message = session.scalars(select(Message)).one()
        assert message.kind == "claim_rejected"
        assert "5个工作日" not in message.personalisation and '"reply_days": "5"' in message.personalisation
    # Decided on these records: submitting again repeats nothing and points to the decision.
    again = submit(client, tokens)
    assert (again.status_code, again.get_json()["code"]) == (409, "CLAIM_ALREADY_DECIDED")
    assert again.get_json()["details"]["claim_id"] == claim["id"]
    # Once the record is corrected, the person may claim again and is decided afresh.
    with unit_of_work() as session:
        session.execute(update(StopContributionEvent).values(reason_code="contract_expired"))
    assert submit(client, tokens).get_json()["status"] == "approved"
    assert _count(UnemploymentRegistration) == 2


@time_machine.travel(dt.datetime(2026, 12, 28, 2, 0, tzinfo=dt.UTC), tick=False)
def test_a_rejection_in_late_december_needs_no_calendar_of_next_year(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, reason="resigned", stop_date=dt.date(2026, 12, 15))
    answer = submit(client, tokens)
    assert (answer.status_code, answer.get_json()["status"]) == (201, "rejected")


def test_a_failure_after_the_claim_is_inserted_leaves_nothing_behind(
    client: Any, wechat_standin: WeChatStandIn, monkeypatch: Any
) -> None:
    from miniapp_api.claims import decisions

    tokens = claimant(client, wechat_standin)

    def broken(*_: Any) -> None:
        raise RuntimeError("the review broke after the insert")

    monkeypatch.setattr(decisions, "decide_automatically", broken)
    assert submit(client, tokens, key="first-try-0001").status_code == 500
    assert (_count(Claim), _count(UnemploymentRegistration), _count(ClaimEvent)) == (0, 0, 0)
    monkeypatch.undo()
    assert submit(client, tokens, key="first-try-0001").get_json()["status"] == "approved"


def test_a_claim_number_beyond_any_id_is_simply_not_found(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin)
    answer = client.get("/api/v1/claims/99999999999999999999999", headers=bearer(tokens))
    assert (answer.status_code, answer.get_json()["code"]) == (404, "CLAIM_NOT_FOUND")


@time_machine.travel(TODAY, tick=False)
def test_applying_long_after_the_sixty_days_is_never_a_reason_to_refuse(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, stop_date=dt.date(2026, 3, 31))
    claim = submit(client, tokens).get_json()
    assert claim["status"] == "approved"
    assert claim["payments"][0]["period"] == "2026-11"


def test_missing_records_send_the_claim_to_a_person_never_to_a_refusal(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, reason="no_such_reason")
    claim = submit(client, tokens).get_json()
    assert claim["status"] == "manual_review"
    assert [r["code"] for r in claim["review_reasons"]] == ["SEPARATION_REASON_UNKNOWN"]
    assert claim["decision"]["refusals"] == []
    with unit_of_work() as session:
        assert session.scalars(select(Message.kind)).all() == ["claim_submitted"]


def test_overlapping_contributions_go_to_manual_review(client: Any, wechat_standin: WeChatStandIn) -> None:
    from tests import factories

    tokens = claimant(client, wechat_standin, months=24)
    with unit_of_work() as session:
        add_contribution(session, tokens["person_id"], factories.employer(session), 2025, 2025)
    claim = submit(client, tokens).get_json()
    assert claim["status"] == "manual_review"
    assert [r["code"] for r in claim["review_reasons"]] == ["OVERLAPPING_CONTRIBUTIONS"]


def test_an_other_bank_card_is_kept_encrypted_and_shown_masked(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin)
    bank = {"source": "other", "bank_name": "中国建设银行", "account_number": "6217000010001234569"}
    claim = submit(client, tokens, edits={"bank_account": bank, "phone": "13712345678"}).get_json()
    assert claim["bank_account"] == "中国建设银行 **** 4569"
    assert claim["phone"] == "137****5678"
    with unit_of_work() as session:
        from sqlalchemy import text

        raw = bytes(session.execute(text("SELECT bank_account FROM claims")).scalar_one())
        assert b"6217000010001234569" not in raw
        payments = session.scalars(select(BenefitPayment)).all()
        assert payments and {p.person_id for p in payments} == {tokens["person_id"]}
