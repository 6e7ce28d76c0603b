"""What staff send to enter or decide a calendar year: one schema for the API and the console."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from miniapp_api.api import Schema


class CalendarYearFormIn(Schema):
    year = ma.fields.Integer(validate=validate.Range(min=2000, max=2100), metadata={"label": "年份"})
    document_no = ma.fields.String(validate=validate.Length(max=60), metadata={"label": "通知文号"})
    title = ma.fields.String(validate=validate.Length(max=200), metadata={"label": "通知标题"})
    published_on = ma.fields.Date(metadata={"label": "发布日期"})
    source = ma.fields.String(validate=validate.Length(max=500), metadata={"label": "来源（网址或公报）"})


class CalendarDecisionIn(Schema):
    note = ma.fields.String(validate=validate.Length(max=500), metadata={"label": "审核意见"})


class CalendarRejectIn(Schema):
    note = ma.fields.String(required=True, validate=validate.Length(min=2, max=500), metadata={"label": "退回原因"})
