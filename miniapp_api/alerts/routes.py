"""Staff alerts: what someone at the agency must act on, scoped to the reader's region."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from marshmallow import validate

from auth.caller import Caller
from auth.guard import requires
from auth.models import STAFF_ROLES
from miniapp_api.alerts.models import ALERT_KINDS
from miniapp_api.alerts.service import list_alerts
from miniapp_api.api import Blueprint, Schema
from miniapp_api.db import current_session

blp = Blueprint("alerts", __name__, url_prefix="/api/v1/staff/alerts", description="工作提醒（需要经办机构处理的情况）")


class AlertsQuery(Schema):
    status = ma.fields.String(load_default="open", validate=validate.OneOf(["open", "resolved"]))
    kind = ma.fields.String(validate=validate.OneOf(list(ALERT_KINDS)))
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class AlertOut(Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    kind_label = ma.fields.Function(lambda alert: ALERT_KINDS[alert.kind])
    region_code = ma.fields.String(allow_none=True, metadata={"description": "为空表示全部地区"})
    message = ma.fields.String()
    detail = ma.fields.Dict()
    occurrences = ma.fields.Integer(metadata={"description": "开启后同一情况出现的次数"})
    opened_at = ma.fields.DateTime()
    last_seen_at = ma.fields.DateTime()
    resolved_at = ma.fields.DateTime(allow_none=True)
    resolution = ma.fields.String(allow_none=True)


@blp.route("")
class Alerts(MethodView):
    @requires(blp, "staff", roles=STAFF_ROLES)
    @blp.arguments(AlertsQuery, location="query")
    @blp.response(200, AlertOut(many=True))
    def get(self, query: dict[str, Any], caller: Caller) -> Any:
        """本地区和全省的工作提醒，最新的在前"""
        return list_alerts(
            current_session(), caller, status=query["status"], kind=query.get("kind"), limit=query["limit"]
        )
