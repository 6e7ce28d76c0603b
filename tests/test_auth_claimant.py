"""Claimants: WeChat login through wechatpy and the stand-in, real-name binding, sessions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import requests
import time_machine
from flask import Flask
from sqlalchemy import func, select, text

from auth.models import AuthSession, WeChatAccount
from miniapp_api.audit.models import AuditEvent
from miniapp_api.db import unit_of_work
from miniapp_api.records import demo
from notifications.standins.wechat_server import WeChatStandIn
from tests import factories
from tests.auth_helpers import bearer, bind, bound_claimant, face_verify, staff_login, wechat_login

NAME = "王建国"


def count(model: Any) -> int:
    with unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def a_person(**fields: Any) -> tuple[int, str]:
    with unit_of_work() as session:
        person = factories.person(session, name=fields.pop("name", NAME), **fields)
        return person.id, person.id_number


# --- WeChat login ------------------------------------------------------------------------------


def test_a_wx_login_code_gives_tokens_and_keeps_the_session_key_on_the_server(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = wechat_login(client, wechat_standin, openid="o-claimant-1")
    assert tokens["token_type"] == "Bearer" and tokens["kind"] == "claimant" and tokens["level"] == "wechat"
    assert tokens["access_token"].startswith("at_") and tokens["refresh_token"].startswith("rt_")
    assert "session_key" not in str(tokens)
    with unit_of_work() as session:
        account = session.scalars(select(WeChatAccount)).one()
        assert account.openid == "o-claimant-1" and account.session_key
        raw = bytes(session.execute(text("SELECT session_key FROM wechat_accounts")).scalar_one())
        assert account.session_key.encode() not in raw  # stored encrypted
    me = client.get("/api/v1/auth/me", headers=bearer(tokens)).get_json()
    assert (me["kind"], me["level"], me["person"]) == ("claimant", "wechat", None)


def test_logging_in_again_with_the_same_wechat_user_reuses_the_account(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    first = wechat_login(client, wechat_standin, openid="o-same")
    second = wechat_login(client, wechat_standin, openid="o-same")
    assert first["access_token"] != second["access_token"]
    assert (count(WeChatAccount), count(AuthSession)) == (1, 2)


def test_an_invalid_code_is_401_in_chinese_and_writes_nothing(client: Any) -> None:
    response = client.post("/api/v1/auth/wechat/login", json={"code": "never-issued"})
    assert response.status_code == 401
    assert response.get_json()["code"] == "WECHAT_CODE_INVALID"
    assert "重新进入小程序" in response.get_json()["message"]
    assert (count(WeChatAccount), count(AuthSession)) == (0, 0)


def test_a_code_works_only_once(client: Any, wechat_standin: WeChatStandIn) -> None:
    code = wechat_standin.issue_code()
    assert client.post("/api/v1/auth/wechat/login", json={"code": code}).status_code == 200
    assert client.post("/api/v1/auth/wechat/login", json={"code": code}).status_code == 401


def test_wechat_saying_too_frequent_is_429_with_retry_after(client: Any, wechat_standin: WeChatStandIn) -> None:
    wechat_standin.script("/sns/jscode2session", (200, {"errcode": 45011, "errmsg": "api minute-quota reach limit"}))
    response = client.post("/api/v1/auth/wechat/login", json={"code": wechat_standin.issue_code()})
    assert response.status_code == 429
    assert response.get_json()["code"] == "WECHAT_RATE_LIMITED"
    assert int(response.headers["Retry-After"]) > 0


def test_wechat_failing_is_503_and_nothing_is_half_written(client: Any, wechat_standin: WeChatStandIn) -> None:
    wechat_standin.script("/sns/jscode2session", (502, {"error": "bad gateway"}))
    response = client.post("/api/v1/auth/wechat/login", json={"code": wechat_standin.issue_code()})
    assert (response.status_code, response.get_json()["code"]) == (503, "WECHAT_UNAVAILABLE")
    assert (count(WeChatAccount), count(AuthSession)) == (0, 0)


def test_wechat_unreachable_is_503(make_app: Any) -> None:
    app = make_app(WECHAT_API_BASE_URL="http://127.0.0.1:9")
    with app.app_context():
        response = app.test_client().post("/api/v1/auth/wechat/login", json={"code": "abc"})
    assert (response.status_code, response.get_json()["code"]) == (503, "WECHAT_UNAVAILABLE")


# --- real-name binding -------------------------------------------------------------------------


def test_binding_with_the_right_id_number_and_name_raises_the_level(client: Any, wechat_standin: WeChatStandIn) -> None:
    _person_id, id_number = a_person()
    tokens = wechat_login(client, wechat_standin)
    response = bind(client, tokens, id_number.lower(), " 王 建国 ")
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["level"] == "bound" and answer["already_bound"] is False
    assert (
        answer["person"]["name"] == "王*国"
        and answer["person"]["id_number"] == id_number[:4] + "*" * 10 + id_number[-4:]
    )
    assert client.get("/api/v1/auth/me", headers=bearer(tokens)).get_json()["level"] == "bound"
    assert bind(client, tokens, id_number, NAME).get_json()["already_bound"] is True


def test_a_wrong_check_character_is_refused_before_any_record_is_read(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    _person_id, id_number = a_person()
    wrong = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")
    response = bind(client, wechat_login(client, wechat_standin), wrong, NAME)
    assert response.status_code == 422
    assert "身份证号码（id_number）" in response.get_json()["message"]
    assert "校验" in response.get_json()["message"]


def test_a_wrong_name_and_an_unknown_id_number_get_the_same_answer(client: Any, wechat_standin: WeChatStandIn) -> None:
    _person_id, id_number = a_person()
    unknown = factories.make_id_number("130203", dt.date(1990, 1, 1), 777)
    tokens = wechat_login(client, wechat_standin)
    wrong_name = bind(client, tokens, id_number, "李四").get_json()
    not_found = bind(client, tokens, unknown, NAME).get_json()
    assert wrong_name["code"] == not_found["code"] == "IDENTITY_UNCONFIRMED"
    assert wrong_name["message"] == not_found["message"]
    assert wrong_name["details"] == not_found["details"] == {"face_route": "/api/v1/liveness/identity-challenges"}


def test_repeated_failed_binding_locks_the_account_even_for_the_right_answer(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    _person_id, id_number = a_person()
    tokens = wechat_login(client, wechat_standin)
    statuses = [bind(client, tokens, id_number, "李四").status_code for _ in range(5)]
    locked = bind(client, tokens, id_number, NAME)
    assert statuses == [422] * 5
    assert (locked.status_code, locked.get_json()["code"]) == (429, "LOCKED_OUT")
    assert int(locked.headers["Retry-After"]) > 0


def test_one_person_binds_one_account_and_moving_it_needs_a_face_check(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    person_id, id_number = a_person()
    first = bound_claimant(client, wechat_standin, id_number, NAME)
    second = wechat_login(client, wechat_standin)
    refused = bind(client, second, id_number, NAME)
    assert (refused.status_code, refused.get_json()["code"]) == (422, "IDENTITY_UNCONFIRMED")  # as a wrong name

    face_verify(second, person_id)
    moved = bind(client, second, id_number, NAME)
    assert moved.status_code == 200
    assert client.get("/api/v1/auth/me", headers=bearer(first)).status_code == 401  # the old account's session ended
    with unit_of_work() as session:
        holders = session.scalars(select(WeChatAccount).where(WeChatAccount.person_id == person_id)).all()
        assert len(holders) == 1


def test_one_account_binds_one_person_and_switching_needs_a_face_check(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    _first_id, first_number = a_person()
    second_id, second_number = a_person(name="赵敏", sex="F", birth_date=dt.date(1985, 2, 3))
    tokens = bound_claimant(client, wechat_standin, first_number, NAME)
    refused = bind(client, tokens, second_number, "赵敏")
    assert (refused.status_code, refused.get_json()["code"]) == (422, "IDENTITY_UNCONFIRMED")
    face_verify(tokens, second_id)
    assert bind(client, tokens, second_number, "赵敏").status_code == 200


def test_a_face_check_for_oneself_does_not_open_someone_elses_binding(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    my_id, my_number = a_person()
    _victim_id, victim_number = a_person(name="赵敏", sex="F", birth_date=dt.date(1985, 2, 3))
    victim = bound_claimant(client, wechat_standin, victim_number, "赵敏")
    attacker = bound_claimant(client, wechat_standin, my_number, NAME)
    face_verify(attacker, my_id)
    taken = bind(client, attacker, victim_number, "赵敏")
    assert (taken.status_code, taken.get_json()["code"]) == (422, "IDENTITY_UNCONFIRMED")
    assert client.get("/api/v1/auth/me", headers=bearer(victim)).status_code == 200


def test_binding_ones_own_identity_does_not_wipe_earlier_failed_guesses(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    _my_id, my_number = a_person()
    _other_id, other_number = a_person(name="赵敏", sex="F", birth_date=dt.date(1985, 2, 3))
    tokens = bound_claimant(client, wechat_standin, my_number, NAME)
    guesses = [bind(client, tokens, other_number, f"赵{given}").status_code for given in "一二三四"]
    assert bind(client, tokens, my_number, NAME).status_code == 200
    fifth = bind(client, tokens, other_number, "赵五")
    assert guesses == [422] * 4 and fifth.status_code == 422
    assert bind(client, tokens, my_number, NAME).get_json()["code"] == "LOCKED_OUT"


def test_only_claimants_bind_identities(client: Any) -> None:
    staff = staff_login(client, "handler1", "handler")
    response = client.post("/api/v1/auth/identity", json={"id_number": "x", "name": "y"}, headers=bearer(staff))
    assert (response.status_code, response.get_json()["code"]) == (403, "WRONG_ACCOUNT_KIND")


# --- sessions ------------------------------------------------------------------------------------


def test_no_token_or_a_made_up_one_is_401_with_a_bearer_challenge(client: Any) -> None:
    missing = client.get("/api/v1/auth/me")
    made_up = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer at_made-up"})
    assert (missing.status_code, missing.get_json()["code"]) == (401, "UNAUTHENTICATED")
    assert (made_up.status_code, made_up.get_json()["code"]) == (401, "TOKEN_INVALID")
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_access_token_expires_and_the_refresh_token_rotates(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = wechat_login(client, wechat_standin)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)):
        expired = client.get("/api/v1/auth/me", headers=bearer(tokens))
        assert (expired.status_code, expired.get_json()["code"]) == (401, "TOKEN_EXPIRED")
        renewed = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert renewed.status_code == 200
        fresh = renewed.get_json()
        assert fresh["refresh_token"] != tokens["refresh_token"]
        assert client.get("/api/v1/auth/me", headers=bearer(fresh)).status_code == 200


def test_a_reused_refresh_token_ends_the_whole_session(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = wechat_login(client, wechat_standin)
    fresh = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).get_json()
    assert client.get("/api/v1/auth/me", headers=bearer(tokens)).status_code == 401  # the old access token is gone
    reused = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert (reused.status_code, reused.get_json()["code"]) == (401, "REFRESH_REUSED")
    assert client.get("/api/v1/auth/me", headers=bearer(fresh)).status_code == 401
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": fresh["refresh_token"]}).status_code == 401


def test_logout_revokes_the_session(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = wechat_login(client, wechat_standin)
    assert client.post("/api/v1/auth/logout", headers=bearer(tokens)).status_code == 204
    assert client.get("/api/v1/auth/me", headers=bearer(tokens)).status_code == 401
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401


def test_face_verification_lasts_ten_minutes(client: Any, wechat_standin: WeChatStandIn) -> None:
    person_id, id_number = a_person()
    tokens = bound_claimant(client, wechat_standin, id_number, NAME)
    face_verify(tokens, person_id)
    assert client.get("/api/v1/auth/me", headers=bearer(tokens)).get_json()["level"] == "face_verified"
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10, seconds=5)):
        fresh = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).get_json()
        assert client.get("/api/v1/auth/me", headers=bearer(fresh)).get_json()["level"] == "bound"


def test_the_login_endpoint_is_rate_limited_per_client(make_app: Any, wechat_standin: WeChatStandIn) -> None:
    app: Flask = make_app(RATE_LIMIT_LOGIN="2/minute")
    with app.app_context():
        client = app.test_client()
        statuses = [client.post("/api/v1/auth/wechat/login", json={"code": "x"}).status_code for _ in range(3)]
        limited = client.post("/api/v1/auth/wechat/login", json={"code": "x"})
    assert statuses == [401, 401, 429]
    assert limited.get_json()["code"] == "TOO_MANY_REQUESTS"
    assert int(limited.headers["Retry-After"]) > 0


def test_auth_events_are_audited_without_secrets(client: Any, wechat_standin: WeChatStandIn) -> None:
    _person_id, id_number = a_person()
    tokens = wechat_login(client, wechat_standin)
    bind(client, tokens, id_number, "李四")  # fails: kept although the request rolled back
    bind(client, tokens, id_number, NAME)
    client.post("/api/v1/auth/logout", headers=bearer(tokens))
    with unit_of_work() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        trail = [(event.action, event.outcome) for event in events]
        text = " ".join(str(event.detail) for event in events)
    assert trail == [
        ("auth.wechat_login", "success"),
        ("auth.bind", "failure"),
        ("auth.bind", "success"),
        ("auth.logout", "success"),
    ]
    assert id_number not in text and tokens["access_token"] not in text and "李四" not in text


def test_the_readme_walkthrough_logs_in_and_binds_the_demo_claimant(client: Any, wechat_standin: WeChatStandIn) -> None:
    with unit_of_work() as session:
        demo.seed_demo(session, persons=5, seed=1, as_of=dt.date(2026, 11, 21))
    asked = requests.post(f"{wechat_standin.url}/__control__/wx-login", json={}, timeout=5)
    tokens = client.post("/api/v1/auth/wechat/login", json={"code": asked.json()["code"]}).get_json()
    walkthrough = demo.WALKTHROUGH_CLAIMANT
    bound = bind(client, tokens, walkthrough["id_number"], walkthrough["name"])
    assert bound.status_code == 200, bound.get_json()
    assert client.get("/api/v1/auth/me", headers=bearer(tokens)).get_json()["person"]["name"] == "张*"
