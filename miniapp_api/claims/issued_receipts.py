"""Receipts as issued: a document number and a verification code for each claim and decision.

The first download after a decision issues the receipt; later downloads show the same number,
date and code. Anyone holding the code (printed, and in the QR code) can confirm at the public
verification page that the receipt is genuine: its number, date, issuing agency and decision,
never whom it is about.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from miniapp_api.audit.service import record as audit
from miniapp_api.claims.models import Claim, IssuedReceipt
from miniapp_api.clock import CHINA
from miniapp_api.errors import NotFoundError
from miniapp_api.extensions import settings
from miniapp_api.records.models import Region

# No 0/O, 1/I/L: a code read aloud or typed from paper is not mistaken.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_GROUPS, _GROUP = 4, 4  # 16 characters, about 79 bits: not guessable at any request rate
_CODE = re.compile(rf"[{_ALPHABET}]{{{_GROUPS * _GROUP}}}")

DECISION_TEXT = {
    "submitted": "已受理，正在审核",
    "manual_review": "已受理，需经办人员审核，结果将通过微信和短信通知您",
    "approved": "核准：按月发放失业保险金",
    "rejected": "不予核准",
    "suspended": "核准，现暂停发放",
    "settled": "核准，已按规定一次性领取",
    "stopped": "核准，现已停止发放",
    "completed": "核准，领取期满",
}


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_GROUPS * _GROUP))
    return "-".join(raw[i : i + _GROUP] for i in range(0, len(raw), _GROUP))


def verification_url(receipt: IssuedReceipt) -> str:
    return f"{settings().PUBLIC_BASE_URL.rstrip('/')}/api/v1/verify/receipts/{receipt.verification_code}"


def issue(session: Session, claim: Claim, actor: tuple[str, Any]) -> IssuedReceipt:
    """The receipt of the claim's current decision, issued on first asking."""
    found = _of(session, claim)
    if found is not None:
        return found
    receipt = IssuedReceipt(
        claim_id=claim.id, region_code=claim.region_code, status=claim.status, verification_code=_new_code()
    )
    try:
        with session.begin_nested():
            session.add(receipt)
            session.flush()
    except IntegrityError:  # the same receipt asked for twice at once: the other request issued it
        found = _of(session, claim)
        assert found is not None
        return found
    receipt.receipt_no = f"失保回〔{receipt.issued_at.astimezone(CHINA):%Y}〕{claim.region_code}{receipt.id:07d}号"
    audit(
        "claim.receipt_issued",
        actor=actor,
        subject=("claim", claim.id),
        detail={"receipt_no": receipt.receipt_no, "status": claim.status},
    )
    return receipt


def _of(session: Session, claim: Claim) -> IssuedReceipt | None:
    return session.scalar(
        select(IssuedReceipt).where(IssuedReceipt.claim_id == claim.id, IssuedReceipt.status == claim.status)
    )


def verify(session: Session, code: str) -> dict[str, Any]:
    """What the public may confirm about a receipt: nothing that says whom it is about."""
    plain = re.sub(r"[\s-]", "", code or "").upper()
    receipt = None
    if _CODE.fullmatch(plain):
        grouped = "-".join(plain[i : i + _GROUP] for i in range(0, len(plain), _GROUP))
        receipt = session.scalar(select(IssuedReceipt).where(IssuedReceipt.verification_code == grouped))
    if receipt is None or receipt.receipt_no is None:
        raise NotFoundError(
            "没有找到这张回执：请核对验证码；验证码不符的回执不是经办机构出具的", code="RECEIPT_NOT_FOUND"
        )
    region = session.get(Region, receipt.region_code)
    assert region is not None  # a foreign key
    later = session.scalar(
        select(IssuedReceipt.id).where(IssuedReceipt.claim_id == receipt.claim_id, IssuedReceipt.id > receipt.id)
    )
    # A decision changed since (a suspension, a stop) supersedes the receipt even before anyone
    # downloads a new one: the check says so, and nothing more about the claim.
    changed = session.scalar(select(Claim.status).where(Claim.id == receipt.claim_id)) != receipt.status
    return {
        "genuine": True,
        "receipt_no": receipt.receipt_no,
        "issued_on": receipt.issued_at.astimezone(CHINA).date(),
        "decision": DECISION_TEXT[receipt.status],
        "issued_by": region.agency_name,
        "superseded": later is not None or changed,
        "note": "此回执出具后办理结果已有变化，以最新回执为准"
        if later is not None or changed
        else "回执内容以出具时的办理结果为准",
    }
