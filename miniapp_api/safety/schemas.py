"""What staff send to decide a check item or settle a recovery: one schema for the API and the console."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from miniapp_api.api import Schema
from miniapp_api.safety.reasons import STOP_REASONS
from miniapp_api.safety.recoveries import SETTLED_BY_ROLE


class DecisionIn(Schema):
    outcome = ma.fields.String(
        required=True,
        validate=validate.OneOf(["cleared", "stop"]),
        metadata={"description": "cleared 核实无误；stop 按法定事由停发"},
    )
    note = ma.fields.String(required=True, validate=validate.Length(min=2, max=500), metadata={"label": "核查说明"})
    reason = ma.fields.String(validate=validate.OneOf(list(STOP_REASONS)), metadata={"label": "停发事由"})
    effective_on = ma.fields.Date(metadata={"label": "停发日期（事由发生之日）"})

    @ma.validates_schema
    def _stop_needs_reason_and_date(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("outcome") == "stop":
            missing = {name: ["停发时须填写"] for name in ("reason", "effective_on") if not data.get(name)}
            if missing:
                raise ma.ValidationError(missing)


class HoldIn(Schema):
    note = ma.fields.String(required=True, validate=validate.Length(min=2, max=500), metadata={"label": "暂停原因"})


class SettlementIn(Schema):
    outcome = ma.fields.String(
        required=True,
        validate=validate.OneOf(list(SETTLED_BY_ROLE)),
        metadata={"description": "recovered 已追回（财务）；waived 核销、不再追回（主管）"},
    )
    note = ma.fields.String(required=True, validate=validate.Length(min=2, max=500), metadata={"label": "说明"})
