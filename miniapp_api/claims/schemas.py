from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from miniapp_api.api import Money, Schema
from miniapp_api.benefits.schemas import RefusalOut
from miniapp_api.claims.form import FIELDS, INTERNAL
from miniapp_api.db import MAX_ID
from miniapp_api.errors import ValidationFailed
from miniapp_api.records import fields as f


class FieldNotEditable(ValidationFailed):
    code = "FIELD_NOT_EDITABLE"


class _RefusesInternalFields(Schema):
    """A body that names a field from the records gets told where such a change belongs."""

    @ma.pre_load
    def _internal_fields_are_not_edited_here(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict):
            named = [name for name in data if name in INTERNAL]
            if named:
                labels = "、".join(FIELDS[name].label for name in named)
                raise FieldNotEditable(
                    f"{labels}来自内部记录，不能在申领表中修改；如有错误，请点该项旁的“有误？提出异议”提出更正",
                    details={"fields": {name: ["不可修改，请提出异议"] for name in named}},
                )
        return data


class BankAccountIn(Schema):
    source = ma.fields.String(
        required=True,
        validate=validate.OneOf(["ss_card", "other"]),
        metadata={"label": "收款账户类型", "description": "ss_card 社会保障卡银行账户；other 本人其他银行卡"},
    )
    bank_name = f.BankName(metadata={"label": "开户银行", "example": "中国建设银行"})
    account_number = f.BankCardNumber(metadata={"label": "银行卡号", "example": "6217000010001234569"})

    @ma.validates_schema
    def _other_account_is_complete(self, data: dict[str, Any], **_: Any) -> None:
        if data["source"] == "other":
            missing = {name: ["缺少必填项"] for name in ("bank_name", "account_number") if not data.get(name)}
            if missing:
                raise ma.ValidationError(missing)
        elif data.get("bank_name") or data.get("account_number"):
            raise ma.ValidationError("选择社会保障卡银行账户时不需要填写开户银行和卡号", "source")


class EditsIn(_RefusesInternalFields):
    phone = f.MobilePhone(metadata={"label": "联系电话", "example": "13800138000"})
    phone_code = f.Text(
        validate=validate.Length(min=1, max=128),
        metadata={
            "label": "微信手机号授权凭证",
            "description": "getPhoneNumber 的 code：由微信核验手机号，代替手工填写",
        },
    )
    contact_address = f.Text(validate=validate.Length(max=200), metadata={"label": "联系地址"})
    bank_account = ma.fields.Nested(BankAccountIn, metadata={"label": "收款账户"})


class ConfirmationIn(Schema):
    accepted = ma.fields.Boolean(required=True, metadata={"label": "承诺确认"})
    commitment_version = ma.fields.Integer(required=True, metadata={"label": "承诺书版本"})


class SubmitIn(_RefusesInternalFields):
    confirmation = ma.fields.Nested(ConfirmationIn, required=True, metadata={"label": "确认与承诺"})
    edits = ma.fields.Nested(EditsIn, load_default=dict, metadata={"label": "修改项"})
    use_draft = ma.fields.Boolean(
        load_default=None,
        allow_none=True,
        metadata={
            "label": "使用草稿",
            "description": "省略时：有已保存的草稿即使用（先取草稿中的修改，再叠加 edits）；"
            "true：必须有草稿；false：不使用草稿",
        },
    )


