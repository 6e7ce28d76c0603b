"""稳岗返还: enterprises see their result, confirm the account and apply; agency staff screen,
review and decide."""

from __future__ import annotations

from typing import Any

from flask import Blueprint as PageBlueprint
from flask import Response
from flask.views import MethodView

from auth.caller import Caller
from auth.guard import requires
from miniapp_api.api import Blueprint, ErrorEnvelope, accepts, body_limit, file_body, uploaded_file
from miniapp_api.db import current_session
from miniapp_api.documents.tables import csv_download
from miniapp_api.errors import ValidationFailed
from miniapp_api.extensions import settings
from miniapp_api.refunds import enterprise, notices, objections, payouts, review, schemas

blp = Blueprint(
    "refunds", __name__, url_prefix="/api/v1/employer/refunds", description="稳岗返还（用人单位、派遣机构）"
)
staff_blp = Blueprint("refunds_staff", __name__, url_prefix="/api/v1/staff/refunds", description="稳岗返还（经办机构）")
finance_blp = Blueprint(
    "refunds_finance", __name__, url_prefix="/api/v1/finance/refund-batches", description="稳岗返还拨付（财务）"
)
# The public notice, for anyone: a page and a CSV with no personal data.
public_pages = PageBlueprint("refund_notices", __name__, url_prefix="/refund-notices")
_FINANCE = ("finance",)
_BATCH_ANSWER = file_body("file", "回盘 CSV：业务编号,结果,原因")
# Business roles screen and review; finance pays (kept apart: no role does both).
_REVIEWERS = ("reviewer", "supervisor", "admin")
_READERS = ("handler", "reviewer", "supervisor", "auditor", "admin")


@blp.route("")
class Refunds(MethodView):
    @requires(blp, "employer")
    @blp.response(200, schemas.RefundOut(many=True))
    def get(self, caller: Caller) -> Any:
        """本单位（派遣机构含其用工单位）的稳岗返还：各项条件、数据与依据，返还金额，办理状态"""
        return enterprise.my_refunds(current_session(), caller)


@blp.route("/<int:refund_id>")
class OneRefund(MethodView):
    @requires(blp, "employer")
    @blp.response(200, schemas.RefundOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="不是本单位的稳岗返还")
    def get(self, refund_id: int, caller: Caller) -> Any:
        """一笔稳岗返还的比对结果"""
        return enterprise.my_refund(current_session(), caller, refund_id)


@blp.route("/<int:refund_id>/account")
class Account(MethodView):
    @requires(blp, "employer")
    @blp.arguments(schemas.CorporateAccountIn)
    @blp.response(200, schemas.RefundOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="不是本单位的稳岗返还")
    @blp.alt_response(409, schema=ErrorEnvelope, description="已确认申请，账户不能再改（REFUND_ACCOUNT_LOCKED）")
    @blp.alt_response(422, schema=ErrorEnvelope, description="账户名称与单位名称不一致（ACCOUNT_NAME_MISMATCH）等")
    def put(self, body: dict[str, Any], refund_id: int, caller: Caller) -> Any:
        """填写或更正银行对公账户（账户名称须与单位名称一致）"""
        return enterprise.set_account(current_session(), caller, refund_id, body)


@blp.route("/<int:refund_id>/confirm")
class Confirm(MethodView):
    @requires(blp, "employer")
    @blp.response(200, schemas.RefundOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="不是本单位的稳岗返还")
    @blp.alt_response(409, schema=ErrorEnvelope, description="不符合条件、缺少对公账户或企业划型（REFUND_INCOMPLETE）")
    def post(self, refund_id: int, caller: Caller) -> Any:
        """确认对公账户，即完成申请（重复确认不产生新的申请）"""
        return enterprise.confirm(current_session(), caller, refund_id)


@blp.route("/<int:refund_id>/objections")
class RefundObjections(MethodView):
    @requires(blp, "employer")
    @blp.arguments(schemas.RefundObjectionIn)
    @blp.response(201, schemas.RefundObjectionOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="不是本单位的稳岗返还")
    @blp.alt_response(409, schema=ErrorEnvelope, description="同一事项已有异议在办理（OBJECTION_ALREADY_OPEN）")
    def post(self, body: dict[str, Any], refund_id: int, caller: Caller) -> Any:
        """对比对结果的某一项提出异议：按工作日计算答复期限，经办机构在期限内答复"""
        return objections.file(current_session(), caller, refund_id, body)


