"""Every kind of writer invalidates the read cache, through the code path it uses in production.

Each test reads a claimant's (or an employer's) page once, so the answer is cached in Redis, then a
real writer changes something that page shows (the records import, a correction approved through
the objection channel, the fund-safety checks, a reviewer, a parameter change put in force by a
second member of staff, an employer, the claimant's own draft) and the very next read shows it.
A draft that expires leaves the form when it expires, with nothing written; a write that is
rolled back bumps no version, so the cached answer is still served; with READ_CACHE_TTL_S=0
nothing is cached and the answers are the same.

Time stands at 10:00 in China on a Monday, so the China date (part of every entry's tag) never
turns over during a test.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from sqlalchemy import event, select

from miniapp_api.clock import CHINA
from miniapp_api.db import unit_of_work
from miniapp_api.extensions import database, redis_store, settings
from miniapp_api.reads.cache import cache_key
from miniapp_api.reads.models import REFERENCE_OWNER, ReadVersion
from miniapp_api.records.models import Employer, ParameterChange, Person, StopContributionEvent
from notifications.standins.sms_server import SmsStandIn
from notifications.standins.wechat_server import WeChatStandIn
from tests import factories
from tests.auth_helpers import bearer, bind, employer_login, staff_account, staff_login, wechat_login
from tests.claims_helpers import add_contribution, claimant, submit
from tests.cli_helpers import run_cli
from tests.employers_helpers import CONTACT_PHONE, employer_with_workers, form_rows, post_file, upload_form, xlsx
from tests.objections_helpers import act, objection, staff
from tests.test_console_access import _token, console_client

TODAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=CHINA)  # a Monday
TANGSHAN = "130200"
CONTRIBUTIONS_HEADER = "id_number,credit_code,region_code,start_month,end_month"
STOP_EVENTS_HEADER = "id_number,credit_code,stop_date,reason"
PERSONS_HEADER = (
    "id_number,name,sex,birth_date,retirement_category,phone,region_code,ss_card_number,bank_name,bank_account"
)


@pytest.fixture(autouse=True)
def _ten_in_the_morning_in_china() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=True):
        yield


# What is cached, and under which versions.


def _cached(owner: str) -> list[str]:
    """The names of the answers cached for `owner` ("person:7", "employer:3")."""
    prefix = cache_key(owner, "")
    return sorted(key.removeprefix(prefix) for key in redis_store().client.scan_iter(match=f"{prefix}*"))


def _every_cached_answer() -> list[str]:
    return sorted(redis_store().client.scan_iter(match=cache_key("*")))


def _version(scope: str, owner_id: int) -> int:
    with unit_of_work() as session:
        found = session.scalar(
            select(ReadVersion.version).where(ReadVersion.scope == scope, ReadVersion.owner_id == owner_id)
        )
        return int(found or 0)


def _versions(person_id: int) -> tuple[int, int]:
    return _version("person", person_id), _version("reference", REFERENCE_OWNER)


@contextlib.contextmanager
def _statements() -> Iterator[list[str]]:
    """The SQL sent to the database meanwhile."""
    sent: list[str] = []

    def note(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        sent.append(statement)

    engine = database().engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


# Reading as the mini-program does.


def _read(client: Any, tokens: dict[str, Any], path: str) -> Any:
    answer = client.get(path, headers=bearer(tokens))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _form(client: Any, tokens: dict[str, Any]) -> dict[str, Any]:
    form: dict[str, Any] = _read(client, tokens, "/api/v1/claims/prefill")
    return form


def _field(client: Any, tokens: dict[str, Any], name: str) -> Any:
    return _form(client, tokens)["fields"][name]["value"]


def _claim_status(client: Any, tokens: dict[str, Any], claim_id: int) -> str:
    status: str = _read(client, tokens, f"/api/v1/claims/{claim_id}")["status"]
    return status


def _listed(client: Any, tokens: dict[str, Any]) -> list[tuple[int, str]]:
    return [(claim["id"], claim["status"]) for claim in _read(client, tokens, "/api/v1/claims")]


def _pending_duties(client: Any, tokens: dict[str, Any]) -> list[tuple[int, str]]:
    return [(duty["id"], duty["worker"]["name"]) for duty in _read(client, tokens, "/api/v1/employer/duties")]


# The records import, as operators run it.


def _records(person_id: int) -> dict[str, Any]:
    """The claimant's identity and last employer as the provincial system exports them."""
    with unit_of_work() as session:
        person = session.get(Person, person_id)
        assert person is not None
        stop = session.scalars(
            select(StopContributionEvent)
            .where(StopContributionEvent.person_id == person_id)
            .order_by(StopContributionEvent.stop_date.desc(), StopContributionEvent.id.desc())
        ).first()
        employer = session.get(Employer, stop.employer_id) if stop else None
        return {
            "id_number": person.id_number,
            "credit_code": employer.credit_code if employer else None,
            "row": _person_row(person),
        }


