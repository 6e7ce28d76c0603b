"""The receipt (回执) of a claim as a PDF: its document number, the decision and the law it
rests on, the schedule, whom to call, and a verification code with its QR code."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from miniapp_api.claims.form import MEDICAL_PREMIUM_TEXT
from miniapp_api.claims.issued_receipts import DECISION_TEXT, verification_url
from miniapp_api.claims.models import Claim, IssuedReceipt
from miniapp_api.claims.progress import describe
from miniapp_api.clock import CHINA, china_now
from miniapp_api.documents.pdf import Document
from miniapp_api.pii import mask_id_number
from miniapp_api.records.models import Person

# The law every decision on a claim rests on; the decision's own steps add theirs.
GENERAL_BASIS = "《中华人民共和国社会保险法》第五章；《失业保险条例》；人社厅发〔2020〕24号"
_TRAILING_GLOSS = re.compile(r"（[^（）]*）$")
_BASIS_STEPS = ("eligibility.", "entitlement", "schedule.amount", "schedule.medical_premium", "continued_payment")


def receipt_pdf(session: Session, claim: Claim, issued: IssuedReceipt) -> bytes:
    person = session.get(Person, claim.person_id)
    assert person is not None  # a foreign key
    view = describe(session, claim)
    document = Document("失业保险金申领回执", subject=f"{issued.receipt_no}（受理号 {claim.claim_no}）")
    document.paragraph(f"{issued.receipt_no}", "number")
    submitted = claim.submitted_at.astimezone(CHINA)
    document.pairs(
        [
            ("出具日期", f"{issued.issued_at.astimezone(CHINA):%Y年%m月%d日}"),
            ("受理号", claim.claim_no),
            ("申领人", f"{person.name}（公民身份号码 {mask_id_number(person.id_number)}）"),
            ("申领时间", f"{submitted:%Y年%m月%d日 %H:%M}（同时办理失业登记）"),
            ("参保统筹地区", f"{view['region']['province']}{view['region']['name']}"),
            ("失业日期", _or_dash(claim.separation_date and claim.separation_date.isoformat())),
            ("失业原因", _or_dash(view["separation_reason_label"])),
            ("累计缴费", _or_dash(claim.contribution_months is not None and f"{claim.contribution_months}个月")),
            ("办理结果", DECISION_TEXT[claim.status]),
        ]
    )
    _verification(document, issued)
    _decision(document, view)
    _legal_basis(document, claim)
    _schedule(document, view)
    agency = view["agency"]
    document.heading("经办机构")
    document.pairs([("名称", agency["name"]), ("咨询电话", agency["phone"]), ("地址", agency["address"])])
    document.space()
    document.paragraph(
        "领取期间如实现就业、应征服兵役、移居境外、开始领取基本养老金或被判刑收监执行，请及时通过小程序或向经办机构报告。"
        "对本结果或申领表中的信息有异议的，可在小程序“我的申领”中提出异议，经办机构将限时答复。",
        "small",
    )
    document.paragraph(f"本回执由系统自动生成，打印时间：{china_now():%Y年%m月%d日 %H:%M}。", "small")
    return document.render()


def _verification(document: Document, issued: IssuedReceipt) -> None:
    """On page 1, where whoever is shown the receipt looks first."""
    url = verification_url(issued)
    document.space(2)
    document.qr_block(
        url,
        [
            f"验证码：{issued.verification_code}",
            "扫描二维码或打开下列网址，可核验本回执的编号、出具日期和办理结果（不显示个人信息）：",
            url,
        ],
    )


def _legal_basis(document: Document, claim: Claim) -> None:
    """The articles the decision rests on, each once, in the order the decision applied them."""
    # A refusal rests on its own articles only, not on the schedule a former decision made.
    steps = [] if claim.status == "rejected" else (claim.trace or {}).get("steps", [])
    bases = [
        str(step.get("basis", ""))
        for step in steps
        if step.get("rule", "").startswith(_BASIS_STEPS) and step.get("outcome") in ("met", "applied", "not_met")
    ]
    bases += [str(refusal.get("legal_basis", "")) for refusal in claim.refusals or []]
    cited: dict[str, str] = {}  # an article once, however many steps cite it, with or without a gloss
    for part in (part for basis in bases for part in basis.split("；") if part):
        cited.setdefault(_TRAILING_GLOSS.sub("", part), part)
    document.heading("办理依据")
    document.paragraph("；".join([GENERAL_BASIS, *cited.values()]) + "。", "small")


def _decision(document: Document, view: dict[str, Any]) -> None:
    decision = view["decision"]
    if view["status"] == "rejected":
        document.heading("不予核准的原因")
        for refusal in decision["refusals"]:
            document.paragraph(f"{refusal['message']}（依据：{refusal['legal_basis']}）")
        return
    if decision["entitlement_months"] is None:
        return
    rows = [
        ("核定领取期限", f"{decision['entitlement_months']}个月"),
        ("基本医疗保险费", MEDICAL_PREMIUM_TEXT),
        ("收款账户", view["bank_account"]),
    ]
    if decision["continued_payment_months"]:
        rows.insert(1, ("续发", f"期满后继续发放{decision['continued_payment_months']}个月至法定退休年龄"))
    if decision["legal_retirement_date"]:
        rows.append(("法定退休时间", decision["legal_retirement_date"].isoformat()))
    document.heading("核定待遇")
    document.pairs(rows)


def _schedule(document: Document, view: dict[str, Any]) -> None:
    payments = [p for p in view["payments"] if p["status"] != "cancelled"]
    if not payments:
        return  # nothing to pay (a refusal): no table of cancelled months
    document.heading("发放计划")
    document.table(
        ["月份", "金额（元）", "最迟发放日", "代缴医保费（元）", "状态"],
        [
            [
                p["period"] + ("（一次性）" if p["kind"] == "lump_sum" else "（续发）" if p["continued"] else ""),
                f"{p['amount']:.2f}",
                p["pay_by"].isoformat(),
                _premium(p),
                {"scheduled": "待发放", "paid": "已发放", "cancelled": "已取消"}[p["status"]],
            ]
            for p in payments
        ],
        [42, 30, 34, 30, 24],
    )
    document.paragraph(f"合计：{view['total_amount']:.2f}元（不含已取消月份）", "small")


def _premium(payment: dict[str, Any]) -> str:
    if not payment["medical_premium_paid"]:
        return "不代缴"
    return f"{payment['medical_premium']:.2f}" if payment["medical_premium"] is not None else "代缴"


def _or_dash(value: Any) -> str:
    return str(value) if value else "—"
