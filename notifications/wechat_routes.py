"""WeChat's side of messaging: the message-push endpoint WeChat calls, and the subscriptions a
user reports from the mini-program (the result of wx.requestSubscribeMessage)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, request
from flask.views import MethodView
from marshmallow import validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.caller import Caller, Level
from auth.guard import requires
from auth.models import WeChatAccount
from miniapp_api.api import Blueprint, ErrorEnvelope, accepts
from miniapp_api.db import current_session
from miniapp_api.errors import Forbidden
from notifications import push, subscriptions
from notifications.providers import channels

blp = Blueprint("wechat", __name__, url_prefix="/api/v1/wechat", description="微信消息推送与订阅")
XML_TYPES = ("text/xml", "application/xml")


class PushQuery(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE  # WeChat adds parameters (openid) to the URL

    signature = ma.fields.String(required=True, validate=validate.Length(max=64))
    timestamp = ma.fields.String(required=True, validate=validate.Length(max=20))
    nonce = ma.fields.String(required=True, validate=validate.Length(max=64))
    echostr = ma.fields.String(validate=validate.Length(max=200))
    msg_signature = ma.fields.String(validate=validate.Length(max=64))
    encrypt_type = ma.fields.String(validate=validate.Length(max=10))


class SubscriptionResultsIn(ma.Schema):
    results = ma.fields.Dict(
        keys=ma.fields.String(validate=validate.Length(min=1, max=64)),
        values=ma.fields.String(validate=validate.OneOf(subscriptions.RESULTS)),
        required=True,
        validate=validate.Length(min=1, max=10),
        metadata={"description": "wx.requestSubscribeMessage 的结果：模板 ID → accept / reject / ban / filter"},
    )


class SubscriptionOut(ma.Schema):
    template_id = ma.fields.String()
    long_term = ma.fields.Boolean()
    status = ma.fields.String(metadata={"description": "accepted / rejected / banned / off"})
    credits = ma.fields.Integer(metadata={"description": "一次性模板还可发送的次数"})


class SubscriptionsOut(ma.Schema):
    moments = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "在这些时机调用 wx.requestSubscribeMessage，请求对应的模板 ID"},
    )
    subscriptions = ma.fields.List(ma.fields.Nested(SubscriptionOut))


def _query(values: dict[str, Any]) -> push.Query:
    return push.Query(
        values["signature"],
        values["timestamp"],
        values["nonce"],
        values.get("msg_signature"),
        values.get("encrypt_type"),
    )


@blp.route("/push")
class Push(MethodView):
    @blp.arguments(PushQuery, location="query")
    @blp.alt_response(403, schema=ErrorEnvelope, description="签名不正确、已过期或重复")
    def get(self, query: dict[str, Any]) -> Any:
        """微信配置消息推送地址时的校验：签名正确则原样返回 echostr"""
        echoed = push.verify_url(_query(query), query.get("echostr", ""))
        return Response(echoed, mimetype="text/plain")

    @accepts(*XML_TYPES)
    @blp.arguments(PushQuery, location="query")
    @blp.alt_response(403, schema=ErrorEnvelope, description="签名不正确、已过期、重复或未加密")
    def post(self, query: dict[str, Any]) -> Any:
        """微信推送的订阅消息事件（弹窗结果、设置变更、发送结果），安全模式加密"""
        fields = push.open_push(_query(query), request.get_data(cache=False)[: 64 * 1024])
        push.apply(current_session(), fields)
        return Response("success", mimetype="text/plain")


def _openid(session: Session, caller: Caller) -> str:
    if caller.kind == "staff":  # signed in with password and authenticator: the WeChat user they bound
        account = session.scalar(select(WeChatAccount).where(WeChatAccount.staff_user_id == caller.staff_user_id))
    else:
        account = session.get(WeChatAccount, caller.wechat_account_id) if caller.wechat_account_id else None
    if account is None:  # an employer signed in by SMS code: no WeChat user to subscribe
        raise Forbidden("请在微信小程序中以微信登录后再设置订阅", code="WECHAT_LOGIN_REQUIRED")
    return account.openid


def _moments(caller: Caller) -> dict[str, list[str]]:
    wechat = channels().wechat
    return {
        moment: [wechat.template_id(name) for name in subscriptions.MOMENTS[moment]]
        for moment in subscriptions.MOMENTS_OF[caller.kind]
    }


@blp.route("/subscriptions")
class Subscriptions(MethodView):
    @requires(blp, ("claimant", "employer", "staff"), level=Level.WECHAT)
    @blp.response(200, SubscriptionsOut)
    def get(self, caller: Caller) -> Any:
        """何时请求哪些订阅消息模板，以及本人已同意的订阅"""
        session = current_session()
        return {"moments": _moments(caller), "subscriptions": subscriptions.of(session, _openid(session, caller))}

    @requires(blp, ("claimant", "employer", "staff"), level=Level.WECHAT)
    @blp.arguments(SubscriptionResultsIn)
    @blp.response(200, SubscriptionsOut)
    def post(self, body: dict[str, Any], caller: Caller) -> Any:
        """报告 wx.requestSubscribeMessage 的结果（每个模板 accept / reject / ban / filter）"""
        session = current_session()
        openid = _openid(session, caller)
        known = {template for templates in _moments(caller).values() for template in templates}
        subscriptions.record_all(
            session, openid, ((t, result) for t, result in body["results"].items() if t in known), "client"
        )
        return {"moments": _moments(caller), "subscriptions": subscriptions.of(session, openid)}
