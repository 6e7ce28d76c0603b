"""Filings: every bad row named with its row, column and reason, nothing half-imported, the
good rows only when asked; unreadable spreadsheets refused whole; the signed acknowledgement
link works once, only for its duty, and not after it expires or is replaced."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import time_machine
from flask import Flask
from sqlalchemy import func, select

from miniapp_api.audit.models import AuditEvent
from miniapp_api.clock import china_today
from miniapp_api.db import unit_of_work
from miniapp_api.employers import sweeps
from miniapp_api.employers.duties import open_for_records_feed
from miniapp_api.employers.models import EmployerDuty, FilingBatch, TerminationFiling
from miniapp_api.records.models import Employer, Person, StopContributionEvent
from notifications.models import Message
from notifications.standins.sms_server import SmsStandIn
from tests import factories
from tests.auth_helpers import bearer, employer_login
from tests.cli_helpers import run_cli
from tests.employers_helpers import CONTACT_PHONE, csv_bytes, employer_with_workers, form_rows, upload_form, xlsx


def _nothing_imported() -> None:
    with unit_of_work() as session:
        for table in (StopContributionEvent, TerminationFiling, EmployerDuty, FilingBatch):
            assert session.scalar(select(func.count()).select_from(table)) == 0


def _login(client: Any, sms: SmsStandIn, firm: dict[str, Any]) -> dict[str, Any]:
    return employer_login(client, sms, firm["credit_code"], CONTACT_PHONE)


def test_each_bad_row_is_named_and_a_form_with_any_imports_nothing(client: Any, sms_standin: SmsStandIn) -> None:
    firm = employer_with_workers(4)
    with unit_of_work() as session:
        stranger = factories.person(session, name="陌生人")  # never insured by this employer
        stranger_number = stranger.id_number
    rows = form_rows(firm["workers"])
    rows[1][3] = rows[1][3][:-1] + ("0" if rows[1][3][-1] != "0" else "1")  # a wrong check character
    rows[2][1] = "张冠李戴"  # a name the records do not have for that number
    rows[3][7] = "不想干了"  # not a reason in the vocabulary
    rows.append(["5", "陌生人", "男", stranger_number, "", "2018-03", "2026-11-13", "经济性裁员", ""])
    rows.append(list(rows[0]))  # the same worker twice
    rows.append(["7", "张三", "男", rows[0][3], "", "2018-03", "2030-01-01", "经济性裁员", ""])  # in the future
    tokens = _login(client, sms_standin, firm)
    refused = upload_form(client, tokens, xlsx(rows))
    assert (refused.status_code, refused.get_json()["code"]) == (422, "FILING_ROWS_INVALID")
    problems = {(p["row"], p["column"]): p["message"] for p in refused.get_json()["details"]["problems"]}
    assert "校验" in problems[(3, "身份证号")]
    assert problems[(4, "姓名")] == "与身份证号码对应的姓名不一致"
    assert "不是规定的失业原因" in problems[(5, "失业原因")]
    assert "没有为此身份证号码的职工缴纳失业保险费" in problems[(6, "身份证号")]
    assert problems[(7, "身份证号")] == "与第2行是同一人"
    assert problems[(8, "失业时间")] == "不能晚于今天"
    assert "未导入任何数据" in refused.get_json()["message"]
    _nothing_imported()
    # Asked for the good rows only: the one good row goes in, the rest are listed.
    partial = upload_form(client, tokens, xlsx(rows), good_rows_only=True)
    assert partial.status_code == 201, partial.get_json()
    assert (partial.get_json()["rows_imported"], partial.get_json()["rows_refused"]) == (1, 6)


def test_a_filing_form_does_not_tell_who_else_is_in_the_records(client: Any, sms_standin: SmsStandIn) -> None:
    """A form once answered "no such person", "name differs" and "not your worker" apart: an
    oracle on anyone's ID number and name, 10,000 rows at a time."""
    firm = employer_with_workers(1)
    with unit_of_work() as session:
        someone = factories.person(session, name="陌生人")  # in the records, never this employer's
        number = someone.id_number
    nobody = factories.make_id_number("130203", dt.date(1990, 1, 1), 7)  # a valid number nobody has
    rows = [
        ["1", "陌生人", "男", number, "", "2018-03", "2026-11-13", "经济性裁员", ""],  # right name
        ["2", "张冠李戴", "男", number, "", "2018-03", "2026-11-13", "经济性裁员", ""],  # wrong name
        ["3", "无此人", "男", nobody, "", "2018-03", "2026-11-13", "经济性裁员", ""],  # nobody's number
    ]
    refused = upload_form(client, _login(client, sms_standin, firm), xlsx(rows)).get_json()
    answers = {(p["column"], p["message"]) for p in refused["details"]["problems"]}
    assert len(answers) == 1 and len(refused["details"]["problems"]) == 3
    with unit_of_work() as session:  # and the probe is on the record, though nothing was filed
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "employer.filing_refused")).all()
        assert (event.outcome, event.detail) == ("refused", {"rows": 3, "refused": 3})


