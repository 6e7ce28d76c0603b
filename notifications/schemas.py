from __future__ import annotations

import marshmallow as ma

from miniapp_api.api import Schema


class ReceiptQuery(Schema):
    token = ma.fields.String(load_default=None, metadata={"description": "与服务商约定的回调密钥"})


class ReceiptAnswer(Schema):
    # Each provider expects its own acknowledgement shape.
    code = ma.fields.Integer()
    msg = ma.fields.String()
    result = ma.fields.Integer()
    errmsg = ma.fields.String()
