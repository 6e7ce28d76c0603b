"""用人单位: filings, duties and the claim notice for employers; the acknowledgement link that
works without logging in; compliance and escalations for agency staff."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView

from auth.caller import Caller
from auth.guard import requires
from miniapp_api.api import Blueprint, ErrorEnvelope, accepts, body_limit, uploaded_file
from miniapp_api.db import current_session
from miniapp_api.documents.html import refusal_page, wants_html
from miniapp_api.employers import compliance, page, schemas, service
from miniapp_api.errors import AppError, ValidationFailed
from miniapp_api.extensions import settings
from miniapp_api.reads.cache import read_through

blp = Blueprint("employer", __name__, url_prefix="/api/v1/employer", description="用人单位：备案与告知义务")
link_blp = Blueprint("notices", __name__, url_prefix="/api/v1/notices", description="告知书确认链接（短信，无需登录）")
staff_blp = Blueprint(
    "employers_staff", __name__, url_prefix="/api/v1/staff", description="用人单位告知义务：履行情况与督办（经办人员）"
)
_STAFF_READERS = ("handler", "reviewer", "supervisor", "auditor", "admin")


def _pdf(content: bytes, name: str) -> Response:
    return Response(
        content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"},
    )


@blp.route("/filings")
class Filings(MethodView):
    @requires(blp, "employer")
    @blp.arguments(schemas.FilingIn)
    @blp.response(201, schemas.FilingOut)
    @blp.alt_response(409, schema=ErrorEnvelope, description="重复备案")
    @blp.alt_response(422, schema=ErrorEnvelope, description="某项不符合要求（FILING_INVALID，details.problems）")
    def post(self, body: dict[str, Any], caller: Caller) -> Any:
        """备案一名终止或解除劳动关系的职工：成为停保记录，并生成告知义务"""
        return service.file_one(current_session(), caller, body)


@blp.route("/filings/form")
class FilingForm(MethodView):
    @body_limit(lambda: settings().FILING_MAX_UPLOAD_BYTES + 64 * 1024)
    @requires(blp, "employer")
    @accepts("multipart/form-data")
    @blp.arguments(schemas.FormQuery, location="query")
    @blp.doc(requestBody=schemas.FORM_BODY)
    @blp.response(201, schemas.FormResultOut)
    @blp.alt_response(413, schema=ErrorEnvelope, description="上传内容过大（文件略超上限时为 422 FORM_TOO_LARGE）")
    @blp.alt_response(422, schema=ErrorEnvelope, description="表格无法读取，或有不符合要求的行（逐行列出）")
    def post(self, query: dict[str, Any], caller: Caller) -> Any:
        """上传备案表（.xlsx / .csv）：有错误行时不导入任何数据，除非选择只导入正确的行"""
        upload = uploaded_file("file")
        if upload is None or not upload[0]:
            raise ValidationFailed("请在 file 字段上传备案表", code="FORM_REQUIRED")
        file_name, content = upload
        return service.upload_form(current_session(), caller, file_name, content, query["good_rows_only"])


_DUTIES_OUT = schemas.DutyOut(many=True)  # built once, for the cached read


@blp.route("/duties")
class Duties(MethodView):
    @requires(blp, "employer")
    @blp.arguments(schemas.DutiesQuery, location="query")
    @blp.response(200, schemas.DutyOut(many=True))
    def get(self, query: dict[str, Any], caller: Caller) -> Any:
        """告知义务：待确认（pending）、已确认（acknowledged）、已逾期（overdue）"""

        def duties() -> list[dict[str, Any]]:
            return service.my_duties(current_session(), caller, query["state"], query["limit"])

        if query["limit"] != schemas.DEFAULT_DUTIES_LIMIT:
            return duties()  # cached for the list the mini-program asks for only: one entry a state
        return read_through(caller, f"duties:{query['state']}", duties, _DUTIES_OUT)


@blp.route("/duties/<int:duty_id>/acknowledge")
class Acknowledge(MethodView):
    @requires(blp, "employer")
    @blp.response(200, schemas.DutyOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="不是本单位的告知义务")
    @blp.alt_response(409, schema=ErrorEnvelope, description="已确认")
    def post(self, duty_id: int, caller: Caller) -> Any:
        """确认已将告知书交给本人"""
        return service.acknowledge(current_session(), caller, duty_id)


@blp.route("/duties/<int:duty_id>/notice.pdf")
class Notice(MethodView):
    @requires(blp, "employer")
    @blp.response(200, content_type="application/pdf", description="告知书 PDF（内嵌中文字体）")
    @blp.alt_response(404, schema=ErrorEnvelope, description="不是本单位的告知义务")
    def get(self, duty_id: int, caller: Caller) -> Any:
        """下载该职工的《失业保险金申领告知书》"""
        return _pdf(service.notice_for(current_session(), caller, duty_id), f"notice-{duty_id}.pdf")


@link_blp.route("/<string:token>")
class Link(MethodView):
    @link_blp.response(200, schemas.LinkOut)
    @link_blp.alt_response(404, schema=ErrorEnvelope, description="链接无效")
    @link_blp.alt_response(409, schema=ErrorEnvelope, description="已确认（链接已使用）")
    @link_blp.alt_response(410, schema=ErrorEnvelope, description="链接已过期或已被新链接取代")
    def get(self, token: str) -> Any:
        """短信中的链接：查看需送达的告知书（不会确认）；浏览器打开时为网页"""
        try:
            view = service.link_view(current_session(), token)
        except AppError as error:
            if not wants_html():
                raise
            return Response(refusal_page("送达确认链接", error.message), status=error.status, mimetype="text/html")
        return Response(page.link_page(view), mimetype="text/html") if wants_html() else view


@link_blp.route("/<string:token>/notice.pdf")
class LinkNotice(MethodView):
    @link_blp.response(200, content_type="application/pdf", description="告知书 PDF")
    @link_blp.alt_response(404, schema=ErrorEnvelope, description="链接无效")
    @link_blp.alt_response(410, schema=ErrorEnvelope, description="链接已过期")
    def get(self, token: str) -> Any:
        """通过短信链接下载告知书"""
        return _pdf(service.link_notice(current_session(), token), "notice.pdf")


@link_blp.route("/<string:token>/acknowledge")
class LinkAcknowledge(MethodView):
    @link_blp.response(200, schemas.LinkAckOut)
    @link_blp.alt_response(404, schema=ErrorEnvelope, description="链接无效")
    @link_blp.alt_response(409, schema=ErrorEnvelope, description="已确认（链接已使用）")
    @link_blp.alt_response(410, schema=ErrorEnvelope, description="链接已过期或已被新链接取代")
    def post(self, token: str) -> Any:
        """通过短信链接确认已送达（一次有效）"""
        try:
            result = service.link_acknowledge(current_session(), token)
        except AppError as error:
            if not wants_html():
                raise
            return Response(refusal_page("送达确认链接", error.message), status=error.status, mimetype="text/html")
        return Response(page.acknowledged_page(result), mimetype="text/html") if wants_html() else result


@staff_blp.route("/employer-compliance")
class Compliance(MethodView):
    @requires(staff_blp, "staff", roles=_STAFF_READERS)
    @staff_blp.arguments(schemas.ComplianceQuery, location="query")
    @staff_blp.response(200, schemas.ComplianceOut(many=True))
    def get(self, query: dict[str, Any], caller: Caller) -> Any:
        """各单位履行告知义务和备案情况（逾期未确认多的在前）"""
        return compliance.by_employer(current_session(), caller, query.get("region"), query["limit"])


@staff_blp.route("/employer-compliance.csv")
class ComplianceCsv(MethodView):
    @requires(staff_blp, "staff", roles=_STAFF_READERS)
    @staff_blp.arguments(schemas.ComplianceQuery, location="query")
    @staff_blp.response(200, content_type="text/csv", description="CSV（UTF-8，带 BOM）")
    def get(self, query: dict[str, Any], caller: Caller) -> Any:
        """导出各单位履行情况（CSV）"""
        rows = compliance.by_employer(current_session(), caller, query.get("region"), query["limit"])
        return Response(
            compliance.as_csv(rows),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="employer-compliance.csv"'},
        )


@staff_blp.route("/employer-duties/escalated")
class Escalated(MethodView):
    @requires(staff_blp, "staff", roles=("handler", "supervisor", "admin"))
    @staff_blp.arguments(schemas.EscalatedQuery, location="query")
    @staff_blp.response(200, schemas.EscalatedOut(many=True))
    def get(self, query: dict[str, Any], caller: Caller) -> Any:
        """督办清单：两次提醒仍未确认送达、需电话督促的"""
        return compliance.escalated(current_session(), caller, query["limit"])


@staff_blp.route("/employer-duties/<int:duty_id>/calls")
class Calls(MethodView):
    @requires(staff_blp, "staff", roles=("handler", "supervisor"))
    @staff_blp.arguments(schemas.CallIn)
    @staff_blp.response(201, schemas.CallResultOut)
    @staff_blp.alt_response(404, schema=ErrorEnvelope, description="没有这项督办")
    def post(self, body: dict[str, Any], duty_id: int, caller: Caller) -> Any:
        """记录电话督促结果；单位确认已送达的，同时办结"""
        return compliance.record_call(current_session(), caller, duty_id, body["outcome"], body["note"])
