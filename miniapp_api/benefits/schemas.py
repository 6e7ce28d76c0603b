from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from miniapp_api.api import Money, Schema
from miniapp_api.clock import china_today
from miniapp_api.records import fields as f
from miniapp_api.rules.separation_reasons import SEPARATION_REASONS

_REASON_HELP = "不是规定的失业原因代码，可选代码见 GET /api/v1/benefits/separation-reasons"


class EstimateIn(Schema):
    region = f.RegionCode(
        required=True, metadata={"label": "统筹地区", "description": "参保统筹地区6位代码", "example": "152200"}
    )
    birth_date = f.PastDate(required=True, metadata={"label": "出生日期", "example": "1966-03-15"})
    sex = ma.fields.String(
        required=True,
        validate=validate.OneOf(["male", "female"], error="应为 male（男）或 female（女）"),
        metadata={"label": "性别", "example": "male"},
    )
    female_original_retirement_age = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf([50, 55], error="应为50（女工人）或55（女干部）"),
        metadata={"label": "原法定退休年龄", "description": "女性必填：50（工人）或55（干部）；男性不填"},
    )
    contribution_months = ma.fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=0, max=1000, error="应在0到1000之间"),
        metadata={"label": "累计缴费月数", "example": 150},
    )
    separation_date = f.Day(required=True, metadata={"label": "失业日期", "example": "2026-09-30"})
    separation_reason = ma.fields.String(
        required=True,
        validate=validate.OneOf(list(SEPARATION_REASONS), error=_REASON_HELP),
        metadata={"label": "失业原因", "example": "economic_layoff"},
    )
    application_date = f.Day(
        load_default=china_today, metadata={"label": "申领日期", "description": "默认今天", "example": "2026-10-12"}
    )
    previous_unclaimed_months = ma.fields.Integer(
        load_default=0,
        strict=True,
        validate=validate.Range(min=0, max=24, error="应在0到24之间"),
        metadata={"label": "前次应领未领月数"},
    )
    receiving_pension = ma.fields.Boolean(load_default=False, metadata={"label": "是否已领取基本养老金"})


class RefusalOut(Schema):
    code = ma.fields.String(
        metadata={"description": "如 INSUFFICIENT_CONTRIBUTION、VOLUNTARY_SEPARATION、RECEIVING_PENSION"}
    )
    message = ma.fields.String()
    legal_basis = ma.fields.String()


class ScheduleMonthOut(Schema):
    period = ma.fields.String(metadata={"description": "YYYY-MM"})
    amount = Money()
    medical_premium_paid = ma.fields.Boolean(metadata={"description": "当月基本医疗保险费由失业保险基金代缴"})
    medical_premium = Money(metadata={"description": "当月由基金代缴的基本医疗保险费（元），个人不缴纳"})
    pay_by = ma.fields.Date(metadata={"description": "最迟发放日"})
    continued = ma.fields.Boolean(metadata={"description": "属于领取期满后的续发月份"})


class ParameterUsedOut(Schema):
    kind = ma.fields.String()
    label = ma.fields.String()
    region_code = ma.fields.String(metadata={"description": "* 表示全国性规定"})
    effective_from = ma.fields.Date()
    value = ma.fields.Dict()
    citation = ma.fields.String()


class TraceStepOut(Schema):
    rule = ma.fields.String()
    outcome = ma.fields.String(
        metadata={"description": "met / not_met / applied / not_applicable / not_applied / note"}
    )
    reason = ma.fields.String()
    basis = ma.fields.String()
    inputs = ma.fields.Dict()


class TraceOut(Schema):
    facts = ma.fields.Dict()
    steps = ma.fields.List(ma.fields.Nested(TraceStepOut))


class EstimateOut(Schema):
    region = ma.fields.String(attribute="region_code")
    eligible = ma.fields.Boolean()
    reasons = ma.fields.List(ma.fields.Nested(RefusalOut), metadata={"description": "不符合条件的原因，符合时为空"})
    entitlement_months = ma.fields.Integer(metadata={"description": "核定领取月数（不含续发）"})
    continued_payment_months = ma.fields.Integer(metadata={"description": "续发月数"})
    legal_retirement_date = ma.fields.Date(metadata={"description": "法定退休时间（退休当月1日）"})
    legal_retirement_age = ma.fields.String(metadata={"example": "60周岁3个月"})
    continued_payment_until = ma.fields.Date(allow_none=True)
    schedule = ma.fields.List(ma.fields.Nested(ScheduleMonthOut))
    total_amount = Money()
    parameters = ma.fields.Method("_parameters", metadata={"description": "所用参数及生效日期、依据"})
    trace = ma.fields.Method("_trace")

    def _parameters(self, estimate: Any) -> list[dict[str, Any]]:
        dumped: list[dict[str, Any]] = ParameterUsedOut(many=True).dump(
            [version.describe() for version in estimate.parameters]
        )
        return dumped

    def _trace(self, estimate: Any) -> dict[str, Any]:
        return {"facts": estimate.facts.as_dict(), "steps": list(estimate.trace)}


class SeparationReasonOut(Schema):
    code = ma.fields.String()
    label = ma.fields.String()
    qualifying = ma.fields.Boolean()
    legal_basis = ma.fields.String(attribute="basis")
    regional_note = ma.fields.Method(
        "_regional_note", metadata={"description": "有地区规定另作认定时的说明；测算按所选统筹地区的规定"}
    )

    def _regional_note(self, reason: Any) -> str | None:
        return "部分地区另有规定不享受失业保险待遇，以所在统筹地区的规定为准" if reason.regional_bar else None
