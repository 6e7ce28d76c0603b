from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from miniapp_api.api import Money, Schema
from miniapp_api.objections.vocabulary import REFUND_SUBJECTS
from miniapp_api.records import fields as f
from miniapp_api.refunds.presenting import STATUS_LABELS
from miniapp_api.refunds.review import REJECTION_CODES

_ACCOUNT_NUMBER = r"^[0-9]{8,32}$"  # 对公账号: 8 to 32 digits, as banks issue them


class RefundReasonOut(Schema):
    code = ma.fields.String()
    message = ma.fields.String()


class RefundConditionOut(Schema):
    code = ma.fields.String()
    label = ma.fields.String()
    met = ma.fields.Boolean()
    values = ma.fields.Dict(metadata={"description": "该条件涉及的本单位数据"})
    basis = ma.fields.String(metadata={"description": "依据（文件及条款）"})


class RefundEnterpriseOut(Schema):
    name = ma.fields.String()
    credit_code = ma.fields.String()


class CorporateAccountOut(Schema):
    bank_name = ma.fields.String()
    account_name = ma.fields.String()
    account_number = ma.fields.String(metadata={"description": "脱敏显示"})


class RefundObjectionOut(Schema):
    id = ma.fields.Integer()
    objection_no = ma.fields.String()
    condition = ma.fields.String(metadata={"description": "异议事项代码"})
    condition_label = ma.fields.String()
    status = ma.fields.String()
    status_label = ma.fields.String()
    filed_on = ma.fields.Date()
    due_on = ma.fields.Date(allow_none=True, metadata={"description": "答复期限（工作日计算；节假日安排未公布时为空）"})
    working_days = ma.fields.Integer()
    basis = ma.fields.String()
    info_request = ma.fields.String(allow_none=True, metadata={"description": "经办机构请单位补充的内容"})
    outcome = ma.fields.String(allow_none=True)
    answer = ma.fields.String(allow_none=True)
    legal_basis = ma.fields.String(allow_none=True)
    next_steps = ma.fields.List(ma.fields.Dict(), metadata={"description": "异议不成立时可以采取的途径及依据"})


class RefundObjectionIn(Schema):
    condition = f.Text(
        required=True,
        validate=validate.OneOf(list(REFUND_SUBJECTS), error="异议事项应为：" + "、".join(REFUND_SUBJECTS)),
        metadata={"label": "异议事项", "description": "、".join(f"{k}（{v}）" for k, v in REFUND_SUBJECTS.items())},
    )
    claimed_value = f.Text(validate=validate.Length(max=200), metadata={"label": "单位认为的正确情况"})
    description = f.Text(required=True, validate=validate.Length(min=5, max=500), metadata={"label": "异议说明"})


class RefundSupplementIn(Schema):
    text = f.Text(required=True, validate=validate.Length(min=1, max=500), metadata={"label": "补充说明"})