class IdempotencyHeader(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    idempotency_key = ma.fields.String(
        data_key="Idempotency-Key",
        required=True,
        validate=validate.Regexp(r"^[A-Za-z0-9_\-]{8,64}$", error="应为8至64位字母、数字、下划线或连字符"),
        metadata={"label": "幂等键（Idempotency-Key 请求头）", "description": "同一次提交的重试使用同一个值"},
    )


class FieldOut(Schema):
    label = ma.fields.String()
    value = ma.fields.Raw(allow_none=True)
    text = ma.fields.String(metadata={"description": "给人看的值"})
    source = ma.fields.String(
        metadata={
            "description": "identity_records 身份信息；contribution_records 缴费记录；"
            "stop_contribution_record 停保记录；"
            "rules 按政策测算；social_security_card 社会保障卡；claimant 本人填写"
        }
    )
    editable = ma.fields.Boolean()
    dispute = ma.fields.Dict(allow_none=True, metadata={"description": "对此项有异议时提交到的地址与字段名"})


class ReviewReasonOut(Schema):
    code = ma.fields.String()
    message = ma.fields.String()


class OutlookOut(Schema):
    decision = ma.fields.String(
        metadata={"description": "approve 可自动核准；reject 不符合条件；manual_review 需人工审核"}
    )
    refusals = ma.fields.List(ma.fields.Nested(RefusalOut))
    review_reasons = ma.fields.List(ma.fields.Nested(ReviewReasonOut))


class CommitmentOut(Schema):
    version = ma.fields.Integer()
    text = ma.fields.String()


class DraftInfoOut(Schema):
    saved_at = ma.fields.DateTime()
    expires_at = ma.fields.DateTime()
    changed_internal_fields = ma.fields.List(
        ma.fields.String(), metadata={"description": "草稿保存后内部记录发生变化的字段"}
    )


class FormOut(Schema):
    form_fields = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Nested(FieldOut), data_key="fields", attribute="fields"
    )
    field_order = ma.fields.List(ma.fields.String(), metadata={"description": "表单中各字段的显示顺序"})
    outlook = ma.fields.Nested(OutlookOut)
    commitment = ma.fields.Nested(CommitmentOut)
    draft = ma.fields.Nested(DraftInfoOut, allow_none=True)
    open_claim = ma.fields.Dict(allow_none=True, metadata={"description": "已有未办结的申领时，其编号与状态"})


class PaymentOut(Schema):
    kind = ma.fields.String(metadata={"description": "monthly 按月；lump_sum 一次性"})
    period = ma.fields.String(metadata={"description": "YYYY-MM"})
    month_index = ma.fields.Integer()
    amount = Money()
    medical_premium_paid = ma.fields.Boolean()
    medical_premium = Money(
        allow_none=True, metadata={"description": "当月由基金代缴的基本医疗保险费（元）；早期记录可能为空"}
    )
    continued = ma.fields.Boolean()
    pay_by = ma.fields.Date()
    status = ma.fields.String(metadata={"description": "scheduled 待发放；paid 已发放；cancelled 已取消"})


class DecisionOut(Schema):
    decided_at = ma.fields.DateTime(allow_none=True)
    decided_by = ma.fields.String(allow_none=True, metadata={"description": "auto 自动审核；staff 工作人员"})
    refusals = ma.fields.List(ma.fields.Nested(RefusalOut))
    entitlement_months = ma.fields.Integer(allow_none=True)
    continued_payment_months = ma.fields.Integer(allow_none=True)
    legal_retirement_date = ma.fields.Date(allow_none=True)
    note = ma.fields.String(allow_none=True)


class RatingOut(Schema):
    score = ma.fields.Integer()
    comment = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class LumpSumOut(Schema):
    available = ma.fields.Boolean()
    remaining_months = ma.fields.Integer()
    remaining_amount = Money()
    note = ma.fields.String()


class ClaimOut(Schema):
    id = ma.fields.Integer()
    claim_no = ma.fields.String()
    status = ma.fields.String()
    status_label = ma.fields.String()
    submitted_at = ma.fields.DateTime()
    application_date = ma.fields.Date()
    region = ma.fields.Dict()
    agency = ma.fields.Dict(metadata={"description": "经办机构名称、电话、地址"})
    separation_date = ma.fields.Date(allow_none=True)
    separation_reason = ma.fields.String(allow_none=True)
    separation_reason_label = ma.fields.String(allow_none=True)
    contribution_months = ma.fields.Integer(allow_none=True)
    review_reasons = ma.fields.List(ma.fields.Nested(ReviewReasonOut))
    decision = ma.fields.Nested(DecisionOut)
    payments = ma.fields.List(ma.fields.Nested(PaymentOut))
    total_amount = Money()
    bank_account = ma.fields.String(metadata={"description": "收款账户（已脱敏）"})
    phone = ma.fields.String(metadata={"description": "联系电话（已脱敏）"})
    lump_sum = ma.fields.Nested(LumpSumOut, allow_none=True)
    rating = ma.fields.Nested(RatingOut, allow_none=True)
    receipt_url = ma.fields.String()


