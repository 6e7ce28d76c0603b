from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from miniapp_api.api import Schema, file_body
from miniapp_api.db import MAX_ID
from miniapp_api.objections.models import STATUSES
from miniapp_api.objections.vocabulary import REJECTION_REASONS
from miniapp_api.records import fields as f
from miniapp_api.rules.deadlines import CLAIMANT_CATEGORIES, OBJECTION_CATEGORIES
from miniapp_api.rules.separation_reasons import SEPARATION_REASONS

_IDS = ma.fields.List(
    ma.fields.Integer(validate=validate.Range(min=1, max=MAX_ID)),
    validate=validate.Length(max=50),
    load_default=list,
    metadata={"label": "图片", "description": "先上传图片得到的 id（最多5张）"},
)


# Claimant side.
class ObjectionIn(Schema):
    category = ma.fields.String(
        required=True,
        validate=validate.OneOf(CLAIMANT_CATEGORIES),
        metadata={
            "label": "异议类别",
            "description": "record 申领表信息；decision 审核决定；suspension 暂停或停止发放",
        },
    )
    field = ma.fields.String(
        validate=validate.Length(max=40),
        metadata={"label": "申领表项目", "description": "category 为 record 时必填，如 separation_reason"},
    )
    claim_id = ma.fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={"label": "申领"})
    claimed_value = f.Text(validate=validate.Length(max=200), metadata={"label": "您认为正确的内容"})
    description = ma.fields.String(required=True, validate=validate.Length(max=1000), metadata={"label": "异议说明"})
    attachment_ids = _IDS


class ObjectionSupplementIn(Schema):
    text = ma.fields.String(required=True, validate=validate.Length(max=1000), metadata={"label": "补充说明"})
    attachment_ids = _IDS


class ObjectionRatingIn(Schema):
    score = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=5), metadata={"label": "评分"})
    comment = f.Text(validate=validate.Length(max=300), metadata={"label": "评价内容"})


class ObjectionAttachmentOut(Schema):
    id = ma.fields.Integer()
    content_type = ma.fields.String()
    size = ma.fields.Integer()
    sha256 = ma.fields.String()
    uploaded_at = ma.fields.DateTime()


class ObjectionClockOut(Schema):
    state = ma.fields.String(
        metadata={"description": "running 计时中；paused 待补充材料暂停；calendar_pending 待定；closed"}
    )
    due_on = ma.fields.Date(allow_none=True)
    rule = ma.fields.String()
    basis = ma.fields.String()
    paused_since = ma.fields.Date(allow_none=True)
    working_days_left_when_paused = ma.fields.Integer(allow_none=True)
    overdue = ma.fields.Boolean()
    answered_on_time = ma.fields.Boolean(allow_none=True)
    note = ma.fields.String(allow_none=True)


class ObjectionAnswerOut(Schema):
    outcome = ma.fields.String()
    outcome_label = ma.fields.String()
    text = ma.fields.String(allow_none=True)
    legal_basis = ma.fields.String(allow_none=True)
    answered_at = ma.fields.DateTime(allow_none=True)


class ObjectionStepOut(Schema):
    title = ma.fields.String()
    text = ma.fields.String()
    basis = ma.fields.String()


class ObjectionEventOut(Schema):
    kind = ma.fields.String()
    label = ma.fields.String()
    at = ma.fields.DateTime()
    actor = ma.fields.String()


class ObjectionAgencyOut(Schema):
    name = ma.fields.String()
    phone = ma.fields.String()
    address = ma.fields.String()


class ObjectionRatingOut(Schema):
    score = ma.fields.Integer()
    comment = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class ObjectionSummaryOut(Schema):
    id = ma.fields.Integer()
    objection_no = ma.fields.String()
    category = ma.fields.String()
    category_label = ma.fields.String()
    field = ma.fields.String(allow_none=True)
    field_label = ma.fields.String(allow_none=True)
    claim_id = ma.fields.Integer(allow_none=True)
    status = ma.fields.String()
    status_label = ma.fields.String()
    filed_at = ma.fields.DateTime()
    due_on = ma.fields.Date(allow_none=True)
    outcome = ma.fields.String(allow_none=True)