def test_a_termination_filed_twice_is_refused_the_second_time(client: Any, sms_standin: SmsStandIn) -> None:
    firm = employer_with_workers(1)
    tokens = _login(client, sms_standin, firm)
    content = csv_bytes(form_rows(firm["workers"]))
    assert upload_form(client, tokens, content, "备案表.csv").status_code == 201
    again = upload_form(client, tokens, content, "备案表.csv")
    problems = again.get_json()["details"]["problems"]
    assert problems == [{"row": 2, "column": "失业时间", "message": "此人该日期的终止劳动关系已经备案，请勿重复备案"}]


def test_spreadsheets_that_are_not_the_form_are_refused_whole(client: Any, sms_standin: SmsStandIn) -> None:
    firm = employer_with_workers(2)
    tokens = _login(client, sms_standin, firm)
    rows = form_rows(firm["workers"])

    def refused(content: bytes, name: str = "备案表.xlsx") -> tuple[str, str]:
        answer = upload_form(client, tokens, content, name)
        assert answer.status_code == 422, answer.get_json()
        return answer.get_json()["code"], answer.get_json()["message"]

    code, message = refused(xlsx(rows, header=("姓名", "身份证号", "离职日期")))
    assert code == "FORM_COLUMNS" and "缺少列" in message and "离职日期" in message
    assert refused(xlsx(rows, merge="A2:B2"))[0] == "FORM_MERGED_CELLS"
    with_formula = [list(rows[0]), [*rows[1][:6], "=TODAY()", *rows[1][7:]]]
    code, message = refused(xlsx(with_formula))
    assert code == "FORM_FORMULAS" and "G3" in message
    assert refused(b"PK\x03\x04 not really a workbook")[0] == "FORM_TYPE"
    assert refused(b"\x89PNG....", "备案表.png")[0] == "FORM_TYPE"
    assert refused(csv_bytes([]), "备案表.csv")[0] == "FORM_EMPTY"
    _nothing_imported()


def test_ten_megabytes_of_empty_rows_after_the_data_are_not_rows(client: Any, sms_standin: SmsStandIn) -> None:
    firm = employer_with_workers(2)
    tokens = _login(client, sms_standin, firm)
    padded = csv_bytes(form_rows(firm["workers"])) + b",,,,,,,,\r\n" * 1_000_000
    assert len(padded) > 10_000_000
    answer = upload_form(client, tokens, padded[: 10 * 1024 * 1024], "备案表.csv")
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["rows_total"] == 2


def test_one_termination_filed_through_the_api_sends_a_link_that_works_once(
    client: Any, sms_standin: SmsStandIn
) -> None:
    firm = employer_with_workers(1)
    worker = firm["workers"][0]
    tokens = _login(client, sms_standin, firm)
    filed = client.post(
        "/api/v1/employer/filings",
        json={"name": worker["name"], "id_number": worker["id_number"], "separation_date": "2026-10-30",
              "reason": "contract_expired", "sex": "男"},
        headers=bearer(tokens),
    )  # fmt: skip
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["worker"]["name"].endswith("*") or "*" in filed.get_json()["worker"]["name"]
    with unit_of_work() as session:
        params = session.scalars(
            select(Message.personalisation).where(Message.kind == "employer_notice_reminder")
        ).one()
    link = json.loads(params)["notice_url"]
    path = link.split("127.0.0.1:5000", 1)[1]
    seen = client.get(path)
    assert seen.status_code == 200, seen.get_json()
    assert seen.get_json()["employer"] == "唐山示范机械制造有限公司"
    assert client.get(f"{path}/notice.pdf").data.startswith(b"%PDF")
    done = client.post(f"{path}/acknowledge")
    assert done.status_code == 200 and done.get_json()["acknowledged"] is True
    reused = client.post(f"{path}/acknowledge")
    assert (reused.status_code, reused.get_json()["code"]) == (409, "ALREADY_ACKNOWLEDGED")
    forged = client.post(f"{path[:-3]}abc/acknowledge")
    assert (forged.status_code, forged.get_json()["code"]) == (404, "LINK_INVALID")