def _person_row(person: Person) -> dict[str, str]:
    return {
        "id_number": person.id_number,
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date.isoformat(),
        "retirement_category": person.retirement_category,
        "phone": person.phone or "",
        "region_code": person.region_code,
        "ss_card_number": person.ss_card_number or "",
        "bank_name": person.bank_name or "",
        "bank_account": person.bank_account or "",
    }


def _persons_csv(*rows: dict[str, str]) -> str:
    lines = [",".join(row[column] for column in PERSONS_HEADER.split(",")) for row in rows]
    return "\n".join([PERSONS_HEADER, *lines]) + "\n"


def _export(tmp_path: Path, files: dict[str, str]) -> Path:
    """A directory of export files, as the provincial system hands them over."""
    directory = tmp_path / "export"
    directory.mkdir()
    for file_name, text in files.items():
        (directory / file_name).write_text(text, encoding="utf-8")
    return directory


def _import(app: Flask, path: Path) -> Any:
    return run_cli(app, "import", str(path), "--operator", "records-clerk")


# 1. The bulk records import.


def test_contribution_periods_imported_from_the_records_feed_show_on_the_form_at_once(
    app: Flask, client: Any, wechat_standin: WeChatStandIn, tmp_path: Path
) -> None:
    tokens = claimant(client, wechat_standin, verified=False, months=60)
    assert _field(client, tokens, "contribution_months") == 60
    assert _cached(f"person:{tokens['person_id']}") == ["prefill"]
    mine = _records(tokens["person_id"])
    earlier_job = f"{mine['id_number']},{mine['credit_code']},{TANGSHAN},2015-01,2016-12"
    imported = _import(app, _export(tmp_path, {"contributions.csv": f"{CONTRIBUTIONS_HEADER}\n{earlier_job}\n"}))
    assert imported.exit_code == 0, imported.output
    assert "新增 1 行" in imported.output
    assert _field(client, tokens, "contribution_months") == 84


def test_a_stop_contribution_record_imported_from_the_records_feed_shows_on_the_form_at_once(
    app: Flask, client: Any, wechat_standin: WeChatStandIn, tmp_path: Path
) -> None:
    tokens = claimant(client, wechat_standin, verified=False, stop_date=dt.date(2026, 10, 31))
    assert _field(client, tokens, "separation_date") == "2026-10-31"
    assert _cached(f"person:{tokens['person_id']}") == ["prefill"]
    mine = _records(tokens["person_id"])
    later_stop = f"{mine['id_number']},{mine['credit_code']},2026-11-30,经济性裁员"
    imported = _import(app, _export(tmp_path, {"stop_events.csv": f"{STOP_EVENTS_HEADER}\n{later_stop}\n"}))
    assert imported.exit_code == 0, imported.output
    assert _field(client, tokens, "separation_date") == "2026-11-30"


# 2. A correction accepted through the objection channel.


def test_a_record_corrected_through_an_objection_shows_on_the_form_and_on_the_objection_at_once(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, verified=False, reason="resigned")
    filed = objection(client, tokens).get_json()
    path = f"/api/v1/objections/{filed['id']}"
    assert _field(client, tokens, "separation_reason") == "resigned"
    assert _read(client, tokens, path)["status"] == "received"
    assert _cached(f"person:{tokens['person_id']}") == [f"objection:{filed['id']}", "prefill"]

    handler = staff(client, "handler1", "handler")
    proposed = act(
        client, handler, filed["id"], "accept", answer="予以更正", correction={"reason_code": "economic_layoff"}
    )
    assert proposed.status_code == 200, proposed.get_json()
    assert _read(client, tokens, path)["status"] == "correction_pending"
    assert _field(client, tokens, "separation_reason") == "resigned"  # nothing changes before a second person agrees

    reviewer = staff(client, "reviewer1", "reviewer")
    (correction,) = proposed.get_json()["corrections"]
    approved = client.post(
        f"/api/v1/staff/corrections/{correction['id']}/approve", json={"note": "核实"}, headers=bearer(reviewer)
    )
    assert approved.status_code == 200, approved.get_json()
    assert _field(client, tokens, "separation_reason") == "economic_layoff"
    answered = _read(client, tokens, path)
    assert (answered["status"], answered["answer"]["outcome"]) == ("answered", "accepted")


