"""Employer contacts log in with an SMS code; staff with a password; both get scoped tokens."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import time_machine
from flask import Flask
from sqlalchemy import select

from auth.models import StaffUser
from miniapp_api.db import unit_of_work
from notifications.standins.sms_server import SmsStandIn
from tests import factories
from tests.auth_helpers import (
    STAFF_PASSWORD,
    bearer,
    employer_login,
    sent_code,
    staff_account,
    staff_credentials,
    staff_login,
)
from tests.cli_helpers import run_cli

PHONE = "13912345678"


def an_employer_contact(phone: str = PHONE) -> str:
    with unit_of_work() as session:
        employer = factories.employer(session, name="唐山宏达机械制造有限公司")
        factories.contact(session, employer, phone=phone)
        return employer.credit_code


def ask_code(client: Any, credit_code: str, phone: str = PHONE) -> Any:
    return client.post("/api/v1/auth/employer/code", json={"credit_code": credit_code, "phone": phone})


def log_in(client: Any, credit_code: str, code: str, phone: str = PHONE) -> Any:
    return client.post("/api/v1/auth/employer/login", json={"credit_code": credit_code, "phone": phone, "code": code})


# --- employers -----------------------------------------------------------------------------------


def test_a_contact_gets_a_six_digit_code_by_sms_and_logs_in_scoped_to_the_employer(
    client: Any, sms_standin: SmsStandIn
) -> None:
    credit_code = an_employer_contact()
    tokens = employer_login(client, sms_standin, credit_code, PHONE)
    assert tokens["kind"] == "employer"
    code = sent_code(sms_standin, PHONE)
    assert len(code) == 6 and code.isdigit()
    me = client.get("/api/v1/auth/me", headers=bearer(tokens)).get_json()
    assert me["employer"]["credit_code"] == credit_code
    assert me["contact_phone"] == "139****5678"


def test_an_unknown_phone_gets_the_same_answer_and_no_sms(client: Any, sms_standin: SmsStandIn) -> None:
    credit_code = an_employer_contact()
    known = ask_code(client, credit_code)
    sms_standin.reset()
    unknown = ask_code(client, credit_code, phone="13700000000")
    assert (known.status_code, known.get_json()) == (unknown.status_code, unknown.get_json())
    assert sms_standin.accepted == []


def test_a_code_works_once(client: Any, sms_standin: SmsStandIn) -> None:
    credit_code = an_employer_contact()
    ask_code(client, credit_code)
    code = sent_code(sms_standin, PHONE)
    assert log_in(client, credit_code, code).status_code == 200
    again = log_in(client, credit_code, code)
    assert (again.status_code, again.get_json()["code"]) == (401, "OTP_INVALID")


def test_five_wrong_codes_void_the_code_and_lock_the_phone(client: Any, sms_standin: SmsStandIn) -> None:
    credit_code = an_employer_contact()
    ask_code(client, credit_code)
    code = sent_code(sms_standin, PHONE)
    wrong = "000000" if code != "000000" else "111111"
    answers = {log_in(client, credit_code, wrong).get_json()["code"] for _ in range(5)}
    locked = log_in(client, credit_code, code)
    assert answers == {"OTP_INVALID"}
    assert (locked.status_code, locked.get_json()["code"]) == (429, "LOCKED_OUT")
    asking = ask_code(client, credit_code)
    assert (asking.status_code, asking.get_json()["code"]) == (429, "LOCKED_OUT")


def test_a_wrong_code_reads_the_same_for_a_contact_and_a_stranger(client: Any, sms_standin: SmsStandIn) -> None:
    credit_code = an_employer_contact()
    ask_code(client, credit_code)
    contact = log_in(client, credit_code, "999999" if sent_code(sms_standin, PHONE) != "999999" else "888888")
    stranger = log_in(client, credit_code, "999999", phone="13700000009")
    assert contact.get_json()["message"] == stranger.get_json()["message"]
    assert contact.status_code == stranger.status_code == 401


def test_a_refused_second_code_request_leaves_the_first_code_working(client: Any, sms_standin: SmsStandIn) -> None:
    credit_code = an_employer_contact()
    ask_code(client, credit_code)
    first = sent_code(sms_standin, PHONE)
    assert ask_code(client, credit_code).status_code == 429  # one code a minute
    assert log_in(client, credit_code, first).status_code == 200


def test_a_code_expires(make_app: Any, sms_standin: SmsStandIn) -> None:
    app: Flask = make_app(OTP_TTL_S=1)
    with app.app_context():
        client = app.test_client()
        credit_code = an_employer_contact()
        ask_code(client, credit_code)
        time.sleep(1.2)
        late = log_in(client, credit_code, sent_code(sms_standin, PHONE))
    assert (late.status_code, late.get_json()["code"]) == (401, "OTP_INVALID")


def test_codes_to_one_phone_are_limited(client: Any, sms_standin: SmsStandIn) -> None:
    credit_code = an_employer_contact()
    assert ask_code(client, credit_code).status_code == 202
    second = ask_code(client, credit_code)
    assert second.status_code == 429
    assert int(second.headers["Retry-After"]) > 0


def test_one_code_a_minute_counts_from_the_last_code_not_the_clock_minute(client: Any, sms_standin: SmsStandIn) -> None:
    """Two codes 7 s apart across a minute boundary were once both sent."""
    credit_code = an_employer_contact()
    with time_machine.travel(dt.datetime(2026, 12, 7, 2, 0, 55, tzinfo=dt.UTC), tick=False):
        assert ask_code(client, credit_code).status_code == 202
    with time_machine.travel(dt.datetime(2026, 12, 7, 2, 1, 2, tzinfo=dt.UTC), tick=False):
        second = ask_code(client, credit_code)
    assert second.status_code == 429
    assert 50 <= int(second.headers["Retry-After"]) <= 60


def test_a_bad_credit_code_or_phone_is_named(client: Any) -> None:
    response = client.post("/api/v1/auth/employer/code", json={"credit_code": "91130203MA0000000X", "phone": "123"})
    assert response.status_code == 422
    assert set(response.get_json()["details"]["fields"]) == {"credit_code", "phone"}


# --- staff -----------------------------------------------------------------------------------------


def test_the_cli_creates_a_staff_account_that_logs_in_with_its_roles(app: Flask) -> None:
    result = run_cli(
        app,
        *("staff", "create", "zhang.san", "--name", "张三", "--role", "handler", "--role", "reviewer"),
        "--province-wide",
        "--password-stdin",
        input=f"{STAFF_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    client = app.test_client()
    not_enrolled = client.post(
        "/api/v1/auth/staff/login", json={"username": "zhang.san", "password": STAFF_PASSWORD, "code": "123456"}
    )
    assert (not_enrolled.status_code, not_enrolled.get_json()["code"]) == (403, "SECOND_FACTOR_NOT_ENROLLED")
    tokens = client.post("/api/v1/auth/staff/login", json=staff_credentials("zhang.san"))
    assert tokens.status_code == 200
    me = client.get("/api/v1/auth/me", headers=bearer(tokens.get_json())).get_json()
    assert me["staff"] == {
        "username": "zhang.san",
        "display_name": "张三",
        "roles": ["handler", "reviewer"],
        "region_code": None,
    }
    with unit_of_work() as session:
        assert session.scalars(select(StaffUser.password_hash)).one().startswith("$argon2id$")


def test_the_cli_asks_whether_an_account_is_regional_or_province_wide(app: Flask) -> None:
    result = run_cli(
        app,
        "staff",
        "create",
        "li.si",
        "--name",
        "李四",
        "--role",
        "auditor",
        "--password-stdin",
        input=f"{STAFF_PASSWORD}\n",
    )
    assert result.exit_code == 2
    assert "请指明账号范围：--region 统筹地区代码，或 --province-wide（全省）" in result.output
    with unit_of_work() as session:
        assert session.scalars(select(StaffUser)).all() == []


def test_the_cli_refuses_a_weak_password(app: Flask) -> None:
    result = run_cli(
        app,
        *("staff", "create", "li.si", "--name", "李四", "--role", "auditor", "--province-wide", "--password-stdin"),
        input="short\n",
    )
    assert result.exit_code == 1
    assert "密码至少12位" in result.output


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(client: Any) -> None:
    staff_account("wang.wu", "auditor")
    wrong = client.post(
        "/api/v1/auth/staff/login", json={"username": "wang.wu", "password": "nope", "code": "000000"}
    ).get_json()
    unknown = client.post(
        "/api/v1/auth/staff/login", json={"username": "nobody", "password": "nope", "code": "000000"}
    ).get_json()
    assert wrong["code"] == unknown["code"] == "LOGIN_FAILED"
    assert wrong["message"] == unknown["message"]


def test_five_wrong_passwords_lock_the_username(client: Any) -> None:
    staff_account("zhao.liu", "handler")
    for _ in range(5):
        client.post("/api/v1/auth/staff/login", json={"username": "zhao.liu", "password": "wrong", "code": "000000"})
    locked = client.post("/api/v1/auth/staff/login", json=staff_credentials("zhao.liu"))
    assert (locked.status_code, locked.get_json()["code"]) == (429, "LOCKED_OUT")


def test_the_password_alone_opens_nothing_a_code_works_once_and_five_wrong_codes_lock(client: Any) -> None:
    staff_account("sun.ba", "finance")
    good = staff_credentials("sun.ba")
    without = client.post("/api/v1/auth/staff/login", json={"username": "sun.ba", "password": STAFF_PASSWORD})
    assert without.status_code == 422 and "code" in without.get_json()["details"]["fields"]
    assert client.post("/api/v1/auth/staff/login", json=good).status_code == 200
    replayed = client.post("/api/v1/auth/staff/login", json=good)
    assert (replayed.status_code, replayed.get_json()["code"]) == (401, "SECOND_FACTOR_FAILED")
    for _ in range(4):
        client.post("/api/v1/auth/staff/login", json={**good, "code": "000000"})
    locked = client.post("/api/v1/auth/staff/login", json=staff_credentials("sun.ba"))
    assert (locked.status_code, locked.get_json()["code"]) == (429, "LOCKED_OUT")


def test_disabling_a_staff_account_ends_its_sessions(app: Flask) -> None:
    client = app.test_client()
    tokens = staff_login(client, "qian.qi", "admin")
    result = run_cli(app, "staff", "disable", "qian.qi")
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/auth/me", headers=bearer(tokens)).status_code == 401
