"""稳岗返还: enterprises see their result, confirm the account and apply; agency staff screen,
review and decide."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from auth.caller import Caller
from auth.guard import requires
from miniapp_api.api import Blueprint, ErrorEnvelope
from miniapp_api.db import current_session
from miniapp_api.refunds import enterprise, review, schemas

blp = Blueprint(
    "refunds", __name__, url_prefix="/api/v1/employer/refunds", description="稳岗返还（用人单位、派遣机构）"
)
staff_blp = Blueprint("refunds_staff", __name__, url_prefix="/api/v1/staff/refunds", description="稳岗返还（经办机构）")
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


@staff_blp.route("/screenings")
class Screenings(MethodView):
    @requires(staff_blp, "staff", roles=_REVIEWERS)
    @staff_blp.arguments(schemas.RefundScreeningIn)
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