class ObjectionOut(ObjectionSummaryOut):
    recorded_value = ma.fields.Raw(allow_none=True, metadata={"description": "提出异议时记录中的内容"})
    claimed_value = ma.fields.Raw(allow_none=True)
    description = ma.fields.String()
    clock = ma.fields.Nested(ObjectionClockOut)
    info_request = ma.fields.String(allow_none=True)
    answer = ma.fields.Nested(ObjectionAnswerOut, allow_none=True)
    next_steps = ma.fields.List(ma.fields.Nested(ObjectionStepOut), metadata={"description": "异议不成立时的后续途径"})
    attachments = ma.fields.List(ma.fields.Nested(ObjectionAttachmentOut))
    events = ma.fields.List(ma.fields.Nested(ObjectionEventOut))
    rating = ma.fields.Nested(ObjectionRatingOut, allow_none=True)
    can_rate = ma.fields.Boolean()
    agency = ma.fields.Nested(ObjectionAgencyOut)


# Staff side.
class ObjectionQueueQuery(Schema):
    status = ma.fields.String(validate=validate.OneOf(STATUSES), metadata={"label": "状态"})
    category = ma.fields.String(validate=validate.OneOf(OBJECTION_CATEGORIES), metadata={"label": "类别"})
    assigned = ma.fields.String(validate=validate.OneOf(["me", "nobody"]), metadata={"label": "承办人"})
    overdue = ma.fields.Boolean(metadata={"label": "仅逾期"})
    region = f.RegionCode(metadata={"label": "统筹地区"})
    limit = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=200), metadata={"label": "条数"})


class ObjectionQueueItemOut(Schema):
    id = ma.fields.Integer()
    objection_no = ma.fields.String()
    category = ma.fields.String()
    field = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    status_label = ma.fields.String()
    region_code = ma.fields.String()
    claimant = ma.fields.String()
    assigned_to = ma.fields.Integer(allow_none=True)
    filed_on = ma.fields.Date()
    due_on = ma.fields.Date(allow_none=True)
    clock = ma.fields.String()
    provisional_due_on = ma.fields.Date(
        allow_none=True, metadata={"description": "节假日安排未公布时的暂定期限（仅扣除周末），只用于提醒，不计逾期"}
    )
    overdue = ma.fields.Boolean()