@blp.route("/<int:refund_id>/objections/<int:objection_id>/supplement")
class RefundObjectionSupplement(MethodView):
    @requires(blp, "employer")
    @blp.arguments(schemas.RefundSupplementIn)
    @blp.response(200, schemas.RefundObjectionOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="不是本单位的异议")
    @blp.alt_response(409, schema=ErrorEnvelope, description="这条异议目前不需要补充（NOT_AWAITING_CLAIMANT）")
    def post(self, body: dict[str, Any], refund_id: int, objection_id: int, caller: Caller) -> Any:
        """按经办机构的要求补充说明，答复期限继续计算"""
        return objections.supplement(current_session(), caller, refund_id, objection_id, body["text"])


@staff_blp.route("/screenings")
class Screenings(MethodView):
    @requires(staff_blp, "staff", roles=_REVIEWERS)
    @staff_blp.arguments(schemas.RefundRegionYearIn)
    @staff_blp.response(201, schemas.RefundScreeningOut)
    @staff_blp.alt_response(403, schema=ErrorEnvelope, description="不是本地区")
    @staff_blp.alt_response(422, schema=ErrorEnvelope, description="缺少稳岗返还参数（PARAMETER_MISSING）等")
    def post(self, body: dict[str, Any], caller: Caller) -> Any:
        """比对本地区全部参保企业的稳岗返还条件（免申即享与受理申请共用）"""
        return review.run_screening(current_session(), caller, body)


@staff_blp.route("")
class Queue(MethodView):
    @requires(staff_blp, "staff", roles=_READERS)
    @staff_blp.arguments(schemas.RefundQueueQuery, location="query")
    @staff_blp.response(200, schemas.RefundQueueOut)
    def get(self, query: dict[str, Any], caller: Caller) -> Any:
        """审核队列：本地区某一政策年度、某一状态的稳岗返还，按确认申请的先后"""
        return review.queue(current_session(), caller, query)


@staff_blp.route("/<int:refund_id>")
class StaffRefund(MethodView):
    @requires(staff_blp, "staff", roles=_READERS)
    @staff_blp.response(200, schemas.RefundOut)
    @staff_blp.alt_response(404, schema=ErrorEnvelope, description="不存在或不是本地区")
    def get(self, refund_id: int, caller: Caller) -> Any:
        """一笔稳岗返还的比对结果与办理情况"""
        return review.detail(current_session(), caller, refund_id)


@staff_blp.route("/<int:refund_id>/decision")
class Decision(MethodView):
    @requires(staff_blp, "staff", roles=_REVIEWERS)
    @staff_blp.arguments(schemas.RefundDecisionIn)
    @staff_blp.response(200, schemas.RefundOut)
    @staff_blp.alt_response(404, schema=ErrorEnvelope, description="不存在或不是本地区")
    @staff_blp.alt_response(409, schema=ErrorEnvelope, description="不在审核中")
    @staff_blp.alt_response(422, schema=ErrorEnvelope, description="不予通过未选原因代码等")
    def post(self, body: dict[str, Any], refund_id: int, caller: Caller) -> Any:
        """审核：通过，或以原因代码不予通过"""
        return review.decide(current_session(), caller, refund_id, body)


@staff_blp.route("/notices")
class Notices(MethodView):
    @requires(staff_blp, "staff", roles=_REVIEWERS)
    @staff_blp.arguments(schemas.RefundRegionYearIn)
    @staff_blp.response(201, schemas.RefundNoticeOut)
    @staff_blp.alt_response(403, schema=ErrorEnvelope, description="不是本地区")
    @staff_blp.alt_response(409, schema=ErrorEnvelope, description="没有待公示的（NOTHING_TO_PUBLISH）")
    @staff_blp.alt_response(422, schema=ErrorEnvelope, description="缺少公示期参数，或节假日安排尚未公布")
    def post(self, body: dict[str, Any], caller: Caller) -> Any:
        """公示：本地区本年度审核通过的稳岗返还，公示期按工作日计算"""
        return notices.publish(current_session(), caller, body)


