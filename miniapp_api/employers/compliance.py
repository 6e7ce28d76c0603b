"""The agency's view of employers' duties: compliance by employer (and region), the escalated
duties waiting for a call, the call recorded, and a CSV export."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from auth.caller import Caller
from miniapp_api.audit.service import record as audit
from miniapp_api.clock import china_today
from miniapp_api.db import MAX_ID
from miniapp_api.documents.tables import csv_bytes
from miniapp_api.employers import duties
from miniapp_api.employers.models import EmployerDuty, EscalationCall
from miniapp_api.errors import NotFoundError
from miniapp_api.pii import mask_name, mask_text
from miniapp_api.records.models import Employer, Person

CALL_OUTCOMES = {
    "handed_over": "单位称已送达，经办人员代为确认",
    "promised": "单位承诺尽快送达",
    "no_answer": "无人接听",
    "refused": "单位拒绝履行",
}
CSV_COLUMNS = (
    ("region_code", "统筹地区"),
    ("credit_code", "统一社会信用代码"),
    ("employer", "单位名称"),
    ("separations", "离职人数"),
    ("acknowledged", "已确认送达"),
    ("acknowledged_late", "逾期确认"),
    ("pending", "未确认"),
    ("overdue", "已逾期未确认"),
    ("escalated", "已督办"),
    ("filings_late", "逾期备案"),
)


def by_employer(session: Session, caller: Caller, region: str | None, limit: int) -> list[dict[str, Any]]:
    today = china_today()
    notice = EmployerDuty.kind == "notice"
    open_ = EmployerDuty.done_at.is_(None)

    def count(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    query = (
        select(
            Employer.region_code,
            Employer.credit_code,
            Employer.name,
            count(notice),
            count(notice & ~open_),
            count(notice & ~open_ & EmployerDuty.late.is_(True)),
            count(notice & open_),
            count(notice & open_ & (EmployerDuty.due_on < today)),
            count(notice & EmployerDuty.escalated_at.is_not(None)),
            count((EmployerDuty.kind == "filing") & EmployerDuty.late.is_(True)),
        )
        .join(Employer, Employer.id == EmployerDuty.employer_id)
        .group_by(Employer.region_code, Employer.credit_code, Employer.name)
    )
    for code in (caller.staff_region, region):
        if code:
            query = query.where(EmployerDuty.region_code == code)
    rows = session.execute(query.order_by(count(notice & open_ & (EmployerDuty.due_on < today)).desc()).limit(limit))
    keys = [key for key, _ in CSV_COLUMNS]
    return [
        {
            **dict(zip(keys[:3], row[:3], strict=True)),
            **{k: int(v or 0) for k, v in zip(keys[3:], row[3:], strict=True)},
        }
        for row in rows
    ]


def by_region(session: Session, caller: Caller) -> list[dict[str, Any]]:
    """Each region's notice duties: acknowledged on time, acknowledged late, open past their date."""
    today = china_today()
    notice_done = EmployerDuty.done_at.is_not(None)

    def count(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    query = (
        select(
            EmployerDuty.region_code,
            count(notice_done & EmployerDuty.late.is_not(True)),
            count(notice_done & EmployerDuty.late.is_(True)),
            count(EmployerDuty.done_at.is_(None) & (EmployerDuty.due_on < today)),
            count(EmployerDuty.done_at.is_(None) & ((EmployerDuty.due_on >= today) | EmployerDuty.due_on.is_(None))),
        )
        .where(EmployerDuty.kind == "notice")
        .group_by(EmployerDuty.region_code)
        .order_by(EmployerDuty.region_code)
    )
    if caller.staff_region:
        query = query.where(EmployerDuty.region_code == caller.staff_region)
    keys = ("on_time", "late", "overdue", "waiting")
    return [
        {"region_code": region, **{key: int(value or 0) for key, value in zip(keys, counts, strict=True)}}
        for region, *counts in session.execute(query)
    ]


def as_csv(rows: list[dict[str, Any]]) -> bytes:
    return csv_bytes([label for _, label in CSV_COLUMNS], ([row[key] for key, _ in CSV_COLUMNS] for row in rows))


def escalated(session: Session, caller: Caller, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    query = (
        select(EmployerDuty, Employer.name, Employer.credit_code, Person.name)
        .join(Employer, Employer.id == EmployerDuty.employer_id)
        .join(Person, Person.id == EmployerDuty.person_id)
        .where(EmployerDuty.escalated_at.is_not(None), EmployerDuty.done_at.is_(None))
    )
    if caller.staff_region:
        query = query.where(EmployerDuty.region_code == caller.staff_region)
    rows = session.execute(query.order_by(EmployerDuty.escalated_at, EmployerDuty.id).offset(offset).limit(limit)).all()
    calls: dict[int, list[dict[str, Any]]] = {duty.id: [] for duty, *_rest in rows}
    for call in session.scalars(
        select(EscalationCall).where(EscalationCall.duty_id.in_(list(calls))).order_by(EscalationCall.id)
    ):
        calls[call.duty_id].append(_call(call))
    return [
        {
            "id": duty.id,
            "employer": employer,
            "credit_code": credit_code,
            "worker": mask_name(worker),
            "separation_date": duty.separation_date,
            "due_on": duty.due_on,
            "escalated_at": duty.escalated_at,
            "calls": calls[duty.id],
        }
        for duty, employer, credit_code, worker in rows
    ]


def _call(call: EscalationCall) -> dict[str, Any]:
    return {
        "outcome": call.outcome,
        "note": call.note,
        "called_at": call.called_at,
        "staff_user_id": call.staff_user_id,
    }


def _calls(session: Session, duty_id: int) -> list[dict[str, Any]]:
    return [
        {"outcome": c.outcome, "note": c.note, "called_at": c.called_at, "staff_user_id": c.staff_user_id}
        for c in session.scalars(
            select(EscalationCall).where(EscalationCall.duty_id == duty_id).order_by(EscalationCall.id)
        )
    ]


def record_call(session: Session, caller: Caller, duty_id: int, outcome: str, note: str) -> dict[str, Any]:
    query = select(EmployerDuty).where(EmployerDuty.id == duty_id, EmployerDuty.escalated_at.is_not(None))
    if caller.staff_region:
        query = query.where(EmployerDuty.region_code == caller.staff_region)
    duty = session.scalar(query.with_for_update()) if 0 < duty_id <= MAX_ID else None
    if duty is None:
        raise NotFoundError("没有找到这项督办", code="DUTY_NOT_FOUND")
    call = EscalationCall(duty_id=duty.id, staff_user_id=caller.staff_user_id, outcome=outcome, note=mask_text(note))
    session.add(call)
    if outcome == "handed_over":
        duties.acknowledge(session, duty, "agency_call", caller.audit_actor)
    audit(
        "employer_duty.called",
        actor=caller.audit_actor,
        subject=("employer_duty", duty.id),
        detail={"outcome": outcome},
    )
    session.flush()
    return {"id": duty.id, "done": duty.done_at is not None, "calls": _calls(session, duty.id)}
