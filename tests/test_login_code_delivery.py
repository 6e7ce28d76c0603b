"""Login codes: a provider that refuses one for now is passed over at once, and a code is never
sent past its life (marked expired instead)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from miniapp_api.extensions import redis_store
from notifications import delivery
from notifications.providers import channels
from notifications.standins.sms_server import SmsStandIn
from tests.notify_helpers import LOGIN_CODE, message, queue, statuses, wait_for_status
from tests.test_notification_reliability import SYSTEM_ERROR, _later

pytestmark = pytest.mark.usefixtures("live_server")


def test_a_login_code_a_provider_refuses_goes_to_the_other_provider_at_once(
    app: Flask, sms_standin: SmsStandIn
) -> None:
    balance = channels().balance
    redis_store().client.hset(balance._key, "tencent", 0)  # aliyun is tried first, for certain
    sms_standin.script("aliyun:SendSms", SYSTEM_ERROR)
    message_id = queue("login_code", LOGIN_CODE, expires_in_s=300)
    sent = wait_for_status(message_id, "delivered")
    assert (sent.provider, sent.attempts) == ("tencent", 1)
    assert statuses(message_id) == ["created", "sending", "sent", "delivered"]  # no retry waited for
    assert [r["provider"] for r in sms_standin.accepted] == ["tencent"]
    assert balance.weights()["aliyun"] == 100 - 30


def test_a_login_code_is_never_sent_after_it_expired_but_marked_expired(
    make_app: Callable[..., Flask], sms_standin: SmsStandIn
) -> None:
    # Urgent retries come after 3–9 s here: inside a 300 s code's life, after a 1 s one's.
    with make_app(SMS_PROVIDERS="aliyun", NOTIFY_RETRY_BASE_S=60.0).app_context():
        sms_standin.script("aliyun:SendSms", SYSTEM_ERROR)
        waiting = queue("login_code", LOGIN_CODE, expires_in_s=300)
        assert message(waiting).status == "created"  # its retry is still inside the code's life
        with _later(301):
            delivery.deliver(waiting)
        assert message(waiting).status == "expired"
        sms_standin.script("aliyun:SendSms", SYSTEM_ERROR)
        short_lived = queue("login_code", LOGIN_CODE, phone="13900139000", expires_in_s=1)
        assert message(short_lived).status == "expired"  # the retry would come after the code died
        assert "重试前已过期" in (message(short_lived).events[-1].detail or "")
    assert sms_standin.accepted == []
