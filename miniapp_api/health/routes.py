from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from miniapp_api.api import Blueprint, ErrorEnvelope, Schema
from miniapp_api.errors import ServiceUnavailable
from miniapp_api.health.service import dependency_report

blp = Blueprint("health", __name__, description="服务健康检查")

_DOWN_NAMES = {"database": "数据库", "redis": "Redis"}


class Check(Schema):
    ok = ma.fields.Boolean(required=True)
    latency_ms = ma.fields.Float()
    error = ma.fields.String()


class Health(Schema):
    status = ma.fields.String(required=True)
    healthy = ma.fields.Boolean(required=True)
    checks = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(Check), required=True)
    scheduler_last_beat = ma.fields.Float(
        allow_none=True, metadata={"description": "定时任务最近一次心跳（Unix 时间）"}
    )
    calendar_known_through = ma.fields.String(
        allow_none=True, metadata={"description": "节假日日历可计算工作日期限到哪一天（YYYY-MM-DD）"}
    )


@blp.route("/healthz")
class Healthz(MethodView):
    @blp.response(200, Health)
    @blp.alt_response(503, schema=ErrorEnvelope, description="数据库或 Redis 不可用（details 含各项检查结果）")
    def get(self) -> Any:
        """数据库与 Redis 是否可达"""
        report = dependency_report()
        if not report["healthy"]:
            down = [name for name, check in report["checks"].items() if not check["ok"]]
            names = "、".join(_DOWN_NAMES[name] for name in down)
            raise ServiceUnavailable(f"服务依赖不可用：{names}", code="DEPENDENCY_DOWN", details=report)
        return {"status": "ok", **report}
