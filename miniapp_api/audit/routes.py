"""审计: auditors search the audit trail."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from marshmallow import validate

from auth.caller import Caller
from auth.guard import requires
from miniapp_api.api import Blueprint, ErrorEnvelope, Schema
from miniapp_api.audit.search import search
from miniapp_api.db import MAX_ID, current_session
from miniapp_api.records import fields as f

blp = Blueprint("audit", __name__, url_prefix="/api/v1/staff/audit", description="审计日志查询（审计人员）")


class AuditQuery(Schema):
    action = ma.fields.String(validate=validate.Length(max=60), metadata={"label": "操作"})
    outcome = ma.fields.String(validate=validate.OneOf(["success", "failure", "refused"]), metadata={"label": "结果"})
    actor_kind = ma.fields.String(validate=validate.Length(max=20), metadata={"label": "操作人类别"})
    actor_id = ma.fields.String(validate=validate.Length(max=64), metadata={"label": "操作人"})
    subject_kind = ma.fields.String(validate=validate.Length(max=30), metadata={"label": "对象类别"})
    subject_id = ma.fields.String(validate=validate.Length(max=64), metadata={"label": "对象"})
    since = f.Moment(metadata={"label": "起始时间"})
    until = f.Moment(metadata={"label": "截止时间"})
    before_id = ma.fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={"label": "翻页：此 id 之前"})
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=500), metadata={"label": "条数"})


class AuditEntryOut(Schema):
    id = ma.fields.Integer()
    at = ma.fields.DateTime()
    action = ma.fields.String()
    outcome = ma.fields.String()
    actor_kind = ma.fields.String(allow_none=True)
    actor_id = ma.fields.String(allow_none=True)
    subject_kind = ma.fields.String(allow_none=True)
    subject_id = ma.fields.String(allow_none=True)
    detail = ma.fields.Dict()
    request_id = ma.fields.String(allow_none=True)
    seq = ma.fields.Integer(allow_none=True, metadata={"description": "哈希链序号（未封存时为空）"})
    entry_hash = ma.fields.String(allow_none=True)


@blp.route("")
class AuditLog(MethodView):
    @requires(blp, "staff", roles=("auditor", "admin"))
    @blp.arguments(AuditQuery, location="query")
    @blp.response(200, AuditEntryOut(many=True))
    @blp.alt_response(403, schema=ErrorEnvelope, description="须为全省（不限地区）账号")
    def get(self, query: dict[str, Any], caller: Caller) -> Any:
        """按操作、操作人、对象、时间查询审计日志（最新的在前）"""
        return search(current_session(), caller, query)
