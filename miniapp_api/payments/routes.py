"""发放（财务岗位）: the monthly payment run, its bank file and the bank's answer."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from auth.caller import Caller
from auth.guard import requires
from miniapp_api.api import Blueprint, ErrorEnvelope, Money, Schema, accepts, body_limit, file_body, uploaded_file
from miniapp_api.db import current_session
from miniapp_api.documents.tables import csv_download
from miniapp_api.errors import ValidationFailed
from miniapp_api.extensions import settings
from miniapp_api.payments import service
from miniapp_api.records import fields as f

blp = Blueprint("payments", __name__, url_prefix="/api/v1/finance", description="失业保险金发放（财务岗位）")
_FINANCE = ("finance",)


class RunIn(Schema):
    period = f.PaymentMonth(required=True, metadata={"label": "发放月份", "example": "2026-12"})
    region = f.RegionCode(
        metadata={"label": "统筹地区", "description": "全省账号必填；本地区账号只能是本地区（可省略）"}
    )


class InstructionOut(Schema):
    reference = ma.fields.String()
    claimant = ma.fields.String()
    bank = ma.fields.String()
    period = ma.fields.String()
    amount = Money()
    medical_premium_paid = ma.fields.Boolean()
    status = ma.fields.String()


class RunOut(Schema):
    id = ma.fields.Integer()
    region_code = ma.fields.String()
    period = ma.fields.String()
    status = ma.fields.String()
    instructions = ma.fields.Integer()
    total_amount = Money()
    medical_premiums = ma.fields.Integer(metadata={"description": "本批次首次代缴基本医疗保险费的人月数"})
    medical_premium_total = Money(metadata={"description": "本批次代缴基本医疗保险费合计（元）"})
    by_status = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    sample = ma.fields.List(ma.fields.Nested(InstructionOut), metadata={"description": "前50条（账号已脱敏）"})
    held_after_returns = ma.fields.Integer(
        metadata={"description": "已两次被银行退回到同一账户、待更正账户后再发的人月数（仅生成批次时）"}
    )


class ConfirmationOut(Schema):
    paid = ma.fields.Integer()
    failed = ma.fields.Integer()
    unchanged = ma.fields.Integer(metadata={"description": "此前已处理、本次未改变的"})
    run = ma.fields.Nested(RunOut)


CONFIRMATION_BODY = file_body("file", "回盘 CSV：业务编号,结果,原因")


@blp.route("/payment-runs")
class Runs(MethodView):
    @requires(blp, "staff", roles=_FINANCE)
    @blp.arguments(RunIn)
    @blp.response(201, RunOut)
    @blp.alt_response(403, schema=ErrorEnvelope, description="不是本地区（OTHER_REGION）")
    @blp.alt_response(409, schema=ErrorEnvelope, description="本地区该月批次已生成（RUN_EXISTS）")
    def post(self, body: dict[str, Any], caller: Caller) -> Any:
        """生成某月的发放批次：截至该月应发而未发的月份，每人每月一次"""
        return service.prepare(current_session(), caller, body["period"], body.get("region"))


@blp.route("/payment-runs/<int:run_id>")
class Run(MethodView):
    @requires(blp, "staff", roles=(*_FINANCE, "auditor"))
    @blp.response(200, RunOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="批次不存在")
    def get(self, run_id: int, caller: Caller) -> Any:
        """批次概况"""
        session = current_session()
        return service.describe(session, service.run_of(session, caller, run_id))


@blp.route("/payment-runs/<int:run_id>/bank-file.csv")
class BankFile(MethodView):
    @requires(blp, "staff", roles=_FINANCE)
    @blp.response(200, content_type="text/csv", description="银行代发文件（含完整账号，仅供银行）")
    @blp.alt_response(404, schema=ErrorEnvelope, description="批次不存在")
    def get(self, run_id: int, caller: Caller) -> Any:
        """导出银行代发文件（导出留痕）"""
        content = service.bank_file(current_session(), caller, run_id)
        return csv_download(content, f"payment-run-{run_id}.csv")


@blp.route("/payment-runs/<int:run_id>/medical-remittance.csv")
class MedicalRemittance(MethodView):
    @requires(blp, "staff", roles=_FINANCE)
    @blp.response(
        200, content_type="text/csv", description="代缴基本医疗保险费清单（含完整身份证号，仅供医保经办机构）"
    )
    @blp.alt_response(404, schema=ErrorEnvelope, description="批次不存在")
    def get(self, run_id: int, caller: Caller) -> Any:
        """导出本批次代缴基本医疗保险费清单（每人每月一行，重发月份不重复列出；导出留痕）"""
        content = service.medical_remittance(current_session(), caller, run_id)
        return csv_download(content, f"medical-remittance-{run_id}.csv")


@blp.route("/payment-runs/<int:run_id>/confirmation")
class Confirmation(MethodView):
    @requires(blp, "staff", roles=_FINANCE)
    @body_limit(lambda: settings().PAYMENT_CONFIRMATION_MAX_BYTES + 64 * 1024)
    @accepts("multipart/form-data")
    @blp.doc(requestBody=CONFIRMATION_BODY)
    @blp.response(200, ConfirmationOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="批次不存在")
    @blp.alt_response(422, schema=ErrorEnvelope, description="回盘文件格式不对或编号不属于本批次")
    def post(self, run_id: int, caller: Caller) -> Any:
        """导入银行回盘：成功的标记为已发放，失败的记录原因；重复导入不会重复处理"""
        upload = uploaded_file("file")
        if upload is None:
            raise ValidationFailed("请在 file 字段上传回盘文件", code="FILE_REQUIRED")
        return service.confirm(current_session(), caller, run_id, upload[1])
