"""Reads the staff console needs beyond the API's: a region's screenings, notices and payment
batches, a notice with the refunds it lists, a batch with its refunds, and a refund with the whole
of its course. Each is scoped to the member of staff's region in the query, as the rest of the
refund's services are (a province-wide member sees every region); another region's notice or
batch is "not found"."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from auth.caller import Caller
from auth.models import StaffUser
from miniapp_api.db import MAX_ID
from miniapp_api.errors import NotFoundError
from miniapp_api.pii import mask_bank_account
from miniapp_api.records.models import Employer
from miniapp_api.refunds.models import Assessment, CorporateAccount, Notice, PaymentBatch, Screening
from miniapp_api.refunds.notices import describe_notice
from miniapp_api.refunds.payouts import batch_of, describe_batch
from miniapp_api.refunds.presenting import STATUS_LABELS, describe
from miniapp_api.refunds.review import staff_refund


def _in_region(query: Select[Any], column: Any, caller: Caller) -> Select[Any]:
    return query.where(column == caller.staff_region) if caller.staff_region else query


def _names(session: Session, staff_ids: set[int | None]) -> dict[int, str]:
    wanted = {staff_id for staff_id in staff_ids if staff_id}
    if not wanted:
        return {}
    return dict(session.execute(select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(wanted))).all())


def screenings(session: Session, caller: Caller, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    """The region's screenings, latest first, with their counts and totals."""
    found = session.scalars(
        _in_region(select(Screening), Screening.region_code, caller)
        .order_by(Screening.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    names = _names(session, {_staff_id(screening.started_by) for screening in found})
    return [
        {
            "id": screening.id,
            "region_code": screening.region_code,
            "policy_year": screening.policy_year,
            "as_of": screening.as_of,
            "enterprises": screening.enterprises,
            "eligible": screening.eligible,
            "total_amount": str(screening.total_amount),
            "started_at": screening.started_at,
            "finished_at": screening.finished_at,
            "started_by": _starter(screening.started_by, names),
        }
        for screening in found
    ]


def _staff_id(started_by: str) -> int | None:
    """The member of staff who ran a screening ("staff:12"); None for the command line's."""
    kind, _, ident = started_by.partition(":")
    return int(ident) if kind == "staff" and ident.isdigit() else None


def _starter(started_by: str, names: dict[int, str]) -> str:
    staff_id = _staff_id(started_by)
    if staff_id is not None:
        return names.get(staff_id, "工作人员")
    kind, _, who = started_by.partition(":")
    return f"运维命令（{who}）" if kind == "operator" and who else "系统"


def notices(session: Session, caller: Caller, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    """The region's public notices, latest first."""
    found = session.scalars(
        _in_region(select(Notice), Notice.region_code, caller).order_by(Notice.id.desc()).limit(limit).offset(offset)
    ).all()
    return [describe_notice(notice) for notice in found]


def notice(session: Session, caller: Caller, notice_id: int, limit: int, offset: int = 0) -> dict[str, Any]:
    """A notice of the region with the refunds it lists (and where each stands now)."""
    query = _in_region(select(Notice).where(Notice.id == notice_id), Notice.region_code, caller)
    found = session.scalar(query) if 0 < notice_id <= MAX_ID else None
    if found is None:
        raise NotFoundError("没有找到这期公示", code="NOTICE_NOT_FOUND")
    rows = session.execute(
        select(Assessment, Employer.name, Employer.credit_code)
        .join(Employer, Employer.id == Assessment.employer_id)
        .where(Assessment.notice_id == found.id)
        .order_by(Employer.credit_code, Assessment.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return {
        **describe_notice(found),
        "published_at": found.published_at,
        "published_by": _names(session, {found.published_by}).get(found.published_by, "—"),
        "refunds": [
            {
                "id": refund.id,
                "enterprise": {"name": name, "credit_code": code},
                "amount": None if refund.amount is None else str(refund.amount),
                "status": refund.status,
                "status_label": STATUS_LABELS[refund.status],
            }
            for refund, name, code in rows
        ],
    }


def batches(session: Session, caller: Caller, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    """The region's refund payment batches, latest first."""
    found = session.scalars(
        _in_region(select(PaymentBatch), PaymentBatch.region_code, caller)
        .order_by(PaymentBatch.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        {
            "id": batch.id,
            "region_code": batch.region_code,
            "policy_year": batch.policy_year,
            "status": batch.status,
            "instructions": batch.instructions,
            "total_amount": str(batch.total_amount),
            "prepared_at": batch.prepared_at,
        }
        for batch in found
    ]


def batch(session: Session, caller: Caller, batch_id: int, limit: int, offset: int = 0) -> dict[str, Any]:
    """A batch of the region with its refunds: reference, enterprise, the account masked, amount,
    the bank's result. A refund returned and paid in a later batch is listed in that one."""
    found = batch_of(session, caller, batch_id)
    rows = session.execute(
        select(Assessment, Employer.name, CorporateAccount)
        .join(Employer, Employer.id == Assessment.employer_id)
        .join(CorporateAccount, CorporateAccount.employer_id == Assessment.employer_id, isouter=True)
        .where(Assessment.batch_id == found.id)
        .order_by(Assessment.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return {
        **describe_batch(session, found),
        "prepared_by": _names(session, {found.prepared_by}).get(found.prepared_by, "—"),
        "refunds": [
            {
                "refund_id": refund.id,
                "reference": refund.payment_reference,
                "enterprise": name,
                "bank_name": account.bank_name if account else None,
                "account_number": mask_bank_account(account.account_number) if account else None,
                "amount": None if refund.amount is None else str(refund.amount),
                "status": refund.status,
                "status_label": STATUS_LABELS[refund.status],
                "failure_reason": refund.failure_reason,
                "paid_at": refund.paid_at,
            }
            for refund, name, account in rows
        ],
    }


def refund(session: Session, caller: Caller, refund_id: int) -> dict[str, Any]:
    """A refund of the region as the API describes it, with the rest of its course: who decided,
    the notice it is listed in, when it was held, the batch and reference it is paid under."""
    found = staff_refund(session, caller, refund_id)
    listed_in = session.get(Notice, found.notice_id) if found.notice_id else None
    return {
        **describe(session, found),
        "decided_by": _names(session, {found.decided_by}).get(found.decided_by or 0),
        "notice": describe_notice(listed_in) if listed_in else None,
        "held_at": found.held_at,
        "batch_id": found.batch_id,
        "payment_reference": found.payment_reference,
    }
