"""Delivery receipts posted by the SMS providers."""

from __future__ import annotations

import hmac
from typing import Any

from flask import request
from flask.views import MethodView

from auth.caller import Caller, Level
from auth.guard import requires
from miniapp_api.api import Blueprint, ErrorEnvelope
from miniapp_api.db import current_session
from miniapp_api.errors import AppError, NotFoundError, ValidationFailed
from miniapp_api.extensions import redis_store, settings
from notifications import inbox, receipts, schemas

blp = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications", description="短信回执")

_ACKNOWLEDGEMENTS = {"aliyun": {"code": 0, "msg": "成功"}, "tencent": {"result": 0, "errmsg": "OK"}}


class BadReceiptToken(AppError):
    status = 401
    code = "RECEIPT_TOKEN_INVALID"
    message = "回执密钥不正确"


@blp.route("/receipts/<string:provider>")
class Receipts(MethodView):
    @blp.arguments(schemas.ReceiptQuery, location="query")
    @blp.response(200, schemas.ReceiptAnswer)
    @blp.alt_response(401, schema=ErrorEnvelope, description="回执密钥不正确")
    @blp.alt_response(404, schema=ErrorEnvelope, description="未知的服务商")
    def post(self, query: dict[str, Any], provider: str) -> Any:
        """短信服务商推送的状态回执（重复推送无害）"""
        if provider not in _ACKNOWLEDGEMENTS:
            raise NotFoundError("未知的短信服务商：应为 aliyun 或 tencent", code="PROVIDER_NOT_FOUND")
        token = query["token"] or request.headers.get("X-Receipt-Token", "")
        if not hmac.compare_digest(token.encode(), settings().SMS_RECEIPT_TOKEN.encode()):
            raise BadReceiptToken()
        try:
            payload = request.get_json(silent=True)
        except RecursionError:  # nested thousands deep: not a receipt
            payload = None
        items = payload if isinstance(payload, list) else [payload] if isinstance(payload, dict) else None
        if not items or not all(isinstance(item, dict) for item in items):
            raise ValidationFailed("回执应为 JSON 对象或对象数组", code="RECEIPT_MALFORMED")
        receipts.apply(current_session(), redis_store(), provider, receipts.parse(provider, items))
        return _ACKNOWLEDGEMENTS[provider]


messages_blp = Blueprint(
    "messages", __name__, url_prefix="/api/v1", description="消息记录（本人、本单位或工作人员查询）"
)


@messages_blp.route("/messages")
class MyMessages(MethodView):
    @requires(messages_blp, ("claimant", "employer"), level=Level.BOUND)
    @messages_blp.arguments(schemas.MessageListQuery, location="query")
    @messages_blp.response(200, schemas.MessageOut(many=True))
    def get(self, query: dict[str, Any], caller: Caller) -> Any:
        """发给本人（申领人）或本单位联系人（用人单位）的消息及其状态"""
        return inbox.my_messages(caller, query["limit"])


@messages_blp.route("/messages/<string:message_id>")
class OneMessage(MethodView):
    @requires(messages_blp, ("claimant", "employer", "staff"), level=Level.BOUND)
    @messages_blp.response(200, schemas.MessageOut)
    @messages_blp.alt_response(404, schema=ErrorEnvelope, description="消息不存在或不属于您")
    def get(self, message_id: str, caller: Caller) -> Any:
        """一条消息的状态记录"""
        return inbox.one_message(caller, message_id)


@messages_blp.route("/staff/messages")
class StaffMessages(MethodView):
    @requires(messages_blp, "staff", roles=inbox.STAFF_READERS)
    @messages_blp.arguments(schemas.StaffMessageQuery, location="query")
    @messages_blp.response(200, schemas.MessageOut(many=True))
    def get(self, query: dict[str, Any], caller: Caller) -> Any:
        """工作人员按手机号或 openid 查询消息及状态（号码部分隐藏）"""
        return inbox.staff_lookup(caller, query["phone"], query["openid"], query["limit"])