class CorrectionOut(Schema):
    id = ma.fields.Integer()
    objection_id = ma.fields.Integer()
    target = ma.fields.String()
    target_id = ma.fields.Integer(allow_none=True)
    before = ma.fields.Dict()
    after = ma.fields.Dict()
    status = ma.fields.String()
    proposed_by = ma.fields.Integer()
    proposed_at = ma.fields.DateTime()
    proposal_note = ma.fields.String()
    decided_by = ma.fields.Integer(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    decision_note = ma.fields.String(allow_none=True)


class ObjectionStaffEventOut(ObjectionEventOut):
    actor_id = ma.fields.String(allow_none=True)
    detail = ma.fields.Dict()


class ObjectionClaimantOut(Schema):
    name = ma.fields.String()
    id_number = ma.fields.String()
    phone = ma.fields.String()


class ObjectionHandlerOut(Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class StaffObjectionOut(ObjectionOut):
    region_code = ma.fields.String()
    claimant = ma.fields.Nested(ObjectionClaimantOut)
    assigned_to = ma.fields.Nested(ObjectionHandlerOut, allow_none=True)
    rejection_code = ma.fields.String(allow_none=True)
    corrections = ma.fields.List(ma.fields.Nested(CorrectionOut))
    events = ma.fields.List(ma.fields.Nested(ObjectionStaffEventOut))


class ObjectionAssignIn(Schema):
    username = ma.fields.String(
        validate=validate.Length(min=3, max=40),
        metadata={"label": "承办人用户名", "description": "不填为本人承办；主管可分派给本地区的经办人员"},
    )


class ObjectionInfoRequestIn(Schema):
    request = f.Text(required=True, validate=validate.Length(max=300), metadata={"label": "需补充的材料"})


class CorrectionIn(Schema):
    """The record's values as they should be; which ones apply depends on the disputed field."""

    name = f.Text(validate=validate.Length(min=1, max=50), metadata={"label": "姓名"})
    sex = ma.fields.String(validate=validate.OneOf(["M", "F"]), metadata={"label": "性别"})
    birth_date = f.PastDate(metadata={"label": "出生日期"})
    bank_name = f.BankName(metadata={"label": "开户银行"})
    bank_account = f.BankCardNumber(metadata={"label": "社会保障卡银行账号"})
    stop_date = f.Day(metadata={"label": "失业（停保）日期"})
    reason_code = ma.fields.String(
        validate=validate.OneOf(sorted(SEPARATION_REASONS)), metadata={"label": "失业原因代码"}
    )
    employer_credit_code = f.CreditCode(metadata={"label": "用人单位统一社会信用代码"})
    period_id = ma.fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={"label": "缴费记录"})
    start_month = f.Month(metadata={"label": "缴费起始月份"})
    end_month = f.Month(metadata={"label": "缴费截止月份"})


class ObjectionAcceptIn(Schema):
    answer = f.Text(required=True, validate=validate.Length(max=500), metadata={"label": "答复"})
    correction = ma.fields.Nested(CorrectionIn, metadata={"label": "更正内容", "description": "申领表信息类异议必填"})


class ObjectionRejectIn(Schema):
    reason_code = ma.fields.String(
        required=True, validate=validate.OneOf(sorted(REJECTION_REASONS)), metadata={"label": "不成立原因代码"}
    )
    answer = f.Text(required=True, validate=validate.Length(max=500), metadata={"label": "答复"})


class CorrectionQuery(Schema):
    limit = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=200), metadata={"label": "条数"})


class CorrectionDecisionIn(Schema):
    note = f.Text(required=True, validate=validate.Length(min=1, max=500), metadata={"label": "复核意见"})


class ObjectionClaimRefOut(Schema):
    id = ma.fields.Integer()
    status = ma.fields.String()


class CorrectionDecisionOut(Schema):
    correction = ma.fields.Nested(CorrectionOut)
    claim = ma.fields.Nested(ObjectionClaimRefOut, allow_none=True)


class ObjectionReportQuery(Schema):
    region = f.RegionCode(metadata={"label": "统筹地区"})
    since = f.Day(metadata={"label": "统计起始日期"})


class ObjectionMonthlyOut(Schema):
    category = ma.fields.String()
    category_label = ma.fields.String()
    month = ma.fields.String()
    answered = ma.fields.Integer()
    on_time = ma.fields.Integer()
    on_time_rate = ma.fields.Float(allow_none=True)


class ObjectionRatingFiguresOut(Schema):
    count = ma.fields.Integer()
    average = ma.fields.Float(allow_none=True)


class ObjectionReportOut(Schema):
    as_of = ma.fields.Date()
    open = ma.fields.Integer()
    running = ma.fields.Integer()
    awaiting_claimant = ma.fields.Integer()
    calendar_pending = ma.fields.Integer()
    due_today = ma.fields.Integer()
    overdue = ma.fields.Integer()
    on_time_by_month = ma.fields.List(ma.fields.Nested(ObjectionMonthlyOut))
    ratings = ma.fields.Nested(ObjectionRatingFiguresOut)


IMAGE_BODY = file_body("image", "JPEG 或 PNG，每张不超过5MB")
