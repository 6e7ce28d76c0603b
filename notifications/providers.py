"""The channels of the running app, built once from configuration. An endpoint set to
"embedded" starts the project's stand-in server in-process (tests, the demo)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

from flask import current_app

from miniapp_api.config import EMBEDDED, Settings
from miniapp_api.extensions import redis_store, settings
from notifications.channels.aliyun import AliyunSms
from notifications.channels.base import SmsProvider
from notifications.channels.tencent import TencentSms
from notifications.channels.wechat import LockedTokenClient, WeChatChannel
from notifications.failover import ProviderBalance
from notifications.standins.sms_server import SmsStandIn
from notifications.standins.wechat_server import WeChatStandIn

_embedded_lock = threading.Lock()
_embedded_wechat: WeChatStandIn | None = None
_embedded_sms: SmsStandIn | None = None


def embedded_wechat(config: Settings) -> WeChatStandIn:
    global _embedded_wechat
    with _embedded_lock:
        if _embedded_wechat is None:
            _embedded_wechat = WeChatStandIn(config.STANDIN_WECHAT_PORT).start()  # type: ignore[assignment]
            assert _embedded_wechat is not None
            configure_push(_embedded_wechat, config, config.WECHAT_PUSH_CALLBACK_URL)
        assert _embedded_wechat is not None
        return _embedded_wechat


def configure_push(standin: WeChatStandIn, config: Settings, url: str) -> None:
    """The stand-in pushes to `url` with the service's own push token and key, as WeChat would."""
    standin.configure_push(url, config.WECHAT_PUSH_TOKEN, config.WECHAT_PUSH_AES_KEY, config.WECHAT_MINIAPP_APPID)
    standin.long_term_templates = set(config.wechat_long_term_templates)


def embedded_sms(config: Settings) -> SmsStandIn:
    global _embedded_sms
    with _embedded_lock:
        if _embedded_sms is None:
            _embedded_sms = SmsStandIn(
                config.STANDIN_SMS_PORT,
                receipt_url=config.SMS_RECEIPT_CALLBACK_URL,
                receipt_token=config.SMS_RECEIPT_TOKEN,
            ).start()  # type: ignore[assignment]
        assert _embedded_sms is not None
        return _embedded_sms


@dataclass
class Channels:
    wechat: WeChatChannel
    sms: dict[str, SmsProvider]
    balance: ProviderBalance
    sign_name: str


def sms_endpoint(config: Settings, value: str) -> str:
    return embedded_sms(config).address if value == EMBEDDED else value


def build(config: Settings) -> Channels:
    store = redis_store()
    wechat_base = embedded_wechat(config).url if config.WECHAT_API_BASE_URL == EMBEDDED else config.WECHAT_API_BASE_URL
    wechat = WeChatChannel(
        miniapp=LockedTokenClient(
            config.WECHAT_MINIAPP_APPID, config.WECHAT_MINIAPP_SECRET, base_url=wechat_base, store=store
        ),
        official=LockedTokenClient(
            config.WECHAT_OFFICIAL_APPID, config.WECHAT_OFFICIAL_SECRET, base_url=wechat_base, store=store
        ),
        template_ids=json.loads(config.WECHAT_TEMPLATE_IDS or "{}"),
    )
    available: dict[str, SmsProvider] = {
        "aliyun": AliyunSms(
            endpoint=sms_endpoint(config, config.SMS_ALIYUN_ENDPOINT),
            access_key_id=config.SMS_ALIYUN_ACCESS_KEY_ID,
            access_key_secret=config.SMS_ALIYUN_ACCESS_KEY_SECRET,
            timeout_s=config.SMS_TIMEOUT_S,
        ),
        "tencent": TencentSms(
            endpoint=sms_endpoint(config, config.SMS_TENCENT_ENDPOINT),
            secret_id=config.SMS_TENCENT_SECRET_ID,
            secret_key=config.SMS_TENCENT_SECRET_KEY,
            app_id=config.SMS_TENCENT_APP_ID,
            timeout_s=config.SMS_TIMEOUT_S,
        ),
    }
    sms = {name: available[name] for name in config.sms_providers}
    return Channels(wechat, sms, ProviderBalance(store, config.sms_providers), config.SMS_SIGN_NAME)


def channels() -> Channels:
    existing: Channels | None = current_app.extensions.get("notification_channels")
    if existing is None:
        existing = build(settings())
        current_app.extensions["notification_channels"] = existing
    return existing
