from __future__ import annotations

from flask import Blueprint, Response, jsonify

from miniapp_api.errors import envelope
from miniapp_api.health.service import dependency_report

blp = Blueprint("health", __name__)

_DOWN_NAMES = {"database": "数据库", "redis": "Redis"}


@blp.get("/healthz")
def healthz() -> Response:
    report = dependency_report()
    if report["healthy"]:
        return jsonify({"status": "ok", **report})
    down = [name for name, check in report["checks"].items() if not check["ok"]]
    names = "、".join(_DOWN_NAMES[name] for name in down)
    return envelope(503, "DEPENDENCY_DOWN", f"服务依赖不可用：{names}", report)
