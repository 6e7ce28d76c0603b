from __future__ import annotations

import marshmallow as ma

from miniapp_api.api import Schema
from miniapp_api.records import fields as f
from miniapp_api.rules.parameters import PARAMETER_LABELS


class RegionOut(Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    province = ma.fields.String()
    agency_name = ma.fields.String()
    agency_phone = ma.fields.String()
    agency_address = ma.fields.String()


class ParametersQuery(Schema):
    on = ma.fields.Date(load_default=None, metadata={"description": "参数生效日（默认今天）"})


class ParameterOut(Schema):
    kind = ma.fields.String()
    label = ma.fields.Function(lambda row: PARAMETER_LABELS[row.kind])
    effective_from = ma.fields.Date()
    value = ma.fields.Dict()
    citation = ma.fields.String()


class RegionParametersOut(Schema):
    region = ma.fields.Nested(RegionOut)
    on = ma.fields.Date()
    parameters = ma.fields.List(ma.fields.Nested(ParameterOut))


class IdNumberIn(Schema):
    id_number = f.Text(required=True, metadata={"example": "11010519491231002X"})


class IdNumberOut(Schema):
    valid = ma.fields.Boolean()
    birth_date = ma.fields.Date()
    sex = ma.fields.String(metadata={"description": "M 男 / F 女"})
    region_code = ma.fields.String()
    warnings = ma.fields.List(ma.fields.String())


class CreditCodeIn(Schema):
    credit_code = f.Text(required=True, metadata={"example": "91350100M000100Y43"})


class CreditCodeOut(Schema):
    valid = ma.fields.Boolean()
    region_code = ma.fields.String()
    warnings = ma.fields.List(ma.fields.String())
