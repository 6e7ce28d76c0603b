"""Staff review: the queue, a reviewer's approval or rejection, each decision audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from miniapp_api.audit.models import AuditEvent
from miniapp_api.db import unit_of_work
from notifications.models import Message
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer, staff_credentials, staff_login
from tests.claims_helpers import claimant, submit


def _pending_claim(client: Any, wechat: WeChatStandIn, **records: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    tokens = claimant(client, wechat, reason="no_such_reason", **records)
    claim = submit(client, tokens).get_json()
    assert claim["status"] == "manual_review"
    return tokens, claim


def test_the_queue_lists_claims_waiting_for_a_person_oldest_first(client: Any, wechat_standin: WeChatStandIn) -> None:
    _, first = _pending_claim(client, wechat_standin)
    _, second = _pending_claim(client, wechat_standin)
    reviewer = staff_login(client, "reviewer1", "reviewer")
    queue = client.get("/api/v1/staff/claims", headers=bearer(reviewer)).get_json()
    assert [item["id"] for item in queue] == [first["id"], second["id"]]
    assert queue[0]["review_reasons"][0]["code"] == "SEPARATION_REASON_UNKNOWN"
    assert "*" in queue[0]["claimant"]
    handler = staff_login(client, "handler1", "handler")
    refused = client.get("/api/v1/staff/claims", headers=bearer(handler))
    assert (refused.status_code, refused.get_json()["code"]) == (403, "ROLE_REQUIRED")


def _overlapping(client: Any, wechat: WeChatStandIn, **records: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A claim sent to a person because two employers paid for the same months."""
    from tests import factories
    from tests.claims_helpers import add_contribution

    tokens = claimant(client, wechat, **records)
    with unit_of_work() as session:
        add_contribution(session, tokens["person_id"], factories.employer(session), 2024, 2024)
    claim = submit(client, tokens).get_json()
    assert [r["code"] for r in claim["review_reasons"]] == ["OVERLAPPING_CONTRIBUTIONS"]
    return tokens, claim


def test_a_reviewer_approves_on_the_records_and_the_rules_set_the_amounts(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens, claim = _overlapping(client, wechat_standin, months=130)
    reviewer = staff_login(client, "reviewer1", "reviewer")
    answer = client.post(
        f"/api/v1/staff/claims/{claim['id']}/approve",
        json={"note": "重叠月份为同一集团两公司，核实无误"},
        headers=bearer(reviewer),
    )
    assert answer.status_code == 200, answer.get_json()
    decided = answer.get_json()
    assert decided["status"] == "approved"
    assert decided["decision"]["decided_by"] == "staff"
    assert decided["decision"]["entitlement_months"] == 24
    seen = client.get(f"/api/v1/claims/{claim['id']}", headers=bearer(tokens)).get_json()
    assert seen["status"] == "approved" and len(seen["payments"]) == 24
    again = client.post(f"/api/v1/staff/claims/{claim['id']}/approve", json={"note": "重复"}, headers=bearer(reviewer))
    assert (again.status_code, again.get_json()["code"]) == (409, "CLAIM_NOT_PENDING")
    with unit_of_work() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "claim.approved")).one()
        assert event.actor_kind == "staff" and event.detail["note"] == "重叠月份为同一集团两公司，核实无误"
        kinds = session.scalars(select(Message.kind).order_by(Message.created_at)).all()
        assert kinds == ["claim_submitted", "claim_approved"]


def test_a_reviewer_cannot_change_the_facts_while_approving(client: Any, wechat_standin: WeChatStandIn) -> None:
    _, claim = _pending_claim(client, wechat_standin)
    reviewer = staff_login(client, "reviewer1", "reviewer")
    rewritten = client.post(
        f"/api/v1/staff/claims/{claim['id']}/approve",
        json={"note": "核实为合同期满", "separation_reason": "contract_expired"},
        headers=bearer(reviewer),
    )
    assert rewritten.status_code == 422
    assert rewritten.get_json()["details"]["fields"] == {"separation_reason": ["不接受此字段"]}
    incomplete = client.post(
        f"/api/v1/staff/claims/{claim['id']}/approve", json={"note": "核实"}, headers=bearer(reviewer)
    )
    assert (incomplete.status_code, incomplete.get_json()["code"]) == (422, "RECORDS_INCOMPLETE")


