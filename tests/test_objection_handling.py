"""Staff work on objections: who may act, maker and checker kept apart, a declined correction,
a record changed under a proposal, a rejection with its basis and the claimant's next steps,
an upheld objection to a decision, a corrected contribution record changing a schedule, and
the figures supervisors read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from miniapp_api.claims.models import BenefitPayment, Claim
from miniapp_api.db import unit_of_work
from miniapp_api.objections.models import ObjectionEvent
from miniapp_api.records.models import Person, StopContributionEvent
from notifications.models import Message
from notifications.standins.wechat_server import WeChatStandIn
from tests import factories
from tests.auth_helpers import bearer
from tests.claims_helpers import claimant, submit
from tests.objections_helpers import act, objection, staff


def _correction(client: Any, tokens: dict[str, Any], correction_id: int, verdict: str, note: str = "核实") -> Any:
    return client.post(
        f"/api/v1/staff/corrections/{correction_id}/{verdict}", json={"note": note}, headers=bearer(tokens)
    )


def _proposed(client: Any, wechat: WeChatStandIn, handler: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    tokens = claimant(client, wechat, verified=False, reason="resigned")
    filed = objection(client, tokens).get_json()
    answer = act(
        client, handler, filed["id"], "accept", answer="予以更正", correction={"reason_code": "economic_layoff"}
    )
    assert answer.status_code == 200, answer.get_json()
    return tokens, answer.get_json()


def test_whoever_proposes_a_correction_cannot_approve_it_even_holding_both_roles(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    both = staff(client, "handler.reviewer", "handler", "reviewer")
    _, proposed = _proposed(client, wechat_standin, both)
    correction = proposed["corrections"][0]["id"]
    own = _correction(client, both, correction, "approve")
    assert (own.status_code, own.get_json()["code"]) == (403, "MAKER_CHECKER")
    assert "另一名复核人员" in own.get_json()["message"]
    other = staff(client, "reviewer1", "reviewer")
    assert _correction(client, other, correction, "approve").status_code == 200
    again = _correction(client, other, correction, "approve")
    assert (again.status_code, again.get_json()["code"]) == (409, "CORRECTION_NOT_PENDING")


def test_a_declined_correction_goes_back_to_the_handler_and_changes_nothing(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    handler = staff(client, "handler1", "handler")
    reviewer = staff(client, "reviewer1", "reviewer")
    tokens, proposed = _proposed(client, wechat_standin, handler)
    declined = _correction(client, reviewer, proposed["corrections"][0]["id"], "decline", "解除协议未载明由单位提出")
    assert declined.status_code == 200, declined.get_json()
    back = client.get(f"/api/v1/staff/objections/{proposed['id']}", headers=bearer(handler)).get_json()
    assert back["status"] == "in_progress" and back["clock"]["state"] == "running"
    with unit_of_work() as session:
        stop = session.scalars(
            select(StopContributionEvent).where(StopContributionEvent.person_id == tokens["person_id"])
        ).one()
        assert stop.reason_code == "resigned"
    # The handler may now answer otherwise.
    rejected = act(
        client, handler, proposed["id"], "reject", reason_code="RECORD_VERIFIED", answer="经核对解除协议，系本人提出"
    )
    assert rejected.status_code == 200, rejected.get_json()


def test_a_record_changed_after_the_proposal_is_not_overwritten(client: Any, wechat_standin: WeChatStandIn) -> None:
    handler = staff(client, "handler1", "handler")
    reviewer = staff(client, "reviewer1", "reviewer")
    tokens, proposed = _proposed(client, wechat_standin, handler)
    with unit_of_work() as session:
        stop = session.scalars(
            select(StopContributionEvent).where(StopContributionEvent.person_id == tokens["person_id"])
        ).one()
        stop.reason_code = "contract_expired"  # the records feed changed it meanwhile
    stale = _correction(client, reviewer, proposed["corrections"][0]["id"], "approve")
    assert (stale.status_code, stale.get_json()["code"]) == (409, "RECORD_CHANGED")
    with unit_of_work() as session:
        stop = session.scalars(
            select(StopContributionEvent).where(StopContributionEvent.person_id == tokens["person_id"])
        ).one()
        assert stop.reason_code == "contract_expired"


def test_a_rejected_objection_gives_the_reason_its_basis_and_what_to_do_next(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    handler = staff(client, "handler1", "handler")
    tokens = claimant(client, wechat_standin, verified=False)
    filed = objection(client, tokens).get_json()
    unknown = act(client, handler, filed["id"], "reject", reason_code="BECAUSE", answer="不成立")
    assert unknown.status_code == 422
    unfitting = act(client, handler, filed["id"], "reject", reason_code="SUSPENSION_LAWFUL", answer="不成立")
    assert (unfitting.status_code, unfitting.get_json()["code"]) == (422, "REJECTION_REASON_NOT_FOR_CATEGORY")
    assert "RECORD_VERIFIED" in unfitting.get_json()["message"]
    answered = act(client, handler, filed["id"], "reject", reason_code="LABOUR_DISPUTE", answer="请先申请劳动仲裁")
    assert answered.status_code == 200, answered.get_json()
    seen = client.get(f"/api/v1/objections/{filed['id']}", headers=bearer(tokens)).get_json()
    assert seen["answer"]["outcome"] == "rejected"
    assert "劳动争议调解仲裁法" in seen["answer"]["legal_basis"]
    titles = [step["title"] for step in seen["next_steps"]]
    assert titles[:3] == ["申请劳动争议仲裁", "申请行政复议", "提起行政诉讼"]
    assert seen["can_rate"] is True
    with unit_of_work() as session:
        kinds = session.scalars(
            select(Message.kind).where(Message.recipient_kind == "person").order_by(Message.created_at)
        ).all()
        assert kinds == ["objection_received", "objection_answered"]
    again = act(client, handler, filed["id"], "reject", reason_code="RECORD_VERIFIED", answer="重复")
    assert (again.status_code, again.get_json()["code"]) == (409, "OBJECTION_NOT_WORKABLE")


def test_only_the_assigned_handler_acts_and_a_supervisor_may_reassign(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    first = staff(client, "handler1", "handler")
    second = staff(client, "handler2", "handler")
    boss = staff(client, "boss", "supervisor")
    tokens = claimant(client, wechat_standin, verified=False)
    filed = objection(client, tokens).get_json()
    assert act(client, first, filed["id"], "assign").status_code == 200
    taken = act(client, second, filed["id"], "request-info", request="请补充")
    assert (taken.status_code, taken.get_json()["code"]) == (403, "NOT_ASSIGNED_TO_YOU")
    grab = act(client, second, filed["id"], "assign")
    assert (grab.status_code, grab.get_json()["code"]) == (403, "NOT_ASSIGNED_TO_YOU")
    moved = act(client, boss, filed["id"], "assign", username="handler2")
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["assigned_to"]["name"] == "工作人员handler2"
    assert act(client, second, filed["id"], "request-info", request="请补充").status_code == 200
    wrong = act(client, boss, filed["id"], "assign", username="boss")
    assert (wrong.status_code, wrong.get_json()["code"]) == (422, "NOT_A_HANDLER")


def test_an_upheld_objection_to_a_decision_sends_the_claim_to_another_reviewer(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, reason="resigned")
    rejected = submit(client, tokens).get_json()
    filed = objection(
        client, tokens, category="decision", claim_id=rejected["id"], description="我是被单位逼走的"
    ).get_json()
    both = staff(client, "handler.reviewer", "handler", "reviewer")
    upheld = act(client, both, filed["id"], "accept", answer="异议成立，转人工复核")
    assert upheld.status_code == 200, upheld.get_json()
    assert upheld.get_json()["status"] == "answered"
    claim = client.get(f"/api/v1/claims/{rejected['id']}", headers=bearer(tokens)).get_json()
    assert claim["status"] == "manual_review"
    assert claim["review_reasons"][0]["code"] == "OBJECTION_UPHELD"
    own = client.post(
        f"/api/v1/staff/claims/{rejected['id']}/reject",
        json={"reason_codes": ["VOLUNTARY_SEPARATION"], "note": "维持"},
        headers=bearer(both),
    )
    assert (own.status_code, own.get_json()["code"]) == (403, "MAKER_CHECKER")
    other = staff(client, "reviewer1", "reviewer")
    decided = client.post(
        f"/api/v1/staff/claims/{rejected['id']}/reject",
        json={"reason_codes": ["VOLUNTARY_SEPARATION"], "note": "经复核维持原决定"},
        headers=bearer(other),
    )
    assert decided.status_code == 200, decided.get_json()


def test_a_missing_contribution_period_once_added_lengthens_an_approved_schedule(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    # 48 months on record (12 months of benefit); the claimant worked 2 more years elsewhere before.
    tokens = claimant(client, wechat_standin, months=48, stop_date=dt.date(2026, 10, 31))
    approved = submit(client, tokens).get_json()
    assert approved["decision"]["entitlement_months"] == 12
    with unit_of_work() as session:
        earlier_employer = factories.employer(session, name="唐山旧厂").credit_code
    filed = objection(
        client, tokens, field="contribution_months", claim_id=approved["id"], claimed_value="2020-2022年在唐山旧厂缴费"
    ).get_json()
    handler = staff(client, "handler1", "handler")
    reviewer = staff(client, "reviewer1", "reviewer")
    proposed = act(
        client,
        handler,
        filed["id"],
        "accept",
        answer="补录2020-11至2022-10缴费记录",
        correction={"employer_credit_code": earlier_employer, "start_month": "2020-11", "end_month": "2022-10"},
    )
    assert proposed.status_code == 200, proposed.get_json()
    assert _correction(client, reviewer, proposed.get_json()["corrections"][0]["id"], "approve").status_code == 200
    claim = client.get(f"/api/v1/claims/{approved['id']}", headers=bearer(tokens)).get_json()
    assert claim["status"] == "approved"
    assert claim["decision"]["entitlement_months"] == 18
    with unit_of_work() as session:
        statuses = session.scalars(select(BenefitPayment.status).where(BenefitPayment.claim_id == approved["id"])).all()
        assert sorted(statuses).count("scheduled") == 18
        events = session.scalars(select(ObjectionEvent.kind).where(ObjectionEvent.objection_id == filed["id"])).all()
        assert events[-2:] == ["correction_approved", "answered"]


def test_supervisors_see_open_due_today_overdue_and_on_time_rates(client: Any, wechat_standin: WeChatStandIn) -> None:
    handler = staff(client, "handler1", "handler")
    boss = staff(client, "boss", "supervisor")
    for name in ("甲", "乙"):
        tokens = claimant(client, wechat_standin, verified=False, name=f"王{name}")
        objection(client, tokens)
    queue = client.get("/api/v1/staff/objections", headers=bearer(boss)).get_json()
    assert len(queue) == 2 and all(item["status"] == "received" for item in queue)
    act(client, handler, queue[0]["id"], "reject", reason_code="RECORD_VERIFIED", answer="记录无误")
    report = client.get("/api/v1/staff/objections/report", headers=bearer(boss)).get_json()
    assert report["open"] == 1 and report["overdue"] == 0
    (month,) = report["on_time_by_month"]
    assert (month["category"], month["answered"], month["on_time"], month["on_time_rate"]) == ("record", 1, 1, 1.0)


def test_a_disputed_separation_date_on_an_approved_claim_amends_the_record_it_was_decided_on(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, months=70, stop_date=dt.date(2026, 10, 31))
    approved = submit(client, tokens).get_json()
    assert approved["status"] == "approved"
    filed = objection(client, tokens, field="separation_date", claim_id=approved["id"]).get_json()
    assert filed["recorded_value"] == "2026-10-31"
    handler = staff(client, "handler1", "handler")
    reviewer = staff(client, "reviewer1", "reviewer")
    proposed = act(
        client, handler, filed["id"], "accept", answer="更正失业日期", correction={"stop_date": "2026-09-30"}
    )
    assert proposed.status_code == 200, proposed.get_json()
    correction = proposed.get_json()["corrections"][0]
    with unit_of_work() as session:
        stop = session.scalars(
            select(StopContributionEvent).where(StopContributionEvent.person_id == tokens["person_id"])
        ).one()
        assert correction["target_id"] == stop.id
    assert _correction(client, reviewer, correction["id"], "approve").status_code == 200
    with unit_of_work() as session:
        stops = session.scalars(
            select(StopContributionEvent).where(StopContributionEvent.person_id == tokens["person_id"])
        ).all()
        assert [s.stop_date for s in stops] == [dt.date(2026, 9, 30)]
    claim = client.get(f"/api/v1/claims/{approved['id']}", headers=bearer(tokens)).get_json()
    assert claim["separation_date"] == "2026-09-30"


def test_upholding_a_decision_objection_on_a_claim_already_in_review_still_keeps_maker_and_checker_apart(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, reason="no_such_reason")
    pending = submit(client, tokens).get_json()
    assert pending["status"] == "manual_review"
    both = staff(client, "handler.reviewer", "handler", "reviewer")
    with unit_of_work() as session:
        # An objection on the claim's decision, filed before it went back to review.
        claim, person = session.get(Claim, pending["id"]), session.get(Person, tokens["person_id"])
        assert claim is not None and person is not None
        objection_id = factories.open_objection(session, person, claim).id
    upheld = act(client, both, objection_id, "accept", answer="成立")
    assert upheld.status_code == 200, upheld.get_json()
    own = client.post(
        f"/api/v1/staff/claims/{pending['id']}/reject",
        json={"reason_codes": ["VOLUNTARY_SEPARATION"], "note": "维持"},
        headers=bearer(both),
    )
    assert (own.status_code, own.get_json()["code"]) == (403, "MAKER_CHECKER")


def test_a_form_objection_filed_after_the_claim_corrects_the_stop_record_the_claimant_was_shown(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    from miniapp_api.records.models import StopContributionEvent
    from tests.claims_helpers import claimant, submit
    from tests.objections_helpers import act, objection, staff

    tokens = claimant(client, wechat_standin)
    assert submit(client, tokens).get_json()["status"] == "approved"
    filed = objection(
        client, tokens, field="separation_date", claimed_value="2026-10-01", description="实际10月1日就离职了"
    ).get_json()
    handler = staff(client, "date.handler", "handler", region="130200")
    act(client, handler, filed["id"], "assign")
    accepted = act(
        client, handler, filed["id"], "accept", answer="经核实予以更正", correction={"stop_date": "2026-10-01"}
    )
    assert accepted.status_code == 200, accepted.get_json()
    (correction,) = accepted.get_json()["corrections"]
    with unit_of_work() as session:
        (stop,) = session.scalars(select(StopContributionEvent).filter_by(person_id=tokens["person_id"])).all()
    assert (correction["target"], correction["target_id"]) == ("stop_event", stop.id)  # the one shown, not a new one
    assert correction["before"] == {"stop_date": "2026-10-31"}


def test_a_claim_stopped_for_a_statutory_reason_is_not_reopened_by_an_objection_to_the_earlier_decision(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    from miniapp_api.claims import timeline
    from tests.claims_helpers import claimant, submit
    from tests.objections_helpers import act, objection, staff

    tokens = claimant(client, wechat_standin)
    approved = submit(client, tokens).get_json()
    filed = objection(client, tokens, category="decision", field=None, claim_id=approved["id"],
                      description="认为领取月数算少了").get_json()  # fmt: skip
    with unit_of_work() as session:  # meanwhile a reviewer stopped payment: a pension began
        claim = session.get(Claim, approved["id"])
        assert claim is not None
        timeline.append(claim, "stopped", timeline.SYSTEM, reason="领取基本养老金", basis="社会保险法第五十一条")
    handler = staff(client, "stop.handler", "handler", region="130200")
    act(client, handler, filed["id"], "assign")
    upheld = act(client, handler, filed["id"], "accept", answer="月数计算有误")
    assert (upheld.status_code, upheld.get_json()["code"]) == (409, "CLAIM_STOPPED")
    with unit_of_work() as session:
        assert session.get(Claim, approved["id"]).status == "stopped"  # type: ignore[union-attr]