# 3. The fund-safety checks.


def _approved(client: Any, wechat: WeChatStandIn, **records: Any) -> tuple[dict[str, Any], int]:
    tokens = claimant(client, wechat, **records)
    claim = submit(client, tokens).get_json()
    assert claim["status"] == "approved", claim
    return tokens, int(claim["id"])


def test_a_suspect_list_that_holds_a_claim_shows_it_suspended_in_the_claim_and_the_list_at_once(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens, claim_id = _approved(client, wechat_standin)
    assert _claim_status(client, tokens, claim_id) == "approved"
    assert _listed(client, tokens) == [(claim_id, "approved")]
    assert _cached(f"person:{tokens['person_id']}") == [f"claim:{claim_id}", "claims"]
    reviewer = staff_login(client, "reviewer1", "reviewer", region=TANGSHAN)
    suspects = f"身份证号码,疑点类型\n{_records(tokens['person_id'])['id_number']},领取期间在外省参保缴费\n"
    uploaded = post_file(client, "/api/v1/staff/suspect-lists", reviewer, suspects.encode("utf-8-sig"), "疑点.csv")
    assert uploaded.status_code == 201 and uploaded.get_json()["opened"] == 1, uploaded.get_json()
    assert _claim_status(client, tokens, claim_id) == "suspended"
    assert _listed(client, tokens) == [(claim_id, "suspended")]


def test_the_cross_check_stopping_a_claim_shows_it_stopped_in_the_claim_and_the_list_at_once(
    app: Flask, client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens, claim_id = _approved(client, wechat_standin)
    with unit_of_work() as session:  # a new employer pays for the claimant from December
        person = session.get(Person, tokens["person_id"])
        assert person is not None
        factories.contribution(session, person, factories.employer(session, name="唐山新岗位有限公司"), TODAY, None)
    assert _claim_status(client, tokens, claim_id) == "approved"
    assert _listed(client, tokens) == [(claim_id, "approved")]
    assert _cached(f"person:{tokens['person_id']}") == [f"claim:{claim_id}", "claims"]
    checked = run_cli(app, "safety", "crosscheck")
    assert checked.exit_code == 0, checked.output
    assert "停止发放 1 人" in checked.output
    assert _claim_status(client, tokens, claim_id) == "stopped"
    assert _listed(client, tokens) == [(claim_id, "stopped")]


# 4. A reviewer's decision.


def test_a_reviewers_approval_of_a_claim_in_review_shows_in_the_claim_and_the_list_at_once(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, months=130)
    with unit_of_work() as session:  # two employers paid for 2024: a person must look
        add_contribution(session, tokens["person_id"], factories.employer(session), 2024, 2024)
    claim_id = submit(client, tokens).get_json()["id"]
    seen = _read(client, tokens, f"/api/v1/claims/{claim_id}")
    assert (seen["status"], seen["payments"]) == ("manual_review", [])
    assert _listed(client, tokens) == [(claim_id, "manual_review")]
    assert _cached(f"person:{tokens['person_id']}") == [f"claim:{claim_id}", "claims"]
    reviewer = staff_login(client, "reviewer1", "reviewer")
    approved = client.post(
        f"/api/v1/staff/claims/{claim_id}/approve", json={"note": "重叠月份为同一集团两公司"}, headers=bearer(reviewer)
    )
    assert approved.status_code == 200, approved.get_json()
    seen = _read(client, tokens, f"/api/v1/claims/{claim_id}")
    assert (seen["status"], len(seen["payments"])) == ("approved", 24)
    assert _listed(client, tokens) == [(claim_id, "approved")]


def test_a_reviewers_rejection_of_a_claim_in_review_shows_in_the_claim_and_the_list_at_once(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, reason="no_such_reason")
    claim_id = submit(client, tokens).get_json()["id"]
    assert _claim_status(client, tokens, claim_id) == "manual_review"
    assert _listed(client, tokens) == [(claim_id, "manual_review")]
    reviewer = staff_login(client, "reviewer1", "reviewer")
    rejected = client.post(
        f"/api/v1/staff/claims/{claim_id}/reject",
        json={"reason_codes": ["REEMPLOYED"], "note": "已在新单位参保"},
        headers=bearer(reviewer),
    )
    assert rejected.status_code == 200, rejected.get_json()
    seen = _read(client, tokens, f"/api/v1/claims/{claim_id}")
    assert (seen["status"], [r["code"] for r in seen["decision"]["refusals"]]) == ("rejected", ["REEMPLOYED"])
    assert _listed(client, tokens) == [(claim_id, "rejected")]


# 5. A regional parameter put in force by a second member of staff.


def _console_post(console: Any, path: str, **form: Any) -> str:
    token = _token(console.get("/console/").data)
    return str(console.post(path, data={"csrf_token": token, **form}, follow_redirects=True).data.decode())


def test_a_minimum_wage_put_in_force_today_by_a_second_person_changes_the_monthly_amounts_at_once(
    app: Flask, client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    schedule = _field(client, tokens, "monthly_amounts")
    assert [month["amount"] for month in schedule] == ["1980.00"] * 18  # 90 % of the 2,200 in force
    assert schedule[0]["period"] == "2026-12"
    staff_account("ts.admin", "admin", region=TANGSHAN)
    staff_account("ts.chief", "supervisor", region=TANGSHAN)
    admin, chief = console_client(app, "ts.admin"), console_client(app, "ts.chief")
    proposal = {
        "kind": "minimum_wage",
        "value": json.dumps({"monthly": "2100.00"}),
        "effective_from": TODAY.date().isoformat(),
        "citation": "冀政字〔2026〕99号",
        "reason": "省政府调整最低工资标准",
    }
    assert "须另一位管理员或主管审核后生效" in _console_post(
        admin, f"/console/regions/{TANGSHAN}/parameters", **proposal
    )
    before = _versions(tokens["person_id"])
    amounts = [month["amount"] for month in _field(client, tokens, "monthly_amounts")]
    assert set(amounts) == {"1980.00"} and _versions(tokens["person_id"]) == before  # proposed is not in force
    change = _pending_change()
    approved = _console_post(chief, f"/console/parameter-changes/{change}/approve", note="已核对", confirmed="1")
    assert f"自 {TODAY.date()} 起适用" in approved
    amounts = [month["amount"] for month in _field(client, tokens, "monthly_amounts")]
    # December follows the wage in force on its first day; every later month the new one.
    assert amounts == ["1980.00"] + ["1890.00"] * 17


def _pending_change() -> int:
    with unit_of_work() as session:
        (change_id,) = session.scalars(
            select(ParameterChange.id).where(ParameterChange.status == "pending").order_by(ParameterChange.id)
        ).all()
        return int(change_id)


# 6. An employer's duties.


def _duties_filed(client: Any, sms: SmsStandIn, firm: dict[str, Any]) -> dict[str, Any]:
    tokens = employer_login(client, sms, firm["credit_code"], CONTACT_PHONE)
    uploaded = upload_form(client, tokens, xlsx(form_rows(firm["workers"], separated_on="2026-12-04")))
    assert uploaded.status_code == 201, uploaded.get_json()
    return tokens


def test_a_duty_acknowledged_and_a_workers_name_corrected_show_on_the_employers_duties_at_once(
    app: Flask, client: Any, sms_standin: SmsStandIn, tmp_path: Path
) -> None:
    firm = employer_with_workers(2)
    tokens = _duties_filed(client, sms_standin, firm)
    pending = _pending_duties(client, tokens)
    assert [name for _, name in pending] == ["张三", "李四"]
    assert _cached(f"employer:{firm['id']}") == ["duties:pending"]

    done = client.post(f"/api/v1/employer/duties/{pending[0][0]}/acknowledge", headers=bearer(tokens))
    assert done.status_code == 200, done.get_json()
    assert _pending_duties(client, tokens) == [pending[1]]

    corrected = {**_records(firm["workers"][1]["id"])["row"], "name": "李思"}
    imported = _import(app, _export(tmp_path, {"persons.csv": _persons_csv(corrected)}))
    assert imported.exit_code == 0, imported.output
    assert _pending_duties(client, tokens) == [(pending[1][0], "李思")]


CLERK_OPENID = "o_clerk_who_also_claims"


def test_a_contact_whose_wechat_is_also_a_claimants_sees_the_employers_duties_change_at_once(
    client: Any, wechat_standin: WeChatStandIn, sms_standin: SmsStandIn
) -> None:
    """The payroll clerk was laid off from another job: the same WeChat user is bound to her own
    records as a claimant and signs in as her employer's contact. The duties are the employer's."""
    firm = employer_with_workers(2)
    by_sms = _duties_filed(client, sms_standin, firm)
    with unit_of_work() as session:
        clerk = factories.laid_off(session, name="李会计", sex="F")
        clerk_id, clerk_number = clerk.id, clerk.id_number
    as_claimant = wechat_login(client, wechat_standin, CLERK_OPENID)
    assert bind(client, as_claimant, clerk_number, "李会计").status_code == 200
    linked = client.post(
        "/api/v1/auth/employer/wechat", json={"code": wechat_standin.issue_code(CLERK_OPENID)}, headers=bearer(by_sms)
    )
    assert linked.status_code == 200, linked.get_json()
    signed_in = client.post(
        "/api/v1/auth/employer/wechat/login",
        json={"code": wechat_standin.issue_code(CLERK_OPENID), "credit_code": firm["credit_code"]},
    )
    assert signed_in.status_code == 200, signed_in.get_json()
    tokens = signed_in.get_json()
    assert _version("person", clerk_id) > 0  # her own records have a read version of their own

    pending = _pending_duties(client, tokens)
    assert len(pending) == 2
    assert _cached(f"employer:{firm['id']}") == ["duties:pending"]
    done = client.post(f"/api/v1/employer/duties/{pending[0][0]}/acknowledge", headers=bearer(tokens))
    assert done.status_code == 200, done.get_json()
    # The employer's answers stand under the employer's version, whoever's WeChat signed in.
    assert _pending_duties(client, tokens) == [pending[1]]


# 7. The claimant's own draft, saved and expired.


def test_a_saved_draft_shows_on_the_form_at_once(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    form = _form(client, tokens)
    assert (form["draft"], form["fields"]["contact_address"]["value"]) == (None, None)
    assert _cached(f"person:{tokens['person_id']}") == ["prefill"]
    saved = client.put("/api/v1/claims/draft", json={"contact_address": "路北区建设路1号"}, headers=bearer(tokens))
    assert saved.status_code == 200, saved.get_json()
    form = _form(client, tokens)
    assert form["draft"] is not None
    assert form["fields"]["contact_address"]["value"] == "路北区建设路1号"


def test_a_draft_leaves_the_form_the_moment_it_expires_though_nothing_was_written(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    kept_for = dt.timedelta(days=settings().CLAIM_DRAFT_TTL_DAYS)
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3)
    with time_machine.travel(expires - kept_for, tick=False):  # saved long ago: it expires in 3 s
        saved = client.put("/api/v1/claims/draft", json={"contact_address": "路北区建设路1号"}, headers=bearer(tokens))
        assert saved.status_code == 200, saved.get_json()
    form = _form(client, tokens)
    assert form["fields"]["contact_address"]["value"] == "路北区建设路1号"
    assert _cached(f"person:{tokens['person_id']}") == ["prefill"]
    before = _versions(tokens["person_id"])
    time.sleep((expires - dt.datetime.now(dt.UTC)).total_seconds() + 0.2)
    form = _form(client, tokens)
    assert (form["draft"], form["fields"]["contact_address"]["value"]) == (None, None)
    assert _versions(tokens["person_id"]) == before


# 8. A write that is rolled back.


def test_an_import_refused_after_writing_bumps_nothing_and_the_cached_form_is_still_served(
    app: Flask, client: Any, wechat_standin: WeChatStandIn, tmp_path: Path
) -> None:
    tokens = claimant(client, wechat_standin, verified=False, name="王建国")
    assert _field(client, tokens, "name") == "王建国"
    mine = _records(tokens["person_id"])
    before = _versions(tokens["person_id"])
    # The persons file lands first (flushed, its triggers run), then the contributions file is
    # refused: the whole import is rolled back.
    backwards = f"{mine['id_number']},{mine['credit_code']},{TANGSHAN},2016-12,2015-01"
    renamed = _export(
        tmp_path,
        {
            "persons.csv": _persons_csv({**mine["row"], "name": "王建民"}),
            "contributions.csv": f"{CONTRIBUTIONS_HEADER}\n{backwards}\n",
        },
    )
    refused = _import(app, renamed)
    assert refused.exit_code == 1 and "未写入任何数据" in refused.output, refused.output
    assert _versions(tokens["person_id"]) == before
    with _statements() as sent:
        assert _field(client, tokens, "name") == "王建国"
    assert not [statement for statement in sent if "stop_contribution_events" in statement]  # from the cache
    # The same persons file on its own lands, and shows.
    (renamed / "contributions.csv").unlink()
    assert _import(app, renamed).exit_code == 0
    assert _versions(tokens["person_id"])[0] > before[0]
    assert _field(client, tokens, "name") == "王建民"


def test_a_unit_of_work_that_raises_after_writing_bumps_nothing_and_the_cached_form_is_still_served(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, verified=False, months=60)
    assert _field(client, tokens, "contribution_months") == 60
    before = _versions(tokens["person_id"])
    with pytest.raises(RuntimeError, match="midway"), unit_of_work() as session:
        person = session.get(Person, tokens["person_id"])
        assert person is not None
        factories.contribution(session, person, factories.employer(session), dt.date(2015, 1, 1), dt.date(2016, 12, 1))
        person.name = "王建民"
        session.flush()
        raise RuntimeError("midway")
    assert _versions(tokens["person_id"]) == before
    with _statements() as sent:
        form = _form(client, tokens)
    assert (form["fields"]["contribution_months"]["value"], form["fields"]["name"]["value"]) == (60, "王建国")
    assert not [statement for statement in sent if "contribution_periods" in statement]  # from the cache


# 9. The cache turned off.


def test_with_the_cache_off_nothing_is_stored_and_the_answers_are_the_same(
    client: Any, make_app: Callable[..., Flask], wechat_standin: WeChatStandIn
) -> None:
    uncached = make_app(READ_CACHE_TTL_S=0).test_client()
    tokens = claimant(uncached, wechat_standin)
    claim_id = submit(uncached, tokens).get_json()["id"]
    paths = ("/api/v1/claims/prefill", "/api/v1/claims", f"/api/v1/claims/{claim_id}")
    without = {path: _read(uncached, tokens, path) for path in paths}
    assert {path: _read(uncached, tokens, path) for path in paths} == without
    assert _every_cached_answer() == []
    assert {path: _read(client, tokens, path) for path in paths} == without  # the same app with the cache on
    assert _cached(f"person:{tokens['person_id']}") == [f"claim:{claim_id}", "claims", "prefill"]


def test_with_the_cache_off_an_employers_duties_are_not_stored_either(
    app: Flask, make_app: Callable[..., Flask], sms_standin: SmsStandIn
) -> None:
    uncached = make_app(READ_CACHE_TTL_S=0).test_client()
    firm = employer_with_workers(1)
    tokens = _duties_filed(uncached, sms_standin, firm)
    assert len(_pending_duties(uncached, tokens)) == 1
    assert _every_cached_answer() == []


def test_a_cached_answer_is_encrypted_in_redis_and_tied_to_this_database(client: Any, wechat_standin: Any) -> None:
    tokens = claimant(client, wechat_standin)
    form = client.get("/api/v1/claims/prefill", headers=bearer(tokens))
    assert form.status_code == 200
    [key] = redis_store().client.scan_iter(match=cache_key(f"person:{tokens['person_id']}", "prefill"))
    stored = redis_store().client.get(key)
    assert stored is not None
    assert form.get_json()["fields"]["name"]["value"] not in stored  # the name, in the clear, nowhere
    again = client.get("/api/v1/claims/prefill", headers=bearer(tokens))
    assert again.get_json() == form.get_json()
    redis_store().client.set(key, stored.split("\n")[0] + "\nbm90IGEgc2VhbGVkIGJvZHk=")  # damaged in Redis
    assert client.get("/api/v1/claims/prefill", headers=bearer(tokens)).get_json() == form.get_json()
