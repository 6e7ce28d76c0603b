"""From the outbox to the person: SMS through both providers' SDKs, WeChat through wechatpy."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests
from flask import Flask

from miniapp_api.db import unit_of_work
from miniapp_api.extensions import settings
from notifications import delivery, service
from notifications.models import Message
from notifications.providers import configure_push, embedded_wechat
from notifications.standins.sms_server import SmsStandIn
from notifications.standins.wechat_server import WeChatStandIn
from tests.notify_helpers import APPROVED, LOGIN_CODE, OPENID, PHONE, allow, message, queue, statuses, wait_for_status

PROGRESS = "claim-progress-subscribe"

pytestmark = pytest.mark.usefixtures("live_server")


def test_a_login_code_goes_out_by_sms_and_is_delivered_once_with_its_history(
    app: Flask, sms_standin: SmsStandIn
) -> None:
    message_id = queue("login_code", LOGIN_CODE)
    delivered = wait_for_status(message_id, "delivered")
    assert delivered.status == "delivered"
    assert statuses(message_id) == ["created", "sending", "sent", "delivered"]
    assert sms_standin.sends_by_reference[message_id] == 1
    sent = sms_standin.accepted[0]
    assert sent["phone"] == PHONE
    assert delivered.segments == 1
    assert delivered.template_version == 1
    if sent["provider"] == "aliyun":
        assert json.loads(sent["params"]) == {"code": "482913", "minutes": "5"}
    else:
        assert json.loads(sent["params"]) == ["482913", "5"]


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_each_provider_delivers_through_its_own_sdk_and_receipts(
    make_app: Callable[..., Flask], sms_standin: SmsStandIn, live_server: str, provider: str
) -> None:
    app = make_app(SMS_PROVIDERS=provider)
    with app.app_context():
        message_id = queue("login_code", LOGIN_CODE)
        delivery_row = wait_for_status(message_id, "delivered")
    assert delivery_row.status == "delivered"
    assert delivery_row.provider == provider
    assert sms_standin.accepted[-1]["provider"] == provider
    assert delivery_row.provider_reference == sms_standin.accepted[-1]["serial"]


def test_a_message_rolled_back_with_its_business_change_is_never_sent(app: Flask, sms_standin: SmsStandIn) -> None:
    with pytest.raises(RuntimeError), unit_of_work():
        service.send("login_code", service.Recipient("staff", 1, PHONE), LOGIN_CODE)
        raise RuntimeError("the business change failed")
    with unit_of_work() as session:
        assert session.query(Message).count() == 0
    assert sms_standin.accepted == []


def test_a_claimant_with_wechat_gets_a_subscribe_message(
    app: Flask, wechat_standin: WeChatStandIn, sms_standin: SmsStandIn
) -> None:
    allow(app.test_client(), wechat_standin, OPENID, {PROGRESS: "accept"})
    message_id = queue("claim_approved", APPROVED, openid=OPENID)
    assert message(message_id).status == "delivered"
    assert statuses(message_id) == ["created", "sending", "sent", "delivered"]
    sent = wechat_standin.sent[0]
    assert sent["path"] == "/cgi-bin/message/subscribe/send"
    assert sent["touser"] == OPENID
    assert sent["data"]["thing4"] == {"value": "每月1719.00元，共12个月"}
    assert sent["page"] == "pages/claim/status"
    assert sms_standin.accepted == []


def test_a_message_queued_under_an_official_account_template_is_still_sent_as_one(
    app: Flask, wechat_standin: WeChatStandIn
) -> None:
    values = {"known_through": "2026-12-31", "year": 2027}
    with unit_of_work():  # queued before its kind moved to subscribe messages (version 2)
        queued = service.send("staff_calendar_horizon", service.Recipient("staff", 1, PHONE, OPENID), values)
        queued.template_version, queued.channel = 1, "wechat_template"
        message_id = queued.id
    assert message(message_id).status == "delivered"
    assert wechat_standin.sent[0]["path"] == "/cgi-bin/message/template/send"
    assert wechat_standin.sent[0]["data"]["keyword1"] == {"value": "2027年节假日安排"}


def test_wechat_43101_falls_back_to_sms(app: Flask, wechat_standin: WeChatStandIn, sms_standin: SmsStandIn) -> None:
    allow(app.test_client(), wechat_standin, OPENID, {PROGRESS: "accept"})
    wechat_standin.script(
        "/cgi-bin/message/subscribe/send", (200, {"errcode": 43101, "errmsg": "user refuse to accept the msg"})
    )
    message_id = queue("claim_approved", APPROVED, openid=OPENID)
    delivered = wait_for_status(message_id, "delivered")
    assert delivered.status == "delivered"
    assert delivered.channel == "sms"
    assert statuses(message_id) == ["created", "sending", "created", "sending", "sent", "delivered"]
    assert "43101" in (delivered.events[2].detail or "")
    assert sms_standin.sends_by_reference[message_id] == 1


@pytest.mark.parametrize("errcode", [40003, 40037])
def test_an_invalid_openid_or_template_is_a_permanent_failure(
    app: Flask, wechat_standin: WeChatStandIn, sms_standin: SmsStandIn, errcode: int
) -> None:
    allow(app.test_client(), wechat_standin, OPENID, {PROGRESS: "accept"})
    wechat_standin.script("/cgi-bin/message/subscribe/send", (200, {"errcode": errcode, "errmsg": "invalid"}))
    message_id = queue("claim_approved", APPROVED, openid=OPENID)
    failed = message(message_id)
    assert failed.status == "permanent_failure"
    assert str(errcode) in (failed.failure_reason or "")
    assert sms_standin.accepted == []


def test_a_number_the_provider_refuses_is_a_permanent_failure(app: Flask) -> None:
    message_id = queue("login_code", LOGIN_CODE, phone="1380013800")
    assert message(message_id).status == "permanent_failure"


def test_delivering_a_message_twice_sends_it_once(app: Flask, sms_standin: SmsStandIn) -> None:
    message_id = queue("login_code", LOGIN_CODE)
    assert delivery.deliver(message_id) is None
    assert sms_standin.sends_by_reference[message_id] == 1


def test_a_stale_token_is_refreshed_once_and_the_send_retried(app: Flask, wechat_standin: WeChatStandIn) -> None:
    allow(app.test_client(), wechat_standin, OPENID, {PROGRESS: "accept", "benefit-change-subscribe": "accept"})
    allow(app.test_client(), wechat_standin, OPENID, {PROGRESS: "accept"})
    queue("claim_approved", APPROVED, openid=OPENID)
    fetches = dict(wechat_standin.token_fetches)
    wechat_standin.tokens.clear()  # WeChat rotated it (someone called /token elsewhere)
    message_id = queue("claim_approved", APPROVED | {"claim_no": "SY2"}, openid=OPENID)
    assert message(message_id).status == "delivered"
    appid = next(iter(fetches))
    assert wechat_standin.token_fetches[appid] == fetches[appid] + 1


def test_many_workers_needing_a_token_at_once_fetch_it_once(app: Flask, wechat_standin: WeChatStandIn) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from miniapp_api.extensions import redis_store, settings
    from notifications.channels.wechat import LockedTokenClient

    config, store = settings(), redis_store()
    base = config.WECHAT_API_BASE_URL

    def fresh_worker_token(_: Any) -> str:
        client = LockedTokenClient(
            config.WECHAT_MINIAPP_APPID, config.WECHAT_MINIAPP_SECRET, base_url=base, store=store
        )
        return client.access_token

    with ThreadPoolExecutor(max_workers=8) as pool:
        tokens = set(pool.map(fresh_worker_token, range(16)))
    assert len(tokens) == 1
    assert wechat_standin.token_fetches[config.WECHAT_MINIAPP_APPID] == 1


def test_the_embedded_stand_ins_start_by_themselves_for_the_demo(
    make_app: Callable[..., Flask], live_server: str
) -> None:
    app = make_app(
        WECHAT_API_BASE_URL="embedded",
        SMS_ALIYUN_ENDPOINT="embedded",
        SMS_TENCENT_ENDPOINT="embedded",
        SMS_RECEIPT_CALLBACK_URL=f"{live_server}/api/v1/notifications/receipts",
    )
    with app.app_context():
        embedded = embedded_wechat(settings())
        configure_push(embedded, settings(), f"{live_server}/api/v1/wechat/push")
        answered = requests.post(
            f"{embedded.url}/__control__/subscribe",
            json={"openid": OPENID, "results": {PROGRESS: "accept"}},
            timeout=10,
        ).json()
        assert answered == {"pushed": True}  # the popup's answer, pushed to the (shared) service
        embedded.wait_for_pushes()
        by_sms = queue("login_code", LOGIN_CODE)
        by_wechat = queue("claim_approved", APPROVED, openid=OPENID)
        assert wait_for_status(by_sms, "delivered").status == "delivered"
        assert message(by_wechat).status == "delivered"