class ClaimSummaryOut(Schema):
    id = ma.fields.Integer()
    claim_no = ma.fields.String()
    status = ma.fields.String()
    status_label = ma.fields.String()
    submitted_at = ma.fields.DateTime()


class EventOut(Schema):
    kind = ma.fields.String()
    label = ma.fields.String()
    at = ma.fields.DateTime()
    actor = ma.fields.String(metadata={"description": "claimant 本人；staff 工作人员；system 系统"})
    period = ma.fields.String(allow_none=True)
    detail = ma.fields.Dict()


class TimelineOut(Schema):
    claim_no = ma.fields.String()
    status = ma.fields.String()
    status_label = ma.fields.String()
    events = ma.fields.List(ma.fields.Nested(EventOut))


class LumpSumIn(Schema):
    business_credit_code = f.CreditCode(
        required=True,
        metadata={"label": "创业实体统一社会信用代码", "description": "本人自主创业登记的个体工商户或企业"},
    )


class RatingIn(Schema):
    score = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=5), metadata={"label": "评分"})
    comment = f.Text(validate=validate.Length(max=300), metadata={"label": "评价内容"})


# Staff side.
class QueueQuery(Schema):
    status = ma.fields.String(
        load_default="manual_review",
        validate=validate.OneOf(
            ["submitted", "manual_review", "approved", "rejected", "suspended", "settled", "stopped", "completed"]
        ),
        metadata={"label": "状态"},
    )
    region = f.RegionCode(metadata={"label": "统筹地区"})
    limit = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=200), metadata={"label": "条数"})
    after_id = ma.fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=0, max=MAX_ID), metadata={"label": "翻页起点"}
    )


class QueueItemOut(Schema):
    id = ma.fields.Integer()
    claim_no = ma.fields.String()
    status = ma.fields.String()
    region_code = ma.fields.String()
    claimant = ma.fields.String(metadata={"description": "姓名（已脱敏）"})
    submitted_at = ma.fields.DateTime()
    waiting_days = ma.fields.Integer()
    review_reasons = ma.fields.List(ma.fields.Nested(ReviewReasonOut))


class StaffClaimOut(ClaimOut):
    claimant = ma.fields.Dict(metadata={"description": "姓名、身份证号（已脱敏）"})
    facts = ma.fields.Dict(allow_none=True)
    trace = ma.fields.Dict(allow_none=True)


class ApproveIn(Schema):
    note = f.Text(required=True, validate=validate.Length(max=500), metadata={"label": "审核意见"})


class RejectIn(Schema):
    reason_codes = ma.fields.List(
        ma.fields.String(), required=True, validate=validate.Length(min=1), metadata={"label": "不予核准原因代码"}
    )
    note = f.Text(required=True, validate=validate.Length(max=500), metadata={"label": "审核意见"})


class RatingsQuery(Schema):
    region = f.RegionCode(metadata={"label": "统筹地区"})
    limit = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=200), metadata={"label": "条数"})


class RatingItemOut(Schema):
    subject_kind = ma.fields.String()
    subject_id = ma.fields.Integer()
    region_code = ma.fields.String()
    score = ma.fields.Integer()
    comment = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class RatingsOut(Schema):
    count = ma.fields.Integer()
    average = ma.fields.Float(allow_none=True)
    by_score = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    recent = ma.fields.List(ma.fields.Nested(RatingItemOut))
