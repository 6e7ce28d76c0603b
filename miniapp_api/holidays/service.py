"""The calendar in force, and entering a year into it: entered by one member of staff (role
admin), approved or rejected by another (admin or supervisor), audited with before and after.

The calendar in force is the package's years with every approved record laid over them. It is
built once per set of approved records and kept in the process: a lookup costs one small query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.models import StaffUser
from miniapp_api.alerts.service import resolve as resolve_alerts
from miniapp_api.audit.service import record as audit
from miniapp_api.audit.service import record_regardless
from miniapp_api.celery_app import task
from miniapp_api.clock import china_today
from miniapp_api.db import MAX_ID, after_commit, utcnow
from miniapp_api.errors import ConflictError, Forbidden, NotFoundError, ValidationFailed
from miniapp_api.holidays.files import parse
from miniapp_api.holidays.models import CalendarLineRecord, CalendarYearRecord
from miniapp_api.holidays.package import package_source, package_years
from miniapp_api.rules.calendar import CalendarYear, OfficialCalendar, changed_days, differences
from miniapp_api.rules.calendar_lines import ArrangementLine, LineProblem, arrangement_of, check_lines, summary

ENTER_ROLES = ("admin",)
APPROVE_ROLES = ("admin", "supervisor")

_built: dict[tuple[tuple[int, dt.datetime | None], ...], OfficialCalendar] = {}


def official_calendar(session: Session) -> OfficialCalendar:
    """The package's years, each overridden by its approved record."""
    # Identified by id and approval time: a restored database may reuse an id, never both.
    approved = tuple(
        session.execute(
            select(CalendarYearRecord.id, CalendarYearRecord.decided_at)
            .where(CalendarYearRecord.status == "approved")
            .order_by(CalendarYearRecord.id)
        )
    )
    calendar = _built.get(approved)
    if calendar is None:
        years = dict(package_years())
        if approved:
            ids = [record_id for record_id, _decided_at in approved]
            records = session.scalars(select(CalendarYearRecord).where(CalendarYearRecord.id.in_(ids)))
            years |= {record.year: _arrangement(record) for record in records}
        calendar = _built[approved] = OfficialCalendar(years)
        if len(_built) > 32:  # old sets are never asked for again
            _built.pop(next(iter(_built)))
    return calendar


def known_through(session: Session, today: dt.date | None = None) -> dt.date | None:
    return official_calendar(session).known_through(today or china_today())


def undated_note(year: int | None, what: str = "期限") -> str:
    """Why a due date is missing: it is never guessed, and follows the official arrangement."""
    which = f"{year}年" if year else "相应年度的"
    return f"国家尚未公布{which}节假日安排，{what}将在公布后确定"


def _arrangement(record: CalendarYearRecord) -> CalendarYear:
    return arrangement_of(record.year, _lines(record), record.document_no)


def _lines(record: CalendarYearRecord) -> list[ArrangementLine]:
    return [ArrangementLine(line.line_no, line.kind, line.name, line.first_day, line.last_day) for line in record.lines]


def _in_force(session: Session, year: int) -> CalendarYear | None:
    return official_calendar(session).years.get(year)


def _refused(problems: list[LineProblem]) -> ValidationFailed:
    first = problems[0]
    where = f"第{first.line_no}行：" if first.line_no else ""
    more = f"（另有{len(problems) - 1}处问题，逐条列出）" if len(problems) > 1 else ""
    return ValidationFailed(
        f"节假日安排有误，{where}{first.message}{more}",
        code="CALENDAR_FILE_INVALID",
        details={"problems": [{"line": p.line_no or None, "message": p.message} for p in problems]},
    )


def submit(
    session: Session, staff: StaffUser, filename: str, content: bytes, given: dict[str, Any], *, via: str
) -> CalendarYearRecord:
    """Enter a year from a file; nothing takes effect until someone else approves it."""
    _require_role(staff, ENTER_ROLES, "录入节假日安排需要系统管理员岗位", action="calendar_year.enter")
    parsed = parse(filename, content, given)
    problems = list(parsed.problems)
    year = parsed.meta.get("year")
    today = china_today()
    if isinstance(year, int):
        problems += check_lines(year, parsed.lines)
        problems += _plausibility(year, parsed.meta.get("published_on"), today)
    if problems:
        raise _refused(sorted(problems, key=lambda problem: (problem.line_no == 0, problem.line_no)))  # lines first
    assert isinstance(year, int)
    meta = parsed.meta
    _refuse_conflicts(session, year, meta["document_no"])
    record = CalendarYearRecord(
        year=year,
        status="pending",
        document_no=meta["document_no"],
        title=meta["title"],
        published_on=meta["published_on"],
        source=meta["source"],
        summary=summary(year, parsed.lines),
        entered_by=staff.id,
        entered_via=via,
        lines=[
            CalendarLineRecord(
                line_no=line.line_no, kind=line.kind, name=line.name, first_day=line.first, last_day=line.last
            )
            for line in parsed.lines
        ],
    )
    _compare(record, _in_force(session, year), today)
    session.add(record)
    session.flush()
    audit(
        "calendar_year.entered",
        actor=("staff", staff.id),
        subject=("calendar_year", record.id),
        detail={"year": year, "document_no": record.document_no, "lines": len(parsed.lines), "via": via},
    )
    return record


