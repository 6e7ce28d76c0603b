"""The official calendar as records: an admin enters a year from the State Council's notice, a
second person approves it, and only then does it count. Deadlines that waited for the year are
dated at once; while it is unknown nothing is guessed, staff are alerted, and the calendar's end
is announced weeks ahead. The 2027 used throughout is made up (tests/fixtures/calendar)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import time_machine
from sqlalchemy import select

from miniapp_api.audit.models import AuditEvent
from miniapp_api.db import unit_of_work
from miniapp_api.employers import sweeps as duty_sweeps
from miniapp_api.employers.models import EmployerDuty
from miniapp_api.holidays.dating import horizon_check
from miniapp_api.holidays.service import official_calendar
from miniapp_api.objections import sweeps as objection_sweeps
from miniapp_api.objections.models import ObjectionDeadline
from miniapp_api.records.demo import seed_regions
from notifications.models import Message
from notifications.standins.sms_server import SmsStandIn
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer, employer_login
from tests.calendar_helpers import MADE_UP_2027, approve_made_up_2027, decide, enter_year
from tests.claims_helpers import claimant
from tests.employers_helpers import CONTACT_PHONE, employer_with_workers
from tests.objections_helpers import act, objection, relogin, staff, staff_id


def _at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00")


def _sent(kind: str) -> list[dict[str, Any]]:
    with unit_of_work() as session:
        rows = session.scalars(select(Message).where(Message.kind == kind).order_by(Message.created_at)).all()
        return [
            {"recipient": (m.recipient_kind, m.recipient_id), "values": json.loads(m.personalisation)} for m in rows
        ]


def _alerts(client: Any, tokens: dict[str, Any], **query: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/staff/alerts", query_string=query, headers=bearer(tokens))
    assert response.status_code == 200, response.get_json()
    alerts: list[dict[str, Any]] = response.get_json()
    return alerts


def _yaml(*lines: str, year: int = 2027, published_on: str = "2026-11-20") -> bytes:
    head = [
        f"year: {year}",
        f"document_no: 测试用虚构文号〔{year - 1}〕2号",
        f"published_on: {published_on}",
        "source: 测试（虚构）",
        "lines:",
    ]
    return "\n".join([*head, *lines]).encode()


NATIONAL_DAY_2026_EXTENDED = [
    "  - {kind: 放假, name: 元旦, from: 2026-01-01, to: 2026-01-03}",
    "  - {kind: 上班, name: 元旦, day: 2026-01-04}",
    "  - {kind: 放假, name: 春节, from: 2026-02-15, to: 2026-02-23}",
    "  - {kind: 上班, name: 春节, day: 2026-02-14}",
    "  - {kind: 上班, name: 春节, day: 2026-02-28}",
    "  - {kind: 放假, name: 清明节, from: 2026-04-04, to: 2026-04-06}",
    "  - {kind: 放假, name: 劳动节, from: 2026-05-01, to: 2026-05-05}",
    "  - {kind: 上班, name: 劳动节, day: 2026-05-09}",
    "  - {kind: 放假, name: 端午节, from: 2026-06-19, to: 2026-06-21}",
    "  - {kind: 放假, name: 中秋节, from: 2026-09-25, to: 2026-09-27}",
    "  - {kind: 放假, name: 国庆节, from: 2026-10-01, to: 2026-10-08}",
    "  - {kind: 上班, name: 国庆节, day: 2026-09-20}",
]


# --- entering and approving ---------------------------------------------------------------------


def test_a_year_takes_effect_only_when_a_second_person_approves_it(client: Any) -> None:
    maker = staff(client, "maker", "admin")
    entered = enter_year(client, maker, MADE_UP_2027.read_bytes(), MADE_UP_2027.name)
    assert entered.status_code == 201, entered.get_json()
    record = entered.get_json()
    assert record["status"] == "pending"
    assert record["compared_with"] is None  # the package knows nothing of 2027
    # The approver reads the year as the notice puts it.
    assert "春节：2月6日至2月14日放假调休，共9天；2月20日（周六）上班" in record["summary"]
    assert "国庆节：10月1日至10月7日放假调休，共7天；9月26日（周日）、10月9日（周六）上班" in record["summary"]
    with unit_of_work() as session:
        assert not official_calendar(session).knows(2027)  # entered is not in force

    own = decide(client, maker, record["id"])
    assert (own.status_code, own.get_json()["code"]) == (403, "MAKER_CANNOT_APPROVE")
    handler = staff(client, "clerk", "handler")
    assert decide(client, handler, record["id"]).status_code == 403
    assert enter_year(client, handler, MADE_UP_2027.read_bytes(), "2027.yaml").status_code == 403

    checker = staff(client, "checker", "admin")
    approved = decide(client, checker, record["id"], note="已与通知原文逐项核对")
    assert approved.status_code == 200, approved.get_json()
    assert (approved.get_json()["status"], approved.get_json()["decided_by"]) == ("approved", "工作人员checker")
    with unit_of_work() as session:
        calendar = official_calendar(session)
        assert calendar.knows(2027)
        assert calendar.is_working_day(dt.date(2027, 2, 20))  # the adjusted Saturday
        assert not calendar.is_working_day(dt.date(2027, 2, 8))  # a Monday of Spring Festival
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "calendar_year.approved")).one()
        assert audit.actor_id == str(staff_id("checker"))
        assert audit.detail["before"] is None and audit.detail["after"]["source"] == "测试用虚构文号〔2026〕1号"
    again = decide(client, checker, record["id"])
    assert (again.status_code, again.get_json()["code"]) == (409, "CALENDAR_NOT_PENDING")


def test_a_second_entry_for_a_year_waits_until_the_first_is_decided(client: Any) -> None:
    maker = staff(client, "maker", "admin")
    assert enter_year(client, maker, MADE_UP_2027.read_bytes(), "2027.yaml").status_code == 201
    twice = enter_year(client, maker, MADE_UP_2027.read_bytes(), "2027.yaml")
    assert (twice.status_code, twice.get_json()["code"]) == (409, "CALENDAR_YEAR_PENDING")


def test_a_malformed_file_is_refused_with_each_bad_line_named(client: Any) -> None:
    maker = staff(client, "maker", "admin")
    content = _yaml(
        "  - {kind: 放假, name: 元旦, from: 2027-01-01, to: 2027-01-03}",
        "  - {kind: 上班, name: 春节, day: 2027-02-17}",  # a Wednesday
        "  - {kind: 放假, name: 国庆节, from: 2026-10-01, to: 2026-10-07}",  # the wrong year
        "  - {kind: 放假, name: 春节, from: 2027-02-06, to: 2027-02-14}",
        "  - {kind: 上班, name: 春节, day: 2027-02-13}",  # a holiday too
        "  - {kind: 休息, name: 端午节, from: 2027-06-09}",
    )
    refused = enter_year(client, maker, content, "2027.yaml")
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["code"] == "CALENDAR_FILE_INVALID"
    assert body["message"].startswith("节假日安排有误，第7行：")
    problems = {p["line"]: p["message"] for p in body["details"]["problems"]}
    assert problems[7] == "2月17日是周三，调休上班日应为周六或周日"
    assert problems[8] == "日期应在2027年内"
    assert problems[10] == "2月13日既是放假日又是调休上班日（另见第9行）"
    assert problems[11] == "类型应为“放假”或“上班”"
    with unit_of_work() as session:
        assert not official_calendar(session).knows(2027)


def test_a_year_that_is_mostly_holidays_or_far_away_is_refused(client: Any) -> None:
    maker = staff(client, "maker", "admin")
    months = [f"  - {{kind: 放假, name: 假{m}, from: 2027-{m:02d}-01, to: 2027-{m:02d}-10}}" for m in range(1, 6)]
    refused = enter_year(client, maker, _yaml(*months), "2027.yaml")
    assert refused.status_code == 422
    assert "全年放假合计50天，超过40天" in refused.get_json()["message"]
    far = _yaml("  - {kind: 放假, name: 元旦, from: 2030-01-01, to: 2030-01-01}", year=2030)
    problems = [p["message"] for p in enter_year(client, maker, far, "2030.yaml").get_json()["details"]["problems"]]
    assert "只能录入2025年至2027年的节假日安排" in problems
    assert "缺少春节、清明节、劳动节、端午节、中秋节、国庆节的放假安排（全国年节及纪念日放假办法第二条）" in problems


def test_a_csv_file_names_its_bad_line_and_takes_the_notice_details_beside_it(client: Any) -> None:
    maker = staff(client, "maker", "admin")
    content = "类型,名称,开始日期,结束日期\n放假,元旦,2027-01-01,2027-01-03\n上班,元旦,2027-01-04,\n".encode()
    details = {
        "year": "2027",
        "document_no": "测试用虚构文号〔2026〕3号",
        "published_on": "2026-11-20",
        "source": "测试",
    }
    refused = enter_year(client, maker, content, "2027.csv", **details)
    assert refused.status_code == 422
    assert {"line": 3, "message": "1月4日是周一，调休上班日应为周六或周日"} in refused.get_json()["details"]["problems"]
    missing = enter_year(client, maker, (MADE_UP_2027.parent / "2027-made-up.csv").read_bytes(), "2027.csv")
    assert missing.status_code == 422
    assert [p["message"] for p in missing.get_json()["details"]["problems"]] == [
        "CSV 文件须另给年份、通知文号、发布日期和来源（选项或表单字段）"
    ]
    accepted = enter_year(client, maker, (MADE_UP_2027.parent / "2027-made-up.csv").read_bytes(), "x.csv", **details)
    assert accepted.status_code == 201, accepted.get_json()


def test_an_approved_year_overrides_the_package_and_every_difference_is_listed(client: Any) -> None:
    """2026 as the package knows it, except National Day: 10-01 to 10-08 off, no Saturday worked."""
    lines = NATIONAL_DAY_2026_EXTENDED
    with time_machine.travel(_at("2026-09-01"), tick=True):  # before any changed day
        maker = staff(client, "maker", "admin")
        staff(client, "checker", "supervisor")
        entered = enter_year(client, maker, _yaml(*lines, year=2026, published_on="2025-11-04"), "2026.yaml")
    assert entered.status_code == 201, entered.get_json()
    record = entered.get_json()
    assert record["compared_with"] == "chinesecalendar 1.11.0"
    assert record["differences"] == [
        "10月8日（周四）：chinesecalendar 1.11.0为工作日，本次录入为放假（国庆节）",
        "10月10日（周六）：chinesecalendar 1.11.0为调休上班（国庆节），本次录入为休息日",
    ]
    with unit_of_work() as session:
        assert official_calendar(session).is_working_day(dt.date(2026, 10, 8))
    with time_machine.travel(_at("2026-09-02"), tick=True):
        approved = decide(client, relogin(client, "checker"), record["id"])
    assert approved.get_json()["differences"] == record["differences"]  # shown again to the approver
    with unit_of_work() as session:
        calendar = official_calendar(session)
        assert not calendar.is_working_day(dt.date(2026, 10, 8))  # the record wins
        assert not calendar.is_working_day(dt.date(2026, 10, 10))
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "calendar_year.approved")).one()
        assert audit.detail["before"]["source"] == "chinesecalendar 1.11.0"
        assert audit.detail["differences"] == record["differences"]
    overview = client.get("/api/v1/staff/calendar", headers=bearer(relogin(client, "checker"))).get_json()
    assert {"year": 2026, "source": "测试用虚构文号〔2025〕2号"} in overview["years"]


def test_days_already_past_cannot_be_rewritten(client: Any) -> None:
    """In December 2026 a correction of National Day 2026 would rewrite history."""
    with time_machine.travel(_at("2026-12-06"), tick=True):
        maker = staff(client, "maker", "admin")
        content = _yaml(*NATIONAL_DAY_2026_EXTENDED, year=2026, published_on="2025-11-04")
        refused = enter_year(client, maker, content, "2026.yaml")
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["code"] == "CALENDAR_PAST_DAYS"
    assert body["message"].startswith("不能更改已经过去的日期（2026-10-08、2026-10-10，共2天）")


def test_only_province_wide_staff_change_the_calendar_and_refusals_are_audited(client: Any) -> None:
    with unit_of_work() as session:
        seed_regions(session)
    regional = staff(client, "regional", "admin", region="130200")
    refused = enter_year(client, regional, MADE_UP_2027.read_bytes(), "2027.yaml")
    assert (refused.status_code, refused.get_json()["code"]) == (403, "PROVINCE_WIDE_ROLE_REQUIRED")
    maker = staff(client, "maker", "admin")
    record = enter_year(client, maker, MADE_UP_2027.read_bytes(), "2027.yaml").get_json()
    regional_boss = staff(client, "regionboss", "supervisor", region="130200")
    assert decide(client, regional_boss, record["id"]).get_json()["code"] == "PROVINCE_WIDE_ROLE_REQUIRED"
    assert decide(client, maker, record["id"]).get_json()["code"] == "MAKER_CANNOT_APPROVE"
    assert decide(client, maker, 10**20).status_code == 404
    with unit_of_work() as session:
        refusals = session.execute(
            select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.detail).where(AuditEvent.outcome == "refused")
        ).all()
    assert sorted((action, actor, detail["refused"]) for action, actor, detail in refusals) == [
        ("calendar_year.approve", str(staff_id("maker")), "maker_cannot_approve"),
        ("calendar_year.approve", str(staff_id("regionboss")), "regional_account"),
        ("calendar_year.enter", str(staff_id("regional")), "regional_account"),
    ]


def test_a_small_file_of_nested_aliases_is_refused_before_it_is_expanded(client: Any) -> None:
    maker = staff(client, "maker", "admin")
    levels = ['l0: &l0 ["xxxxxxxxxx"]'] + [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 12)]
    bomb = "\n".join([*levels, "document_no: *l11"]).encode()
    refused = enter_year(client, maker, bomb, "2027.yaml")
    assert refused.status_code == 422
    assert refused.get_json()["details"]["problems"][0] == {
        "line": 1,
        "message": "不能使用 YAML 锚点或别名（& 与 *），请逐行写出",
    }
    dated_as_number = MADE_UP_2027.read_bytes().replace(b"published_on: 2026-10-25", b"published_on: 20261025")
    wrong = enter_year(client, maker, dated_as_number, "2027.yaml")
    assert wrong.status_code == 422
    assert wrong.get_json()["details"]["problems"] == [
        {"line": None, "message": "发布日期应写作 YYYY-MM-DD，如 2026-11-20"}
    ]


# --- deadlines waiting for a year ----------------------------------------------------------------


def test_a_pending_objection_is_dated_only_when_its_year_is_approved_and_the_claimant_told(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    with time_machine.travel(_at("2026-12-28"), tick=True):
        tokens = claimant(client, wechat_standin, verified=False, stop_date=dt.date(2026, 11, 30))
        filed = objection(client, tokens).get_json()
        maker = staff(client, "maker", "admin")
        entered = enter_year(client, maker, MADE_UP_2027.read_bytes(), "2027.yaml").get_json()
    assert filed["clock"]["state"] == "calendar_pending"
    # No date is promised that cannot be counted.
    (received,) = _sent("objection_received_undated")
    assert received["values"] == {"objection_no": filed["objection_no"], "working_days": "5", "year": "2027"}
    assert _sent("objection_received") == []
    with time_machine.travel(_at("2026-12-29"), tick=True):
        objection_sweeps.sweep()
    with unit_of_work() as session:
        clock = session.get(ObjectionDeadline, filed["id"])
        assert clock is not None and (clock.state, clock.due_on) == ("calendar_pending", None)  # entered, not approved
    with time_machine.travel(_at("2026-12-29"), tick=True):
        checker = staff(client, "checker", "supervisor")
        assert decide(client, checker, entered["id"]).status_code == 200
    with unit_of_work() as session:
        clock = session.get(ObjectionDeadline, filed["id"])
        assert clock is not None
        assert (clock.state, clock.due_on, clock.pending_year) == ("running", dt.date(2027, 1, 5), None)
    (told,) = _sent("objection_due_date_set")
    assert told["values"] == {"objection_no": filed["objection_no"], "due_on": "2027-01-05"}
    # Dating again changes nothing and tells nobody twice.
    with time_machine.travel(_at("2026-12-30"), tick=True):
        assert objection_sweeps.sweep().dated == 0
    assert len(_sent("objection_due_date_set")) == 1


def test_while_the_year_is_unknown_the_handler_works_to_a_weekend_only_date_never_held_as_overdue(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    with time_machine.travel(_at("2026-12-28"), tick=True):
        tokens = claimant(client, wechat_standin, verified=False, stop_date=dt.date(2026, 11, 30))
        filed = objection(client, tokens).get_json()
        handler = staff(client, "handler1", "handler", phone="13700000001", region="130200")
        assert act(client, handler, filed["id"], "assign").status_code == 200
    with unit_of_work() as session:
        clock = session.get(ObjectionDeadline, filed["id"])
        assert clock is not None
        # 12-29, 12-30, 12-31, 01-01, 01-04 counted on weekends only.
        assert (clock.provisional_due_on, clock.remind_on) == (dt.date(2027, 1, 4), dt.date(2027, 1, 1))
    queue = client.get("/api/v1/staff/objections", headers=bearer(handler)).get_json()
    assert (queue[0]["due_on"], queue[0]["provisional_due_on"]) == (None, "2027-01-04")
    with time_machine.travel(_at("2027-01-01"), tick=True):
        assert objection_sweeps.sweep().reminded_provisional == 1
        assert objection_sweeps.sweep().reminded_provisional == 0
    (reminder,) = _sent("staff_objection_due_soon_provisional")
    assert reminder["recipient"] == ("staff", staff_id("handler1"))
    assert reminder["values"]["due_on"] == "2027-01-04" and reminder["values"]["year"] == "2027"
    with time_machine.travel(_at("2027-01-08"), tick=True):
        assert objection_sweeps.sweep().overdue == 0  # a provisional date makes nothing overdue
    with unit_of_work() as session:
        clock = session.get(ObjectionDeadline, filed["id"])
        assert clock is not None and clock.overdue_at is None


def test_a_pending_employer_duty_is_dated_only_when_its_year_is_approved_then_steps_on_the_real_dates(
    client: Any, sms_standin: SmsStandIn
) -> None:
    firm = employer_with_workers(1)
    worker = firm["workers"][0]
    with time_machine.travel(_at("2026-12-30"), tick=True):
        boss = staff(client, "boss", "supervisor", phone="13700000009", region="130200")
        elsewhere = staff(client, "far", "supervisor", region="371500")
        tokens = employer_login(client, sms_standin, firm["credit_code"], CONTACT_PHONE)
        filed = client.post(
            "/api/v1/employer/filings",
            json={
                "id_number": worker["id_number"],
                "name": worker["name"],
                "separation_date": "2026-12-25",
                "reason": "经济性裁员",
            },
            headers=bearer(tokens),
        )
        assert filed.status_code == 201, filed.get_json()
        (duty,) = client.get("/api/v1/employer/duties", headers=bearer(tokens)).get_json()
        # No date, and the reason why; the first reminder promises working days, not a date.
        assert (duty["due_on"], duty["due_note"]) == (None, "国家尚未公布2027年节假日安排，期限将在公布后确定")
        (reminder,) = _sent("employer_notice_reminder_undated")
        assert (reminder["values"]["working_days"], reminder["values"]["year"]) == ("3", "2027")
        # Staff hear of it the same day, in their region only.
        (alert,) = _alerts(client, boss, kind="calendar_year_missing")
        assert alert["region_code"] == "130200" and alert["detail"] == {"year": 2027}
        assert _alerts(client, elsewhere, kind="calendar_year_missing") == []
    # Days pass: nothing is escalated against the employer on a guessed date.
    with time_machine.travel(_at("2027-01-08"), tick=True):
        assert duty_sweeps.sweep() == duty_sweeps.SweepResult()
        with unit_of_work() as session:
            assert session.get(EmployerDuty, duty["id"]).pending_year == 2027  # type: ignore[union-attr]
    with time_machine.travel(_at("2027-01-08"), tick=True):
        approve_made_up_2027(client)
        # Dated from the day it opened (12-31, 01-04, 01-05), so the second reminder goes out
        # now, and the escalation waits three real working days from today.
        with unit_of_work() as session:
            opened = session.get(EmployerDuty, duty["id"])
            assert opened is not None
            assert (opened.due_on, opened.pending_year, opened.stage) == (dt.date(2027, 1, 5), None, "re_reminded")
            assert opened.next_action_on == dt.date(2027, 1, 13)  # 01-11, 01-12, 01-13
        boss = relogin(client, "boss")
        assert _alerts(client, boss, kind="calendar_year_missing") == []  # resolved by the approval
        assert len(_alerts(client, boss, kind="calendar_year_missing", status="resolved")) == 1
    with time_machine.travel(_at("2027-01-14", 9), tick=True):
        assert duty_sweeps.sweep().escalated == 1
    assert [m["recipient"] for m in _sent("staff_employer_escalated")] == [("staff", staff_id("boss"))]


# --- never silent ------------------------------------------------------------------------------


def test_the_horizon_alert_goes_weekly_to_supervisors_and_admins_and_stops_after_approval(client: Any) -> None:
    with unit_of_work() as session:
        seed_regions(session)
    staff(client, "boss", "supervisor", phone="13700000009", region="130200")
    staff(client, "root", "admin", phone="13700000008")
    staff(client, "clerk", "handler", phone="13700000007")
    with time_machine.travel(_at("2026-10-30"), tick=True):  # 62 days before the end
        assert horizon_check().near is False
    with time_machine.travel(_at("2026-11-02"), tick=True):  # a Monday, 59 days before
        told = horizon_check()
        assert (told.near, told.told, told.without_phone) == (True, 2, [])
    with time_machine.travel(_at("2026-11-06"), tick=True):  # the same week: told already
        assert horizon_check().told_this_week_already
    assert sorted(m["recipient"] for m in _sent("staff_calendar_horizon")) == [
        ("staff", staff_id("boss")),
        ("staff", staff_id("root")),
    ]
    assert _sent("staff_calendar_horizon")[0]["values"] == {"known_through": "2026-12-31", "year": "2027"}
    with time_machine.travel(_at("2026-11-09"), tick=True):  # the next week
        horizon_check()
    assert len(_sent("staff_calendar_horizon")) == 4
    root = relogin(client, "root")
    (alert,) = _alerts(client, root, kind="calendar_horizon")
    assert alert["region_code"] is None and alert["detail"]["year"] == 2027
    with time_machine.travel(_at("2026-11-10"), tick=True):
        approve_made_up_2027(client)
    with time_machine.travel(_at("2026-11-16"), tick=True):
        assert horizon_check().near is False
    assert len(_sent("staff_calendar_horizon")) == 4
    root = relogin(client, "root")
    assert _alerts(client, root, kind="calendar_horizon") == []


def test_healthz_shows_how_far_the_calendar_reaches(client: Any) -> None:
    with time_machine.travel(_at("2026-12-06"), tick=True):
        assert client.get("/healthz").get_json()["calendar_known_through"] == "2026-12-31"
        approve_made_up_2027(client)
        assert client.get("/healthz").get_json()["calendar_known_through"] == "2027-12-31"


def test_a_week_in_which_nobody_could_be_told_is_not_counted_as_told(client: Any) -> None:
    """The demo's first check ran before any staff account existed, and the week counted as told."""
    with unit_of_work() as session:
        seed_regions(session)
    with time_machine.travel(_at("2026-11-02"), tick=True):
        nobody = horizon_check()
        assert (nobody.near, nobody.told) == (True, 0)
    staff(client, "boss", "supervisor", phone="13700000009", region="130200")
    with time_machine.travel(_at("2026-11-03"), tick=True):  # the same week, someone to tell now
        later = horizon_check()
        assert (later.told, later.told_this_week_already) == (1, False)
    assert [m["recipient"] for m in _sent("staff_calendar_horizon")] == [("staff", staff_id("boss"))]
