"""稳岗返还 online: an enterprise sees its result, confirms its own account and applies; a dispatch
agency applies for its user employers; agency staff of the region screen, review and decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from miniapp_api.audit.models import AuditEvent
from miniapp_api.db import unit_of_work
from miniapp_api.refunds.models import Assessment, CorporateAccount, DispatchRelation
from notifications.standins.sms_server import SmsStandIn
from tests.auth_helpers import bearer, employer_login, staff_credentials, staff_login
from tests.objections_helpers import relogin
from tests.refunds_helpers import POLICY_YEAR, demo_regions, enterprise_with_contact

SCREEN = {"policy_year": POLICY_YEAR}


_firm = enterprise_with_contact


def _screened(client: Any, region: str = "371500") -> None:
    staff = staff_login(client, f"screener{region}", "reviewer", region=region)
    answer = client.post("/api/v1/staff/refunds/screenings", json=SCREEN, headers=bearer(staff))
    assert answer.status_code == 201, answer.get_json()


def _login(client: Any, sms: SmsStandIn, firm: dict[str, Any]) -> dict[str, Any]:
    return employer_login(client, sms, firm["credit_code"], firm["phone"])


def _only_refund(client: Any, tokens: dict[str, Any]) -> dict[str, Any]:
    listed = client.get("/api/v1/employer/refunds", headers=bearer(tokens)).get_json()
    assert len(listed) == 1
    return listed[0]  # type: ignore[no-any-return]


def _applied(client: Any, sms: SmsStandIn) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """An eligible enterprise, screened, whose contact has confirmed (applied for) its refund."""
    firm = _firm()
    _screened(client)
    tokens = _login(client, sms, firm)
    refund = _only_refund(client, tokens)
    confirmed = client.post(f"/api/v1/employer/refunds/{refund['id']}/confirm", headers=bearer(tokens))
    assert confirmed.get_json()["status"] == "applied"
    return firm, tokens, refund


def _account(name: str) -> dict[str, str]:
    return {"bank_name": "中国工商银行聊城分行", "account_name": name, "account_number": "1611000109000067890"}


def test_an_enterprise_sees_each_condition_with_its_values_and_basis_and_the_amount(
    client: Any, sms_standin: SmsStandIn
) -> None:
    firm = _firm()
    _screened(client)
    refund = _only_refund(client, _login(client, sms_standin, firm))
    assert (refund["status"], refund["eligible"], refund["amount"], refund["share"]) == (
        "eligible",
        True,
        "7200.00",
        "60%",
    )
    by_code = {condition["code"]: condition for condition in refund["conditions"]}
    assert by_code["MONTHS_PAID"]["met"] and by_code["MONTHS_PAID"]["values"]["months_paid_in_full"] == 24
    assert by_code["LAYOFF_RATE"]["values"]["layoff_rate"] == "0%"
    assert "人社部发〔2024〕40号" in by_code["MONTHS_PAID"]["basis"]
    assert refund["account"]["account_number"] == "**** 2345"  # masked


def test_another_enterprises_refund_is_not_found(client: Any, sms_standin: SmsStandIn) -> None:
    mine, theirs = _firm(), _firm(name="聊城市另一家有限公司")
    _screened(client)
    tokens = _login(client, sms_standin, mine)
    with unit_of_work() as session:
        other = session.scalar(select(Assessment.id).where(Assessment.employer_id == theirs["id"]))
    for answer in (
        client.get(f"/api/v1/employer/refunds/{other}", headers=bearer(tokens)),
        client.post(f"/api/v1/employer/refunds/{other}/confirm", headers=bearer(tokens)),
        client.put(f"/api/v1/employer/refunds/{other}/account", json=_account(theirs["name"]), headers=bearer(tokens)),
    ):
        assert (answer.status_code, answer.get_json()["code"]) == (404, "REFUND_NOT_FOUND")


def test_the_account_must_be_in_the_enterprises_own_name_and_confirming_it_is_the_application(
    client: Any, sms_standin: SmsStandIn
) -> None:
    firm = _firm(account=False)
    _screened(client)
    tokens = _login(client, sms_standin, firm)
    refund = _only_refund(client, tokens)
    assert [blocker["code"] for blocker in refund["blockers"]] == ["ACCOUNT_MISSING"]
    early = client.post(f"/api/v1/employer/refunds/{refund['id']}/confirm", headers=bearer(tokens))
    assert (early.status_code, early.get_json()["code"]) == (409, "REFUND_INCOMPLETE")
    wrong = client.put(
        f"/api/v1/employer/refunds/{refund['id']}/account", json=_account("张三"), headers=bearer(tokens)
    )
    assert (wrong.status_code, wrong.get_json()["code"]) == (422, "ACCOUNT_NAME_MISMATCH")
    assert firm["name"] in wrong.get_json()["message"]
    saved = client.put(
        f"/api/v1/employer/refunds/{refund['id']}/account", json=_account(firm["name"]), headers=bearer(tokens)
    )
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["account"]["account_number"] == "**** 7890"
    with unit_of_work() as session:
        stored = session.get(CorporateAccount, firm["id"])
        assert stored is not None
        assert stored.account_number == "1611000109000067890"  # decrypted on read, ciphertext at rest
    applied = client.post(f"/api/v1/employer/refunds/{refund['id']}/confirm", headers=bearer(tokens))
    assert (applied.status_code, applied.get_json()["status"]) == (200, "applied")
    again = client.post(f"/api/v1/employer/refunds/{refund['id']}/confirm", headers=bearer(tokens))
    assert (again.status_code, again.get_json()["applied_at"]) == (200, applied.get_json()["applied_at"])
    locked = client.put(
        f"/api/v1/employer/refunds/{refund['id']}/account", json=_account(firm["name"]), headers=bearer(tokens)
    )
    assert (locked.status_code, locked.get_json()["code"]) == (409, "REFUND_ACCOUNT_LOCKED")
    with unit_of_work() as session:
        actions = session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_kind == "refund_assessment", AuditEvent.subject_id == str(refund["id"]))
            .order_by(AuditEvent.id)
        ).all()
    assert actions == ["refund.account_set", "refund.applied"]


def test_an_enterprise_whose_size_is_not_on_record_is_told_and_cannot_apply(
    client: Any, sms_standin: SmsStandIn
) -> None:
    firm = _firm(size_class=None)
    _screened(client)
    tokens = _login(client, sms_standin, firm)
    refund = _only_refund(client, tokens)
    assert (refund["amount"], [b["code"] for b in refund["blockers"]]) == (None, ["SIZE_MISSING"])
    refused = client.post(f"/api/v1/employer/refunds/{refund['id']}/confirm", headers=bearer(tokens))
    assert (refused.status_code, refused.get_json()["details"]["blockers"]) == (409, ["SIZE_MISSING"])


def test_a_dispatch_agency_applies_for_its_user_employers_but_not_for_a_public_body(
    client: Any, sms_standin: SmsStandIn
) -> None:
    agency = _firm(name="聊城市人力资源服务有限公司")
    user = _firm(name="聊城市用工单位有限公司")
    bureau = _firm(name="聊城市某局", public_body=True)
    with unit_of_work() as session:
        for employer_id in (user["id"], bureau["id"]):
            session.add(
                DispatchRelation(agency_id=agency["id"], user_employer_id=employer_id, from_month=dt.date(2024, 1, 1))
            )
    _screened(client)
    tokens = _login(client, sms_standin, agency)
    listed = client.get("/api/v1/employer/refunds", headers=bearer(tokens)).get_json()
    assert sorted(refund["enterprise"]["name"] for refund in listed) == sorted([agency["name"], user["name"]])
    for_user = next(refund for refund in listed if refund["enterprise"]["name"] == user["name"])
    applied = client.post(f"/api/v1/employer/refunds/{for_user['id']}/confirm", headers=bearer(tokens))
    assert applied.get_json()["status"] == "applied"
    with unit_of_work() as session:
        found = session.get(Assessment, for_user["id"])
        assert found is not None
        assert found.applied_for_by == agency["id"]


def test_staff_of_the_region_review_the_queue_and_decide_with_a_coded_reason(
    client: Any, sms_standin: SmsStandIn
) -> None:
    good, doubtful = _firm(), _firm(name="聊城市存疑有限公司")
    _screened(client)
    for firm in (good, doubtful):
        tokens = _login(client, sms_standin, firm)
        refund = _only_refund(client, tokens)
        assert (
            client.post(f"/api/v1/employer/refunds/{refund['id']}/confirm", headers=bearer(tokens)).status_code == 200
        )
    staff = staff_login(client, "refund_reviewer", "reviewer", region="371500")
    queue = client.get(f"/api/v1/staff/refunds?policy_year={POLICY_YEAR}", headers=bearer(staff)).get_json()
    assert [item["enterprise"]["name"] for item in queue["items"]] == [good["name"], doubtful["name"]]
    first, second = (item["id"] for item in queue["items"])
    approved = client.post(
        f"/api/v1/staff/refunds/{first}/decision", json={"decision": "approve"}, headers=bearer(staff)
    )
    assert approved.get_json()["status"] == "approved"
    uncoded = client.post(
        f"/api/v1/staff/refunds/{second}/decision", json={"decision": "reject"}, headers=bearer(staff)
    )
    assert (uncoded.status_code, uncoded.get_json()["code"]) == (422, "REASON_CODE_REQUIRED")
    rejected = client.post(
        f"/api/v1/staff/refunds/{second}/decision",
        json={"decision": "reject", "reason_code": "CREDIT_CHECK", "note": "征信核查发现失信记录"},
        headers=bearer(staff),
    )
    assert (rejected.get_json()["status"], rejected.get_json()["rejection_code"]) == ("rejected", "CREDIT_CHECK")
    twice = client.post(f"/api/v1/staff/refunds/{first}/decision", json={"decision": "approve"}, headers=bearer(staff))
    assert (twice.status_code, twice.get_json()["code"]) == (409, "REFUND_NOT_UNDER_REVIEW")


def test_staff_of_another_region_and_the_finance_role_cannot_touch_a_regions_refunds(
    client: Any, sms_standin: SmsStandIn
) -> None:
    firm = _firm()
    _screened(client)
    with unit_of_work() as session:
        refund_id = session.scalar(select(Assessment.id).where(Assessment.employer_id == firm["id"]))
    elsewhere = staff_login(client, "tangshan_reviewer", "reviewer", region="130200")
    finance = staff_login(client, "liaocheng_finance", "finance", region="371500")
    assert client.get(f"/api/v1/staff/refunds/{refund_id}", headers=bearer(elsewhere)).status_code == 404
    decided = client.post(
        f"/api/v1/staff/refunds/{refund_id}/decision", json={"decision": "approve"}, headers=bearer(elsewhere)
    )
    assert decided.status_code == 404
    screened = client.post(
        "/api/v1/staff/refunds/screenings", json={**SCREEN, "region": "371500"}, headers=bearer(elsewhere)
    )
    assert (screened.status_code, screened.get_json()["code"]) == (403, "OTHER_REGION")
    queue = client.get(f"/api/v1/staff/refunds?policy_year={POLICY_YEAR}", headers=bearer(elsewhere)).get_json()
    assert queue["items"] == []  # their own region's queue: empty
    as_finance = client.post(
        f"/api/v1/staff/refunds/{refund_id}/decision", json={"decision": "approve"}, headers=bearer(finance)
    )
    assert (as_finance.status_code, as_finance.get_json()["code"]) == (403, "ROLE_REQUIRED")


def test_a_region_without_its_refund_parameters_is_told_which_is_missing(client: Any) -> None:
    from miniapp_api.records.models import RegionParameter

    with unit_of_work() as session:
        demo_regions(session)
        session.query(RegionParameter).filter(
            RegionParameter.region_code.in_(["371500", "*"]), RegionParameter.kind == "refund_fund_reserve"
        ).delete(synchronize_session=False)
    staff = staff_login(client, "screener", "reviewer", region="371500")
    answer = client.post("/api/v1/staff/refunds/screenings", json=SCREEN, headers=bearer(staff))
    assert (answer.status_code, answer.get_json()["code"]) == (422, "PARAMETER_MISSING")
    assert "稳岗返还基金备付条件" in answer.get_json()["message"]


def test_the_account_of_an_applied_refund_cannot_be_changed_through_another_years_refund(
    client: Any, sms_standin: SmsStandIn
) -> None:
    firm = _firm()
    _screened(client)
    tokens = _login(client, sms_standin, firm)
    applied = _only_refund(client, tokens)
    assert client.post(f"/api/v1/employer/refunds/{applied['id']}/confirm", headers=bearer(tokens)).status_code == 200
    with unit_of_work() as session:  # the same enterprise's refund of the year before, still open
        this_year = session.get(Assessment, applied["id"])
        assert this_year is not None
        last_year = Assessment(
            **{
                column.key: getattr(this_year, column.key)
                for column in Assessment.__table__.columns
                if column.key != "id"
            }
        )
        last_year.policy_year, last_year.status, last_year.applied_at = POLICY_YEAR - 1, "eligible", None
        session.add(last_year)
        session.flush()
        other_id = last_year.id
    moved = client.put(
        f"/api/v1/employer/refunds/{other_id}/account", json=_account(firm["name"]), headers=bearer(tokens)
    )
    assert (moved.status_code, moved.get_json()["code"]) == (409, "REFUND_ACCOUNT_LOCKED")
    with unit_of_work() as session:
        stored = session.get(CorporateAccount, firm["id"])
        assert stored is not None and stored.account_number == "1611000109000012345"  # unchanged


def test_a_held_enterprise_does_not_read_who_objected_and_staff_read_it_masked(
    client: Any, sms_standin: SmsStandIn
) -> None:
    firm, tokens, refund = _applied(client, sms_standin)
    reviewer = staff_login(client, "holder", "reviewer", region="371500")
    decided = client.post(
        f"/api/v1/staff/refunds/{refund['id']}/decision", json={"decision": "approve"}, headers=bearer(reviewer)
    )
    assert decided.status_code == 200, decided.get_json()
    published = client.post("/api/v1/staff/refunds/notices", json=SCREEN, headers=bearer(reviewer))
    assert published.status_code == 201, published.get_json()
    held = client.post(
        f"/api/v1/staff/refunds/{refund['id']}/hold",
        json={"reason": "群众来电举报，联系人13800138000"},
        headers=bearer(reviewer),
    )
    assert held.status_code == 200, held.get_json()
    assert "13800138000" not in held.get_json()["hold_reason"] and "来电举报" in held.get_json()["hold_reason"]
    seen = client.get(f"/api/v1/employer/refunds/{refund['id']}", headers=bearer(tokens)).get_json()
    assert seen["status"] == "held" and seen["hold_reason"] is None
    early = client.post(
        "/api/v1/finance/refund-batches",
        json=SCREEN,
        headers=bearer(staff_login(client, "fin", "finance", region="371500")),
    )
    assert early.status_code == 409 and "公示中" not in early.get_json()["message"]  # held: not on notice now
    lifted = client.post(
        f"/api/v1/staff/refunds/{refund['id']}/decision", json={"decision": "approve"}, headers=bearer(reviewer)
    )
    assert lifted.get_json()["status"] == "in_notice"  # looked into, unfounded: back on its notice
    waiting = client.post("/api/v1/finance/refund-batches", json=SCREEN, headers=bearer(relogin(client, "fin")))
    assert "公示中1家，公示期至" in waiting.get_json()["message"]  # finance is told when it can pay
    client.post(f"/api/v1/staff/refunds/{refund['id']}/hold", json={"reason": "再次收到举报"}, headers=bearer(reviewer))
    listed = f"/refund-notices/{published.get_json()['id']}.csv"
    assert firm["name"] in client.get(listed).get_data(as_text=True)
    rejected = client.post(
        f"/api/v1/staff/refunds/{refund['id']}/decision",
        json={"decision": "reject", "reason_code": "CREDIT_CHECK", "note": "核实属实"},
        headers=bearer(reviewer),
    )
    assert rejected.get_json()["status"] == "rejected"
    assert firm["name"] not in client.get(listed).get_data(as_text=True)  # off the public list
    told = [r for r in sms_standin.accepted if firm["phone"] in r["phone"]]
    held_text = [str(r["params"]) for r in told if r["template"] in ("SMS_REFUND_HELD_V1", "2100041")][:1]
    lifted_text = [r for r in told if r["template"] in ("SMS_REFUND_HOLD_LIFTED_V1", "2100043")]
    assert len(lifted_text) == 1
    rejected_text = [str(r["params"]) for r in told if r["template"] in ("SMS_REFUND_REJECTED_V1", "2100040")]
    assert len(held_text) == 1 and "13800138000" not in held_text[0] and "138" not in held_text[0]
    assert len(rejected_text) == 1 and "征信核查未通过" in rejected_text[0]


def test_no_staff_account_both_decides_and_pays(app: Any) -> None:
    import pytest

    from auth.staff import create_staff
    from miniapp_api.errors import ValidationFailed

    password = "a-long-enough-password"
    for roles in (("reviewer", "finance"), ("admin", "finance"), ("supervisor", "finance"), ("handler", "finance")):
        with pytest.raises(ValidationFailed, match="不能与") as refused, unit_of_work():
            create_staff("two.hats", "两个岗位", password, roles, region_code="371500", operator="t")
        assert refused.value.code == "ROLES_NOT_SEPARATED"
    with unit_of_work():  # an auditor reads both sides and decides nothing
        create_staff("reads.books", "审计财务", password, ("auditor", "finance"), region_code=None, operator="t")


def test_bad_input_to_the_refund_api_is_refused_in_words(client: Any, sms_standin: SmsStandIn) -> None:
    firm = _firm()
    _screened(client)
    tokens = _login(client, sms_standin, firm)
    refund = _only_refund(client, tokens)
    huge = client.post(
        f"/api/v1/employer/refunds/{refund['id']}/objections/99999999999999999999/supplement",
        json={"text": "补充"},
        headers=bearer(tokens),
    )
    assert (huge.status_code, huge.get_json()["code"]) == (404, "OBJECTION_NOT_FOUND")
    reviewer = staff_login(client, "strict.reviewer", "reviewer", region="371500")
    for year in ("2026", 2026.5):
        loose = client.post("/api/v1/staff/refunds/screenings", json={"policy_year": year}, headers=bearer(reviewer))
        assert loose.status_code == 422, loose.get_json()


def test_who_approved_a_refund_does_not_pay_it_even_after_a_move_to_finance(
    client: Any, sms_standin: SmsStandIn
) -> None:
    from auth.models import StaffUser

    _firm_applied, _tokens, refund = _applied(client, sms_standin)
    mover = staff_login(client, "mover", "reviewer", region="371500")
    approved = client.post(
        f"/api/v1/staff/refunds/{refund['id']}/decision", json={"decision": "approve"}, headers=bearer(mover)
    )
    assert approved.status_code == 200
    with unit_of_work() as session:  # the notice over, and the reviewer moved to finance
        found = session.get(Assessment, refund["id"])
        assert found is not None
        found.status = "payable"
        session.query(StaffUser).filter_by(username="mover").update({"roles": ["finance"]})
    moved = client.post("/api/v1/auth/staff/login", json=staff_credentials("mover"))
    batch = client.post("/api/v1/finance/refund-batches", json=SCREEN, headers=bearer(moved.get_json()))
    assert (batch.status_code, batch.get_json()["code"]) == (403, "DECIDED_BY_YOU")
    other = staff_login(client, "other.finance", "finance", region="371500")
    assert client.post("/api/v1/finance/refund-batches", json=SCREEN, headers=bearer(other)).status_code == 201


def test_free_text_with_a_soft_hyphen_or_a_line_break_is_refused_with_what_is_wrong(
    client: Any, sms_standin: SmsStandIn
) -> None:
    _firm_applied, _tokens, refund = _applied(client, sms_standin)
    reviewer = staff_login(client, "hyphen.reviewer", "reviewer", region="371500")
    decision = f"/api/v1/staff/refunds/{refund['id']}/decision"
    hidden = client.post(
        decision, json={"decision": "approve", "note": "举报人电话138\u00ad0013\u00ad8000"}, headers=bearer(reviewer)
    )
    assert hidden.status_code == 422 and "不可见" in str(hidden.get_json())
    broken = client.post(decision, json={"decision": "approve", "note": "第一行\n第二行"}, headers=bearer(reviewer))
    assert broken.status_code == 422 and "不要换行" in str(broken.get_json())
