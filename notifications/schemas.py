from __future__ import annotations

import marshmallow as ma

from miniapp_api.api import Schema
from miniapp_api.records import fields as f


class ReceiptQuery(Schema):
    token = ma.fields.String(load_default=None, metadata={"description": "与服务商约定的回调密钥"})


class ReceiptAnswer(Schema):
    # Each provider expects its own acknowledgement shape.
    code = ma.fields.Integer()
    msg = ma.fields.String()
    result = ma.fields.Integer()
    errmsg = ma.fields.String()


class MessageEventOut(Schema):
    status = ma.fields.String()
    at = ma.fields.DateTime()
    detail = ma.fields.String(allow_none=True)


class MessageOut(Schema):
    id = ma.fields.String()
    kind = ma.fields.String()
    template_version = ma.fields.Integer()
    channel = ma.fields.String()
    phone = ma.fields.String(metadata={"description": "部分隐藏"})
    status = ma.fields.String()
    provider = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    history = ma.fields.List(ma.fields.Nested(MessageEventOut))
    text = ma.fields.String(
        allow_none=True,
        metadata={"description": "收件人本人查询时：消息内容（验证码等不再显示）；工作人员查询时不提供"},
    )


class MessageListQuery(Schema):
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))


class StaffMessageQuery(MessageListQuery):
    phone = f.MobilePhone(load_default=None, metadata={"label": "手机号码"})
    openid = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64), metadata={"label": "openid"})