def test_an_expired_link_is_refused(client: Any, sms_standin: SmsStandIn, app: Flask) -> None:
    firm = employer_with_workers(1)
    worker = firm["workers"][0]
    tokens = _login(client, sms_standin, firm)
    body = {"name": worker["name"], "id_number": worker["id_number"], "separation_date": "2026-10-30",
            "reason": "合同到期"}  # fmt: skip
    answer = client.post("/api/v1/employer/filings", json=body, headers=bearer(tokens))
    assert (answer.status_code, answer.get_json()["code"]) == (422, "FILING_INVALID")
    assert answer.get_json()["message"].startswith("失业原因：")
    body["reason"] = "劳动合同期满终止"
    assert client.post("/api/v1/employer/filings", json=body, headers=bearer(tokens)).status_code == 201
    with unit_of_work() as session:
        params = session.scalars(
            select(Message.personalisation).where(Message.kind == "employer_notice_reminder")
        ).one()
    path = json.loads(params)["notice_url"].split("127.0.0.1:5000", 1)[1]
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=15)):
        expired = client.post(f"{path}/acknowledge")
    assert (expired.status_code, expired.get_json()["code"]) == (410, "LINK_EXPIRED")


def test_operators_file_a_form_from_the_command_line_with_progress(app: Flask, tmp_path: Any) -> None:
    firm = employer_with_workers(3)
    form = tmp_path / "备案表.xlsx"
    form.write_bytes(xlsx(form_rows(firm["workers"])))
    result = run_cli(app, "employers", "file-form", str(form), "--credit-code", firm["credit_code"])
    assert result.exit_code == 0, result.output
    assert "已导入 3 人，未导入 0 行" in result.output
    with unit_of_work() as session:
        batch = session.scalars(select(FilingBatch)).one()
        assert batch.operator and batch.contact_id is None


def test_a_separation_the_feed_brought_in_is_completed_by_the_employers_filing(
    client: Any, sms_standin: SmsStandIn, app: Flask
) -> None:
    firm = employer_with_workers(1)
    worker = firm["workers"][0]
    with unit_of_work() as session:
        person = session.get(Person, worker["id"])
        employer = session.get(Employer, firm["id"])
        assert person is not None and employer is not None
        stop = factories.stop_event(session, person, employer, dt.date.today() - dt.timedelta(days=3))
        opened = open_for_records_feed(session, stop.recorded_at - dt.timedelta(seconds=1), china_today(), 60)
        assert opened == 1
        separated = stop.stop_date.isoformat()
    tokens = _login(client, sms_standin, firm)
    body = {
        "name": worker["name"],
        "id_number": worker["id_number"],
        "separation_date": separated,
        "reason": "经济性裁员",
    }
    filed = client.post("/api/v1/employer/filings", json=body, headers=bearer(tokens))
    assert filed.status_code == 201, filed.get_json()
    with unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(StopContributionEvent)) == 1
        kinds = dict(session.execute(select(EmployerDuty.kind, EmployerDuty.done_via)).all())
        assert kinds == {"notice": None, "filing": "filing"}
    again = client.post("/api/v1/employer/filings", json=body, headers=bearer(tokens))
    assert (again.status_code, again.get_json()["code"]) == (409, "FILING_DUPLICATE")


def test_rows_after_a_gap_of_empty_rows_are_still_read(client: Any, sms_standin: SmsStandIn) -> None:
    firm = employer_with_workers(2)
    tokens = _login(client, sms_standin, firm)
    first, second = form_rows(firm["workers"])
    gap = [[""] * 9] * 100
    answer = upload_form(client, tokens, xlsx([first, *gap, second]))
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["rows_imported"] == 2


def test_nobody_is_told_to_claim_for_a_worker_who_died(client: Any, sms_standin: SmsStandIn) -> None:
    firm = employer_with_workers(1)
    tokens = _login(client, sms_standin, firm)
    assert (
        upload_form(client, tokens, csv_bytes(form_rows(firm["workers"], reason="deceased")), "表.csv").status_code
        == 201
    )
    with unit_of_work() as session:
        assert session.scalars(select(EmployerDuty.kind)).all() == ["filing"]
        kinds = session.scalars(select(Message.kind).where(Message.kind != "login_code")).all()
        assert kinds == []


def test_the_sms_link_opens_as_a_page_with_one_button(client: Any, sms_standin: SmsStandIn) -> None:
    firm = employer_with_workers(1)
    worker = firm["workers"][0]
    tokens = _login(client, sms_standin, firm)
    body = {"name": worker["name"], "id_number": worker["id_number"], "separation_date": "2026-10-30",
            "reason": "contract_expired"}  # fmt: skip
    assert client.post("/api/v1/employer/filings", json=body, headers=bearer(tokens)).status_code == 201
    with unit_of_work() as session:
        params = session.scalars(
            select(Message.personalisation).where(Message.kind == "employer_notice_reminder")
        ).one()
    path = json.loads(params)["notice_url"].split("127.0.0.1:5000", 1)[1]
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    opened = client.get(path, headers=browser)
    assert opened.mimetype == "text/html"
    page = opened.get_data(as_text=True)
    assert "唐山示范机械制造有限公司" in page and 'method="post"' in page
    with unit_of_work() as session:
        assert session.scalars(select(EmployerDuty.done_at).where(EmployerDuty.kind == "notice")).one() is None
    confirmed = client.post(f"{path}/acknowledge", headers=browser)
    assert confirmed.mimetype == "text/html" and "已确认送达" in confirmed.get_data(as_text=True)
    again = client.get(path, headers=browser)  # opened once more after confirming: words, not JSON
    assert (again.status_code, again.mimetype) == (409, "text/html")
    assert "已确认送达" in again.get_data(as_text=True) and '"code"' not in again.get_data(as_text=True)


