"""核验回执: the public page a receipt's QR code opens. No login; the code is the only key, and
what it shows names no one."""

from __future__ import annotations

from html import escape
from typing import Any

import marshmallow as ma
from flask import Response
from flask.views import MethodView

from auth.limits import rate_limited
from miniapp_api.api import Blueprint, ErrorEnvelope, Schema
from miniapp_api.claims import issued_receipts
from miniapp_api.db import current_session
from miniapp_api.documents.html import page, wants_html
from miniapp_api.errors import NotFoundError

blp = Blueprint("verify", __name__, url_prefix="/api/v1/verify", description="回执真伪核验（公开，无需登录）")


class ReceiptCheckOut(Schema):
    genuine = ma.fields.Boolean()
    receipt_no = ma.fields.String(metadata={"description": "回执编号"})
    issued_on = ma.fields.Date(metadata={"description": "出具日期"})
    decision = ma.fields.String(metadata={"description": "出具时的办理结果"})
    issued_by = ma.fields.String(metadata={"description": "出具机构"})
    superseded = ma.fields.Boolean(metadata={"description": "此后办理结果已有变化，另有新回执"})
    note = ma.fields.String()


@blp.route("/receipts/<string:code>")
class ReceiptCheck(MethodView):
    @rate_limited("RATE_LIMIT_VERIFY")
    @blp.response(200, ReceiptCheckOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="验证码不存在（RECEIPT_NOT_FOUND）")
    def get(self, code: str) -> Any:
        """核验回执：回执编号、出具日期、办理结果和出具机构（不含个人信息）；浏览器打开时为网页"""
        try:
            result = issued_receipts.verify(current_session(), code)
        except NotFoundError as error:
            if not wants_html():
                raise
            body = f"<h1>回执核验：未找到</h1><p>{escape(error.message)}。</p>"
            return Response(page("回执核验", body), status=404, mimetype="text/html")
        return Response(_page(result), mimetype="text/html") if wants_html() else result


def _page(result: dict[str, Any]) -> str:
    rows = (
        ("回执编号", result["receipt_no"]),
        ("出具日期", f"{result['issued_on']:%Y年%m月%d日}"),
        ("出具机构", result["issued_by"]),
        ("办理结果", result["decision"]),
    )
    table = "".join(f"<tr><th>{escape(key)}</th><td>{escape(value)}</td></tr>" for key, value in rows)
    headline = "真实，但已被新回执取代" if result["superseded"] else "真实有效"
    return page(
        "回执核验",
        f"<h1>回执核验：{headline}</h1>"
        f"<p>这张回执由经办机构出具，信息如下。</p><table>{table}</table>"
        f"<p>{escape(result['note'])}。</p>"
        "<p><small>为保护个人信息，本页不显示申领人信息；请核对回执上的编号、日期和办理结果是否与本页一致。</small></p>",
    )
