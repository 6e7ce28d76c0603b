"""The employer's use cases: file terminations (one, or a whole form), see the duties, get a
worker's claim notice, confirm it was handed over — logged in, or through the SMS link."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.caller import Caller
from miniapp_api.audit.service import record as audit
from miniapp_api.audit.service import record_regardless
from miniapp_api.clock import china_today
from miniapp_api.db import MAX_ID
from miniapp_api.employers import duties, filings, links
from miniapp_api.employers.models import EmployerDuty, TerminationFiling
from miniapp_api.employers.notice import notice_pdf
from miniapp_api.employers.spreadsheet import FormRow, FormUnreadable, read_form
from miniapp_api.errors import AppError, ConflictError, NotFoundError, ValidationFailed
from miniapp_api.extensions import settings
from miniapp_api.holidays.service import undated_note
from miniapp_api.pii import mask_id_number, mask_name
from miniapp_api.records.models import Employer, Person, Region

# The single filing's fields, by the form's column they stand for.
SINGLE_FIELDS = {
    "form_number": "编号",
    "name": "姓名",
    "sex": "性别",
    "id_number": "身份证号",
    "bank_account": "社会保障卡银行账号",
    "contribution_start": "缴费时间",
    "separation_date": "失业时间",
    "reason": "失业原因",
    "phone": "联系电话",
}
_STATES = ("pending", "acknowledged", "overdue")


class RowsRejected(AppError):
    status = 422
    code = "FILING_ROWS_INVALID"


def _employer(session: Session, caller: Caller) -> Employer:
    employer = session.get(Employer, caller.employer_id)
    if employer is None:
        raise NotFoundError("单位不存在", code="EMPLOYER_NOT_FOUND")
    return employer


def _audit_refusal(actor: tuple[str, Any], employer_id: int, checked: filings.Checked, total: int) -> None:
    """A refused filing is on the record too (kept when the refusal rolls the request back): rows
    refused by the records, the lot of them, are how someone would probe for who is insured."""
    record_regardless(
        "employer.filing_refused",
        actor=actor,
        subject=("employer", employer_id),
        detail={"rows": total, "refused": len(checked.bad_rows)},
        outcome="refused",
    )


def _refuse(checked: filings.Checked, total: int) -> RowsRejected:
    bad = len(checked.bad_rows)
    return RowsRejected(
        f"备案表中有{bad}行不符合要求，未导入任何数据；请按提示修改后重新上传，或选择只导入正确的{total - bad}行",
        details={
            "rows_total": total,
            "rows_bad": bad,
            "problems": [problem.as_dict() for problem in checked.problems[:1000]],
        },
    )


def file_one(session: Session, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    employer = _employer(session, caller)
    today = china_today()
    row = FormRow(1, {column: str(body.get(name) or "").strip() for name, column in SINGLE_FIELDS.items()})
    checked = filings.check_rows(session, employer, [row], today)
    if checked.problems:
        _audit_refusal(caller.audit_actor, employer.id, checked, 1)
        problem = checked.problems[0]
        if problem.duplicate:
            raise ConflictError(problem.message, code="FILING_DUPLICATE")
        raise ValidationFailed(
            f"{problem.column}：{problem.message}",
            code="FILING_INVALID",
            details={"problems": [p.as_dict() for p in checked.problems]},
        )
    (filing,) = filings.import_rows(session, employer, checked.good, today, batch=None)
    audit("employer.filed", actor=caller.audit_actor, subject=("termination_filing", filing.id))
    return describe_filing(session, filing)


def file_form(
    session: Session,
    employer: Employer,
    file_name: str,
    content: bytes,
    *,
    good_rows_only: bool,
    who: dict[str, Any],
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """A whole filing form: all rows or none, unless asked for the good rows only. `progress`
    hears (rows done, rows in all) as the rows are checked and then imported."""
    if len(content) > settings().FILING_MAX_UPLOAD_BYTES:
        raise ValidationFailed("备案表文件过大", code="FORM_TOO_LARGE")
    today = china_today()
    try:
        rows = read_form(file_name, content, settings().FILING_MAX_ROWS)
    except FormUnreadable as error:
        raise ValidationFailed(error.message, code=error.code) from None
    checked = filings.check_rows(session, employer, rows, today)
    total = len(rows) + len(checked.good)
    if progress:
        progress(len(rows), total)
    if checked.problems and (not good_rows_only or not checked.good):
        actor = ("employer", who["contact_id"]) if who.get("contact_id") else ("operator", who.get("operator"))
        _audit_refusal(actor, employer.id, checked, len(rows))
    if checked.problems and not good_rows_only:
        raise _refuse(checked, len(rows))
    if not checked.good:
        raise ValidationFailed(
            "备案表中没有可以导入的行", code="FILING_NOTHING_VALID", details=_refuse(checked, len(rows)).details
        )
    batch = filings.batch_record(session, employer, file_name, content, checked, len(checked.good), **who)
    filings.import_rows(
        session,
        employer,
        checked.good,
        today,
        batch=batch,
        progress=(lambda n: progress(n, total)) if progress else None,
    )
    audit(
        "employer.filed_form",
        actor=("employer", who["contact_id"]) if who.get("contact_id") else ("operator", who.get("operator")),
        subject=("filing_batch", batch.id),
        detail={"imported": batch.rows_imported, "refused": batch.rows_refused, "sha256": batch.sha256},
    )
    return {
        "batch_id": batch.id,
        "rows_total": batch.rows_total,
        "rows_imported": batch.rows_imported,
        "rows_refused": batch.rows_refused,
        "problems": [problem.as_dict() for problem in checked.problems[:1000]],
    }


def upload_form(
    session: Session, caller: Caller, file_name: str, content: bytes, good_rows_only: bool
) -> dict[str, Any]:
    return file_form(
        session,
        _employer(session, caller),
        file_name,
        content,
        good_rows_only=good_rows_only,
        who={"contact_id": caller.employer_contact_id},
    )


def describe_filing(session: Session, filing: TerminationFiling) -> dict[str, Any]:
    person = session.get(Person, filing.person_id)
    assert person is not None
    return {
        "id": filing.id,
        "worker": {"name": mask_name(person.name), "id_number": mask_id_number(person.id_number)},
        "separation_date": filing.separation_date,
        "reason_code": filing.reason_code,
        "filed_on": filing.filed_on,
        "due_on": filing.due_on,
        "due_note": undated_note(None) if filing.due_on is None else None,
        "late": filing.late,
    }


def my_duties(session: Session, caller: Caller, state: str, limit: int) -> list[dict[str, Any]]:
    today = china_today()
    query = (
        select(EmployerDuty, Person.name, Person.id_number)
        .join(Person, Person.id == EmployerDuty.person_id)
        .where(EmployerDuty.employer_id == caller.employer_id, EmployerDuty.kind == "notice")
    )
    if state == "acknowledged":
        query = query.where(EmployerDuty.done_at.is_not(None))
    else:
        query = query.where(EmployerDuty.done_at.is_(None))
        if state == "overdue":
            query = query.where(EmployerDuty.due_on < today)
    rows = session.execute(query.order_by(EmployerDuty.due_on, EmployerDuty.id).limit(limit))
    return [_duty(duty, name, number, today) for duty, name, number in rows]


def _duty(duty: EmployerDuty, name: str, id_number: str, today: dt.date) -> dict[str, Any]:
    return {
        "id": duty.id,
        "worker": {"name": name, "id_number": mask_id_number(id_number)},
        "separation_date": duty.separation_date,
        "due_on": duty.due_on,
        "due_note": undated_note(duty.pending_year) if duty.due_on is None else None,
        "stage": duty.stage,
        "reminders_sent": duty.reminders_sent,
        "overdue": duty.done_at is None and duty.due_on is not None and duty.due_on < today,
        "acknowledged_at": duty.done_at,
        "acknowledged_via": duty.done_via,
        "late": duty.late,
        "notice_url": f"/api/v1/employer/duties/{duty.id}/notice.pdf",
    }


def _own_duty(session: Session, caller: Caller, duty_id: int, *, for_update: bool = False) -> EmployerDuty:
    if not 0 < duty_id <= MAX_ID:
        raise NotFoundError("没有找到这项告知义务", code="DUTY_NOT_FOUND")
    query = select(EmployerDuty).where(
        EmployerDuty.id == duty_id, EmployerDuty.employer_id == caller.employer_id, EmployerDuty.kind == "notice"
    )
    duty = session.scalar(query.with_for_update() if for_update else query)
    if duty is None:
        raise NotFoundError("没有找到这项告知义务", code="DUTY_NOT_FOUND")
    return duty


def acknowledge(session: Session, caller: Caller, duty_id: int) -> dict[str, Any]:
    duty = _own_duty(session, caller, duty_id, for_update=True)
    if duty.done_at is not None:
        raise ConflictError("已确认送达，无需重复确认", code="ALREADY_ACKNOWLEDGED")
    duties.acknowledge(session, duty, "api", caller.audit_actor)
    person = session.get(Person, duty.person_id)
    assert person is not None
    return _duty(duty, person.name, person.id_number, china_today())


def notice_for(session: Session, caller: Caller, duty_id: int) -> bytes:
    return _notice(session, _own_duty(session, caller, duty_id))


def _notice(session: Session, duty: EmployerDuty) -> bytes:
    person = session.get(Person, duty.person_id)
    employer = session.get(Employer, duty.employer_id)
    region = session.get(Region, duty.region_code)
    assert person is not None
    assert employer is not None
    assert region is not None
    return notice_pdf(person, employer, region, duty.separation_date.isoformat())


def _linked_duty(session: Session, token: str, *, for_update: bool = False) -> EmployerDuty:
    duty_id, nonce_hash = links.read(token)
    query = select(EmployerDuty).where(EmployerDuty.id == duty_id)
    duty = session.scalar(query.with_for_update() if for_update else query)
    if duty is None:
        raise NotFoundError("链接无效", code="LINK_INVALID")
    if duty.done_at is not None:
        raise ConflictError("已确认送达，此链接已使用", code="ALREADY_ACKNOWLEDGED")
    if duty.ack_nonce_hash != nonce_hash:
        raise links.LinkExpired("此链接已被后来的提醒短信中的链接取代，请使用最新的链接", code="LINK_SUPERSEDED")
    return duty


def link_view(session: Session, token: str) -> dict[str, Any]:
    duty = _linked_duty(session, token)
    person = session.get(Person, duty.person_id)
    employer = session.get(Employer, duty.employer_id)
    assert person is not None
    assert employer is not None
    return {
        "employer": employer.name,
        "worker": mask_name(person.name),
        "separation_date": duty.separation_date,
        "due_on": duty.due_on,
        "due_note": undated_note(duty.pending_year) if duty.due_on is None else None,
        "notice_pdf": f"/api/v1/notices/{token}/notice.pdf",
        "acknowledge": f"/api/v1/notices/{token}/acknowledge",
    }


def link_notice(session: Session, token: str) -> bytes:
    return _notice(session, _linked_duty(session, token))


def link_acknowledge(session: Session, token: str) -> dict[str, Any]:
    duty = _linked_duty(session, token, for_update=True)
    duties.acknowledge(session, duty, "link", ("employer_link", duty.employer_id))
    return {"acknowledged": True, "acknowledged_at": duty.done_at, "late": duty.late}