@staff_blp.route("/<int:refund_id>/hold")
class Hold(MethodView):
    @requires(staff_blp, "staff", roles=_REVIEWERS)
    @staff_blp.arguments(schemas.RefundHoldIn)
    @staff_blp.response(200, schemas.RefundOut)
    @staff_blp.alt_response(404, schema=ErrorEnvelope, description="不存在或不是本地区")
    @staff_blp.alt_response(409, schema=ErrorEnvelope, description="不在公示期内（NOT_IN_NOTICE）")
    def post(self, body: dict[str, Any], refund_id: int, caller: Caller) -> Any:
        """公示期内收到异议：暂缓该单位的拨付（核实后再审核：通过则回到公示，或不予通过）"""
        return notices.hold(current_session(), caller, refund_id, body)


@finance_blp.route("")
class Batches(MethodView):
    @requires(finance_blp, "staff", roles=_FINANCE)
    @finance_blp.arguments(schemas.RefundRegionYearIn)
    @finance_blp.response(201, schemas.RefundBatchOut)
    @finance_blp.alt_response(403, schema=ErrorEnvelope, description="不是本地区")
    @finance_blp.alt_response(409, schema=ErrorEnvelope, description="没有公示期满待拨付的（NOTHING_TO_PAY）")
    def post(self, body: dict[str, Any], caller: Caller) -> Any:
        """生成拨付批次：公示期满无异议、已登记对公账户的稳岗返还"""
        return payouts.prepare(current_session(), caller, body)


@finance_blp.route("/<int:batch_id>")
class OneBatch(MethodView):
    @requires(finance_blp, "staff", roles=(*_FINANCE, "auditor"))
    @finance_blp.response(200, schemas.RefundBatchOut)
    @finance_blp.alt_response(404, schema=ErrorEnvelope, description="不存在或不是本地区")
    def get(self, batch_id: int, caller: Caller) -> Any:
        """拨付批次及各笔的状态"""
        session = current_session()
        return payouts.describe_batch(session, payouts.batch_of(session, caller, batch_id))


@finance_blp.route("/<int:batch_id>/bank-file.csv")
class BankFile(MethodView):
    @requires(finance_blp, "staff", roles=_FINANCE)
    @finance_blp.response(200, content_type="text/csv", description="银行代发文件（对公账户）")
    @finance_blp.alt_response(404, schema=ErrorEnvelope, description="不存在或不是本地区")
    def get(self, batch_id: int, caller: Caller) -> Any:
        """导出银行文件"""
        content = payouts.bank_file(current_session(), caller, batch_id)
        return csv_download(content, f"refund-batch-{batch_id}.csv")


@finance_blp.route("/<int:batch_id>/confirmation")
class BatchConfirmation(MethodView):
    @requires(finance_blp, "staff", roles=_FINANCE)
    @body_limit(lambda: settings().PAYMENT_CONFIRMATION_MAX_BYTES + 64 * 1024)
    @accepts("multipart/form-data")
    @finance_blp.doc(requestBody=_BATCH_ANSWER)
    @finance_blp.response(200, schemas.RefundBatchOut)
    @finance_blp.alt_response(404, schema=ErrorEnvelope, description="不存在或不是本地区")
    @finance_blp.alt_response(409, schema=ErrorEnvelope, description="未导出银行文件，或与已处理结果矛盾")
    @finance_blp.alt_response(422, schema=ErrorEnvelope, description="回盘文件格式不对或编号不属于本批次")
    def post(self, batch_id: int, caller: Caller) -> Any:
        """导入银行回盘：成功的标记为已拨付；退回的通知单位更正账户，下一批次再拨付"""
        upload = uploaded_file("file")
        if upload is None:
            raise ValidationFailed("请在 file 字段上传回盘文件", code="FILE_REQUIRED")
        return payouts.confirm(current_session(), caller, batch_id, upload[1])


@public_pages.get("/<int:notice_id>")
def notice_page(notice_id: int) -> Response:
    return Response(notices.public_page(current_session(), notice_id), mimetype="text/html")


@public_pages.get("/<int:notice_id>.csv")
def notice_csv(notice_id: int) -> Response:
    return csv_download(notices.public_csv(current_session(), notice_id), f"refund-notice-{notice_id}.csv")
