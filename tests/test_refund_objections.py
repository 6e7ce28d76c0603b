"""An enterprise objects to its refund's result through the objection channel: numbered, with
a reply date in working days, in the region's staff queue beside claimants' objections, asked
for more and answered with a coded reason — the enterprise told at each step."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from miniapp_api.alerts.models import StaffAlert
from miniapp_api.db import unit_of_work
from miniapp_api.objections.models import ObjectionDeadline
from miniapp_api.refunds.models import Assessment
from notifications.models import Message
from notifications.standins.sms_server import SmsStandIn
from tests.auth_helpers import bearer, employer_login, staff_login
from tests.objections_helpers import act, staff
from tests.refunds_helpers import POLICY_YEAR, enterprise_with_contact


def _screened(client: Any, who: str = "screener") -> None:
    tokens = staff_login(client, who, "reviewer", region="371500")
    answer = client.post("/api/v1/staff/refunds/screenings", json={"policy_year": POLICY_YEAR}, headers=bearer(tokens))
    assert answer.status_code == 201, answer.get_json()


def _refused_for_months(client: Any, sms: SmsStandIn) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    firm = enterprise_with_contact(months=8)  # 8 months on the ledger: MONTHS_PAID not met
    _screened(client)
    tokens = employer_login(client, sms, firm["credit_code"], firm["phone"])
    (refund,) = client.get("/api/v1/employer/refunds", headers=bearer(tokens)).get_json()
    assert refund["status"] == "ineligible"
    return firm, tokens, refund


def _applied(client: Any, sms: SmsStandIn) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """An eligible enterprise, screened, whose contact has confirmed (applied for) its refund."""
    firm = enterprise_with_contact()
    _screened(client)
    tokens = employer_login(client, sms, firm["credit_code"], firm["phone"])
    (refund,) = client.get("/api/v1/employer/refunds", headers=bearer(tokens)).get_json()
    confirmed = client.post(f"/api/v1/employer/refunds/{refund['id']}/confirm", headers=bearer(tokens))
    assert confirmed.get_json()["status"] == "applied"
    return firm, tokens, refund


def _object(client: Any, tokens: dict[str, Any], refund_id: int, **body: Any) -> Any:
    body = {"condition": "MONTHS_PAID", "description": "本单位自2023年起足额缴费，台账漏记了前期月份", **body}
    return client.post(f"/api/v1/employer/refunds/{refund_id}/objections", json=body, headers=bearer(tokens))


def test_an_enterprise_objects_to_a_condition_and_gets_a_reply_date_in_working_days(
    client: Any, sms_standin: SmsStandIn
) -> None:
    firm, tokens, refund = _refused_for_months(client, sms_standin)
    filed = _object(client, tokens, refund["id"], claimed_value="已足额缴费24个月")
    assert filed.status_code == 201, filed.get_json()
    body = filed.get_json()
    assert body["objection_no"].startswith("YY371500")
    assert (body["condition"], body["status"]) == ("MONTHS_PAID", "received")
    with unit_of_work() as session:
        clock = session.get(ObjectionDeadline, body["id"])
        assert clock is not None and clock.category == "refund" and clock.due_on is not None
        assert body["due_on"] == clock.due_on.isoformat()
        # The message names the enterprise and the reply date.
        kinds = session.scalars(select(Message.kind).where(Message.recipient_kind == "employer_contact")).all()
    assert "employer_objection_received" in kinds
    (text,) = [r for r in sms_standin.accepted if firm["phone"] in r["phone"] and body["objection_no"] in r["params"]]
    assert firm["name"] in text["params"] and body["due_on"] in text["params"]
    again = _object(client, tokens, refund["id"])
    assert (again.status_code, again.get_json()["code"]) == (409, "OBJECTION_ALREADY_OPEN")
    unknown = _object(client, tokens, refund["id"], condition="WEATHER")
    assert unknown.status_code == 422
    shown = client.get(f"/api/v1/employer/refunds/{refund['id']}", headers=bearer(tokens)).get_json()
    assert [(o["objection_no"], o["condition_label"]) for o in shown["objections"]] == [
        (body["objection_no"], "足额缴纳失业保险费月数")
    ]


def test_staff_of_the_region_ask_for_more_and_answer_the_enterprise_with_a_coded_reason(
    client: Any, sms_standin: SmsStandIn
) -> None:
    firm, tokens, refund = _refused_for_months(client, sms_standin)
    filed = _object(client, tokens, refund["id"]).get_json()
    handler = staff(client, "refund-handler", "handler", region="371500")
    queue = client.get("/api/v1/staff/objections?category=refund", headers=bearer(handler)).get_json()
    assert [(item["objection_no"], item["claimant"]) for item in queue] == [(filed["objection_no"], firm["name"])]
    seen = client.get(f"/api/v1/staff/objections/{filed['id']}", headers=bearer(handler)).get_json()
    assert seen["claimant"]["name"] == firm["name"] and seen["recorded_value"]["months_paid_in_full"] == 8
    asked = act(client, handler, filed["id"], "request-info", request="请上传2023年1月至8月的缴费凭证编号")
    assert asked.status_code == 200, asked.get_json()
    waiting = client.get(f"/api/v1/employer/refunds/{refund['id']}", headers=bearer(tokens)).get_json()["objections"]
    assert waiting[0]["status"] == "awaiting_claimant" and "缴费凭证" in waiting[0]["info_request"]
    supplied = client.post(
        f"/api/v1/employer/refunds/{refund['id']}/objections/{filed['id']}/supplement",
        json={"text": "凭证编号 PZ2023-001 至 PZ2023-008"},
        headers=bearer(tokens),
    )
    assert (supplied.status_code, supplied.get_json()["status"]) == (200, "in_progress")
    wrong = act(client, handler, filed["id"], "reject", reason_code="DECISION_LAWFUL", answer="核实")
    assert wrong.get_json()["code"] == "REJECTION_REASON_NOT_FOR_CATEGORY"
    answered = act(
        client, handler, filed["id"], "reject", reason_code="REFUND_RECORDS_VERIFIED", answer="所列凭证为2024年缴费"
    )
    assert answered.status_code == 200, answered.get_json()
    final = client.get(f"/api/v1/employer/refunds/{refund['id']}", headers=bearer(tokens)).get_json()["objections"][0]
    assert final["outcome"] == "rejected" and "比对结果无误" in final["answer"]
    assert "人社部发〔2024〕40号" in final["legal_basis"]  # the conditions the screening applied
    assert "申请行政复议" in [step["title"] for step in final["next_steps"]]
    kinds = [r["params"] for r in sms_standin.accepted if firm["phone"] in r["phone"]]
    assert any("需要补充材料" in str(p) or "缴费凭证" in str(p) for p in kinds)
    assert any("已办结" in str(p) or "异议不成立" in str(p) for p in kinds)


def test_another_enterprise_and_staff_of_another_region_cannot_reach_the_objection(
    client: Any, sms_standin: SmsStandIn
) -> None:
    _firm, tokens, refund = _refused_for_months(client, sms_standin)
    filed = _object(client, tokens, refund["id"]).get_json()
    other = enterprise_with_contact(name="聊城市另一家有限公司")
    other_tokens = employer_login(client, sms_standin, other["credit_code"], other["phone"])
    assert _object(client, other_tokens, refund["id"]).status_code == 404
    supplement = client.post(
        f"/api/v1/employer/refunds/{refund['id']}/objections/{filed['id']}/supplement",
        json={"text": "冒充"},
        headers=bearer(other_tokens),
    )
    assert supplement.status_code == 404
    elsewhere = staff(client, "handler-elsewhere", "handler", region="130200")
    assert client.get(f"/api/v1/staff/objections/{filed['id']}", headers=bearer(elsewhere)).status_code == 404
    assert client.get("/api/v1/staff/objections?category=refund", headers=bearer(elsewhere)).get_json() == []
    with unit_of_work() as session:
        assert session.scalar(select(Assessment.status).where(Assessment.id == refund["id"])) == "ineligible"


def test_a_handler_answers_an_enterprises_objection_in_the_console(
    app: Any, client: Any, sms_standin: SmsStandIn
) -> None:
    from tests.auth_helpers import staff_account
    from tests.test_console_access import _token, console_client

    firm, tokens, refund = _refused_for_months(client, sms_standin)
    filed = _object(client, tokens, refund["id"]).get_json()
    staff_account("console-handler", "handler", region="371500")
    console = console_client(app, "console-handler")
    listed = console.get("/console/objections?category=refund").data.decode()
    assert filed["objection_no"] in listed and firm["name"] in listed
    on_refund = console.get(f"/console/refunds/{refund['id']}").data.decode()
    assert filed["objection_no"] in on_refund and "有1条异议尚未答复" in on_refund
    page = console.get(f"/console/objections/{filed['id']}").data.decode()
    assert "提出单位" in page and firm["name"] in page and "足额缴纳失业保险费月数" in page
    assert "比对结果无误" in page  # the refund's own rejection reason is offered, a claimant's are not
    assert "原审核决定事实清楚" not in page
    assert "请单位补充" in page and "足额缴费月数：8" in page  # its own words, the figures as judged
    answered = console.post(
        f"/console/objections/{filed['id']}/reject",
        data={
            "csrf_token": _token(page.encode()),
            "confirmed": "1",
            "reason_code": "REFUND_RECORDS_VERIFIED",
            "answer": "台账所列月份与税务部门征收记录一致",
        },
        follow_redirects=True,
    )
    assert answered.status_code == 200 and "已答复：异议不成立" in answered.data.decode()
    final = client.get(f"/api/v1/employer/refunds/{refund['id']}", headers=bearer(tokens)).get_json()["objections"][0]
    assert final["outcome"] == "rejected" and "税务部门征收记录" in final["answer"]


def test_an_upheld_objection_takes_an_unpaid_refund_back_to_be_compared_and_confirmed_again(
    client: Any, sms_standin: SmsStandIn
) -> None:
    _firm, tokens, refund = _applied(client, sms_standin)
    filed = _object(client, tokens, refund["id"], condition="AMOUNT", description="上年度12月的缴费未计入").get_json()
    handler = staff(client, "upholder", "handler", region="371500")
    accepted = act(client, handler, filed["id"], "accept", answer="经核实12月缴费漏记，更正后重新比对")
    assert accepted.status_code == 200, accepted.get_json()
    again = client.get(f"/api/v1/employer/refunds/{refund['id']}", headers=bearer(tokens)).get_json()
    assert (again["status"], again["applied_at"], again["confirm_by"]) == ("eligible", None, None)
    assert [b["code"] for b in again["blockers"]] == ["RESCREEN_DUE"]
    assert again["objections"][0]["outcome"] == "accepted"
    with unit_of_work() as session:  # whoever imports the records is told to correct and re-screen
        alert = session.scalar(select(StaffAlert).where(StaffAlert.kind == "refund_rescreen_due"))
        assert alert is not None and alert.resolved_at is None and filed["objection_no"] in alert.message
    stale = client.post(f"/api/v1/employer/refunds/{refund['id']}/confirm", headers=bearer(tokens))
    assert (stale.status_code, stale.get_json()["code"]) == (409, "REFUND_INCOMPLETE")  # not on the old figures
    _screened(client, "rescreener")  # on the corrected records: told at once, with a new window
    with unit_of_work() as session:
        told = session.get(Assessment, refund["id"])
        assert told is not None and told.told_at is not None and told.confirm_by is not None
        assert told.blockers == ""
        assert session.scalar(select(StaffAlert.resolved_at).where(StaffAlert.kind == "refund_rescreen_due"))
    assert client.post(f"/api/v1/employer/refunds/{refund['id']}/confirm", headers=bearer(tokens)).status_code == 200


def test_an_upheld_objection_does_not_undo_a_reviewers_rejection_nor_a_waiver(
    client: Any, sms_standin: SmsStandIn
) -> None:
    _firm, tokens, refund = _applied(client, sms_standin)
    reviewer = staff_login(client, "credit.reviewer", "reviewer", region="371500")
    client.post(
        f"/api/v1/staff/refunds/{refund['id']}/decision",
        json={"decision": "reject", "reason_code": "CREDIT_CHECK"},
        headers=bearer(reviewer),
    )
    filed = _object(client, tokens, refund["id"], condition="AMOUNT", description="返还金额少算了一分钱").get_json()
    handler = staff(client, "fair.handler", "handler", region="371500")
    assert act(client, handler, filed["id"], "accept", answer="金额更正").status_code == 200
    with unit_of_work() as session:
        kept = session.get(Assessment, refund["id"])
        assert kept is not None and (kept.status, kept.rejection_code) == ("rejected", "CREDIT_CHECK")
        assert "RESCREEN_DUE" not in kept.blockers
        kept.status = "waived"  # and had it been waived instead
    second = _object(client, tokens, refund["id"], condition="MONTHS_PAID", description="月数应为25个月").get_json()
    assert act(client, handler, second["id"], "accept", answer="月数更正").status_code == 200
    with unit_of_work() as session:
        assert session.scalar(select(Assessment.status).where(Assessment.id == refund["id"])) == "waived"


def test_a_reviewer_answers_the_objection_before_approving_and_a_held_refund_reopened_keeps_its_hold(
    client: Any, sms_standin: SmsStandIn
) -> None:
    _firm, tokens, refund = _applied(client, sms_standin)
    filed = _object(client, tokens, refund["id"], condition="AMOUNT", description="12月缴费未计入金额").get_json()
    reviewer = staff_login(client, "careful.reviewer", "reviewer", region="371500")
    decision = f"/api/v1/staff/refunds/{refund['id']}/decision"
    early = client.post(decision, json={"decision": "approve"}, headers=bearer(reviewer))
    assert (early.status_code, early.get_json()["code"]) == (409, "OBJECTION_OPEN")
    handler = staff(client, "first.handler", "handler", region="371500")
    act(client, handler, filed["id"], "reject", reason_code="REFUND_RECORDS_VERIFIED", answer="12月已计入")
    assert client.post(decision, json={"decision": "approve"}, headers=bearer(reviewer)).status_code == 200
    assert client.post("/api/v1/staff/refunds/notices", json={"policy_year": POLICY_YEAR}, headers=bearer(reviewer))
    held = client.post(
        f"/api/v1/staff/refunds/{refund['id']}/hold",
        json={"reason": "实名举报：上年裁员未申报"},
        headers=bearer(reviewer),
    )
    assert held.get_json()["status"] == "held"
    second = _object(client, tokens, refund["id"], condition="MONTHS_PAID", description="足额缴费月数少计").get_json()
    assert act(client, handler, second["id"], "accept", answer="月数更正后重新比对").status_code == 200
    with unit_of_work() as session:
        reopened = session.get(Assessment, refund["id"])
        assert reopened is not None and (reopened.status, reopened.notice_id) == ("eligible", None)
        assert reopened.hold_reason == "实名举报：上年裁员未申报"  # the reviewer sees it again at the next review


def test_an_objection_upheld_after_payment_alerts_staff_to_settle_the_difference(
    client: Any, sms_standin: SmsStandIn
) -> None:
    firm = enterprise_with_contact()
    _screened(client)
    tokens = employer_login(client, sms_standin, firm["credit_code"], firm["phone"])
    (refund,) = client.get("/api/v1/employer/refunds", headers=bearer(tokens)).get_json()
    with unit_of_work() as session:  # paid already
        paid = session.get(Assessment, refund["id"])
        assert paid is not None
        paid.status = "paid"
    filed = _object(client, tokens, refund["id"], condition="AMOUNT", description="返还金额少算了12月").get_json()
    handler = staff(client, "diff.handler", "handler", region="371500")
    answered = act(client, handler, filed["id"], "accept", answer="少算属实，差额另行拨付")
    assert answered.status_code == 200
    with unit_of_work() as session:
        alert = session.scalar(select(StaffAlert).where(StaffAlert.kind == "refund_difference"))
        assert alert is not None and filed["objection_no"] in alert.message and "已拨付" in alert.message
        assert session.scalar(select(Assessment.status).where(Assessment.id == refund["id"])) == "paid"
