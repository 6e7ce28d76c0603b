from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from miniapp_api.api import Schema, file_body
from miniapp_api.employers.compliance import CALL_OUTCOMES
from miniapp_api.records import fields as f


class FilingIn(Schema):
    """One termination, the filing form's columns by name."""

    form_number = f.Text(validate=validate.Length(max=40), metadata={"label": "编号"})
    name = f.Text(required=True, validate=validate.Length(min=1, max=50), metadata={"label": "姓名"})
    sex = f.Text(validate=validate.OneOf(["男", "女"]), metadata={"label": "性别"})
    id_number = f.Text(required=True, validate=validate.Length(max=30), metadata={"label": "身份证号"})
    bank_account = f.Text(validate=validate.Length(max=30), metadata={"label": "社会保障卡银行账号"})
    contribution_start = f.Text(validate=validate.Length(max=20), metadata={"label": "缴费时间", "example": "2018-03"})
    separation_date = f.Text(required=True, validate=validate.Length(max=20), metadata={"label": "失业时间"})
    reason = f.Text(
        required=True, validate=validate.Length(max=40), metadata={"label": "失业原因", "description": "代码或中文名称"}
    )
    phone = f.Text(validate=validate.Length(max=20), metadata={"label": "联系电话"})


class WorkerOut(Schema):
    name = ma.fields.String()
    id_number = ma.fields.String()


class FilingOut(Schema):
    id = ma.fields.Integer()
    worker = ma.fields.Nested(WorkerOut)
    separation_date = ma.fields.Date()
    reason_code = ma.fields.String()
    filed_on = ma.fields.Date()
    due_on = ma.fields.Date(allow_none=True, metadata={"description": "备案期限"})
    due_note = ma.fields.String(allow_none=True, metadata={"description": "期限暂无法确定时的说明"})
    late = ma.fields.Boolean()


class FormQuery(Schema):
    good_rows_only = ma.fields.Boolean(load_default=False, metadata={"label": "只导入正确的行"})


class RowProblemOut(Schema):
    row = ma.fields.Integer()
    column = ma.fields.String()
    message = ma.fields.String()


class FormResultOut(Schema):
    batch_id = ma.fields.Integer()
    rows_total = ma.fields.Integer()
    rows_imported = ma.fields.Integer()
    rows_refused = ma.fields.Integer()
    problems = ma.fields.List(ma.fields.Nested(RowProblemOut))


DEFAULT_DUTIES_LIMIT = 100


class DutiesQuery(Schema):
    state = ma.fields.String(load_default="pending", validate=validate.OneOf(["pending", "acknowledged", "overdue"]))
    limit = ma.fields.Integer(load_default=DEFAULT_DUTIES_LIMIT, validate=validate.Range(min=1, max=500))


class DutyOut(Schema):
    id = ma.fields.Integer()
    worker = ma.fields.Nested(WorkerOut)
    separation_date = ma.fields.Date()
    due_on = ma.fields.Date(allow_none=True)
    due_note = ma.fields.String(allow_none=True, metadata={"description": "期限暂无法确定时的说明"})
    stage = ma.fields.String(allow_none=True)
    reminders_sent = ma.fields.Integer()
    overdue = ma.fields.Boolean()
    acknowledged_at = ma.fields.DateTime(allow_none=True)
    acknowledged_via = ma.fields.String(allow_none=True)
    late = ma.fields.Boolean()
    notice_url = ma.fields.String()


class LinkOut(Schema):
    employer = ma.fields.String()
    worker = ma.fields.String()
    separation_date = ma.fields.Date()
    due_on = ma.fields.Date(allow_none=True)
    due_note = ma.fields.String(allow_none=True, metadata={"description": "期限暂无法确定时的说明"})
    notice_pdf = ma.fields.String()
    acknowledge = ma.fields.String()


class LinkAckOut(Schema):
    acknowledged = ma.fields.Boolean()
    acknowledged_at = ma.fields.DateTime()
    late = ma.fields.Boolean()


class ComplianceQuery(Schema):
    region = f.RegionCode(metadata={"label": "统筹地区"})
    limit = ma.fields.Integer(load_default=200, validate=validate.Range(min=1, max=5000))


class ComplianceOut(Schema):
    region_code = ma.fields.String()
    credit_code = ma.fields.String()
    employer = ma.fields.String()
    separations = ma.fields.Integer()
    acknowledged = ma.fields.Integer()
    acknowledged_late = ma.fields.Integer()
    pending = ma.fields.Integer()
    overdue = ma.fields.Integer()
    escalated = ma.fields.Integer()
    filings_late = ma.fields.Integer()


class EscalatedQuery(Schema):
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class CallOut(Schema):
    outcome = ma.fields.String()
    note = ma.fields.String()
    called_at = ma.fields.DateTime()
    staff_user_id = ma.fields.Integer()


class EscalatedOut(Schema):
    id = ma.fields.Integer()
    employer = ma.fields.String()
    credit_code = ma.fields.String()
    worker = ma.fields.String()
    separation_date = ma.fields.Date()
    due_on = ma.fields.Date(allow_none=True)
    escalated_at = ma.fields.DateTime()
    calls = ma.fields.List(ma.fields.Nested(CallOut))


class CallIn(Schema):
    outcome = ma.fields.String(
        required=True,
        validate=validate.OneOf(sorted(CALL_OUTCOMES)),
        metadata={"label": "电话督促结果", "description": "；".join(f"{k} {v}" for k, v in CALL_OUTCOMES.items())},
    )
    note = f.Text(required=True, validate=validate.Length(min=1, max=500), metadata={"label": "记录"})


class CallResultOut(Schema):
    id = ma.fields.Integer()
    done = ma.fields.Boolean()
    calls = ma.fields.List(ma.fields.Nested(CallOut))


FORM_BODY = file_body("file", "备案表 .xlsx 或 .csv")
