"""异议与纠错: the claimant files and follows objections; staff work them, reviewers approve
record corrections, and everyone with a stake sees the clocks."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask.views import MethodView

from auth.caller import Caller, Level
from auth.guard import requires
from miniapp_api.api import Blueprint, ErrorEnvelope, accepts, body_limit, uploaded_file
from miniapp_api.db import current_session
from miniapp_api.errors import ValidationFailed
from miniapp_api.extensions import settings
from miniapp_api.objections import corrections, handling, reports, schemas, service
from miniapp_api.reads.cache import read_through

blp = Blueprint("objections", __name__, url_prefix="/api/v1/objections", description="异议申诉与纠错（申领人）")
staff_blp = Blueprint(
    "objections_staff", __name__, url_prefix="/api/v1/staff", description="异议办理、记录更正复核与统计（经办人员）"
)
_READERS = ("handler", "reviewer", "supervisor", "auditor", "admin")
# Room for the multipart envelope around one image.
_MULTIPART_OVERHEAD = 64 * 1024


@blp.route("")
class Objections(MethodView):
    @requires(blp, "claimant", level=Level.BOUND)
    @blp.response(200, schemas.ObjectionSummaryOut(many=True))
    def get(self, caller: Caller) -> Any:
        """本人的异议，最新的在前"""
        return service.my_objections(current_session(), caller)

    @requires(blp, "claimant", level=Level.BOUND)
    @blp.arguments(schemas.ObjectionIn)
    @blp.response(201, schemas.ObjectionOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="申领不存在或不属于本人")
    @blp.alt_response(409, schema=ErrorEnvelope, description="同一事项已有未办结的异议（OBJECTION_ALREADY_OPEN）等")
    @blp.alt_response(422, schema=ErrorEnvelope, description="项目不存在、说明为空、图片过多或无效")
    def post(self, body: dict[str, Any], caller: Caller) -> Any:
        """提出异议：对申领表某一项、审核决定或暂停发放；受理时即确定答复期限（工作日）"""
        return service.file_objection(current_session(), caller, body)


@blp.route("/images")
class Images(MethodView):
    @body_limit(lambda: settings().OBJECTION_IMAGE_MAX_BYTES + _MULTIPART_OVERHEAD)
    @requires(blp, "claimant", level=Level.BOUND)
    @accepts("multipart/form-data")
    @blp.doc(requestBody=schemas.IMAGE_BODY)
    @blp.response(201, schemas.ObjectionAttachmentOut)
    @blp.alt_response(413, schema=ErrorEnvelope, description="图片过大")
    @blp.alt_response(422, schema=ErrorEnvelope, description="不是 JPEG/PNG 图片，或未提交的图片过多")
    def post(self, caller: Caller) -> Any:
        """上传一张图片（JPEG/PNG），提交异议或补充材料时引用其 id"""
        parts = len(request.files.getlist("image"))
        if parts > 1 or len(request.files) > 1:  # a second part was once dropped without a word
            raise ValidationFailed("一次只能上传一张图片（image 字段一个），请分次上传", code="ONE_IMAGE_A_TIME")
        upload = uploaded_file("image") if parts == 1 else None
        if upload is None:
            raise ValidationFailed("请在 image 字段上传一张图片", code="IMAGE_REQUIRED")
        return service.upload_image(current_session(), caller, upload[1])


_OBJECTION_OUT = schemas.ObjectionOut()  # built once, for the cached read


@blp.route("/<int:objection_id>")
class OneObjection(MethodView):
    @requires(blp, "claimant", level=Level.BOUND)
    @blp.response(200, schemas.ObjectionOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="异议不存在或不属于本人")
    def get(self, objection_id: int, caller: Caller) -> Any:
        """异议进度：答复期限、办理过程、答复结果；不成立时可查看后续途径"""
        return read_through(
            caller,
            f"objection:{objection_id}",
            lambda: service.my_objection(current_session(), caller, objection_id),
            _OBJECTION_OUT,
        )


@blp.route("/<int:objection_id>/supplement")
class Supplement(MethodView):
    @requires(blp, "claimant", level=Level.BOUND)
    @blp.arguments(schemas.ObjectionSupplementIn)
    @blp.response(200, schemas.ObjectionOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="异议不存在或不属于本人")
    @blp.alt_response(409, schema=ErrorEnvelope, description="当前不需要补充材料")
    def post(self, body: dict[str, Any], objection_id: int, caller: Caller) -> Any:
        """补充材料：提交后答复期限恢复计算"""
        return service.supplement(current_session(), caller, objection_id, body)


@blp.route("/<int:objection_id>/rating")
class Rating(MethodView):
    @requires(blp, "claimant", level=Level.BOUND)
    @blp.arguments(schemas.ObjectionRatingIn)
    @blp.response(201, schemas.ObjectionOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="异议不存在或不属于本人")
    @blp.alt_response(409, schema=ErrorEnvelope, description="尚未答复或已评价")
    def post(self, body: dict[str, Any], objection_id: int, caller: Caller) -> Any:
        """对异议办理作出评价（好差评）"""
        return service.rate(current_session(), caller, objection_id, body["score"], body.get("comment"))


@staff_blp.route("/objections")
class Queue(MethodView):
    @requires(staff_blp, "staff", roles=_READERS)
    @staff_blp.arguments(schemas.ObjectionQueueQuery, location="query")
    @staff_blp.response(200, schemas.ObjectionQueueItemOut(many=True))
    def get(self, query: dict[str, Any], caller: Caller) -> Any:
        """异议工作队列：按答复期限排序，可按状态、类别、承办人、是否逾期筛选"""
        return handling.queue(current_session(), caller, query)


@staff_blp.route("/objections/report")
class Report(MethodView):
    @requires(staff_blp, "staff", roles=_READERS)
    @staff_blp.arguments(schemas.ObjectionReportQuery, location="query")
    @staff_blp.response(200, schemas.ObjectionReportOut)
    def get(self, query: dict[str, Any], caller: Caller) -> Any:
        """统计：未办结、今日到期、已逾期，按类别和月份的按时答复率"""
        return reports.report(current_session(), caller, query.get("region"), query.get("since"))


@staff_blp.route("/objections/<int:objection_id>")
class StaffObjection(MethodView):
    @requires(staff_blp, "staff", roles=_READERS)
    @staff_blp.response(200, schemas.StaffObjectionOut)
    @staff_blp.alt_response(404, schema=ErrorEnvelope, description="异议不存在")
    def get(self, objection_id: int, caller: Caller) -> Any:
        """一条异议的全部信息：说明、图片、更正、过程"""
        return handling.detail(current_session(), caller, objection_id)


@staff_blp.route("/objections/<int:objection_id>/images/<int:attachment_id>")
class StaffImage(MethodView):
    @requires(staff_blp, "staff", roles=("handler", "reviewer", "supervisor"))
    @staff_blp.response(200, content_type="image/*", description="图片原件（查看留痕）")
    @staff_blp.alt_response(404, schema=ErrorEnvelope, description="图片不存在")
    def get(self, objection_id: int, attachment_id: int, caller: Caller) -> Any:
        """查看申领人上传的图片"""
        found, content = handling.image(current_session(), caller, objection_id, attachment_id)
        return Response(content, mimetype=found.content_type, headers={"Cache-Control": "no-store"})


_ACTION_ERRORS = (
    (403, "岗位不符，或由其他人员承办"),
    (404, "异议不存在"),
    (409, "当前状态不能办理此操作"),
    (422, "内容不完整或不正确"),
)


def _documented_errors(view: Any) -> Any:
    for status, description in _ACTION_ERRORS:
        view = staff_blp.alt_response(status, schema=ErrorEnvelope, description=description)(view)
    return view


@staff_blp.route("/objections/<int:objection_id>/assign")
class Assign(MethodView):
    @requires(staff_blp, "staff", roles=("handler", "supervisor"))
    @staff_blp.arguments(schemas.ObjectionAssignIn)
    @staff_blp.response(200, schemas.StaffObjectionOut)
    @_documented_errors
    def post(self, body: dict[str, Any], objection_id: int, caller: Caller) -> Any:
        """承办或分派：不填用户名为本人承办；主管可分派给本地区经办人员"""
        return handling.assign(current_session(), caller, objection_id, body.get("username"))


@staff_blp.route("/objections/<int:objection_id>/request-info")
class RequestInfo(MethodView):
    @requires(staff_blp, "staff", roles=("handler",))
    @staff_blp.arguments(schemas.ObjectionInfoRequestIn)
    @staff_blp.response(200, schemas.StaffObjectionOut)
    @_documented_errors
    def post(self, body: dict[str, Any], objection_id: int, caller: Caller) -> Any:
        """请申领人补充材料：答复期限暂停计算，补充后恢复"""
        return handling.request_info(current_session(), caller, objection_id, body["request"])


@staff_blp.route("/objections/<int:objection_id>/accept")
class Accept(MethodView):
    @requires(staff_blp, "staff", roles=("handler",))
    @staff_blp.arguments(schemas.ObjectionAcceptIn)
    @staff_blp.response(200, schemas.StaffObjectionOut)
    @_documented_errors
    def post(self, body: dict[str, Any], objection_id: int, caller: Caller) -> Any:
        """异议成立：申领表信息类须提出记录更正（由另一名复核人员审批）；决定或暂停类转人工复核"""
        return handling.accept(current_session(), caller, objection_id, body)


@staff_blp.route("/objections/<int:objection_id>/reject")
class Reject(MethodView):
    @requires(staff_blp, "staff", roles=("handler",))
    @staff_blp.arguments(schemas.ObjectionRejectIn)
    @staff_blp.response(200, schemas.StaffObjectionOut)
    @_documented_errors
    def post(self, body: dict[str, Any], objection_id: int, caller: Caller) -> Any:
        """异议不成立：注明原因代码（附法律依据）和答复"""
        return handling.reject(current_session(), caller, objection_id, body)


@staff_blp.route("/corrections")
class Corrections(MethodView):
    @requires(staff_blp, "staff", roles=("reviewer", "supervisor", "auditor", "admin"))
    @staff_blp.arguments(schemas.CorrectionQuery, location="query")
    @staff_blp.response(200, schemas.CorrectionOut(many=True))
    def get(self, query: dict[str, Any], caller: Caller) -> Any:
        """待复核的记录更正（更正前后对照）"""
        return corrections.pending(current_session(), caller, query["limit"])


@staff_blp.route("/corrections/<int:correction_id>/approve")
class ApproveCorrection(MethodView):
    @requires(staff_blp, "staff", roles=("reviewer",))
    @staff_blp.arguments(schemas.CorrectionDecisionIn)
    @staff_blp.response(200, schemas.CorrectionDecisionOut)
    @staff_blp.alt_response(403, schema=ErrorEnvelope, description="更正由本人提出（MAKER_CHECKER）")
    @staff_blp.alt_response(404, schema=ErrorEnvelope, description="更正不存在")
    @staff_blp.alt_response(409, schema=ErrorEnvelope, description="已复核，或记录在提出后已变化（RECORD_CHANGED）")
    def post(self, body: dict[str, Any], correction_id: int, caller: Caller) -> Any:
        """复核通过：更正记录（保留更正前后），并按更正后的记录重新核定申领"""
        return corrections.approve(current_session(), caller, correction_id, body["note"])


@staff_blp.route("/corrections/<int:correction_id>/decline")
class DeclineCorrection(MethodView):
    @requires(staff_blp, "staff", roles=("reviewer",))
    @staff_blp.arguments(schemas.CorrectionDecisionIn)
    @staff_blp.response(200, schemas.CorrectionDecisionOut)
    @staff_blp.alt_response(403, schema=ErrorEnvelope, description="更正由本人提出（MAKER_CHECKER）")
    @staff_blp.alt_response(404, schema=ErrorEnvelope, description="更正不存在")
    @staff_blp.alt_response(409, schema=ErrorEnvelope, description="已复核")
    def post(self, body: dict[str, Any], correction_id: int, caller: Caller) -> Any:
        """复核不通过：退回经办人员，答复期限继续计算"""
        return corrections.decline(current_session(), caller, correction_id, body["note"])
