"""The enterprise's side: see the result, enter or confirm the corporate account, apply.

A labour-dispatch agency (派遣机构) sees and applies for its user employers too, except public
bodies (聊人社函〔2021〕38号第二条: 由派遣机构统一申领).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from auth.caller import Caller
from miniapp_api.audit.service import record as audit
from miniapp_api.clock import china_today
from miniapp_api.db import MAX_ID, utcnow
from miniapp_api.errors import ConflictError, NotFoundError, ValidationFailed
from miniapp_api.pii import cipher
from miniapp_api.records.models import Employer
from miniapp_api.refunds.models import Assessment, CorporateAccount, DispatchRelation, EmployerProfile
from miniapp_api.refunds.presenting import describe
from miniapp_api.rules.refund import BLOCKERS

# From the application to the bank's answer: the account it goes to must not change meanwhile.
IN_FLIGHT = ("applied", "approved", "in_notice", "held", "payable", "paying")


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def represented(session: Session, caller: Caller) -> list[int]:
    """The employers the caller acts for: its own, and a dispatch agency's user employers now."""
    month = _month(china_today())
    users = session.scalars(
        select(DispatchRelation.user_employer_id)
        .join(EmployerProfile, EmployerProfile.employer_id == DispatchRelation.user_employer_id, isouter=True)
        .where(
            DispatchRelation.agency_id == caller.employer_id,
            DispatchRelation.from_month <= month,
            or_(DispatchRelation.to_month.is_(None), DispatchRelation.to_month >= month),
            or_(EmployerProfile.public_body.is_(None), EmployerProfile.public_body.is_(False)),
        )
    ).all()
    assert caller.employer_id is not None  # an employer caller
    return [caller.employer_id, *sorted(set(users) - {caller.employer_id})]


def my_refunds(session: Session, caller: Caller) -> list[dict[str, Any]]:
    found = session.scalars(
        select(Assessment)
        .where(Assessment.employer_id.in_(represented(session, caller)))
        .order_by(Assessment.policy_year.desc(), Assessment.id)
    )
    return [_as_enterprise_sees(session, assessment) for assessment in found]


def _as_enterprise_sees(session: Session, found: Assessment) -> dict[str, Any]:
    """Staff's view less the objection that holds it during the notice: who objected is not the
    enterprise's to know (the status says it is held and looked into)."""
    return {**describe(session, found), "hold_reason": None}


def own_refund(session: Session, caller: Caller, refund_id: int, *, for_update: bool = False) -> Assessment:
    """The refund of an employer the caller acts for; anyone else's is "not found"."""
    if not 0 < refund_id <= MAX_ID:
        raise NotFoundError("没有找到这笔稳岗返还", code="REFUND_NOT_FOUND")
    query = select(Assessment).where(
        Assessment.id == refund_id, Assessment.employer_id.in_(represented(session, caller))
    )
    found = session.scalar(query.with_for_update() if for_update else query)
    if found is None:
        raise NotFoundError("没有找到这笔稳岗返还", code="REFUND_NOT_FOUND")
    return found


def my_refund(session: Session, caller: Caller, refund_id: int) -> dict[str, Any]:
    return _as_enterprise_sees(session, own_refund(session, caller, refund_id))


def set_account(session: Session, caller: Caller, refund_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Enter or correct the corporate account the refund is paid to. The account must be in the
    enterprise's own name: a refund is never paid to a person or another unit."""
    found = own_refund(session, caller, refund_id, for_update=True)
    # The account is the enterprise's, not one refund's: while any of its refunds is on its way
    # to the bank (applied, reviewed, noticed, in a batch), the account it will be paid to stays.
    in_flight = session.scalar(
        select(Assessment.id)
        .where(Assessment.employer_id == found.employer_id, Assessment.status.in_(IN_FLIGHT))
        .limit(1)
        .with_for_update()
    )
    if found.status not in ("eligible", "returned") or in_flight is not None:
        raise ConflictError(
            "本单位有已确认申请、尚未拨付的稳岗返还，对公账户暂不能更改；如需更改请联系经办机构",
            code="REFUND_ACCOUNT_LOCKED",
        )
    employer = session.get(Employer, found.employer_id)
    assert employer is not None
    if body["account_name"].strip() != employer.name:
        raise ValidationFailed(
            f"账户名称须与单位名称“{employer.name}”一致（稳岗返还只拨付至本单位对公账户）",
            code="ACCOUNT_NAME_MISMATCH",
            details={"field": "account_name"},
        )
    number = body["account_number"]
    account = session.get(CorporateAccount, employer.id) or CorporateAccount(employer_id=employer.id)
    account.bank_name = body["bank_name"].strip()
    account.account_name = employer.name
    account.account_number = number
    account.account_hash = cipher().keyed_hash(number, "corporate_account.number")
    account.source = "enterprise"
    session.add(account)
    if found.status == "returned":
        found.status = "payable"  # a corrected account after a bank return: paid in the next batch
    session.flush()
    audit(
        "refund.account_set",
        actor=caller.audit_actor,
        subject=("refund_assessment", found.id),
        detail={"employer_id": employer.id, "bank_name": account.bank_name},
    )
    return _as_enterprise_sees(session, found)


def confirm(session: Session, caller: Caller, refund_id: int) -> dict[str, Any]:
    """The enterprise confirms: this is its application (确认后即完成申请). Repeating it changes nothing."""
    found = own_refund(session, caller, refund_id, for_update=True)
    if found.status == "applied":
        return _as_enterprise_sees(session, found)
    if found.status != "eligible":
        raise ConflictError(
            "这笔稳岗返还目前不能确认申请", code="REFUND_NOT_CONFIRMABLE", details={"status": found.status}
        )
    if found.confirm_by is not None and china_today() > found.confirm_by:
        raise ConflictError(
            f"确认期限已于{found.confirm_by.isoformat()}届满，逾期未确认视为放弃；如有异议请联系经办机构",
            code="REFUND_WINDOW_CLOSED",
            details={"confirm_by": found.confirm_by.isoformat()},
        )
    missing: list[str] = [code for code in ("SIZE_MISSING", "RESCREEN_DUE") if code in found.blockers.split(",")]
    if session.get(CorporateAccount, found.employer_id) is None:
        missing.append("ACCOUNT_MISSING")
    if missing:
        raise ConflictError(
            "；".join(BLOCKERS[code] for code in missing) + "，补齐后再确认",
            code="REFUND_INCOMPLETE",
            details={"blockers": missing},
        )
    found.status = "applied"
    found.applied_at = utcnow()
    found.applied_by = caller.employer_contact_id
    found.applied_for_by = caller.employer_id if caller.employer_id != found.employer_id else None
    session.flush()
    audit("refund.applied", actor=caller.audit_actor, subject=("refund_assessment", found.id))
    return _as_enterprise_sees(session, found)
