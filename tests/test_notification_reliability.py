"""Retries, failover, limits, quiet hours, deduplication, receipts and the sweep."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from miniapp_api.db import unit_of_work
from miniapp_api.extensions import redis_store
from notifications import delivery
from notifications.failover import ProviderBalance
from notifications.limits import TooManyMessages, quiet_until, retry_delay_s
from notifications.models import Message, NotificationAlert
from notifications.providers import channels
from notifications.standins.sms_server import SmsStandIn
from notifications.standins.wechat_server import WeChatStandIn
from tests.conftest import RECEIPT_TOKEN
from tests.notify_helpers import APPROVED, LOGIN_CODE, PHONE, message, queue, statuses, wait_for_status
from tests.processes import wait_until

pytestmark = pytest.mark.usefixtures("live_server")
CHINA = ZoneInfo("Asia/Shanghai")
SYSTEM_ERROR = (200, {"Code": "isp.SYSTEM_ERROR", "Message": "系统繁忙", "RequestId": "r"})


def _aliyun_only(make_app: Callable[..., Flask], **settings: Any) -> Flask:
    return make_app(SMS_PROVIDERS="aliyun", NOTIFY_RETRY_BASE_S=1.0, **settings)


def _later(seconds: float) -> Any:
    return time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds), tick=True)


def test_a_provider_error_is_retried_later_and_then_delivered(
    make_app: Callable[..., Flask], sms_standin: SmsStandIn
) -> None:
    with _aliyun_only(make_app).app_context():
        sms_standin.script("aliyun:SendSms", SYSTEM_ERROR)
        message_id = queue("claim_approved", APPROVED)
        waiting = message(message_id)
        assert waiting.status == "created"
        assert waiting.next_attempt_at is not None
        assert "isp.SYSTEM_ERROR" in (waiting.events[-1].detail or "")
        with _later(5):
            delivery.deliver(message_id)
        assert wait_for_status(message_id, "delivered").status == "delivered"
        assert statuses(message_id) == ["created", "sending", "created", "sending", "sent", "delivered"]
        assert sms_standin.sends_by_reference[message_id] == 1


def test_after_the_last_attempt_a_message_is_a_technical_failure_with_an_alert(
    make_app: Callable[..., Flask], sms_standin: SmsStandIn
) -> None:
    with _aliyun_only(make_app, NOTIFY_MAX_ATTEMPTS=3).app_context():
        sms_standin.script("aliyun:SendSms", SYSTEM_ERROR, SYSTEM_ERROR, SYSTEM_ERROR)
        message_id = queue("claim_approved", APPROVED)
        for hop in range(2):
            with _later(120 * (hop + 1)):
                delivery.deliver(message_id)
        failed = message(message_id)
        assert failed.status == "technical_failure"
        assert failed.attempts == 3
        with unit_of_work() as session:
            alert = session.scalars(select(NotificationAlert)).one()
        assert alert.message_id == message_id
        assert sms_standin.accepted == []


def test_backoff_grows_exponentially_up_to_its_cap_with_jitter() -> None:
    import random

    rng = random.Random(1)
    delays = [retry_delay_s(n, base_s=30, cap_s=600, urgent=False, rng=rng) for n in range(1, 8)]
    for attempt, delay in enumerate(delays, start=1):
        nominal = min(600, 30 * 2 ** (attempt - 1))  # 30, 60, 120, … capped at 600
        assert 0.5 * nominal <= delay <= 1.5 * nominal
    assert retry_delay_s(1, base_s=30, cap_s=600, urgent=True, rng=rng) <= 4.5


def test_a_failing_provider_loses_weight_to_the_other_and_earns_it_back(app: Flask) -> None:
    balance = ProviderBalance(redis_store(), ["aliyun", "tencent"])
    assert balance.weights() == {"aliyun": 100, "tencent": 50}
    for _ in range(3):
        balance.record_failure("aliyun")
    assert balance.weights()["aliyun"] == 10
    import random

    rng = random.Random(3)
    picks = [balance.choose(rng) for _ in range(600)]
    assert picks.count("tencent") > 4 * picks.count("aliyun")
    for _ in range(20):
        balance.record_success("aliyun")
    assert balance.weights()["aliyun"] == 100


@pytest.mark.parametrize(
    ("provider", "answer"),
    [
        ("aliyun", SYSTEM_ERROR),
        ("aliyun", (200, {"Code": "isv.AMOUNT_NOT_ENOUGH", "Message": "账户余额不足", "RequestId": "r"})),
        ("tencent", (500, {"Response": {"Error": {"Code": "InternalError", "Message": "x"}}})),
        (
            "tencent",
            (200, {"Response": {"Error": {"Code": "LimitExceeded.AppDailyLimit", "Message": "x"}, "RequestId": "r"}}),
        ),
    ],
)
def test_a_provider_error_is_retried_and_costs_that_provider_weight(
    make_app: Callable[..., Flask], sms_standin: SmsStandIn, provider: str, answer: tuple[int, Any]
) -> None:
    with make_app(SMS_PROVIDERS=provider).app_context():
        sms_standin.script(f"{provider}:SendSms", answer)
        message_id = queue("claim_approved", APPROVED)
        assert message(message_id).status == "created"  # waiting for its retry, not failed
        assert channels().balance.weights()[provider] == 100 - 30


def test_login_codes_to_one_number_are_limited_to_one_a_minute(app: Flask) -> None:
    queue("login_code", LOGIN_CODE)
    with pytest.raises(TooManyMessages) as caught:
        queue("login_code", LOGIN_CODE)
    assert caught.value.status == 429
    assert 0 < caught.value.details["retry_after_s"] <= 60
    assert "秒后再试" in caught.value.message
    queue("login_code", LOGIN_CODE, phone="13900139000")  # another number is not affected


def test_login_codes_are_limited_to_five_an_hour(app: Flask) -> None:
    start = dt.datetime(2026, 11, 23, 10, 0, tzinfo=CHINA)
    for minute in range(5):
        with time_machine.travel(start + dt.timedelta(minutes=2 * minute), tick=False):
            queue("login_code", LOGIN_CODE)
    with time_machine.travel(start + dt.timedelta(minutes=12), tick=False), pytest.raises(TooManyMessages):
        queue("login_code", LOGIN_CODE)


def test_non_urgent_sms_wait_for_the_end_of_quiet_hours_and_codes_do_not(
    make_app: Callable[..., Flask], sms_standin: SmsStandIn
) -> None:
    with make_app(SMS_QUIET_HOURS="21:00-08:00").app_context():
        late_evening = dt.datetime(2026, 11, 23, 22, 30, tzinfo=CHINA)
        with time_machine.travel(late_evening, tick=False):
            held = queue("claim_approved", APPROVED)
            code = queue("login_code", LOGIN_CODE)
        assert message(held).status == "created"
        assert message(held).next_attempt_at == dt.datetime(2026, 11, 24, 8, 0, tzinfo=CHINA)
        assert [r["reference"] for r in sms_standin.accepted] == [code]
        with time_machine.travel(dt.datetime(2026, 11, 24, 8, 1, tzinfo=CHINA), tick=True):
            delivery.deliver(held)
        assert wait_for_status(held, "delivered").status == "delivered"


def test_quiet_hours_across_midnight_and_outside() -> None:
    quiet = (dt.time(21), dt.time(8))
    assert quiet_until(dt.datetime(2026, 11, 24, 3, 0, tzinfo=CHINA), quiet) == dt.datetime(
        2026, 11, 24, 8, 0, tzinfo=CHINA
    )
    assert quiet_until(dt.datetime(2026, 11, 24, 12, 0, tzinfo=CHINA), quiet) is None


def test_the_same_logical_message_within_the_window_is_sent_once(app: Flask, sms_standin: SmsStandIn) -> None:
    first = queue("claim_approved", APPROVED, dedup_key="claim:1:approved")
    second = queue("claim_approved", APPROVED, dedup_key="claim:1:approved")
    assert first == second
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=2), tick=False):
        third = queue("claim_approved", APPROVED, dedup_key="claim:1:approved")
    assert third != first


def _receipt(client: Any, provider: str, body: Any, token: str = RECEIPT_TOKEN) -> Any:
    return client.post(f"/api/v1/notifications/receipts/{provider}?token={token}", json=body)


def test_a_receipt_with_the_wrong_token_is_refused(app: Flask, client: Any) -> None:
    response = _receipt(client, "aliyun", [{"out_id": "x", "success": True}], token="guess")
    assert response.status_code == 401
    assert response.get_json()["code"] == "RECEIPT_TOKEN_INVALID"


def test_receipts_repeat_harmlessly_and_never_change_a_final_status(
    app: Flask, client: Any, sms_standin: SmsStandIn
) -> None:
    message_id = queue("login_code", LOGIN_CODE)
    assert wait_for_status(message_id, "delivered").status == "delivered"
    late_failure = [{"out_id": message_id, "biz_id": "b", "success": False, "err_code": "MK:0001"}]
    for _ in range(2):
        response = _receipt(client, "aliyun", late_failure)
        assert response.status_code == 200
        assert response.get_json() == {"code": 0, "msg": "成功"}
    assert message(message_id).status == "delivered"
    assert statuses(message_id).count("delivered") == 1


def test_a_failed_delivery_receipt_maps_to_a_permanent_or_temporary_failure(
    app: Flask, sms_standin: SmsStandIn
) -> None:
    sms_standin.receipt_outcomes += ["failed:MK:0001", "failed:DB:0141"]
    empty_number = queue("login_code", LOGIN_CODE)
    switched_off = queue("login_code", LOGIN_CODE, phone="13900139000")
    assert wait_for_status(empty_number, "permanent_failure").status == "permanent_failure"
    assert wait_for_status(switched_off, "temporary_failure").status == "temporary_failure"


@pytest.mark.parametrize(("provider", "body"), [("huawei", []), ("aliyun", "not a list"), ("tencent", [1, 2])])
def test_an_unknown_provider_or_malformed_receipt_is_a_clear_4xx(
    app: Flask, client: Any, provider: str, body: Any
) -> None:
    response = _receipt(client, provider, body)
    assert response.status_code in (404, 422)
    assert response.get_json()["code"] in ("PROVIDER_NOT_FOUND", "RECEIPT_MALFORMED")


def _stuck_in_sending(message_id: str, seconds_ago: float, provider: str = "aliyun") -> None:
    with unit_of_work() as session:
        row = session.get_one(Message, message_id)
        row.status = "sending"
        row.provider = provider
        row.sending_started_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds_ago)


def test_the_sweep_sends_a_message_the_provider_never_got_and_only_once(
    make_app: Callable[..., Flask], sms_standin: SmsStandIn
) -> None:
    with _aliyun_only(make_app, SMS_QUIET_HOURS="").app_context():
        with time_machine.travel(dt.datetime(2026, 11, 23, 23, 0, tzinfo=CHINA), tick=False):
            message_id = queue("claim_approved", APPROVED)  # queued, then the worker "died"
        sms_standin.reset()
        _stuck_in_sending(message_id, seconds_ago=600)
        first = delivery.sweep()
        assert (first["waiting"], first["resent"]) == (1, 0)  # one "no such message" is not proof
        with _later(400):
            second = delivery.sweep()
        assert second["resent"] == 1
        assert wait_for_status(message_id, "delivered").status == "delivered"
        assert sms_standin.sends_by_reference[message_id] == 1


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_the_sweep_asks_the_provider_before_resending_a_message_stuck_in_sending(
    make_app: Callable[..., Flask], sms_standin: SmsStandIn, provider: str
) -> None:
    with make_app(SMS_PROVIDERS=provider).app_context():
        message_id = queue("login_code", LOGIN_CODE)
        wait_for_status(message_id, "delivered")
        _stuck_in_sending(message_id, seconds_ago=600, provider=provider)  # as if the receipt had not come
        counts = delivery.sweep()
        assert counts == {"requeued": 0, "resolved": 1, "resent": 0, "waiting": 0}
        assert message(message_id).status == "delivered"
        assert sms_standin.sends_by_reference[message_id] == 1


def test_the_sweep_requeues_a_message_whose_task_was_lost(
    make_app: Callable[..., Flask], sms_standin: SmsStandIn
) -> None:
    app = _aliyun_only(make_app, NOTIFY_CREATED_STALE_S=0.0)
    with app.app_context():
        celery = app.extensions["celery"]
        celery.conf.task_always_eager = False  # the broker "loses" the task: nothing runs it
        celery.conf.broker_url = "memory://"
        try:
            message_id = queue("claim_approved", APPROVED)
        finally:
            celery.conf.task_always_eager = True
        assert message(message_id).status == "created"
        assert delivery.sweep()["requeued"] == 1
        assert wait_for_status(message_id, "delivered").status == "delivered"


def test_staff_see_a_recipients_messages_with_history_and_the_number_masked(app: Flask) -> None:
    from flask.cli import ScriptInfo

    from miniapp_api.cli import main

    message_id = queue("login_code", LOGIN_CODE)
    wait_for_status(message_id, "delivered")
    result = app.test_cli_runner().invoke(main, ["messages", "--phone", PHONE], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    assert PHONE not in result.output
    assert "138****8000" in result.output
    assert "login_code" in result.output
    for status in ("created", "sending", "sent", "delivered"):
        assert status in result.output
    assert "482913" not in result.output  # the code itself is nobody's business


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_a_lost_receipt_is_made_good_by_asking_the_provider(
    make_app: Callable[..., Flask], sms_standin: SmsStandIn, live_server: str, provider: str
) -> None:
    receipts_to = sms_standin.receipt_url
    sms_standin.receipt_url = "http://127.0.0.1:9/nowhere"  # the provider's callbacks never arrive
    try:
        with make_app(SMS_PROVIDERS=provider, NOTIFY_RECEIPT_TIMEOUT_S=0.0).app_context():
            message_id = queue("login_code", LOGIN_CODE)
            assert message(message_id).status == "sent"
            # The provider learns of the delivery in its own time; its callback is what is lost.
            assert wait_until(lambda: sms_standin.accepted[-1]["delivered"], timeout_s=10)
            assert delivery.sweep()["resolved"] == 1
            assert message(message_id).status == "delivered"
            assert sms_standin.sends_by_reference[message_id] == 1
    finally:
        sms_standin.receipt_url = receipts_to


def test_a_receipt_that_arrives_before_the_providers_id_is_on_record_is_applied_when_it_is(
    make_app: Callable[..., Flask], sms_standin: SmsStandIn, client: Any
) -> None:
    receipts_to = sms_standin.receipt_url
    sms_standin.receipt_url = "http://127.0.0.1:9/nowhere"  # only the early receipt below arrives
    try:
        early = [{"sid": "te0000000001", "report_status": "SUCCESS", "errmsg": "DELIVRD", "mobile": PHONE}]
        assert _receipt(client, "tencent", early).status_code == 200  # held: no message has that id yet
        with make_app(SMS_PROVIDERS="tencent").app_context():
            message_id = queue("login_code", LOGIN_CODE)
            delivered = message(message_id)
        assert delivered.provider_reference == "te0000000001"
        assert delivered.status == "delivered"
        assert statuses(message_id) == ["created", "sending", "sent", "delivered"]
    finally:
        sms_standin.receipt_url = receipts_to


def test_two_writers_that_read_the_same_message_cannot_both_move_it(make_app: Callable[..., Flask]) -> None:
    from sqlalchemy.orm.exc import StaleDataError

    from miniapp_api.extensions import database

    app = make_app(CELERY_ALWAYS_EAGER=False, REDIS_URL="memory://")  # queued, not delivered
    with app.app_context():
        if database().is_sqlite:
            pytest.skip("SQLite runs one transaction at a time (BEGIN IMMEDIATE): two writers cannot interleave")
        celery = app.extensions["celery"]
        celery.conf.task_always_eager, celery.conf.broker_url = False, "memory://"
        message_id = queue("claim_approved", APPROVED)
        first, second = database().sessions(), database().sessions()
        try:
            one, other = first.get_one(Message, message_id), second.get_one(Message, message_id)
            one.status = "sending"
            first.commit()
            other.status = "sending"
            with pytest.raises(StaleDataError):
                second.commit()
        finally:
            first.close()
            second.close()


def _queued_not_delivered(app: Flask) -> Any:
    """Queue messages without running their delivery (as if the worker had not got to them)."""
    import contextlib

    @contextlib.contextmanager
    def held() -> Any:
        celery = app.extensions["celery"]
        celery.conf.task_always_eager, broker = False, celery.conf.broker_url
        celery.conf.broker_url = "memory://"
        try:
            yield
        finally:
            celery.conf.task_always_eager, celery.conf.broker_url = True, broker

    return held()


def test_a_provider_that_answers_too_late_is_asked_before_anything_is_resent(
    make_app: Callable[..., Flask], sms_standin: SmsStandIn
) -> None:
    with _aliyun_only(make_app, SMS_TIMEOUT_S=0.3, NOTIFY_SENDING_TIMEOUT_S=60.0).app_context():
        sms_standin.response_delay_s = 0.8
        try:
            message_id = queue("login_code", LOGIN_CODE)
        finally:
            sms_standin.response_delay_s = 0.0
        unsure = message(message_id)
        assert unsure.status == "sending"
        assert "结果未知" in (unsure.events[-1].detail or "")
        assert wait_until(lambda: sms_standin.sends_by_reference[message_id] == 1, timeout_s=5)
        with _later(120):
            delivery.sweep()
        assert message(message_id).status in ("sent", "delivered")
        assert sms_standin.sends_by_reference[message_id] == 1


def test_a_wechat_message_stuck_in_sending_is_sent_again(app: Flask, wechat_standin: WeChatStandIn) -> None:
    from tests.notify_helpers import allow

    allow(app.test_client(), wechat_standin, "o-openid", {"claim-progress-subscribe": "accept"})
    message_id = queue("claim_approved", APPROVED, openid="o-openid")
    wechat_standin.reset()
    # The first send never reached WeChat: the user's allowed send is still WeChat's to take.
    wechat_standin.user_answers("o-openid", {"claim-progress-subscribe": "accept"}, push=False)
    _stuck_in_sending(message_id, seconds_ago=600, provider="wechat_subscribe")
    with unit_of_work() as session:
        session.get_one(Message, message_id).channel = "wechat_subscribe"
    assert delivery.sweep()["resent"] == 1
    assert message(message_id).status == "delivered"
    assert len(wechat_standin.sent) == 1


def test_two_workers_delivering_the_same_message_at_once_send_it_once(
    make_app: Callable[..., Flask], sms_standin: SmsStandIn
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    app = _aliyun_only(make_app)
    with app.app_context(), _queued_not_delivered(app):
        message_id = queue("claim_approved", APPROVED)

    def deliver(_: int) -> Any:
        with app.app_context():
            return delivery.deliver(message_id)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(deliver, range(4)))
    assert sms_standin.sends_by_reference[message_id] == 1


def test_two_senders_of_one_logical_message_at_once_get_the_same_message(make_app: Callable[..., Flask]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    app = make_app()

    def send(_: int) -> str:
        with app.app_context():
            return queue("claim_approved", APPROVED, dedup_key="claim:9:approved")

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = set(pool.map(send, range(4)))
    assert len(ids) == 1
