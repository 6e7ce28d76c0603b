"""Fund safety for staff: months paid after payment should have stopped (to recover), and check
items opened by suspect lists and fraud signals (to clear, or to stop payment for a legal reason)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from marshmallow import validate

from auth.caller import Caller
from auth.guard import requires
from miniapp_api.api import Blueprint, ErrorEnvelope, Money, Schema, accepts, body_limit, file_body, uploaded_file
from miniapp_api.db import MAX_ID, current_session
from miniapp_api.errors import ValidationFailed
from miniapp_api.extensions import settings
from miniapp_api.safety import checks, recoveries, suspects
from miniapp_api.safety.models import CHECK_KINDS, CHECK_STATUSES
from miniapp_api.safety.recoveries import SETTLED_BY_ROLE
from miniapp_api.safety.schemas import DecisionIn, HoldIn, SettlementIn

blp = Blueprint("safety", __name__, url_prefix="/api/v1/staff/recoveries", description="多发待追回（经办人员）")


class RecoveriesQuery(Schema):
    status = ma.fields.String(load_default="open", validate=validate.OneOf(["open", "recovered", "waived"]))
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class RecoveryOut(Schema):
    id = ma.fields.Integer()
    claim_id = ma.fields.Integer()
    region_code = ma.fields.String()
    period = ma.fields.Date()
    amount = Money()
    reason = ma.fields.String()
    basis = ma.fields.String()
    status = ma.fields.String()
    created_at = ma.fields.DateTime()
    settled_at = ma.fields.DateTime(allow_none=True)
    settlement_note = ma.fields.String(allow_none=True)


@blp.route("")
class Recoveries(MethodView):
    @requires(blp, "staff", roles=("reviewer", "supervisor", "finance", "auditor", "admin"))
    @blp.arguments(RecoveriesQuery, location="query")
    @blp.response(200, RecoveryOut(many=True))
    def get(self, query: dict[str, Any], caller: Caller) -> Any:
        """停发日之后已发放的月份（待追回），按停发原因附法律依据"""
        return recoveries.listed(current_session(), caller, query["status"], 0, query["limit"])


@blp.route("/<int:item_id>/settlement")
class Settlement(MethodView):
    @requires(blp, "staff", roles=tuple(SETTLED_BY_ROLE.values()))
    @blp.arguments(SettlementIn)
    @blp.response(200, RecoveryOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="不存在或不属于本地区")
    @blp.alt_response(409, schema=ErrorEnvelope, description="已处理过")
    def post(self, body: dict[str, Any], item_id: int, caller: Caller) -> Any:
        """登记追回到账（财务），或核销不再追回（主管）"""
        return recoveries.settle(current_session(), caller, item_id, body)


checks_blp = Blueprint(
    "safety_checks", __name__, url_prefix="/api/v1/staff", description="核查事项：疑点名单与风险信号（经办人员）"
)
_CHECK_READERS = ("handler", "reviewer", "supervisor", "auditor", "admin")
_CHECK_DECIDERS = ("reviewer", "supervisor")


class ChecksQuery(Schema):
    status = ma.fields.String(load_default="open", validate=validate.OneOf(CHECK_STATUSES))
    kind = ma.fields.String(validate=validate.OneOf(list(CHECK_KINDS)))
    after_id = ma.fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=MAX_ID),
        metadata={"description": "翻页：上一页最后一项的 id"},
    )
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class CheckOut(Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    kind_label = ma.fields.Function(lambda item: CHECK_KINDS[item.kind])
    claim_id = ma.fields.Integer(allow_none=True)
    region_code = ma.fields.String()
    evidence = ma.fields.Dict(metadata={"description": "疑点依据（人员信息已脱敏）"})
    status = ma.fields.String()
    created_at = ma.fields.DateTime()
    held_at = ma.fields.DateTime(allow_none=True, metadata={"description": "复核人员暂停发放的时间"})
    decided_at = ma.fields.DateTime(allow_none=True)
    decision_note = ma.fields.String(allow_none=True)


class SuspectListOut(Schema):
    list_id = ma.fields.Integer()
    rows = ma.fields.Integer()
    matched = ma.fields.Integer(metadata={"description": "名单中在本地有参保记录的人数"})
    opened = ma.fields.Integer(metadata={"description": "新开的核查事项"})
    not_claimants = ma.fields.Integer(metadata={"description": "有记录但未在本地申领的人数"})
    unknown_persons = ma.fields.Integer(metadata={"description": "本地没有记录的行数"})
    problems = ma.fields.List(ma.fields.Dict(), metadata={"description": "无法读取的行（行号与原因）"})


@checks_blp.route("/checks")
class Checks(MethodView):
    @requires(checks_blp, "staff", roles=_CHECK_READERS)
    @checks_blp.arguments(ChecksQuery, location="query")
    @checks_blp.response(200, CheckOut(many=True))
    def get(self, query: dict[str, Any], caller: Caller) -> Any:
        """核查事项（疑点名单、同一账户多人领取、同一微信多身份、人脸核验多次失败），按时间先后"""
        return checks.listed(
            current_session(), caller, query["status"], query.get("kind"), query["after_id"], query["limit"]
        )


@checks_blp.route("/checks/<int:item_id>")
class Check(MethodView):
    @requires(checks_blp, "staff", roles=_CHECK_READERS)
    @checks_blp.response(200, CheckOut)
    @checks_blp.alt_response(404, schema=ErrorEnvelope, description="不存在或不属于本地区")
    def get(self, item_id: int, caller: Caller) -> Any:
        """一个核查事项"""
        return checks.item_for(current_session(), caller, item_id)


@checks_blp.route("/checks/<int:item_id>/decision")
class CheckDecision(MethodView):
    @requires(checks_blp, "staff", roles=_CHECK_DECIDERS)
    @checks_blp.arguments(DecisionIn)
    @checks_blp.response(200, CheckOut)
    @checks_blp.alt_response(404, schema=ErrorEnvelope, description="不存在或不属于本地区")
    @checks_blp.alt_response(409, schema=ErrorEnvelope, description="已处理过，或此人没有正在发放的待遇")
    def post(self, body: dict[str, Any], item_id: int, caller: Caller) -> Any:
        """处理核查事项：核实无误（cleared），或按法定事由自某日起停发（stop，多发月份转入待追回）"""
        return checks.decide(current_session(), caller, item_id, body)


@checks_blp.route("/checks/<int:item_id>/hold")
class CheckHold(MethodView):
    @requires(checks_blp, "staff", roles=_CHECK_DECIDERS)
    @checks_blp.arguments(HoldIn)
    @checks_blp.response(200, CheckOut)
    @checks_blp.alt_response(404, schema=ErrorEnvelope, description="不存在或不属于本地区")
    @checks_blp.alt_response(409, schema=ErrorEnvelope, description="已处理过，或已暂停发放")
    def post(self, body: dict[str, Any], item_id: int, caller: Caller) -> Any:
        """核实期间暂停发放（暂停月份不作废，核实无误后恢复并补发）"""
        return checks.hold(current_session(), caller, item_id, body["note"])


@checks_blp.route("/suspect-lists")
class SuspectLists(MethodView):
    @body_limit(lambda: settings().SUSPECT_LIST_MAX_BYTES + 64 * 1024)
    @requires(checks_blp, "staff", roles=_CHECK_DECIDERS)
    @accepts("multipart/form-data")
    @checks_blp.doc(requestBody=file_body("file", "疑点名单 CSV：身份证号码,姓名,疑点类型,疑点说明,比对来源"))
    @checks_blp.response(201, SuspectListOut)
    @checks_blp.alt_response(409, schema=ErrorEnvelope, description="同一份名单已导入过")
    @checks_blp.alt_response(422, schema=ErrorEnvelope, description="文件无法读取或缺少必需的列")
    def post(self, caller: Caller) -> Any:
        """导入部级比对疑点名单：本地申领人逐一生成核查事项，不自动停发"""
        upload = uploaded_file("file")
        if upload is None or not upload[0]:
            raise ValidationFailed("请在 file 字段上传疑点名单", code="FILE_REQUIRED")
        return suspects.import_list(current_session(), caller, *upload)
