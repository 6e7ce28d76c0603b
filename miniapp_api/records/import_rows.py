"""The columns of each file the provincial system exports, and how one row is checked."""

from __future__ import annotations

import json
from typing import Any

import marshmallow as ma
from marshmallow import validate

from miniapp_api.identifiers import parse_id_number
from miniapp_api.records import fields as f
from miniapp_api.records.models import PERSON_EVENT_KINDS, RETIREMENT_CATEGORIES
from miniapp_api.records.parameters import PARAMETER_KINDS, validate_parameter_value
from miniapp_api.rules.separation_reasons import reason_for

_SEX_WORDS = {"M": "M", "F": "F", "男": "M", "女": "F"}


def _one_of(choices: tuple[str, ...] | list[str]) -> validate.OneOf:
    return validate.OneOf(choices, error="取值应为以下之一：" + "、".join(choices))


class Row(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    def handle_error(self, error: ma.ValidationError, data: Any, **kwargs: Any) -> None:
        raise error


class RegionRow(Row):
    code = f.RegionCode(required=True)
    name = f.Text(required=True, validate=validate.Length(max=50))
    province = f.Text(required=True, validate=validate.Length(max=30))
    agency_name = f.Text(required=True, validate=validate.Length(max=100))
    agency_phone = f.Text(required=True, validate=validate.Length(max=30))
    agency_address = f.Text(required=True, validate=validate.Length(max=200))


class RegionParameterRow(Row):
    region_code = f.RegionCode(required=True)
    kind = f.Text(required=True, validate=_one_of(list(PARAMETER_KINDS)))
    effective_from = ma.fields.Date(required=True, error_messages={"invalid": "应为日期（YYYY-MM-DD）"})
    value = ma.fields.Raw(required=True)
    citation = f.Text(required=True, validate=validate.Length(max=500))

    @ma.post_load
    def _check_value(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        value = data["value"]
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raise ma.ValidationError("应为 JSON 对象", "value") from None
        try:
            data["value"] = validate_parameter_value(data["kind"], value)
        except ma.ValidationError as error:
            raise ma.ValidationError({"value": error.messages}) from None
        return data


class EmployerRow(Row):
    credit_code = f.CreditCode(required=True)
    name = f.Text(required=True, validate=validate.Length(max=200))
    region_code = f.RegionCode(required=True)


class EmployerContactRow(Row):
    credit_code = f.CreditCode(required=True)
    name = f.PersonName(required=True)
    phone = f.MobilePhone(required=True)


class PersonRow(Row):
    id_number = f.IdNumber(required=True)
    name = f.PersonName(required=True)
    sex = f.Text(required=True, validate=_one_of(list(_SEX_WORDS)))
    birth_date = f.PastDate(required=True)
    retirement_category = f.Text(required=True, validate=_one_of(RETIREMENT_CATEGORIES))
    phone = f.MobilePhone(load_default=None)
    region_code = f.RegionCode(required=True)
    ss_card_number = f.Text(load_default=None, validate=validate.Length(max=30))
    bank_name = f.BankName(load_default=None)
    bank_account = f.BankAccount(load_default=None)

    @ma.post_load
    def _agrees_with_id_number(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        identity = parse_id_number(data["id_number"])
        data["sex"] = _SEX_WORDS[data["sex"]]
        if data["sex"] != identity.sex:
            raise ma.ValidationError("性别与身份证号码第17位不一致", "sex")
        if data["birth_date"] != identity.birth_date:
            raise ma.ValidationError("出生日期与身份证号码不一致", "birth_date")
        if (data["sex"] == "M") != (data["retirement_category"] == "male_60"):
            raise ma.ValidationError("退休类别与性别不一致", "retirement_category")
        if (data["bank_account"] is None) != (data["bank_name"] is None):
            raise ma.ValidationError("开户银行与银行账号应同时填写", "bank_account")
        return data


class ContributionRow(Row):
    id_number = f.IdNumber(required=True)
    credit_code = f.CreditCode(required=True)
    region_code = f.RegionCode(required=True)
    start_month = f.Month(required=True)
    end_month = f.Month(load_default=None)

    @ma.post_load
    def _months_in_order(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if data["end_month"] is not None and data["end_month"] < data["start_month"]:
            raise ma.ValidationError("结束月份早于开始月份", "end_month")
        return data


class StopEventRow(Row):
    id_number = f.IdNumber(required=True)
    credit_code = f.CreditCode(required=True)
    stop_date = f.PastDate(required=True)
    reason = f.Text(required=True)

    @ma.post_load
    def _known_reason(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        reason = reason_for(data["reason"])
        if reason is None:
            raise ma.ValidationError("不是规定的失业原因（见停保原因代码表）", "reason")
        data["reason_code"] = reason.code
        return data


class PersonEventRow(Row):
    id_number = f.IdNumber(required=True)
    kind = f.Text(required=True, validate=_one_of(PERSON_EVENT_KINDS))
    event_date = f.PastDate(required=True)
    source = f.Text(required=True, validate=validate.Length(max=50))


def blank_to_missing(row: dict[str, Any]) -> dict[str, Any]:
    """CSV has no null: an empty cell means "not given"."""
    return {key: value for key, value in row.items() if not (isinstance(value, str) and value.strip() == "")}


# 稳岗返还's records.

_AMOUNT = {"as_string": False, "places": 2, "validate": validate.Range(min=0, error="金额不能为负数")}


class LedgerRow(Row):
    """One month of an employer's unemployment-insurance account."""

    credit_code = f.CreditCode(required=True)
    month = f.Month(required=True)
    amount_due = ma.fields.Decimal(required=True, **_AMOUNT)  # type: ignore[arg-type]
    amount_paid = ma.fields.Decimal(required=True, **_AMOUNT)  # type: ignore[arg-type]
    arrears = ma.fields.Decimal(required=True, **_AMOUNT)  # type: ignore[arg-type]
    insured_headcount = ma.fields.Integer(required=True, validate=validate.Range(min=0, max=1_000_000))


class EmployerSizeRow(Row):
    """An employer's size class (划型) as the classification says, and whether it is a public body."""

    credit_code = f.CreditCode(required=True)
    size_class = f.Text(load_default=None, validate=_one_of(["large", "small_micro"]))
    size_source = f.Text(load_default=None, validate=validate.Length(max=100))
    public_body = ma.fields.Boolean(load_default=False, truthy={"1", "true", "是"}, falsy={"0", "false", "否", ""})


class CreditListingRow(Row):
    credit_code = f.CreditCode(required=True)
    list_kind = f.Text(
        required=True, validate=_one_of(["serious_dishonesty", "abnormal_operations", "deregistered", "revoked"])
    )
    listed_on = f.Day(required=True)
    removed_on = f.Day(load_default=None)
    source = f.Text(required=True, validate=validate.Length(max=200))

    @ma.post_load
    def _removed_after_listed(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if data["removed_on"] is not None and data["removed_on"] < data["listed_on"]:
            raise ma.ValidationError("移出日期早于列入日期", "removed_on")
        return data


class DispatchRow(Row):
    agency_credit_code = f.CreditCode(required=True)
    user_credit_code = f.CreditCode(required=True)
    from_month = f.Month(required=True)
    to_month = f.Month(load_default=None)

    @ma.post_load
    def _sensible(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if data["agency_credit_code"] == data["user_credit_code"]:
            raise ma.ValidationError("派遣机构与用工单位不能是同一单位", "user_credit_code")
        if data["to_month"] is not None and data["to_month"] < data["from_month"]:
            raise ma.ValidationError("结束月份早于开始月份", "to_month")
        return data


class CorporateAccountRow(Row):
    credit_code = f.CreditCode(required=True)
    bank_name = f.BankName(required=True)
    account_name = f.Text(required=True, validate=validate.Length(max=200))
    account_number = f.Text(required=True, validate=validate.Regexp(r"^[0-9]{8,32}$", error="对公账号应为8至32位数字"))
