"""Public reference data the mini-program reads: regions, their parameters, identifier checks."""

from __future__ import annotations

import re
from typing import Any

from flask.views import MethodView

from miniapp_api.api import Blueprint, ErrorEnvelope
from miniapp_api.clock import china_today
from miniapp_api.db import current_session
from miniapp_api.errors import NotFoundError, ValidationFailed
from miniapp_api.identifiers import IdentifierError, parse_credit_code, parse_id_number
from miniapp_api.records import schemas
from miniapp_api.records.models import Region
from miniapp_api.records.service import list_regions, region_parameters

REGION_CODE = re.compile(r"[0-9]{6}")

blp = Blueprint("records", __name__, url_prefix="/api/v1", description="统筹地区、地区参数与证件号码校验")


@blp.route("/regions")
class Regions(MethodView):
    @blp.response(200, schemas.RegionOut(many=True))
    def get(self) -> Any:
        """统筹地区列表"""
        return list_regions(current_session())


@blp.route("/regions/<string:code>/parameters")
class RegionParameters(MethodView):
    @blp.arguments(schemas.ParametersQuery, location="query")
    @blp.response(200, schemas.RegionParametersOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="统筹地区不存在")
    def get(self, query: dict[str, Any], code: str) -> Any:
        """某统筹地区在指定日期生效的全部参数（含依据）"""
        session = current_session()
        region = session.get(Region, code) if REGION_CODE.fullmatch(code) else None
        if region is None:
            raise NotFoundError(f"统筹地区 {code} 不存在", code="REGION_NOT_FOUND")
        on = query["on"] or china_today()
        return {"region": region, "on": on, "parameters": region_parameters(session, code, on)}


@blp.route("/identifiers/id-number/check")
class IdNumberCheck(MethodView):
    @blp.arguments(schemas.IdNumberIn)
    @blp.response(200, schemas.IdNumberOut)
    @blp.alt_response(422, schema=ErrorEnvelope, description="号码不正确")
    def post(self, body: dict[str, Any]) -> Any:
        """校验居民身份证号码（格式、出生日期、校验位），不查询任何人员记录"""
        try:
            parsed = parse_id_number(body["id_number"])
        except IdentifierError as error:
            raise ValidationFailed(
                error.message, code=error.code, details={"fields": {"id_number": [error.message]}}
            ) from None
        return {**vars(parsed), "valid": True, "warnings": list(parsed.warnings)}


@blp.route("/identifiers/credit-code/check")
class CreditCodeCheck(MethodView):
    @blp.arguments(schemas.CreditCodeIn)
    @blp.response(200, schemas.CreditCodeOut)
    @blp.alt_response(422, schema=ErrorEnvelope, description="代码不正确")
    def post(self, body: dict[str, Any]) -> Any:
        """校验统一社会信用代码（字符集与校验位）"""
        try:
            parsed = parse_credit_code(body["credit_code"])
        except IdentifierError as error:
            raise ValidationFailed(
                error.message, code=error.code, details={"fields": {"credit_code": [error.message]}}
            ) from None
        return {"valid": True, "region_code": parsed.region_code, "warnings": list(parsed.warnings)}