def _plausibility(year: int, published_on: dt.date | None, today: dt.date) -> list[LineProblem]:
    """Each notice covers the coming year, published within the year before; earlier years only
    ever need a correction of days still to come."""
    problems = []
    if not today.year - 1 <= year <= today.year + 1:
        problems.append(LineProblem(0, f"只能录入{today.year - 1}年至{today.year + 1}年的节假日安排"))
    if published_on is not None and not dt.date(year - 1, 1, 1) <= published_on <= today:
        problems.append(LineProblem(0, f"发布日期应在{year - 1}年1月1日至今天之间"))
    return problems


def _refuse_conflicts(session: Session, year: int, document_no: str) -> None:
    live = CalendarYearRecord.status.in_(("pending", "approved"))
    pending = session.scalar(
        select(CalendarYearRecord.id).where(CalendarYearRecord.year == year, CalendarYearRecord.status == "pending")
    )
    if pending is not None:
        raise ConflictError(
            f"{year}年已有一份待审核的节假日安排（编号{pending}）：请先审核或退回，再重新录入",
            code="CALENDAR_YEAR_PENDING",
            details={"pending_id": pending},
        )
    other = session.scalar(
        select(CalendarYearRecord.year).where(
            live, CalendarYearRecord.document_no == document_no, CalendarYearRecord.year != year
        )
    )
    if other is not None:
        raise ConflictError(
            f"通知文号{document_no}已用于{other}年的安排：每年的通知文号不同，请核对", code="DOCUMENT_NO_REUSED"
        )


def _compare(record: CalendarYearRecord, before: CalendarYear | None, today: dt.date) -> None:
    """Against the calendar in force for the year: every day it would change. Days already past
    are history (deadlines were counted on them): an entry may not rewrite them."""
    if before is None:
        record.compared_with, record.differences = None, []
        return
    after = _arrangement(record)
    past = [day for day in changed_days(before, after) if day < today]
    if past:
        days = "、".join(day.isoformat() for day in past[:5]) + ("等" if len(past) > 5 else "")
        raise ValidationFailed(
            f"不能更改已经过去的日期（{days}，共{len(past)}天）：这些日期上的期限已按原安排计算",
            code="CALENDAR_PAST_DAYS",
            details={"days": [day.isoformat() for day in past]},
        )
    record.compared_with = before.source
    record.differences = differences(before, after)


def approve(session: Session, staff: StaffUser, record_id: int, note: str | None) -> CalendarYearRecord:
    """Put the year in force (maker ≠ checker); clocks waiting for it are dated after commit."""
    _require_role(staff, APPROVE_ROLES, "审核节假日安排需要系统管理员或主管岗位", action="calendar_year.approve")
    record = _pending(session, record_id)
    if record.entered_by == staff.id:
        _refusal(staff, "calendar_year.approve", "maker_cannot_approve", record.id)
        raise Forbidden("录入人不能审核自己录入的节假日安排，请由另一位管理员或主管审核", code="MAKER_CANNOT_APPROVE")
    before = _in_force(session, record.year)
    _compare(record, before, china_today())  # the calendar may have changed since it was entered
    replaced = session.scalar(
        select(CalendarYearRecord)
        .where(CalendarYearRecord.year == record.year, CalendarYearRecord.status == "approved")
        .with_for_update()
    )
    if replaced is not None:
        replaced.status = "superseded"
        session.flush()  # one approved record a year: the old one steps aside first
    record.status, record.decided_by, record.decided_at, record.decision_note = "approved", staff.id, utcnow(), note
    session.flush()
    audit(
        "calendar_year.approved",
        actor=("staff", staff.id),
        subject=("calendar_year", record.id),
        detail={
            "year": record.year,
            "before": {"source": before.source, "record_id": replaced.id if replaced else None} if before else None,
            "after": {"source": record.document_no, "record_id": record.id, "summary": record.summary},
            "differences": record.differences,
        },
    )
    resolve_alerts(
        session,
        "calendar_year_missing",
        f"{record.year}年节假日安排已审核生效",
        key_prefix=f"calendar_missing:{record.year}:",
    )
    after_commit(lambda: task("holidays.date_waiting").delay())
    return record


