"""Every kind of writer invalidates the read cache, through the code path it uses in production.

Each test reads a claimant's (or an employer's) page once, so the answer is cached in Redis, then a
real writer changes something that page shows (the records import, a correction approved through
the objection channel, the fund-safety checks, a reviewer, a parameter change put in force by a
second member of staff, an employer) and the very next read shows it.

Time stands at 10:00 in China on a Monday, so the China date (part of every entry's tag) never
turns over during a test.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from miniapp_api.db import unit_of_work
from miniapp_api.records.models import ParameterChange, Person
from notifications.standins.sms_server import SmsStandIn
from notifications.standins.wechat_server import WeChatStandIn
from tests import factories
from tests.auth_helpers import bearer, bind, staff_account, staff_login, wechat_login
from tests.claims_helpers import add_contribution, claimant, submit
from tests.cli_helpers import run_cli
from tests.employers_helpers import employer_with_workers, post_file
from tests.objections_helpers import act, objection, staff
from tests.read_cache_helpers import (
    CONTRIBUTIONS_HEADER,
    STOP_EVENTS_HEADER,
    TANGSHAN,
    TODAY,
    cached,
    claim_status,
    claims_listed,
    duties_filed,
    export_dir,
    form_field,
    import_records,
    pending_duties,
    persons_csv,
    read,
    records_of,
    version,
    versions,
)
from tests.test_console_access import _token, console_client


@pytest.fixture(autouse=True)
def _ten_in_the_morning_in_china() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=True):
        yield


# 1. The bulk records import.


def test_contribution_periods_imported_from_the_records_feed_show_on_the_form_at_once(
    app: Flask, client: Any, wechat_standin: WeChatStandIn, tmp_path: Path
) -> None:
    tokens = claimant(client, wechat_standin, verified=False, months=60)
    assert form_field(client, tokens, "contribution_months") == 60
    assert cached(f"person:{tokens['person_id']}") == ["prefill"]
    mine = records_of(tokens["person_id"])
    earlier_job = f"{mine['id_number']},{mine['credit_code']},{TANGSHAN},2015-01,2016-12"
    imported = import_records(
        app, export_dir(tmp_path, {"contributions.csv": f"{CONTRIBUTIONS_HEADER}\n{earlier_job}\n"})
    )
    assert imported.exit_code == 0, imported.output
    assert "新增 1 行" in imported.output
    assert form_field(client, tokens, "contribution_months") == 84


def test_a_stop_contribution_record_imported_from_the_records_feed_shows_on_the_form_at_once(
    app: Flask, client: Any, wechat_standin: WeChatStandIn, tmp_path: Path
) -> None:
    tokens = claimant(client, wechat_standin, verified=False, stop_date=dt.date(2026, 10, 31))
    assert form_field(client, tokens, "separation_date") == "2026-10-31"
    assert cached(f"person:{tokens['person_id']}") == ["prefill"]
    mine = records_of(tokens["person_id"])
    later_stop = f"{mine['id_number']},{mine['credit_code']},2026-11-30,经济性裁员"
    imported = import_records(app, export_dir(tmp_path, {"stop_events.csv": f"{STOP_EVENTS_HEADER}\n{later_stop}\n"}))
    assert imported.exit_code == 0, imported.output
    assert form_field(client, tokens, "separation_date") == "2026-11-30"


# 2. A correction accepted through the objection channel.


def test_a_record_corrected_through_an_objection_shows_on_the_form_and_on_the_objection_at_once(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, verified=False, reason="resigned")
    filed = objection(client, tokens).get_json()
    path = f"/api/v1/objections/{filed['id']}"
    assert form_field(client, tokens, "separation_reason") == "resigned"
    assert read(client, tokens, path)["status"] == "received"
    assert cached(f"person:{tokens['person_id']}") == [f"objection:{filed['id']}", "prefill"]

    handler = staff(client, "handler1", "handler")
    proposed = act(
        client, handler, filed["id"], "accept", answer="予以更正", correction={"reason_code": "economic_layoff"}
    )
    assert proposed.status_code == 200, proposed.get_json()
    assert read(client, tokens, path)["status"] == "correction_pending"
    assert (
        form_field(client, tokens, "separation_reason") == "resigned"
    )  # nothing changes before a second person agrees

    reviewer = staff(client, "reviewer1", "reviewer")
    (correction,) = proposed.get_json()["corrections"]
    approved = client.post(
        f"/api/v1/staff/corrections/{correction['id']}/approve", json={"note": "核实"}, headers=bearer(reviewer)
    )
    assert approved.status_code == 200, approved.get_json()
    assert form_field(client, tokens, "separation_reason") == "economic_layoff"
    answered = read(client, tokens, path)
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
    assert claim_status(client, tokens, claim_id) == "approved"
    assert claims_listed(client, tokens) == [(claim_id, "approved")]
    assert cached(f"person:{tokens['person_id']}") == [f"claim:{claim_id}", "claims"]
    reviewer = staff_login(client, "reviewer1", "reviewer", region=TANGSHAN)
    suspects = f"身份证号码,疑点类型\n{records_of(tokens['person_id'])['id_number']},领取期间在外省参保缴费\n"
    uploaded = post_file(client, "/api/v1/staff/suspect-lists", reviewer, suspects.encode("utf-8-sig"), "疑点.csv")
    assert uploaded.status_code == 201 and uploaded.get_json()["opened"] == 1, uploaded.get_json()
    assert claim_status(client, tokens, claim_id) == "suspended"
    assert claims_listed(client, tokens) == [(claim_id, "suspended")]


def test_the_cross_check_stopping_a_claim_shows_it_stopped_in_the_claim_and_the_list_at_once(
    app: Flask, client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens, claim_id = _approved(client, wechat_standin)
    with unit_of_work() as session:  # a new employer pays for the claimant from December
        person = session.get(Person, tokens["person_id"])
        assert person is not None
        factories.contribution(session, person, factories.employer(session, name="唐山新岗位有限公司"), TODAY, None)
    assert claim_status(client, tokens, claim_id) == "approved"
    assert claims_listed(client, tokens) == [(claim_id, "approved")]
    assert cached(f"person:{tokens['person_id']}") == [f"claim:{claim_id}", "claims"]
    checked = run_cli(app, "safety", "crosscheck")
    assert checked.exit_code == 0, checked.output
    assert "停止发放 1 人" in checked.output
    assert claim_status(client, tokens, claim_id) == "stopped"
    assert claims_listed(client, tokens) == [(claim_id, "stopped")]


# 4. A reviewer's decision.


def test_a_reviewers_approval_of_a_claim_in_review_shows_in_the_claim_and_the_list_at_once(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, months=130)
    with unit_of_work() as session:  # two employers paid for 2024: a person must look
        add_contribution(session, tokens["person_id"], factories.employer(session), 2024, 2024)
    claim_id = submit(client, tokens).get_json()["id"]
    seen = read(client, tokens, f"/api/v1/claims/{claim_id}")
    assert (seen["status"], seen["payments"]) == ("manual_review", [])
    assert claims_listed(client, tokens) == [(claim_id, "manual_review")]
    assert cached(f"person:{tokens['person_id']}") == [f"claim:{claim_id}", "claims"]
    reviewer = staff_login(client, "reviewer1", "reviewer")
    approved = client.post(
        f"/api/v1/staff/claims/{claim_id}/approve", json={"note": "重叠月份为同一集团两公司"}, headers=bearer(reviewer)
    )
    assert approved.status_code == 200, approved.get_json()
    seen = read(client, tokens, f"/api/v1/claims/{claim_id}")
    assert (seen["status"], len(seen["payments"])) == ("approved", 24)
    assert claims_listed(client, tokens) == [(claim_id, "approved")]


def test_a_reviewers_rejection_of_a_claim_in_review_shows_in_the_claim_and_the_list_at_once(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, reason="no_such_reason")
    claim_id = submit(client, tokens).get_json()["id"]
    assert claim_status(client, tokens, claim_id) == "manual_review"
    assert claims_listed(client, tokens) == [(claim_id, "manual_review")]
    reviewer = staff_login(client, "reviewer1", "reviewer")
    rejected = client.post(
        f"/api/v1/staff/claims/{claim_id}/reject",
        json={"reason_codes": ["REEMPLOYED"], "note": "已在新单位参保"},
        headers=bearer(reviewer),
    )
    assert rejected.status_code == 200, rejected.get_json()
    seen = read(client, tokens, f"/api/v1/claims/{claim_id}")
    assert (seen["status"], [r["code"] for r in seen["decision"]["refusals"]]) == ("rejected", ["REEMPLOYED"])
    assert claims_listed(client, tokens) == [(claim_id, "rejected")]


# 5. A regional parameter put in force by a second member of staff.


def _console_post(console: Any, path: str, **form: Any) -> str:
    token = _token(console.get("/console/").data)
    return str(console.post(path, data={"csrf_token": token, **form}, follow_redirects=True).data.decode())


def test_a_minimum_wage_put_in_force_today_by_a_second_person_changes_the_monthly_amounts_at_once(
    app: Flask, client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    schedule = form_field(client, tokens, "monthly_amounts")
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
    before = versions(tokens["person_id"])
    amounts = [month["amount"] for month in form_field(client, tokens, "monthly_amounts")]
    assert set(amounts) == {"1980.00"} and versions(tokens["person_id"]) == before  # proposed is not in force
    change = _pending_change()
    approved = _console_post(chief, f"/console/parameter-changes/{change}/approve", note="已核对", confirmed="1")
    assert f"自 {TODAY.date()} 起适用" in approved
    amounts = [month["amount"] for month in form_field(client, tokens, "monthly_amounts")]
    # December follows the wage in force on its first day; every later month the new one.
    assert amounts == ["1980.00"] + ["1890.00"] * 17


def _pending_change() -> int:
    with unit_of_work() as session:
        (change_id,) = session.scalars(
            select(ParameterChange.id).where(ParameterChange.status == "pending").order_by(ParameterChange.id)
        ).all()
        return int(change_id)


# 6. An employer's duties.


def test_a_duty_acknowledged_and_a_workers_name_corrected_show_on_the_employers_duties_at_once(
    app: Flask, client: Any, sms_standin: SmsStandIn, tmp_path: Path
) -> None:
    firm = employer_with_workers(2)
    tokens = duties_filed(client, sms_standin, firm)
    pending = pending_duties(client, tokens)
    assert [name for _, name in pending] == ["张三", "李四"]
    assert cached(f"employer:{firm['id']}") == ["duties:pending"]

    done = client.post(f"/api/v1/employer/duties/{pending[0][0]}/acknowledge", headers=bearer(tokens))
    assert done.status_code == 200, done.get_json()
    assert pending_duties(client, tokens) == [pending[1]]

    corrected = {**records_of(firm["workers"][1]["id"])["row"], "name": "李思"}
    imported = import_records(app, export_dir(tmp_path, {"persons.csv": persons_csv(corrected)}))
    assert imported.exit_code == 0, imported.output
    assert pending_duties(client, tokens) == [(pending[1][0], "李思")]


CLERK_OPENID = "o_clerk_who_also_claims"


def test_a_contact_whose_wechat_is_also_a_claimants_sees_the_employers_duties_change_at_once(
    client: Any, wechat_standin: WeChatStandIn, sms_standin: SmsStandIn
) -> None:
    """The payroll clerk was laid off from another job: the same WeChat user is bound to her own
    records as a claimant and signs in as her employer's contact. The duties are the employer's."""
    firm = employer_with_workers(2)
    by_sms = duties_filed(client, sms_standin, firm)
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
    assert version("person", clerk_id) > 0  # her own records have a read version of their own

    pending = pending_duties(client, tokens)
    assert len(pending) == 2
    assert cached(f"employer:{firm['id']}") == ["duties:pending"]
    done = client.post(f"/api/v1/employer/duties/{pending[0][0]}/acknowledge", headers=bearer(tokens))
    assert done.status_code == 200, done.get_json()
    # The employer's answers stand under the employer's version, whoever's WeChat signed in.
    assert pending_duties(client, tokens) == [pending[1]]
