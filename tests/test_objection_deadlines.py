"""Reply clocks in working days on the official calendar: Spring Festival 2026 (02-15 … 02-23 off,
Saturdays 02-14 and 02-28 worked), a pause while the claimant is asked for more, the sweep's
reminder one working day ahead and escalation when overdue, and a year the calendar does not
know, which is never guessed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from sqlalchemy import select

from miniapp_api.audit.models import AuditEvent
from miniapp_api.db import unit_of_work
from miniapp_api.objections import sweeps
from miniapp_api.objections.models import ObjectionDeadline
from notifications.models import Message
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer
from tests.calendar_helpers import approve_made_up_2027
from tests.claims_helpers import claimant
from tests.cli_helpers import run_cli
from tests.objections_helpers import act, objection, relogin, staff, staff_id


def _at(day: str, hour: int = 10) -> dt.datetime:
    """`hour` o'clock in China on `day`."""
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00")


def _staff_messages() -> list[tuple[str, int | None]]:
    with unit_of_work() as session:
        rows = session.execute(
            select(Message.kind, Message.recipient_id)
            .where(Message.recipient_kind == "staff")
            .order_by(Message.created_at)
        ).all()
        return [(kind, recipient) for kind, recipient in rows]


def _file(client: Any, wechat: WeChatStandIn) -> tuple[dict[str, Any], dict[str, Any]]:
    tokens = claimant(client, wechat, verified=False, stop_date=dt.date(2026, 1, 31))
    filed = objection(client, tokens)
    assert filed.status_code == 201, filed.get_json()
    return tokens, filed.get_json()


