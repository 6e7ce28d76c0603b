"""Delivery receipts posted by the SMS providers."""

from __future__ import annotations

import hmac
from typing import Any

from flask import request
from flask.views import MethodView

from miniapp_api.api import Blueprint, ErrorEnvelope
from miniapp_api.db import current_session
from miniapp_api.errors import AppError, NotFoundError, ValidationFailed
from miniapp_api.extensions import redis_store, settings
from notifications import receipts, schemas

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
            raise NotFoundError(f"未知的短信服务商：{provider}", code="PROVIDER_NOT_FOUND")
        token = query["token"] or request.headers.get("X-Receipt-Token", "")
        if not hmac.compare_digest(token.encode(), settings().SMS_RECEIPT_TOKEN.encode()):
            raise BadReceiptToken()
        payload = request.get_json(silent=True)
        items = payload if isinstance(payload, list) else [payload] if isinstance(payload, dict) else None
        if not items or not all(isinstance(item, dict) for item in items):
            raise ValidationFailed("回执应为 JSON 对象或对象数组", code="RECEIPT_MALFORMED")
        receipts.apply(current_session(), redis_store(), provider, receipts.parse(provider, items))
        return _ACKNOWLEDGEMENTS[provider]
