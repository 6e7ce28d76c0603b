"""网上申领: the e-form, drafts, submission, progress, receipt, lump sum and rating; and the
staff review queue."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView

from auth.caller import Caller, Level
from auth.guard import requires
from miniapp_api.api import Blueprint, ErrorEnvelope
from miniapp_api.claims import issued_receipts, lump_sum, progress, ratings, receipt, review, schemas, service
from miniapp_api.db import current_session
from miniapp_api.reads.cache import read_through

blp = Blueprint("claims", __name__, url_prefix="/api/v1/claims", description="失业保险金网上申领（申领人）")
staff_blp = Blueprint(
    "claims_staff", __name__, url_prefix="/api/v1/staff", description="申领审核与服务评价（经办人员）"
)
_READERS = ("reviewer", "auditor", "admin")
# Built once: the cached reads serialize with them on a miss and not at all on a hit.
_FORM_OUT = schemas.FormOut()
_CLAIMS_OUT = schemas.ClaimSummaryOut(many=True)
_CLAIM_OUT = schemas.ClaimOut()
_ANY_STAFF = ("handler", "reviewer", "supervisor", "auditor", "admin")


@blp.route("/prefill")
class Prefill(MethodView):
    @requires(blp, "claimant", level=Level.BOUND)
    @blp.response(200, schemas.FormOut)
    def get(self, caller: Caller) -> Any:
        """电子申领表：由内部记录自动生成，本人只需确认；内部信息有误的，按字段提出异议"""
        return read_through(
            caller,
            "prefill",
            lambda: service.prefill(current_session(), caller),
            _FORM_OUT,
            good_until=service.draft_expiry,
        )


@blp.route("/draft")
class Draft(MethodView):
    @requires(blp, "claimant", level=Level.BOUND)
    @blp.response(200, schemas.FormOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="没有草稿（NO_DRAFT）")
    @blp.alt_response(410, schema=ErrorEnvelope, description="草稿已过期（DRAFT_EXPIRED）")
    def get(self, caller: Caller) -> Any:
        """继续填写：内部信息按最新记录刷新，保留本人修改，并列出保存后变化的内部字段"""
        return service.get_draft(current_session(), caller)

    @requires(blp, "claimant", level=Level.BOUND)
    @blp.arguments(schemas.EditsIn)
    @blp.response(200, schemas.FormOut)
    @blp.alt_response(422, schema=ErrorEnvelope, description="字段不可修改（FIELD_NOT_EDITABLE）或格式不正确")
    def put(self, edits: dict[str, Any], caller: Caller) -> Any:
        """保存草稿：联系电话、联系地址、收款账户"""
        return service.save_draft(current_session(), caller, edits)

    @requires(blp, "claimant", level=Level.BOUND)
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorEnvelope, description="没有草稿")
    def delete(self, caller: Caller) -> None:
        """放弃草稿"""
        service.discard_draft(current_session(), caller)


@blp.route("")
class Claims(MethodView):
    @requires(blp, "claimant", level=Level.BOUND)
    @blp.response(200, schemas.ClaimSummaryOut(many=True))
    def get(self, caller: Caller) -> Any:
        """本人的申领记录，最新的在前"""
        return read_through(caller, "claims", lambda: progress.my_claims(current_session(), caller), _CLAIMS_OUT)

    @requires(blp, "claimant", level=Level.FACE_VERIFIED)
    @blp.arguments(schemas.SubmitIn)
    @blp.arguments(schemas.IdempotencyHeader, location="headers")
    @blp.response(201, schemas.ClaimOut)
    @blp.alt_response(409, schema=ErrorEnvelope, description="已有未办结的申领（CLAIM_ALREADY_OPEN，details 指向它）")
    @blp.alt_response(410, schema=ErrorEnvelope, description="草稿已过期（DRAFT_EXPIRED）")
    @blp.alt_response(422, schema=ErrorEnvelope, description="未确认承诺、字段不可修改、账户格式不对、幂等键重复使用")
    def post(self, body: dict[str, Any], headers: dict[str, Any], caller: Caller) -> Any:
        """确认并提交申领（同时办理失业登记），随即自动受理、审核；同一 Idempotency-Key 的重试返回同一笔申领"""
        session = current_session()
        claim, _created = service.submit_claim(session, caller, body, headers["idempotency_key"])
        return progress.describe(session, claim)


@blp.route("/<int:claim_id>")
class OneClaim(MethodView):
    @requires(blp, "claimant", level=Level.BOUND)
    @blp.response(200, schemas.ClaimOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="申领不存在或不属于本人")
    def get(self, claim_id: int, caller: Caller) -> Any:
        """申领进度与结果：核定待遇、发放计划、医保代缴、续发"""
        session = current_session()
        return read_through(
            caller,
            f"claim:{claim_id}",
            lambda: progress.describe(session, progress.own_claim(session, caller, claim_id)),
            _CLAIM_OUT,
        )


@blp.route("/<int:claim_id>/events")
class ClaimEvents(MethodView):
    @requires(blp, "claimant", level=Level.BOUND)
    @blp.response(200, schemas.TimelineOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="申领不存在或不属于本人")
    def get(self, claim_id: int, caller: Caller) -> Any:
        """办理过程（只增不改的时间线），当前状态由其推出"""
        session = current_session()
        return progress.events(session, progress.own_claim(session, caller, claim_id))


@blp.route("/<int:claim_id>/receipt.pdf")
class Receipt(MethodView):
    @requires(blp, "claimant", level=Level.BOUND)
    @blp.response(200, content_type="application/pdf", description="回执 PDF（内嵌中文字体）")
    @blp.alt_response(404, schema=ErrorEnvelope, description="申领不存在或不属于本人")
    def get(self, claim_id: int, caller: Caller) -> Any:
        """下载申领回执（PDF）"""
        session = current_session()
        claim = progress.own_claim(session, caller, claim_id)
        issued = issued_receipts.issue(session, claim, caller.audit_actor)
        return Response(
            receipt.receipt_pdf(session, claim, issued),
            mimetype="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="receipt-{claim.claim_no}.pdf"',
                "Cache-Control": "no-store",
            },
        )


@blp.route("/<int:claim_id>/lump-sum")
class LumpSum(MethodView):
    @requires(blp, "claimant", level=Level.FACE_VERIFIED)
    @blp.arguments(schemas.LumpSumIn)
    @blp.response(200, schemas.ClaimOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="申领不存在或不属于本人")
    @blp.alt_response(409, schema=ErrorEnvelope, description="申领不在发放中，或已无剩余月份")
    @blp.alt_response(422, schema=ErrorEnvelope, description="参保地区不允许一次性领取")
    def post(self, body: dict[str, Any], claim_id: int, caller: Caller) -> Any:
        """自主创业一次性领取剩余期限的失业保险金（地区政策允许时）"""
        session = current_session()
        claim = lump_sum.take_lump_sum(session, caller, claim_id, body["business_credit_code"])
        return progress.describe(session, claim)


@blp.route("/<int:claim_id>/rating")
class Rating(MethodView):
    @requires(blp, "claimant", level=Level.BOUND)
    @blp.arguments(schemas.RatingIn)
    @blp.response(201, schemas.RatingOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="申领不存在或不属于本人")
    @blp.alt_response(409, schema=ErrorEnvelope, description="尚未办结或已评价")
    def post(self, body: dict[str, Any], claim_id: int, caller: Caller) -> Any:
        """服务评价（好差评）：1–5分，可附意见"""
        return ratings.rate_claim(current_session(), caller, claim_id, body["score"], body.get("comment"))


@staff_blp.route("/claims")
class ReviewQueue(MethodView):
    @requires(staff_blp, "staff", roles=_READERS)
    @staff_blp.arguments(schemas.QueueQuery, location="query")
    @staff_blp.response(200, schemas.QueueItemOut(many=True))
    def get(self, query: dict[str, Any], caller: Caller) -> Any:
        """待审核队列（默认人工审核中），先到先审"""
        return review.queue(
            current_session(), caller, query["status"], query.get("region"), query["limit"], query["after_id"]
        )


@staff_blp.route("/claims/<int:claim_id>")
class StaffClaim(MethodView):
    @requires(staff_blp, "staff", roles=_READERS)
    @staff_blp.response(200, schemas.StaffClaimOut)
    @staff_blp.alt_response(404, schema=ErrorEnvelope, description="申领不存在")
    def get(self, claim_id: int, caller: Caller) -> Any:
        """一笔申领的全部信息：转人工的原因、事实、计算过程"""
        return review.staff_claim(current_session(), caller, claim_id)


@staff_blp.route("/claims/<int:claim_id>/approve")
class Approve(MethodView):
    @requires(staff_blp, "staff", roles=("reviewer",))
    @staff_blp.arguments(schemas.ApproveIn)
    @staff_blp.response(200, schemas.StaffClaimOut)
    @staff_blp.alt_response(404, schema=ErrorEnvelope, description="申领不存在")
    @staff_blp.alt_response(409, schema=ErrorEnvelope, description="已作出决定（CLAIM_NOT_PENDING）")
    @staff_blp.alt_response(422, schema=ErrorEnvelope, description="核实后的事实不符合条件（NOT_ELIGIBLE）或缺少事实")
    def post(self, body: dict[str, Any], claim_id: int, caller: Caller) -> Any:
        """核准：按核实后的事实由规则核定待遇"""
        return review.staff_approve(current_session(), caller, claim_id, body)


@staff_blp.route("/claims/<int:claim_id>/reject")
class Reject(MethodView):
    @requires(staff_blp, "staff", roles=("reviewer",))
    @staff_blp.arguments(schemas.RejectIn)
    @staff_blp.response(200, schemas.StaffClaimOut)
    @staff_blp.alt_response(404, schema=ErrorEnvelope, description="申领不存在")
    @staff_blp.alt_response(409, schema=ErrorEnvelope, description="已作出决定（CLAIM_NOT_PENDING）")
    @staff_blp.alt_response(422, schema=ErrorEnvelope, description="原因代码不正确")
    def post(self, body: dict[str, Any], claim_id: int, caller: Caller) -> Any:
        """不予核准：注明原因代码（附法律依据）与审核意见"""
        return review.staff_reject(current_session(), caller, claim_id, body)


@staff_blp.route("/ratings")
class Ratings(MethodView):
    @requires(staff_blp, "staff", roles=_ANY_STAFF)
    @staff_blp.arguments(schemas.RatingsQuery, location="query")
    @staff_blp.response(200, schemas.RatingsOut)
    def get(self, query: dict[str, Any], caller: Caller) -> Any:
        """服务评价汇总与最近的评价"""
        return ratings.rating_summary(current_session(), caller, query.get("region"), query["limit"])