class RefundOut(Schema):
    id = ma.fields.Integer()
    policy_year = ma.fields.Integer()
    enterprise = ma.fields.Nested(RefundEnterpriseOut)
    status = ma.fields.String(metadata={"description": "、".join(f"{k}（{v}）" for k, v in STATUS_LABELS.items())})
    status_label = ma.fields.String()
    eligible = ma.fields.Boolean()
    refusals = ma.fields.List(ma.fields.Nested(RefundReasonOut))
    blockers = ma.fields.List(ma.fields.Nested(RefundReasonOut), metadata={"description": "补齐后才能确认或拨付的事项"})
    conditions = ma.fields.List(ma.fields.Nested(RefundConditionOut))
    size_class = ma.fields.String(allow_none=True)
    size_label = ma.fields.String(allow_none=True)
    paid_last_year = Money(metadata={"description": "上年度实际缴纳失业保险费（元）"})
    share = ma.fields.String(allow_none=True, metadata={"description": "返还比例"})
    amount = Money(allow_none=True, metadata={"description": "返还金额（元）；企业划型未登记时为空"})
    share_basis = ma.fields.String()
    account = ma.fields.Nested(CorporateAccountOut, allow_none=True)
    screened_at = ma.fields.DateTime()
    applied_at = ma.fields.DateTime(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    rejection_code = ma.fields.String(allow_none=True)
    decision_note = ma.fields.String(allow_none=True)
    notice_id = ma.fields.Integer(allow_none=True, metadata={"description": "列入的公示"})
    hold_reason = ma.fields.String(allow_none=True)
    paid_at = ma.fields.DateTime(allow_none=True)
    failure_reason = ma.fields.String(allow_none=True, metadata={"description": "银行退回原因"})
    confirm_by = ma.fields.Date(allow_none=True, metadata={"description": "确认申请的最后日期，逾期视为放弃"})
    waived_at = ma.fields.DateTime(allow_none=True)
    objections = ma.fields.List(ma.fields.Nested(RefundObjectionOut))


class CorporateAccountIn(Schema):
    bank_name = f.BankName(required=True, metadata={"label": "开户银行"})
    account_name = f.Text(required=True, validate=validate.Length(max=200), metadata={"label": "账户名称"})
    account_number = f.Text(
        required=True,
        validate=validate.Regexp(_ACCOUNT_NUMBER, error="对公账号应为8至32位数字"),
        metadata={"label": "对公账号"},
    )


class RefundScreeningOut(Schema):
    id = ma.fields.Integer()
    region_code = ma.fields.String()
    policy_year = ma.fields.Integer()
    as_of = ma.fields.Date()
    enterprises = ma.fields.Integer()
    eligible = ma.fields.Integer()
    total_amount = Money()


class RefundQueueQuery(Schema):
    policy_year = ma.fields.Integer(required=True, validate=validate.Range(min=2019, max=2100))
    status = ma.fields.String(load_default="applied", validate=validate.OneOf(list(STATUS_LABELS)))
    region = ma.fields.String(validate=validate.Length(equal=6))
    limit = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class RefundQueueItemOut(Schema):
    id = ma.fields.Integer()
    enterprise = ma.fields.Nested(RefundEnterpriseOut)
    status = ma.fields.String()
    status_label = ma.fields.String()
    amount = Money(allow_none=True)
    applied_at = ma.fields.DateTime(allow_none=True)


class RefundQueueOut(Schema):
    total = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(RefundQueueItemOut))


class RefundDecisionIn(Schema):
    decision = ma.fields.String(
        required=True, validate=validate.OneOf(["approve", "reject"]), metadata={"label": "审核结果"}
    )
    reason_code = ma.fields.String(
        validate=validate.OneOf(list(REJECTION_CODES)),
        metadata={"label": "不予通过原因", "description": "、".join(f"{k}（{v}）" for k, v in REJECTION_CODES.items())},
    )
    note = f.Text(validate=validate.Length(max=500), metadata={"label": "说明"})


class RefundRegionYearIn(Schema):
    policy_year = ma.fields.Integer(
        required=True, strict=True, validate=validate.Range(min=2019, max=2100), metadata={"label": "政策年度"}
    )
    region = ma.fields.String(validate=validate.Length(equal=6), metadata={"label": "统筹地区"})


class RefundNoticeOut(Schema):
    id = ma.fields.Integer()
    region_code = ma.fields.String()
    policy_year = ma.fields.Integer()
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date(metadata={"description": "公示期最后一天（按工作日计算）"})
    working_days = ma.fields.Integer()
    basis = ma.fields.String()
    enterprises = ma.fields.Integer()
    total_amount = Money()
    page_url = ma.fields.String()
    csv_url = ma.fields.String()


class RefundHoldIn(Schema):
    reason = f.Text(required=True, validate=validate.Length(max=500), metadata={"label": "异议情况"})


class RefundBatchOut(Schema):
    id = ma.fields.Integer()
    region_code = ma.fields.String()
    policy_year = ma.fields.Integer()
    status = ma.fields.String()
    instructions = ma.fields.Integer()
    total_amount = Money()
    by_status = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    prepared_at = ma.fields.DateTime()
    exported_at = ma.fields.DateTime(allow_none=True)
    confirmed_at = ma.fields.DateTime(allow_none=True)
    settled = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
