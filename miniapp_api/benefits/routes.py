"""待遇测算: what a claimant would receive, before applying, with the rules' reasons."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from miniapp_api.api import Blueprint, ErrorEnvelope
from miniapp_api.benefits import schemas
from miniapp_api.benefits.service import estimate_benefit
from miniapp_api.db import current_session
from miniapp_api.rules.separation_reasons import SEPARATION_REASONS

blp = Blueprint("benefits", __name__, url_prefix="/api/v1/benefits", description="失业保险金待遇测算（无需登录）")


@blp.route("/estimate")
class BenefitEstimate(MethodView):
    @blp.arguments(schemas.EstimateIn)
    @blp.response(200, schemas.EstimateOut)
    @blp.alt_response(422, schema=ErrorEnvelope, description="统筹地区不存在、日期不可能或代码不正确，message 指明字段")
    def post(self, body: dict[str, Any]) -> Any:
        """测算能否领取、领取月数、法定退休时间、续发和每月金额（含依据与计算过程）"""
        return estimate_benefit(current_session(), body)


@blp.route("/separation-reasons")
class SeparationReasons(MethodView):
    @blp.response(200, schemas.SeparationReasonOut(many=True))
    def get(self) -> Any:
        """失业原因代码表：是否属于非因本人意愿中断就业，及对应法律条款"""
        return list(SEPARATION_REASONS.values())