def test_an_objection_filed_before_spring_festival_is_due_after_it_counting_the_adjusted_saturday(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    with time_machine.travel(_at("2026-02-12"), tick=False):
        _, filed = _file(client, wechat_standin)
    # 02-13 (Fri), 02-14 (Sat, worked), then the holiday, 02-24, 02-25, 02-26.
    assert filed["clock"]["due_on"] == "2026-02-26"
    assert filed["clock"]["rule"] == "5个工作日"
    assert "民法典第二百零一条" in filed["clock"]["basis"]
    with unit_of_work() as session:
        clock = session.get(ObjectionDeadline, filed["id"])
        assert clock is not None and clock.remind_on == dt.date(2026, 2, 25)


def test_the_clock_stops_while_the_claimant_is_asked_for_more_and_runs_on_after_the_holiday(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    with time_machine.travel(_at("2026-02-09"), tick=True):
        tokens, filed = _file(client, wechat_standin)
        assert filed["clock"]["due_on"] == "2026-02-14"  # 02-10, 11, 12, 13, 14 (the worked Saturday)
    with time_machine.travel(_at("2026-02-11"), tick=True):
        handler = staff(client, "handler1", "handler")
        tokens = _fresh_login(client, wechat_standin, tokens)
        asked = act(client, handler, filed["id"], "request-info", request="请上传解除劳动合同协议")
        assert asked.status_code == 200, asked.get_json()
        seen = client.get(f"/api/v1/objections/{filed['id']}", headers=bearer(tokens)).get_json()
        assert seen["status"] == "awaiting_claimant"
        assert seen["info_request"] == "请上传解除劳动合同协议"
        assert seen["clock"]["state"] == "paused"
        assert seen["clock"]["working_days_left_when_paused"] == 3  # 02-12, 02-13, 02-14
    # The claimant answers after the holiday: three working days from 02-24.
    with time_machine.travel(_at("2026-02-24"), tick=True):
        tokens = _fresh_login(client, wechat_standin, tokens)
        answered = client.post(
            f"/api/v1/objections/{filed['id']}/supplement", json={"text": "协议已上传"}, headers=bearer(tokens)
        )
        assert answered.status_code == 200, answered.get_json()
        assert answered.get_json()["clock"]["due_on"] == "2026-02-27"
        assert answered.get_json()["clock"]["state"] == "running"
        kinds = [event["kind"] for event in answered.get_json()["events"]]
        assert kinds == ["filed", "assigned", "info_requested", "info_supplied"]


def _fresh_login(client: Any, wechat: WeChatStandIn, tokens: dict[str, Any]) -> dict[str, Any]:
    """Days later the access token has expired: the mini-program refreshes it."""
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.get_json()
    return {**tokens, **refreshed.get_json()}


def test_the_sweep_reminds_the_handler_a_working_day_ahead_and_escalates_once_overdue(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    with time_machine.travel(_at("2026-02-12"), tick=True):
        _, filed = _file(client, wechat_standin)
        handler = staff(client, "handler1", "handler", phone="13700000001")
        boss = staff(client, "boss", "supervisor", phone="13700000009")
        assert act(client, handler, filed["id"], "assign").status_code == 200
        assert boss
        handler_id, boss_id = staff_id("handler1"), staff_id("boss")
    with time_machine.travel(_at("2026-02-24", 9), tick=True):
        assert sweeps.sweep() == sweeps.SweepResult()
    with time_machine.travel(_at("2026-02-25", 9), tick=True):
        assert sweeps.sweep().reminded == 1
        assert sweeps.sweep().reminded == 0  # the second run of the day finds nothing left
    assert _staff_messages() == [("staff_objection_due_soon", handler_id)]
    with time_machine.travel(_at("2026-02-26", 23), tick=True):
        assert sweeps.sweep().overdue == 0  # due today is not overdue
    with time_machine.travel(_at("2026-02-27", 0), tick=True):
        assert sweeps.sweep().overdue == 1
        assert sweeps.sweep().overdue == 0
        report = client.get("/api/v1/staff/objections/report", headers=bearer(relogin(client, "boss"))).get_json()
    escalation = sorted(_staff_messages()[1:])  # one sweep, one transaction: no order between them
    assert escalation == [("staff_objection_escalated", boss_id), ("staff_objection_overdue", handler_id)]
    assert report["overdue"] == 1 and report["open"] == 1
    with unit_of_work() as session:
        clock = session.get(ObjectionDeadline, filed["id"])
        assert clock is not None and clock.overdue_at is not None


def test_a_due_date_in_a_year_the_calendar_does_not_know_waits_and_alerts_supervisors(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    with time_machine.travel(_at("2026-12-28"), tick=True):
        boss = staff(client, "boss", "supervisor", phone="13700000009")
        _, filed = _file(client, wechat_standin)
        assert boss
        boss_id = staff_id("boss")
    assert filed["clock"]["state"] == "calendar_pending"
    assert filed["clock"]["due_on"] is None
    assert "2027年节假日安排" in filed["clock"]["note"]
    assert _staff_messages() == [("staff_calendar_missing", boss_id)]
    with unit_of_work() as session:
        alert = session.scalars(select(AuditEvent).where(AuditEvent.action == "calendar.year_unknown")).one()
        assert alert.outcome == "failure" and alert.detail["year"] == 2027
    # Sweeps keep trying; nothing is guessed while the year is unknown.
    with time_machine.travel(_at("2026-12-29"), tick=True):
        assert sweeps.sweep().dated == 0
    # Staff enter and approve 2027 (a made-up one): the clock is dated at once.
    with time_machine.travel(_at("2026-12-29"), tick=True):
        approve_made_up_2027(client)
    with unit_of_work() as session:
        clock = session.get(ObjectionDeadline, filed["id"])
        assert clock is not None and clock.state == "running"
        assert clock.due_on == dt.date(2027, 1, 5)  # 12-29, 12-30, 12-31, 01-04, 01-05


def test_a_pause_while_the_calendar_lacks_the_year_is_applied_once_it_is_known(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    with time_machine.travel(_at("2026-12-28"), tick=True):
        tokens, filed = _file(client, wechat_standin)
        handler = staff(client, "handler1", "handler")
        assert act(client, handler, filed["id"], "request-info", request="请补充解除协议").status_code == 200
    # While with the claimant, dating the clock does not start it even when the year becomes known.
    with time_machine.travel(_at("2026-12-30"), tick=True):
        approve_made_up_2027(client)
    with unit_of_work() as session:
        clock = session.get(ObjectionDeadline, filed["id"])
        assert clock is not None
        # Due 2027-01-05 as filed; paused on 12-28 with 12-29, 12-30, 12-31, 01-04, 01-05 left.
        assert (clock.state, clock.due_on, clock.days_left) == ("paused", dt.date(2027, 1, 5), 5)
    with time_machine.travel(_at("2027-01-06"), tick=True):
        tokens = _fresh_login(client, wechat_standin, tokens)
        answered = client.post(
            f"/api/v1/objections/{filed['id']}/supplement", json={"text": "已上传"}, headers=bearer(tokens)
        )
        assert answered.get_json()["clock"]["due_on"] == "2027-01-13"  # 01-07, 08, 11, 12, 13


def test_asking_for_more_after_the_due_date_does_not_wipe_the_overdue_mark(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    with time_machine.travel(_at("2026-03-02"), tick=True):
        tokens, filed = _file(client, wechat_standin)
        assert filed["clock"]["due_on"] == "2026-03-09"
    with time_machine.travel(_at("2026-03-11"), tick=True):
        handler = staff(client, "handler1", "handler")
        assert act(client, handler, filed["id"], "request-info", request="请补充").status_code == 200
        tokens = _fresh_login(client, wechat_standin, tokens)
        client.post(f"/api/v1/objections/{filed['id']}/supplement", json={"text": "补充"}, headers=bearer(tokens))
        answered = act(client, handler, filed["id"], "reject", reason_code="RECORD_VERIFIED", answer="记录无误")
    assert answered.get_json()["clock"]["answered_on_time"] is False


def test_operators_can_run_the_sweep_by_hand(client: Any, wechat_standin: WeChatStandIn, app: Any) -> None:
    with time_machine.travel(_at("2026-02-12"), tick=True):
        _file(client, wechat_standin)
        staff(client, "boss", "supervisor", phone="13700000009")
    result = run_cli(app, "objections", "sweep", "--today", "2026-02-25")
    assert result.exit_code == 0, result.output
    assert "提醒 1 件，逾期督办 0 件" in result.output
    assert _staff_messages() == [("staff_objection_due_soon", staff_id("boss"))]  # nobody has taken it yet