def test_an_approval_the_law_does_not_allow_is_refused(client: Any, wechat_standin: WeChatStandIn) -> None:
    _, claim = _overlapping(client, wechat_standin, reason="resigned")
    reviewer = staff_login(client, "reviewer1", "reviewer")
    answer = client.post(f"/api/v1/staff/claims/{claim['id']}/approve", json={"note": "核实"}, headers=bearer(reviewer))
    body = answer.get_json()
    assert (answer.status_code, body["code"]) == (422, "NOT_ELIGIBLE")
    assert body["details"]["refusals"][0]["code"] == "VOLUNTARY_SEPARATION"


def test_a_reviewer_rejects_with_coded_reasons_and_their_legal_basis(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens, claim = _pending_claim(client, wechat_standin)
    reviewer = staff_login(client, "reviewer1", "reviewer")
    unknown = client.post(
        f"/api/v1/staff/claims/{claim['id']}/reject",
        json={"reason_codes": ["LATE_APPLICATION"], "note": "超过60日"},
        headers=bearer(reviewer),
    )
    assert (unknown.status_code, unknown.get_json()["code"]) == (422, "UNKNOWN_REJECTION_REASON")
    answer = client.post(
        f"/api/v1/staff/claims/{claim['id']}/reject",
        json={"reason_codes": ["REEMPLOYED"], "note": "已在新单位参保"},
        headers=bearer(reviewer),
    )
    assert answer.status_code == 200, answer.get_json()
    seen = client.get(f"/api/v1/claims/{claim['id']}", headers=bearer(tokens)).get_json()
    assert seen["status"] == "rejected"
    assert seen["decision"]["refusals"] == [
        {
            "code": "REEMPLOYED",
            "message": "失业后已重新就业（有单位为本人缴纳社会保险）",
            "legal_basis": "社会保险法第五十一条第（一）项",
        }
    ]
    with unit_of_work() as session:
        audited = select(AuditEvent.action).where(AuditEvent.subject_kind == "claim").order_by(AuditEvent.id)
        actions = list(session.scalars(audited))
        assert [action for action in actions if not action.startswith("claim_event.")] == [
            "claim.submitted",
            "claim.rejected",
        ]
        assert actions[-2:] == ["claim_event.rejected", "claim.rejected"]


def test_only_a_reviewer_decides(client: Any, wechat_standin: WeChatStandIn) -> None:
    _, claim = _pending_claim(client, wechat_standin)
    auditor = staff_login(client, "auditor1", "auditor")
    assert client.get(f"/api/v1/staff/claims/{claim['id']}", headers=bearer(auditor)).status_code == 200
    answer = client.post(
        f"/api/v1/staff/claims/{claim['id']}/reject",
        json={"reason_codes": ["REEMPLOYED"], "note": "x"},
        headers=bearer(auditor),
    )
    assert (answer.status_code, answer.get_json()["code"]) == (403, "ROLE_REQUIRED")


def test_a_regions_reviewer_sees_and_decides_only_that_regions_claims(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    from auth.staff import create_staff
    from tests.auth_helpers import STAFF_PASSWORD

    _, claim = _pending_claim(client, wechat_standin)  # a Tangshan (130200) claim
    with unit_of_work():
        create_staff("xam.reviewer", "兴安盟审核员", STAFF_PASSWORD, ["reviewer"], region_code="152200", operator="t")
    login = client.post("/api/v1/auth/staff/login", json=staff_credentials("xam.reviewer"))
    elsewhere = bearer(login.get_json())
    assert client.get("/api/v1/staff/claims", headers=elsewhere).get_json() == []
    assert client.get(f"/api/v1/staff/claims/{claim['id']}", headers=elsewhere).status_code == 404
    refused = client.post(
        f"/api/v1/staff/claims/{claim['id']}/reject",
        json={"reason_codes": ["REEMPLOYED"], "note": "x"},
        headers=elsewhere,
    )
    assert (refused.status_code, refused.get_json()["code"]) == (404, "CLAIM_NOT_FOUND")