def test_a_second_reminder_carries_a_new_link_and_the_old_one_says_so(client: Any, sms_standin: SmsStandIn) -> None:
    firm = employer_with_workers(1)
    worker = firm["workers"][0]
    monday = dt.datetime(2026, 11, 16, 2, 0, tzinfo=dt.UTC)
    with time_machine.travel(monday, tick=True):
        tokens = _login(client, sms_standin, firm)
        body = {"name": worker["name"], "id_number": worker["id_number"], "separation_date": "2026-11-13",
                "reason": "contract_expired"}  # fmt: skip
        assert client.post("/api/v1/employer/filings", json=body, headers=bearer(tokens)).status_code == 201
    with time_machine.travel(monday + dt.timedelta(days=4), tick=True):  # Friday, after the 3 working days
        assert sweeps.sweep().re_reminded == 1
        with unit_of_work() as session:
            sent = session.scalars(
                select(Message.personalisation)
                .where(Message.kind.like("employer_notice_%"))
                .order_by(Message.created_at)
            ).all()
        first, second = (json.loads(values)["notice_url"].split("127.0.0.1:5000", 1)[1] for values in sent)
        old = client.post(f"{first}/acknowledge")
        assert (old.status_code, old.get_json()["code"]) == (410, "LINK_SUPERSEDED")
        assert client.post(f"{second}/acknowledge").status_code == 200


def test_one_notice_out_of_a_batch_gets_a_link_that_works(client: Any, sms_standin: SmsStandIn) -> None:
    firm = employer_with_workers(2)
    tokens = _login(client, sms_standin, firm)
    rows = form_rows(firm["workers"])
    rows[1][7] = "deceased"
    assert upload_form(client, tokens, xlsx(rows)).status_code == 201
    with unit_of_work() as session:
        params = session.scalars(
            select(Message.personalisation).where(Message.kind == "employer_notice_reminder")
        ).one()
    path = json.loads(params)["notice_url"].split("127.0.0.1:5000", 1)[1]
    assert client.post(f"{path}/acknowledge").status_code == 200


def test_an_old_feed_separation_gets_its_duties_when_the_employer_files_it(
    client: Any, sms_standin: SmsStandIn
) -> None:
    firm = employer_with_workers(1)
    worker = firm["workers"][0]
    with unit_of_work() as session:
        person, employer = session.get(Person, worker["id"]), session.get(Employer, firm["id"])
        assert person is not None and employer is not None
        stop = factories.stop_event(session, person, employer, china_today() - dt.timedelta(days=90))
        # Outside the feed's window: the import reminded nobody.
        assert open_for_records_feed(session, stop.recorded_at - dt.timedelta(seconds=1), china_today(), 60) == 0
        separated = stop.stop_date.isoformat()
    tokens = _login(client, sms_standin, firm)
    body = {
        "name": worker["name"],
        "id_number": worker["id_number"],
        "separation_date": separated,
        "reason": "经济性裁员",
    }
    assert client.post("/api/v1/employer/filings", json=body, headers=bearer(tokens)).status_code == 201
    with unit_of_work() as session:
        duties = dict(session.execute(select(EmployerDuty.kind, EmployerDuty.done_via)).all())
        assert duties == {"notice": None, "filing": "filing"}
        assert session.scalars(select(EmployerDuty.late).where(EmployerDuty.kind == "filing")).one() is True


def test_a_worker_who_has_claimed_already_is_not_told_of_the_right_to_claim(
    client: Any, sms_standin: SmsStandIn
) -> None:
    firm = employer_with_workers(2)
    with unit_of_work() as session:
        claimed = session.get(Person, firm["workers"][0]["id"])
        assert claimed is not None
        factories.decided_claim(session, claimed)  # applied 2026-11-20, after the separation below
    tokens = employer_login(client, sms_standin, firm["credit_code"], CONTACT_PHONE)
    uploaded = upload_form(client, tokens, xlsx(form_rows(firm["workers"], separated_on="2026-11-13")))
    assert uploaded.status_code == 201, uploaded.get_json()
    with unit_of_work() as session:
        told = session.scalars(select(Message.recipient_id).where(Message.kind == "worker_claim_right")).all()
    assert told == [firm["workers"][1]["id"]]
