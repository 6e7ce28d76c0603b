"""安全办（经办人员）: months paid after payment should have stopped, to recover."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from marshmallow import validate
from sqlalchemy import select

from auth.caller import Caller
from auth.guard import requires
from miniapp_api.api import Blueprint, Schema
from miniapp_api.db import current_session
from miniapp_api.safety.models import RecoveryItem

blp = Blueprint("safety", __name__, url_prefix="/api/v1/staff/recoveries", description="多发待追回（经办人员）")


class RecoveriesQuery(Schema):
    status = ma.fields.String(load_default="open", validate=validate.OneOf(["open", "recovered", "waived"]))
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class RecoveryOut(Schema):
    id = ma.fields.Integer()
    claim_id = ma.fields.Integer()
    region_code = ma.fields.String()
    period = ma.fields.Date()
    amount = ma.fields.Decimal(as_string=True, places=2)
    reason = ma.fields.String()
    basis = ma.fields.String()
    status = ma.fields.String()
    created_at = ma.fields.DateTime()


@blp.route("")
class Recoveries(MethodView):
    @requires(blp, "staff", roles=("reviewer", "finance", "auditor", "admin"))
    @blp.arguments(RecoveriesQuery, location="query")
    @blp.response(200, RecoveryOut(many=True))
    def get(self, query: dict[str, Any], caller: Caller) -> Any:
        """停发日之后已发放的月份（待追回），按停发原因附法律依据"""
        rows = select(RecoveryItem).where(RecoveryItem.status == query["status"])
        if caller.staff_region:
            rows = rows.where(RecoveryItem.region_code == caller.staff_region)
        return current_session().scalars(rows.order_by(RecoveryItem.id).limit(query["limit"])).all()
