"""The official calendar for staff: what it knows, entering a year (admin), approving it (a
second admin or supervisor)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from auth.caller import Caller
from auth.guard import requires
from auth.models import STAFF_ROLES, StaffUser
from miniapp_api.api import Blueprint, ErrorEnvelope, Schema, accepts, body_limit, uploaded_file
from miniapp_api.db import current_session
from miniapp_api.errors import ValidationFailed
from miniapp_api.holidays import service
from miniapp_api.holidays.files import MAX_FILE_BYTES
from miniapp_api.holidays.schemas import CalendarDecisionIn, CalendarRejectIn, CalendarYearFormIn

blp = Blueprint(
    "calendar", __name__, url_prefix="/api/v1/staff/calendar", description="节假日安排（国务院办公厅通知）：录入与审核"
)


YEAR_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "YAML（含通知信息与 lines）或 CSV（类型,名称,开始日期,结束日期）",
                    },
                    "year": {"type": "integer", "minimum": 2000, "maximum": 2100, "description": "年份（CSV 必填）"},
                    "document_no": {"type": "string", "maxLength": 60, "description": "通知文号（CSV 必填）"},
                    "title": {"type": "string", "maxLength": 200, "description": "通知标题"},
                    "published_on": {"type": "string", "format": "date", "description": "发布日期（CSV 必填）"},
                    "source": {"type": "string", "maxLength": 500, "description": "来源（CSV 必填）"},
                },
            }
        }
    },
}


class CalendarLineOut(Schema):
    line = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "holiday 放假；working_day 调休上班"})
    name = ma.fields.String()
    from_ = ma.fields.Date(data_key="from")
    to = ma.fields.Date()

    @ma.pre_dump
    def _rename(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {**data, "from_": data["from"]}


class CalendarYearOut(Schema):
    id = ma.fields.Integer()
    year = ma.fields.Integer()
    status = ma.fields.String(
        metadata={"description": "pending 待审核；approved 生效；rejected 退回；superseded 已被取代"}
    )
    status_label = ma.fields.String()
    document_no = ma.fields.String()
    title = ma.fields.String()
    published_on = ma.fields.Date()
    source = ma.fields.String()
    summary = ma.fields.String(metadata={"description": "全年安排的中文摘要，供审核人与通知原文核对"})
    compared_with = ma.fields.String(allow_none=True, metadata={"description": "与哪一份现行安排比较"})
    differences = ma.fields.List(ma.fields.String(), metadata={"description": "与现行安排不同的每一天"})
    lines = ma.fields.List(ma.fields.Nested(CalendarLineOut))
    entered_by = ma.fields.String(allow_none=True)
    entered_at = ma.fields.DateTime()
    decided_by = ma.fields.String(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    decision_note = ma.fields.String(allow_none=True)
    withdrawn = ma.fields.Boolean(metadata={"description": "录入人自行撤回（不是审核人退回）"})


class CalendarKnownYearOut(Schema):
    year = ma.fields.Integer()
    source = ma.fields.String()


class CalendarOverviewOut(Schema):
    today = ma.fields.Date()
    known_through = ma.fields.Date(allow_none=True, metadata={"description": "工作日期限可计算到的最后一天"})
    package = ma.fields.String(metadata={"description": "节假日日历包及版本（未录入年份的默认来源）"})
    years = ma.fields.List(ma.fields.Nested(CalendarKnownYearOut))
    records = ma.fields.List(ma.fields.Nested(CalendarYearOut), metadata={"description": "生效与待审核的录入"})


def _staff(caller: Caller) -> StaffUser:
    staff = current_session().get(StaffUser, caller.staff_user_id)
    assert staff is not None  # the session belongs to an account
    return staff


@blp.route("")
class Overview(MethodView):
    @requires(blp, "staff", roles=STAFF_ROLES)
    @blp.response(200, CalendarOverviewOut)
    def get(self, caller: Caller) -> Any:
        """日历现状：已知年份及来源、可计算到哪一天、待审核的录入"""
        return service.overview(current_session())


@blp.route("/years")
class Years(MethodView):
    @body_limit(lambda: MAX_FILE_BYTES + 64 * 1024)
    @requires(blp, "staff", roles=service.ENTER_ROLES)
    @accepts("multipart/form-data")
    @blp.arguments(CalendarYearFormIn, location="form", content_type="multipart/form-data")
    @blp.doc(requestBody=YEAR_UPLOAD_BODY)
    @blp.response(201, CalendarYearOut)
    @blp.alt_response(409, schema=ErrorEnvelope, description="该年份已有待审核的录入")
    @blp.alt_response(422, schema=ErrorEnvelope, description="文件有误（details.problems 逐行列出）")
    def post(self, form: dict[str, Any], caller: Caller) -> Any:
        """录入一年的节假日安排（file：YAML 或 CSV，每行一段放假或一个调休上班日）；须另一位管理员或主管审核后生效"""
        upload = uploaded_file("file")
        if upload is None:
            raise ValidationFailed("请在 file 字段上传节假日安排文件（.yaml 或 .csv）", code="FILE_REQUIRED")
        if not upload[1]:
            raise ValidationFailed("上传的文件是空的", code="FILE_EMPTY")
        session = current_session()
        record = service.submit(session, _staff(caller), upload[0], upload[1], form, via="api")
        return service.describe(session, record)


@blp.route("/years/<int:record_id>")
class Year(MethodView):
    @requires(blp, "staff", roles=STAFF_ROLES)
    @blp.response(200, CalendarYearOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="没有这份录入")
    def get(self, record_id: int, caller: Caller) -> Any:
        """一份录入：摘要、与现行安排的差异、逐行内容、录入人与审核人"""
        session = current_session()
        return service.describe(session, service.get(session, record_id))


@blp.route("/years/<int:record_id>/approve")
class Approve(MethodView):
    @requires(blp, "staff", roles=service.APPROVE_ROLES)
    @blp.arguments(CalendarDecisionIn)
    @blp.response(200, CalendarYearOut)
    @blp.alt_response(403, schema=ErrorEnvelope, description="录入人不能审核自己的录入")
    @blp.alt_response(404, schema=ErrorEnvelope, description="没有这份录入")
    @blp.alt_response(409, schema=ErrorEnvelope, description="已审核过")
    def post(self, body: dict[str, Any], record_id: int, caller: Caller) -> Any:
        """审核通过：该年安排生效，等待该年份的期限随即确定"""
        session = current_session()
        return service.describe(session, service.approve(session, _staff(caller), record_id, body.get("note")))


@blp.route("/years/<int:record_id>/reject")
class Reject(MethodView):
    @requires(blp, "staff", roles=service.APPROVE_ROLES)
    @blp.arguments(CalendarRejectIn)
    @blp.response(200, CalendarYearOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="没有这份录入")
    @blp.alt_response(409, schema=ErrorEnvelope, description="已审核过")
    def post(self, body: dict[str, Any], record_id: int, caller: Caller) -> Any:
        """退回录入（录入人也可撤回自己的录入）"""
        session = current_session()
        return service.describe(session, service.reject(session, _staff(caller), record_id, body["note"]))