def reject(session: Session, staff: StaffUser, record_id: int, note: str) -> CalendarYearRecord:
    _require_role(staff, APPROVE_ROLES, "审核节假日安排需要系统管理员或主管岗位", action="calendar_year.reject")
    record = _pending(session, record_id)
    record.status, record.decided_by, record.decided_at, record.decision_note = "rejected", staff.id, utcnow(), note
    if record.entered_by == staff.id:
        record.decided_by = None  # withdrawn by its maker: not a second person's decision
    session.flush()
    audit(
        "calendar_year.rejected",
        actor=("staff", staff.id),
        subject=("calendar_year", record.id),
        detail={"year": record.year, "note": note},
    )
    return record


def _pending(session: Session, record_id: int) -> CalendarYearRecord:
    record = _found(session, record_id, for_update=True)
    if record.status != "pending":
        raise ConflictError(f"这份节假日安排已{_STATUS_LABELS[record.status]}，不能再审核", code="CALENDAR_NOT_PENDING")
    return record


def _found(session: Session, record_id: int, *, for_update: bool = False) -> CalendarYearRecord:
    record = session.get(CalendarYearRecord, record_id, with_for_update=for_update) if 0 < record_id <= MAX_ID else None
    if record is None:
        raise NotFoundError("没有这份节假日安排", code="CALENDAR_YEAR_NOT_FOUND")
    return record


def _require_role(staff: StaffUser, roles: tuple[str, ...], message: str, *, action: str) -> None:
    """The calendar is the same for every region: only province-wide accounts (no region) change it."""
    if not staff.active or not set(roles) & set(staff.roles):
        _refusal(staff, action, "role")
        raise Forbidden(message, code="ROLE_REQUIRED")
    if staff.region_code is not None:
        _refusal(staff, action, "regional_account")
        raise Forbidden(
            "节假日安排全国通用，须由全省（不限地区）的管理员或主管录入和审核", code="PROVINCE_WIDE_ROLE_REQUIRED"
        )


def _refusal(staff: StaffUser, action: str, reason: str, record_id: int | None = None) -> None:
    """A refused attempt stays in the trail even though the transaction rolls back."""
    record_regardless(
        action,
        actor=("staff", staff.id),
        subject=("calendar_year", record_id) if record_id else None,
        detail={"refused": reason},
        outcome="refused",
    )


_STATUS_LABELS = {"pending": "待审核", "approved": "生效", "rejected": "退回", "superseded": "被新的安排取代"}


def _status_label(record: CalendarYearRecord) -> str:
    if record.status == "rejected" and record.decided_by is None:
        return "录入人撤回"
    return _STATUS_LABELS[record.status]


def get(session: Session, record_id: int) -> CalendarYearRecord:
    return _found(session, record_id)


def describe(session: Session, record: CalendarYearRecord) -> dict[str, Any]:
    names = dict(
        session.execute(
            select(StaffUser.id, StaffUser.display_name).where(
                StaffUser.id.in_([i for i in (record.entered_by, record.decided_by) if i])
            )
        ).all()
    )
    return {
        "id": record.id,
        "year": record.year,
        "status": record.status,
        "status_label": _status_label(record),
        "document_no": record.document_no,
        "title": record.title,
        "published_on": record.published_on,
        "source": record.source,
        "summary": record.summary,
        "compared_with": record.compared_with,
        "differences": record.differences,
        "lines": [
            {"line": line.line_no, "kind": line.kind, "name": line.name, "from": line.first_day, "to": line.last_day}
            for line in record.lines
        ],
        "entered_by": names.get(record.entered_by),
        "entered_by_id": record.entered_by,
        "entered_at": record.entered_at,
        "decided_by": names.get(record.decided_by) if record.decided_by else None,
        "withdrawn": record.status == "rejected" and record.decided_by is None,
        "decided_at": record.decided_at,
        "decision_note": record.decision_note,
    }


def overview(session: Session, today: dt.date | None = None) -> dict[str, Any]:
    """Which years are known and from where, what awaits approval, and how far ahead deadlines can be counted."""
    today = today or china_today()
    calendar = official_calendar(session)
    records = session.scalars(
        select(CalendarYearRecord)
        .where(CalendarYearRecord.status.in_(("pending", "approved")))
        .order_by(CalendarYearRecord.year.desc(), CalendarYearRecord.id)
    ).all()
    return {
        "today": today,
        "known_through": calendar.known_through(today),
        "package": package_source(),
        "years": [
            {"year": year, "source": calendar.years[year].source}
            for year in sorted(calendar.years, reverse=True)
            if year >= today.year - 1
        ],
        "records": [describe(session, record) for record in records],
    }
