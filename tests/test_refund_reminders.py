"""Enterprises waiting on their refund (稳岗返还) are told they may confirm as soon as they are
found eligible, reminded as many times as the region says while they have not, and, when the
window closes unconfirmed, the refund is recorded as waived and they are told — unless an
objection of theirs is still open."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from sqlalchemy import select

from miniapp_api.audit.models import AuditEvent
from miniapp_api.db import unit_of_work
from miniapp_api.refunds.models import Assessment
from miniapp_api.refunds.reminders import sweep
from notifications.standins.sms_server import SmsStandIn
from tests.auth_helpers import bearer, employer_login, staff_login
from tests.refunds_helpers import POLICY_YEAR, enterprise_with_contact

SCREENING_DAY = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # Monday 2 March 2026, 10:00 in China
DAY_ONE = dt.date(2026, 3, 2)


def _screen(client: Any) -> None:
    tokens = staff_login(client, "screener", "reviewer", region="371500")
    answer = client.post("/api/v1/staff/refunds/screenings", json={"policy_year": POLICY_YEAR}, headers=bearer(tokens))
    assert answer.status_code == 201, answer.get_json()


# The refund's messages as either SMS provider registered them (Alibaba's codes, Tencent's ids).
_REFUND_TEMPLATES = {f"SMS_REFUND_{name}_V1" for name in ("ELIGIBLE", "DETAILS_MISSING", "WAIVED", "PAID", "RETURNED")}
_REFUND_TEMPLATES |= {str(number) for number in range(2100030, 2100035)}


def _texts(sms: SmsStandIn, phone: str) -> list[str]:
    """The refund messages a phone received, their values as text."""
    return [str(r["params"]) for r in sms.accepted if phone in r["phone"] and r["template"] in _REFUND_TEMPLATES]


def _refund(firm: dict[str, Any]) -> Assessment:
    with unit_of_work() as session:
        found = session.scalar(select(Assessment).where(Assessment.employer_id == firm["id"]))
        assert found is not None
        session.expunge(found)
        return found


def test_eligible_enterprises_are_told_at_screening_with_the_amount_or_what_is_missing(
    client: Any, sms_standin: SmsStandIn
) -> None:
    with time_machine.travel(SCREENING_DAY, tick=True):
        ready = enterprise_with_contact(name="聊城市甲机械有限公司")
        unaccounted = enterprise_with_contact(name="聊城市乙纺织有限公司", account=False)
        refused = enterprise_with_contact(name="聊城市丙食品有限公司", months=6)
        _screen(client)  # the screening's commit starts the sweep: no waiting for the hour
    (told,) = _texts(sms_standin, ready["phone"])
    assert "7200.00" in told and "2026-04-01" in told  # 30 days from 2 March (the demo window)
    (missing,) = _texts(sms_standin, unaccounted["phone"])
    assert "未登记银行对公账户" in missing and "2026-04-01" in missing
    assert not _texts(sms_standin, refused["phone"])
    assert (_refund(ready).confirm_by, _refund(ready).reminders_sent) == (dt.date(2026, 4, 1), 0)
    with time_machine.travel(SCREENING_DAY, tick=True):
        assert (sweep(DAY_ONE).told, sweep(DAY_ONE).reminded) == (0, 0)  # a rerun the same day does nothing


def test_three_reminders_over_the_window_then_the_unconfirmed_refund_is_waived(
    client: Any, sms_standin: SmsStandIn
) -> None:
    with time_machine.travel(SCREENING_DAY, tick=True):
        firm = enterprise_with_contact(account=False)
        _screen(client)
    reminded = [sweep(DAY_ONE + dt.timedelta(days=day)).reminded for day in range(1, 31)]
    assert sum(reminded) == 3 and [day for day, n in enumerate(reminded, 1) if n] == [7, 14, 21]
    assert _refund(firm).status == "eligible"  # the last day, 1 April, is still within the window
    with time_machine.travel(dt.datetime(2026, 4, 2, 2, 0, tzinfo=dt.UTC), tick=True):
        assert sweep().waived == 1
        tokens = employer_login(client, sms_standin, firm["credit_code"], firm["phone"])
        late = client.post(f"/api/v1/employer/refunds/{_refund(firm).id}/confirm", headers=bearer(tokens))
    assert (late.status_code, late.get_json()["code"]) == (409, "REFUND_NOT_CONFIRMABLE")
    assert _refund(firm).status == "waived" and _refund(firm).waived_at is not None
    texts = _texts(sms_standin, firm["phone"])
    assert len(texts) == 5 and "视为放弃" in texts[-1]  # told, 3 reminders, the waiver
    with unit_of_work() as session:
        assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "refund.waived")) is not None


def test_a_confirmation_after_the_window_is_refused_even_before_the_sweep_records_the_waiver(
    client: Any, sms_standin: SmsStandIn
) -> None:
    with time_machine.travel(SCREENING_DAY, tick=True):
        firm = enterprise_with_contact()
        _screen(client)
    with time_machine.travel(dt.datetime(2026, 4, 2, 2, 0, tzinfo=dt.UTC), tick=True):
        tokens = employer_login(client, sms_standin, firm["credit_code"], firm["phone"])
        late = client.post(f"/api/v1/employer/refunds/{_refund(firm).id}/confirm", headers=bearer(tokens))
    assert (late.status_code, late.get_json()["code"]) == (409, "REFUND_WINDOW_CLOSED")
    assert "2026-04-01" in late.get_json()["message"]


def test_an_open_objection_keeps_the_refund_from_being_waived_until_it_is_answered(
    client: Any, sms_standin: SmsStandIn
) -> None:
    with time_machine.travel(SCREENING_DAY, tick=True):
        firm = enterprise_with_contact(size_class=None)
        _screen(client)
        tokens = employer_login(client, sms_standin, firm["credit_code"], firm["phone"])
        filed = client.post(
            f"/api/v1/employer/refunds/{_refund(firm).id}/objections",
            json={"condition": "SIZE_CLASS", "description": "本单位为小型企业，划型证明已报送市场监管部门"},
            headers=bearer(tokens),
        )
        assert filed.status_code == 201, filed.get_json()
    assert sweep(dt.date(2026, 4, 2)).waived == 0
    assert _refund(firm).status == "eligible"


def test_an_objection_waiting_on_the_enterprises_answer_does_not_hold_its_window_open(
    client: Any, sms_standin: SmsStandIn
) -> None:
    from tests.objections_helpers import act, staff

    with time_machine.travel(SCREENING_DAY, tick=True):
        firm = enterprise_with_contact(size_class=None)
        _screen(client)
        tokens = employer_login(client, sms_standin, firm["credit_code"], firm["phone"])
        filed = client.post(
            f"/api/v1/employer/refunds/{_refund(firm).id}/objections",
            json={"condition": "SIZE_CLASS", "description": "本单位为小型企业，划型证明已报送市场监管部门"},
            headers=bearer(tokens),
        ).get_json()
        handler = staff(client, "asker", "handler", region="371500")
        hidden = act(client, handler, filed["id"], "request-info", request="请提供划型证明\u202e编号")
        assert hidden.status_code == 422  # an invisible character that would reverse what follows
        asked = act(client, handler, filed["id"], "request-info", request="请提供市场监管部门的划型证明编号")
        assert asked.status_code == 200, asked.get_json()
    assert sweep(dt.date(2026, 4, 2)).waived == 1  # the enterprise never answered


def test_an_objection_filed_after_the_window_closed_does_not_keep_the_refund_from_being_waived(
    client: Any, sms_standin: SmsStandIn
) -> None:
    with time_machine.travel(SCREENING_DAY, tick=True):
        firm = enterprise_with_contact(account=False)
        _screen(client)
    with time_machine.travel(dt.datetime(2026, 4, 2, 1, 0, tzinfo=dt.UTC), tick=True):  # the day after the window
        tokens = employer_login(client, sms_standin, firm["credit_code"], firm["phone"])
        late = client.post(
            f"/api/v1/employer/refunds/{_refund(firm).id}/objections",
            json={"condition": "LAYOFF_RATE", "description": "裁员率的计算仍有误，请重新核对"},
            headers=bearer(tokens),
        )
        assert late.status_code == 201  # it is still answered, even upheld
        from tests.objections_helpers import act, staff

        handler = staff(client, "late.handler", "handler", region="371500")
        assert act(client, handler, late.get_json()["id"], "accept", answer="裁员率更正").status_code == 200
        assert sweep().waived == 1  # but no objection reopens a missed deadline


def test_a_sweep_over_more_refunds_waiting_for_a_re_screen_than_a_batch_ends(client: Any, app: Any) -> None:
    with time_machine.travel(SCREENING_DAY, tick=True):
        firms = [enterprise_with_contact(name=f"聊城市待比对{n}有限公司") for n in range(3)]
        _screen(client)
    with unit_of_work() as session:  # three reopened by upheld objections, waiting for the agency
        for refund in session.scalars(select(Assessment).where(Assessment.employer_id.in_([f["id"] for f in firms]))):
            refund.blockers, refund.told_at, refund.next_step_on = "RESCREEN_DUE", None, None
    result = sweep(DAY_ONE, batch=2)  # a batch smaller than the waiting ones: it must still finish
    assert (result.told, result.reminded, result.waived) == (0, 0, 0)
    assert all(_refund(firm).next_step_on == DAY_ONE + dt.timedelta(days=1) for firm in firms)
