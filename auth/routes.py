"""Logging in and out: claimants by WeChat and real-name binding, employers by SMS code,
staff by password; token refresh and logout for all."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView

from auth import employer_wechat, schemas, service, staff_wechat
from auth.binding import bind_identity
from auth.caller import Caller, Level
from auth.guard import requires
from auth.limits import rate_limited
from auth.sessions import IssuedTokens
from miniapp_api.api import Blueprint, ErrorEnvelope
from miniapp_api.db import current_session
from miniapp_api.extensions import settings

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录、实名认证与退出")


def tokens(issued: IssuedTokens, caller_level: Level | None = None) -> dict[str, Any]:
    return {
        "access_token": issued.access_token,
        "refresh_token": issued.refresh_token,
        "token_type": "Bearer",
        "expires_in": issued.access_expires_in,
        "refresh_expires_in": issued.refresh_expires_in,
        "kind": issued.session.kind,
        "level": caller_level.label if caller_level else None,
    }


@blp.route("/wechat/login")
class WeChatLogin(MethodView):
    @rate_limited("RATE_LIMIT_LOGIN")
    @blp.arguments(schemas.WeChatLoginIn)
    @blp.response(200, schemas.TokensOut)
    @blp.alt_response(401, schema=ErrorEnvelope, description="登录凭证无效或已使用（WECHAT_CODE_INVALID）")
    @blp.alt_response(429, schema=ErrorEnvelope, description="请求过于频繁")
    @blp.alt_response(503, schema=ErrorEnvelope, description="微信服务不可用（WECHAT_UNAVAILABLE）")
    def post(self, body: dict[str, Any]) -> Any:
        """申领人微信登录：用 wx.login 的 code 换取登录凭证"""
        issued = service.wechat_login(body["code"])
        bound = service.current_level(issued.session)
        return tokens(issued, bound)


@blp.route("/identity")
class Identity(MethodView):
    @rate_limited("RATE_LIMIT_BIND")
    @requires(blp, "claimant", level=Level.WECHAT)
    @blp.arguments(schemas.IdentityIn)
    @blp.response(200, schemas.IdentityOut)
    @blp.alt_response(
        422,
        schema=ErrorEnvelope,
        description="号码不正确，或无法直接绑定（与姓名不一致、已有绑定或多次失败；IDENTITY_UNCONFIRMED：可经人脸核验绑定）",
    )
    @blp.alt_response(429, schema=ErrorEnvelope, description="失败次数过多，暂时锁定")
    def post(self, body: dict[str, Any], caller: Caller) -> Any:
        """实名认证：以身份证号码和姓名绑定参保记录（一个微信账号只绑定一人）"""
        binding = bind_identity(caller, body["id_number"], body["name"], request.remote_addr or "unknown")
        level = service.session_level(caller.session_id)
        return {
            "level": level.label if level else None,
            "already_bound": binding.already_bound,
            "person": service.person_brief(binding.person),
        }


@blp.route("/employer/code")
class EmployerCode(MethodView):
    @rate_limited("RATE_LIMIT_OTP")
    @blp.arguments(schemas.EmployerCodeIn)
    @blp.response(202, schemas.EmployerCodeOut)
    @blp.alt_response(429, schema=ErrorEnvelope, description="发送过于频繁")
    def post(self, body: dict[str, Any]) -> Any:
        """用人单位联系人获取短信验证码（无论是否登记，答复相同）"""
        service.request_employer_code(body["credit_code"], body["phone"])
        ttl = settings().OTP_TTL_S
        return {"message": f"如该手机号是贵单位登记的联系人，验证码已发送，{ttl // 60}分钟内有效", "expires_in": ttl}


@blp.route("/employer/login")
class EmployerLogin(MethodView):
    @rate_limited("RATE_LIMIT_LOGIN")
    @blp.arguments(schemas.EmployerLoginIn)
    @blp.response(200, schemas.TokensOut)
    @blp.alt_response(401, schema=ErrorEnvelope, description="验证码错误或已失效（OTP_INVALID）")
    @blp.alt_response(429, schema=ErrorEnvelope, description="失败次数过多，暂时锁定")
    def post(self, body: dict[str, Any]) -> Any:
        """用人单位联系人以统一社会信用代码、手机号和短信验证码登录"""
        return tokens(service.employer_login(body["credit_code"], body["phone"], body["code"]))


@blp.route("/staff/login")
class StaffLogin(MethodView):
    @rate_limited("RATE_LIMIT_LOGIN")
    @blp.arguments(schemas.StaffLoginIn)
    @blp.response(200, schemas.TokensOut)
    @blp.alt_response(401, schema=ErrorEnvelope, description="用户名或密码错误（LOGIN_FAILED），动态验证码错误")
    @blp.alt_response(403, schema=ErrorEnvelope, description="尚未在经办工作台绑定身份验证器")
    @blp.alt_response(429, schema=ErrorEnvelope, description="失败次数过多，暂时锁定")
    def post(self, body: dict[str, Any]) -> Any:
        """经办工作人员以用户名、密码和身份验证器的动态验证码登录"""
        return tokens(service.staff_login(body["username"], body["password"], body["code"]))


@blp.route("/employer/wechat")
class EmployerWeChatBinding(MethodView):
    @requires(blp, "employer")
    @blp.arguments(schemas.WeChatLoginIn)
    @blp.response(200, schemas.EmployerWeChatOut)
    def post(self, body: dict[str, Any], caller: Caller) -> Any:
        """已登录的单位联系人绑定小程序的微信（wx.login 的 code）：此后可用微信登录，提醒经微信发送"""
        employer_wechat.bind(current_session(), caller, body["code"])
        return {"bound": True, "message": "已绑定微信：以后可直接用微信登录，提醒将通过微信发送（未订阅时发短信）"}


@blp.route("/employer/wechat/login")
class EmployerWeChatLogin(MethodView):
    @rate_limited("RATE_LIMIT_LOGIN")
    @blp.arguments(schemas.EmployerWeChatLoginIn)
    @blp.response(200, schemas.TokensOut)
    @blp.alt_response(401, schema=ErrorEnvelope, description="这个微信尚未绑定该单位的联系人（WECHAT_NOT_BOUND）")
    @blp.alt_response(429, schema=ErrorEnvelope, description="失败次数过多，暂时锁定")
    def post(self, body: dict[str, Any]) -> Any:
        """已绑定微信的单位联系人以 wx.login 的 code 和统一社会信用代码登录"""
        return tokens(employer_wechat.login(current_session(), body["code"], body["credit_code"]))


@blp.route("/employer/wechat/phone-login")
class EmployerWeChatPhoneLogin(MethodView):
    @rate_limited("RATE_LIMIT_LOGIN")
    @blp.arguments(schemas.EmployerWeChatPhoneLoginIn)
    @blp.response(200, schemas.TokensOut)
    @blp.alt_response(401, schema=ErrorEnvelope, description="手机号不是该单位的联系人（NOT_A_CONTACT）或凭证无效")
    @blp.alt_response(429, schema=ErrorEnvelope, description="失败次数过多，暂时锁定")
    def post(self, body: dict[str, Any]) -> Any:
        """单位联系人以微信验证的手机号登录（getPhoneNumber 的 code，无需短信验证码），并绑定此微信"""
        return tokens(
            employer_wechat.login_with_wechat_phone(
                current_session(), body["code"], body["phone_code"], body["credit_code"]
            )
        )


@blp.route("/staff/wechat")
class StaffWeChatBinding(MethodView):
    @requires(blp, "staff")
    @blp.arguments(schemas.WeChatLoginIn)
    @blp.response(200, schemas.EmployerWeChatOut)
    def post(self, body: dict[str, Any], caller: Caller) -> Any:
        """工作人员（已以密码和动态验证码登录）绑定小程序的微信：工作提醒经微信订阅消息发送（未订阅时发短信）"""
        staff_wechat.bind(current_session(), caller, body["code"])
        return {"bound": True, "message": "已绑定微信：请在小程序中允许“工作提醒”订阅消息，工作提醒将通过微信发送"}


@blp.route("/refresh")
class Refresh(MethodView):
    @rate_limited("RATE_LIMIT_LOGIN")
    @blp.arguments(schemas.RefreshIn)
    @blp.response(200, schemas.TokensOut)
    @blp.alt_response(401, schema=ErrorEnvelope, description="刷新凭证无效、已过期或被重复使用")
    def post(self, body: dict[str, Any]) -> Any:
        """以刷新凭证换发新的登录凭证（刷新凭证只能用一次）"""
        issued = service.refresh(body["refresh_token"])
        return tokens(issued, service.current_level(issued.session))


@blp.route("/logout")
class Logout(MethodView):
    @requires(blp, ("claimant", "employer", "staff"))
    @blp.response(204)
    def post(self, caller: Caller) -> Any:
        """退出登录（本次登录的凭证全部失效）"""
        service.logout(caller)


@blp.route("/me")
class Me(MethodView):
    @requires(blp, ("claimant", "employer", "staff"))
    @blp.response(200, schemas.MeOut)
    def get(self, caller: Caller) -> Any:
        """当前登录者（个人信息部分隐藏）"""
        return service.describe_caller(caller)
