"""A supervisor's console: objections given to a handler and moved to another, a message nobody
received turned into a task for the recipient's region, the figures on the dashboard, and the
long lists paged."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from miniapp_api.alerts.models import StaffAlert
from miniapp_api.audit.models import AuditEvent
from miniapp_api.clock import china_today
from miniapp_api.db import unit_of_work, utcnow
from miniapp_api.objections.models import Objection
from notifications import service as notify
from notifications.standins.wechat_server import WeChatStandIn
from tests import factories
from tests.auth_helpers import staff_account
from tests.claims_helpers import claimant, submit
from tests.notify_helpers import APPROVED
from tests.objections_helpers import objection
from tests.test_console_access import _token, console_client

TANGSHAN = "130200"


def _post(client: FlaskClient, path: str, **form: Any) -> str:
    token = _token(client.get("/console/").data)
    return client.post(path, data={"csrf_token": token, **form}, follow_redirects=True).data.decode()


def _filed_objection(client: Any, wechat: WeChatStandIn) -> tuple[dict[str, Any], int]:
    tokens = claimant(client, wechat, reason="resigned")
    submit(client, tokens)
    return tokens, objection(client, tokens).get_json()["id"]


def test_a_supervisor_gives_an_objection_to_a_handler_and_then_moves_it_to_another(
    app: Flask, client: Any, wechat_standin: WeChatStandIn
) -> None:
    _tokens, objection_id = _filed_objection(client, wechat_standin)
    staff_account("ts.chief", "supervisor", region=TANGSHAN)
    staff_account("ts.wang", "handler", region=TANGSHAN)
    staff_account("ts.zhao", "handler", region=TANGSHAN)
    staff_account("xam.handler", "handler", region="152200")
    chief = console_client(app, "ts.chief")
    page = chief.get(f"/console/objections/{objection_id}").data.decode()
    offered = re.findall(r'<option value="([a-z.]+)"', page)
    assert "ts.wang" in offered and "ts.zhao" in offered and "xam.handler" not in offered  # only this region's
    assert "已交由工作人员ts.wang承办" in _post(chief, f"/console/objections/{objection_id}/assign", username="ts.wang")
    moved = _post(chief, f"/console/objections/{objection_id}/assign", username="ts.zhao")
    assert "承办人</th><td>ts.zhao" in moved.replace("\n", "") or "ts.zhao" in moved
    refused = _post(chief, f"/console/objections/{objection_id}/assign", username="xam.handler")
    assert "不是" in refused or "地区" in refused
    with unit_of_work() as session:
        assigned = session.get(Objection, objection_id)
        assert assigned is not None
        moves = session.scalars(select(AuditEvent).filter_by(action="objection.assigned").order_by(AuditEvent.id)).all()
    assert len(moves) == 2 and moves[1].detail["previous"] == moves[0].detail["to"]
    queue = console_client(app, "ts.zhao").get("/console/objections?assigned=me").data.decode()
    assert "<td>未分派</td>" not in queue and "申领表信息有误" in queue


def test_a_message_nobody_received_becomes_a_task_for_the_recipients_region_until_someone_reports_telling_them(
    app: Flask, client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, reason="resigned")
    with unit_of_work():  # a number the provider refuses: a permanent failure
        notify.send("claim_approved", notify.Recipient("person", tokens["person_id"], phone="1380013800"), APPROVED)
    with unit_of_work() as session:
        alert = session.scalars(select(StaffAlert).filter_by(kind="message_undeliverable")).one()
        assert "申领审核通过通知" in alert.message and "1380013800" not in alert.message
    staff_account("ts.handler", "handler", region=TANGSHAN)
    staff_account("xam.handler", "handler", region="152200")
    assert "申领审核通过通知" not in console_client(app, "xam.handler").get("/console/alerts").data.decode()
    handler = console_client(app, "ts.handler")
    page = handler.get("/console/alerts").data.decode()
    assert "申领审核通过通知" in page and "通知未能送达" in page
    assert "请写明如何告知了对方" in _post(handler, f"/console/alerts/{alert.id}/close", note=" ")
    closed = _post(handler, f"/console/alerts/{alert.id}/close", note="12月7日电话告知本人，已知悉")
    assert "提醒已关闭" in closed and "申领审核通过通知" not in closed
    with unit_of_work() as session:
        event = session.scalars(select(AuditEvent).filter_by(action="alert.closed_by_staff")).one()
        assert event.actor_kind == "staff"


def test_the_calendar_alerts_close_only_by_themselves(app: Flask) -> None:
    from miniapp_api.alerts.service import raise_alert
    from miniapp_api.records.demo import seed_regions

    with unit_of_work() as session:
        seed_regions(session)
        alert, _new = raise_alert(session, "calendar_horizon", "calendar_horizon:2028", "2028年节假日安排尚未录入")
        alert_id = alert.id
    staff_account("ts.chief", "supervisor", region=TANGSHAN)
    answer = _post(console_client(app, "ts.chief"), f"/console/alerts/{alert_id}/close", note="已处理")
    assert "在问题解决后自动关闭" in answer


def test_the_dashboard_counts_decisions_per_day_with_the_automatic_share_and_duties_by_region(
    app: Flask, client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin)
    assert submit(client, tokens).get_json()["status"] == "approved"  # the rules decided alone
    with unit_of_work() as session:
        factories.notice_duty(session, "迟到单位职工", escalated=False)
    staff_account("ts.chief", "supervisor", region=TANGSHAN)
    page = console_client(app, "ts.chief").get("/console/dashboard").data.decode()
    today_row = re.search(rf"<tr><td>{china_today()}</td><td>(\d+)</td><td>(\d+)</td><td>([\d.]+)%</td></tr>", page)
    assert today_row and today_row.groups() == ("1", "1", "100.0")
    region_row = re.search(
        rf'<tr><td>{TANGSHAN}</td><td>(\d+)</td><td>(\d+)</td><td>(?:<span class="overdue">)?(\d+)', page
    )
    assert region_row and int(region_row.group(3)) >= 1  # overdue, still not acknowledged
    assert page.count("<svg") == 5 and page.count("<table>") >= 5  # every chart has its table


def test_a_long_objection_queue_is_paged_and_the_next_page_continues_where_the_first_ended(
    app: Flask, client: Any, wechat_standin: WeChatStandIn
) -> None:
    from miniapp_api.console import routes

    _filed_objection(client, wechat_standin)
    _filed_objection(client, wechat_standin)
    original = routes.PAGE
    staff_account("ts.handler", "handler", region=TANGSHAN)
    handler = console_client(app, "ts.handler")
    try:
        import miniapp_api.console.objections as casework

        casework.PAGE = routes.PAGE = 1
        first = handler.get("/console/objections").data.decode()
        second = handler.get("/console/objections?page=2").data.decode()
    finally:
        import miniapp_api.console.objections as casework

        casework.PAGE = routes.PAGE = original
    numbers = [re.findall(r">(YY[^<]+|[A-Z]{2}\d+[^<]*)</a></td>", p) for p in (first, second)]
    assert "下一页" in first and "上一页" in second
    assert numbers[0] and numbers[1] and numbers[0] != numbers[1]
    assert utcnow()  # the clock is real here


def test_every_kind_of_message_has_the_words_staff_read_when_it_was_not_delivered() -> None:
    import json
    from pathlib import Path

    from miniapp_api.alerts.undeliverable import MESSAGE_LABELS

    defined = json.loads((Path(notify.__file__).parent / "templates.json").read_text(encoding="utf-8"))
    assert {template["kind"] for template in defined["templates"]} == set(MESSAGE_LABELS)
