"""Subscriptions as data: what a user allowed in the subscribe popup, reported by the mini-program
and pushed by WeChat, spent by each message; a message with nothing allowed goes by SMS without
calling WeChat; pushes that are forged, replayed, stale or not encrypted are refused."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask
from sqlalchemy import select

from miniapp_api.db import unit_of_work
from notifications.models import WeChatSubscription
from notifications.standins.sms_server import SmsStandIn
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer, wechat_login
from tests.notify_helpers import APPROVED, OPENID, allow, message, queue

PROGRESS = "claim-progress-subscribe"


def _credits(openid: str = OPENID, template_id: str = PROGRESS) -> int | None:
    with unit_of_work() as session:
        row = session.scalar(select(WeChatSubscription).filter_by(openid=openid, template_id=template_id))
        return row.credits if row else None


def test_a_message_the_user_never_allowed_goes_by_sms_without_calling_wechat(
    app: Flask, wechat_standin: WeChatStandIn, sms_standin: SmsStandIn
) -> None:
    message_id = queue("claim_approved", APPROVED, openid=OPENID)
    sent = message(message_id)
    assert (sent.channel, sent.status) in {("sms", "sent"), ("sms", "delivered")}
    assert wechat_standin.sent == [] and wechat_standin.requests_to("/cgi-bin/message/subscribe/send") == 0
    assert "用户未订阅此类微信消息，改发短信" in [event.detail for event in sent.events]


def test_one_acceptance_allows_one_wechat_message_and_the_next_goes_by_sms(
    app: Flask, client: Any, wechat_standin: WeChatStandIn, sms_standin: SmsStandIn
) -> None:
    answered = allow(client, wechat_standin, OPENID, {PROGRESS: "accept"})
    assert answered.status_code == 200 and answered.data == b"success"
    assert _credits() == 1
    first = message(queue("claim_approved", APPROVED, openid=OPENID))
    assert (first.channel, first.status) == ("wechat_subscribe", "delivered")
    second = message(queue("claim_approved", APPROVED | {"claim_no": "SY2"}, openid=OPENID))
    assert second.channel == "sms"
    assert len(wechat_standin.sent) == 1 and _credits() == 0


def test_the_same_popup_reported_by_the_mini_program_and_pushed_by_wechat_counts_once(
    app: Flask, client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = wechat_login(client, wechat_standin, openid=OPENID)
    reported = client.post(
        "/api/v1/wechat/subscriptions", json={"results": {PROGRESS: "accept"}}, headers=bearer(tokens)
    )
    assert reported.status_code == 200, reported.get_json()
    allow(client, wechat_standin, OPENID, {PROGRESS: "accept"})
    assert _credits() == 1
    mine = client.get("/api/v1/wechat/subscriptions", headers=bearer(tokens)).get_json()
    assert PROGRESS in mine["moments"]["claim_submitted"]
    assert mine["subscriptions"] == [{"template_id": PROGRESS, "long_term": False, "status": "accepted", "credits": 1}]


def test_a_refused_or_banned_template_never_calls_wechat_and_unknown_templates_are_ignored(
    app: Flask, client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = wechat_login(client, wechat_standin, openid=OPENID)
    client.post(
        "/api/v1/wechat/subscriptions",
        json={"results": {PROGRESS: "reject", "someone-elses-template": "accept"}},
        headers=bearer(tokens),
    )
    assert message(queue("claim_approved", APPROVED, openid=OPENID)).channel == "sms"
    allow(client, wechat_standin, OPENID, {PROGRESS: "ban"})
    assert message(queue("claim_approved", APPROVED | {"claim_no": "SY3"}, openid=OPENID)).channel == "sms"
    assert wechat_standin.sent == []
    with unit_of_work() as session:
        assert session.scalars(select(WeChatSubscription.template_id)).all() == [PROGRESS]
    bad = client.post("/api/v1/wechat/subscriptions", json={"results": {PROGRESS: "yes"}}, headers=bearer(tokens))
    assert bad.status_code == 422


def test_wechat_saying_43101_still_falls_back_to_sms_and_clears_what_we_believed(
    app: Flask, client: Any, wechat_standin: WeChatStandIn
) -> None:
    allow(client, wechat_standin, OPENID, {PROGRESS: "accept"})
    wechat_standin.allowed.clear()  # the user allowed it, then WeChat forgot (a reinstalled app)
    refused = message(queue("claim_approved", APPROVED, openid=OPENID))
    assert refused.channel == "sms" and any("43101" in (event.detail or "") for event in refused.events)
    assert _credits() == 0


def test_a_temporary_wechat_failure_gives_the_allowed_send_back_for_the_retry(
    app: Flask, client: Any, wechat_standin: WeChatStandIn
) -> None:
    allow(client, wechat_standin, OPENID, {PROGRESS: "accept"})
    wechat_standin.script("/cgi-bin/message/subscribe/send", (200, {"errcode": -1, "errmsg": "system busy"}))
    waiting = message(queue("claim_approved", APPROVED, openid=OPENID))
    assert (waiting.channel, waiting.status) == ("wechat_subscribe", "created")
    assert _credits() == 1


def test_a_long_term_subscription_holds_until_the_user_turns_it_off(
    make_app: Any, wechat_standin: WeChatStandIn
) -> None:
    app = make_app(WECHAT_LONG_TERM_TEMPLATES=PROGRESS)
    with app.app_context():
        client = app.test_client()
        wechat_standin.long_term_templates = {PROGRESS}
        try:
            allow(client, wechat_standin, OPENID, {PROGRESS: "accept"})
            for number in range(3):
                sent = message(queue("claim_approved", APPROVED | {"claim_no": f"SY{number}"}, openid=OPENID))
                assert sent.channel == "wechat_subscribe"
            query, body = wechat_standin.signed(
                f"<xml><FromUserName>{OPENID}</FromUserName><CreateTime>{int(time.time())}</CreateTime>"
                "<MsgType>event</MsgType><Event>subscribe_msg_change_event</Event><SubscribeMsgChangeEvent>"
                f"<List><TemplateId>{PROGRESS}</TemplateId><SubscribeStatusString>reject</SubscribeStatusString>"
                "</List></SubscribeMsgChangeEvent></xml>",
                timestamp=str(int(time.time())),
            )
            turned_off = client.post("/api/v1/wechat/push", query_string=query, data=body, content_type="text/xml")
            assert turned_off.status_code == 200
            assert message(queue("claim_approved", APPROVED | {"claim_no": "SY9"}, openid=OPENID)).channel == "sms"
        finally:
            wechat_standin.long_term_templates = set()


def test_a_forged_replayed_stale_or_unencrypted_push_is_refused_and_changes_nothing(
    app: Flask, client: Any, wechat_standin: WeChatStandIn
) -> None:
    genuine = allow(client, wechat_standin, OPENID, {PROGRESS: "accept"})
    assert genuine.status_code == 200
    query, body = wechat_standin.popup_push(OPENID, {PROGRESS: "accept"})
    first = client.post("/api/v1/wechat/push", query_string=query, data=body, content_type="text/xml")
    replayed = client.post("/api/v1/wechat/push", query_string=query, data=body, content_type="text/xml")
    assert first.status_code == 200
    assert (replayed.status_code, replayed.get_json()["code"]) == (403, "WECHAT_PUSH_REPLAYED")
    forged = dict(query, msg_signature="0" * 40)
    assert (
        client.post("/api/v1/wechat/push", query_string=forged, data=body, content_type="text/xml").status_code == 403
    )
    stale_query, stale_body = wechat_standin.popup_push(OPENID, {PROGRESS: "accept"}, timestamp=int(time.time()) - 3600)
    stale = client.post("/api/v1/wechat/push", query_string=stale_query, data=stale_body, content_type="text/xml")
    assert (stale.status_code, stale.get_json()["code"]) == (403, "WECHAT_PUSH_STALE")
    plain = {key: query[key] for key in ("signature", "timestamp", "nonce")}
    unencrypted = client.post(
        "/api/v1/wechat/push",
        query_string=plain,
        data=f"<xml><FromUserName>{OPENID}</FromUserName><Event>subscribe_msg_popup_event</Event></xml>",
        content_type="text/xml",
    )
    assert (unencrypted.status_code, unencrypted.get_json()["code"]) == (403, "WECHAT_PUSH_NOT_ENCRYPTED")
    assert _credits() == 2  # the genuine push and the first delivery of the second one


def test_wechat_checking_the_push_url_gets_its_echo_only_when_signed(app: Flask, client: Any) -> None:
    from miniapp_api.extensions import settings
    from notifications.standins.wechat_server import _sha1

    timestamp, nonce = str(int(time.time())), "n0nce"
    signed = {"signature": _sha1(settings().WECHAT_PUSH_TOKEN, timestamp, nonce), "timestamp": timestamp}
    echoed = client.get("/api/v1/wechat/push", query_string={**signed, "nonce": nonce, "echostr": "42"})
    assert (echoed.status_code, echoed.data) == (200, b"42")
    wrong = client.get("/api/v1/wechat/push", query_string={**signed, "signature": "0" * 40, "nonce": nonce})
    assert wrong.status_code == 403


def test_the_mini_programs_own_word_allows_one_send_however_often_it_is_repeated(
    app: Flask, client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = wechat_login(client, wechat_standin, openid=OPENID)
    for _ in range(8):
        client.post("/api/v1/wechat/subscriptions", json={"results": {PROGRESS: "accept"}}, headers=bearer(tokens))
    assert _credits() == 1  # WeChat's pushes count each acceptance; a client's reports do not pile up
    moments = client.get("/api/v1/wechat/subscriptions", headers=bearer(tokens)).get_json()["moments"]
    assert set(moments) == {"claim_submitted", "objection_filed", "identity_bound"}  # a claimant's moments only
    client.post(
        "/api/v1/wechat/subscriptions", json={"results": {"employer-duty-subscribe": "accept"}}, headers=bearer(tokens)
    )
    assert _credits(template_id="employer-duty-subscribe") is None


def test_a_body_that_is_no_wechat_envelope_is_refused_not_an_error(app: Flask, client: Any) -> None:
    query = {
        "signature": "a" * 40, "timestamp": str(int(time.time())), "nonce": "n1",
        "encrypt_type": "aes", "msg_signature": "b" * 40,
    }  # fmt: skip
    for body in (b"", b"not xml <<<", b"<xml><Encrypt>abc", b'{"Encrypt":"x"}', b"<a>" * 50_000):
        answer = client.post("/api/v1/wechat/push", query_string=query, data=body, content_type="text/xml")
        assert answer.status_code == 403, (body[:20], answer.status_code)
