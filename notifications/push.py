"""WeChat's message push (消息推送) to the mini-program's server: the URL check, the signature,
safe mode's encryption (wechatpy's crypto), replays refused, and the subscription events.

A push is genuine when its signature over (Token, timestamp, nonce[, Encrypt]) is right. A
genuine push seen again (the same signature) or older than `MAX_AGE_S` is a replay and is
refused: otherwise a captured "accept" could be replayed to mint sends the user never allowed."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any

import xmltodict
from sqlalchemy.orm import Session
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException

from miniapp_api.errors import AppError
from miniapp_api.extensions import redis_store, settings
from notifications import subscriptions

MAX_AGE_S = 300


class PushRefused(AppError):
    status = 403
    code = "WECHAT_PUSH_REFUSED"
    message = "推送签名不正确或已过期"


@dataclass(frozen=True)
class Query:
    signature: str
    timestamp: str
    nonce: str
    msg_signature: str | None = None
    encrypt_type: str | None = None


def _signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324 - WeChat's scheme


def _fresh(query: Query) -> None:
    try:
        age = abs(time.time() - int(query.timestamp))
    except ValueError:
        raise PushRefused() from None
    if age > MAX_AGE_S:
        raise PushRefused("推送已过期", code="WECHAT_PUSH_STALE")


def verify_url(query: Query, echostr: str) -> str:
    """The URL check WeChat makes when the push URL is configured: echo back, if signed."""
    _fresh(query)
    expected = _signature(settings().WECHAT_PUSH_TOKEN, query.timestamp, query.nonce)
    if not hmac.compare_digest(expected, query.signature):
        raise PushRefused()
    return echostr


def open_push(query: Query, body: bytes) -> dict[str, Any]:
    """The push's fields, once it is shown genuine, fresh and new."""
    config = settings()
    _fresh(query)
    if config.WECHAT_PUSH_AES_KEY:
        if query.encrypt_type != "aes" or not query.msg_signature:
            raise PushRefused("推送应为安全模式（加密）", code="WECHAT_PUSH_NOT_ENCRYPTED")
        crypto = WeChatCrypto(config.WECHAT_PUSH_TOKEN, config.WECHAT_PUSH_AES_KEY, config.WECHAT_MINIAPP_APPID)
        try:
            plain = crypto.decrypt_message(body, query.msg_signature, query.timestamp, query.nonce)
        except (InvalidSignatureException, InvalidAppIdException):
            raise PushRefused() from None
        except Exception:  # a body that is not WeChat's envelope at all
            raise PushRefused("推送内容无法解析", code="WECHAT_PUSH_MALFORMED") from None
        seen_as = query.msg_signature
    else:
        expected = _signature(config.WECHAT_PUSH_TOKEN, query.timestamp, query.nonce)
        if not hmac.compare_digest(expected, query.signature):
            raise PushRefused()
        plain, seen_as = body.decode("utf-8", "replace"), query.signature + query.nonce
    if not redis_store().claim_nonce("wechat-push", seen_as, ttl_s=2 * MAX_AGE_S):
        raise PushRefused("这条推送已经收到过", code="WECHAT_PUSH_REPLAYED")
    try:
        fields = xmltodict.parse(plain)["xml"]
    except Exception:
        raise PushRefused("推送内容无法解析", code="WECHAT_PUSH_MALFORMED") from None
    if not isinstance(fields, dict):
        raise PushRefused("推送内容无法解析", code="WECHAT_PUSH_MALFORMED")
    return fields


def _items(block: Any) -> list[dict[str, Any]]:
    """xmltodict gives one <List> as a dict and several as a list."""
    if not isinstance(block, dict):
        return []
    listed = block.get("List")
    if isinstance(listed, dict):
        return [listed]
    return [item for item in listed or [] if isinstance(item, dict)]


def apply(session: Session, fields: dict[str, Any]) -> int:
    """Record the subscription events a push carries; returns how many templates it named."""
    openid = str(fields.get("FromUserName") or "")
    event = str(fields.get("Event") or "").lower()
    try:
        at = dt.datetime.fromtimestamp(int(fields.get("CreateTime") or 0), dt.UTC)
    except (ValueError, OverflowError, OSError):
        at = dt.datetime.now(dt.UTC)
    if not openid:
        return 0
    if event == "subscribe_msg_popup_event":
        items = _items(fields.get("SubscribeMsgPopupEvent"))
        for item in items:
            result = str(item.get("SubscribeStatusString") or "")
            if result in ("accept", "reject"):
                subscriptions.record(session, openid, str(item.get("TemplateId") or ""), result, "push", at)
        return len(items)
    if event == "subscribe_msg_change_event":  # the user changed it in WeChat's settings
        items = _items(fields.get("SubscribeMsgChangeEvent"))
        for item in items:
            result = "accept" if item.get("SubscribeStatusString") == "accept" else "off"
            subscriptions.record(session, openid, str(item.get("TemplateId") or ""), result, "push", at)
        return len(items)
    if event == "subscribe_msg_sent_event":
        items = _items(fields.get("SubscribeMsgSentEvent"))
        for item in items:
            if str(item.get("ErrorCode")) == str(subscriptions.NOT_ALLOWED):
                subscriptions.refused_by_wechat(session, openid, str(item.get("TemplateId") or ""))
        return len(items)
    return 0
