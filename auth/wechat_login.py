"""Exchanging a wx.login code for the user's openid and session_key (jscode2session), and a
getPhoneNumber code for the phone number WeChat verified (wxa/business/getuserphonenumber),
through wechatpy's client (its token handling) pointed at WeChat or at the project's stand-in."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from wechatpy.exceptions import WeChatClientException

from miniapp_api.errors import AppError, ServiceUnavailable, TooManyAttempts, Unauthenticated, ValidationFailed
from notifications.channels.base import TemporaryError
from notifications.providers import channels

_INVALID_CODE = {40029, 40163}  # invalid code; code already used
_TOO_FREQUENT = 45011
_BLOCKED_USER = 40226


@dataclass(frozen=True)
class WeChatIdentity:
    appid: str
    openid: str
    session_key: str
    unionid: str | None


def exchange_code(code: str) -> WeChatIdentity:
    client = channels().wechat.miniapp
    try:
        answer = client.wxa.code_to_session(code)
    except WeChatClientException as error:
        raise _refusal(error.errcode) from None
    except (requests.RequestException, OSError, TemporaryError):
        raise ServiceUnavailable("微信服务暂时无法访问，请稍后再试", code="WECHAT_UNAVAILABLE") from None
    openid, session_key = answer.get("openid"), answer.get("session_key")
    if not openid or not session_key:
        raise ServiceUnavailable("微信返回的登录信息不完整，请稍后再试", code="WECHAT_UNAVAILABLE")
    return WeChatIdentity(client.appid, str(openid), str(session_key), answer.get("unionid"))


def _refusal(errcode: int | None) -> AppError:
    if errcode in _INVALID_CODE:
        return Unauthenticated("微信登录凭证无效或已使用，请重新进入小程序再试", code="WECHAT_CODE_INVALID")
    if errcode == _TOO_FREQUENT:
        return TooManyAttempts("微信登录过于频繁，请稍后再试", code="WECHAT_RATE_LIMITED", retry_after_s=60)
    if errcode == _BLOCKED_USER:
        return Unauthenticated("该微信账号存在风险，暂不能登录", code="WECHAT_USER_BLOCKED")
    if errcode == -1:
        return ServiceUnavailable("微信系统繁忙，请稍后再试", code="WECHAT_UNAVAILABLE")
    return ServiceUnavailable(f"微信登录暂时失败（错误码{errcode}），请稍后再试", code="WECHAT_UNAVAILABLE")


def verified_phone(code: str) -> str:
    """The mainland mobile number WeChat verified for the user who tapped getPhoneNumber.

    wechatpy 1.8 has no helper for this endpoint: it is called through the client's own post,
    which adds the access token and refreshes it when WeChat says it is stale."""
    client = channels().wechat.miniapp
    try:
        answer = client.post(f"{client.wxa.API_BASE_URL}wxa/business/getuserphonenumber", data={"code": code})
    except WeChatClientException as error:
        if error.errcode in _INVALID_CODE:
            # 422, not 401: the caller's session is fine, only this one-time code is not
            raise ValidationFailed(
                "手机号授权凭证无效或已使用，请重新点击“使用微信手机号”", code="PHONE_CODE_INVALID"
            ) from None
        raise _refusal(error.errcode) from None
    except (requests.RequestException, OSError, TemporaryError):
        raise ServiceUnavailable("微信服务暂时无法访问，请稍后再试", code="WECHAT_UNAVAILABLE") from None
    info = answer.get("phone_info") or {}
    phone = str(info.get("purePhoneNumber") or "")
    if str(info.get("countryCode") or "86") != "86" or not (
        len(phone) == 11 and phone.startswith("1") and phone.isdigit()
    ):
        raise ValidationFailed("微信绑定的不是中国大陆手机号，请手工填写并以短信验证", code="PHONE_NOT_MAINLAND")
    return phone
