"""An objection's reply clock, kept as a row: started at filing, paused while the agency waits
for the claimant, run on from their answer, closed with the reply.

Dates come from the official calendar in force. A date in a year the calendar does not know is
never guessed: the clock waits in `calendar_pending`, staff get an alert the same day, and the
clock is dated once someone approves that year. Meanwhile the handler works to a provisional date
counted on weekends only, so the reply is not left late; a provisional date never makes a reply
overdue.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.models import WeChatAccount
from miniapp_api.audit.service import record as audit
from miniapp_api.db import chunks, utcnow
from miniapp_api.holidays import alerts as calendar_alerts
from miniapp_api.holidays.service import official_calendar
from miniapp_api.objections import history, staff_notices
from miniapp_api.objections.filers import notify_filer
from miniapp_api.objections.models import Objection, ObjectionDeadline
from miniapp_api.records.models import Person
from miniapp_api.records.service import rules_parameters
from miniapp_api.rules.calendar import OfficialCalendar
from miniapp_api.rules.deadlines import objection_reply_due, resumed_due, working_days_left
from miniapp_api.rules.errors import CalendarYearUnknown
from miniapp_api.rules.parameters import RegionParameters
from miniapp_api.rules.working_days import add_working_days, previous_working_day
from notifications import service as notify

log = logging.getLogger(__name__)


def start(session: Session, objection: Objection) -> ObjectionDeadline:
    parameters = rules_parameters(session, objection.region_code)
    assert parameters is not None  # the region is a foreign key
    limit = parameters.in_force("objection_reply_limit", objection.filed_on)
    days = int(limit.value.get("by_category", {}).get(objection.category, limit.value["working_days"]))
    clock = ObjectionDeadline(
        objection_id=objection.id,
        region_code=objection.region_code,
        category=objection.category,
        state="running",
        working_days=days,
        basis=limit.citation,
        filed_on=objection.filed_on,
    )
    session.add(clock)
    calendar = official_calendar(session)
    try:
        deadline = objection_reply_due(objection.filed_on, parameters, calendar, objection.category)
        _set_due(calendar, clock, deadline.due)
        clock.basis = deadline.basis
    except CalendarYearUnknown as error:
        _calendar_missing(session, objection, clock, error)
        _aim_at(calendar, clock, add_working_days(calendar.as_provisional(), objection.filed_on, days))
    return clock


def pause(session: Session, clock: ObjectionDeadline, today: dt.date) -> None:
    """The agency asked the claimant for something: the working days left are kept. A reply
    already overdue stays overdue (asking for more does not wipe the mark)."""
    if clock.state == "calendar_pending":
        clock.paused_on, clock.resumed_on = today, None  # the days left follow once the year is known
        return
    if clock.state != "running" or clock.due_on is None:
        return
    if today > clock.due_on and clock.overdue_at is None:
        clock.overdue_at = utcnow()
    clock.days_left = working_days_left(official_calendar(session), today, clock.due_on)
    clock.state = "paused"
    clock.paused_on = today


def resume(session: Session, objection: Objection, clock: ObjectionDeadline, today: dt.date) -> None:
    """The claimant answered: the clock runs on from today with the days that were left."""
    calendar = official_calendar(session)
    if clock.state == "calendar_pending":
        if clock.paused_on is not None:
            clock.resumed_on = today  # dated once the calendar knows the year
            _aim_after_pause(calendar, clock)
        return
    if clock.state != "paused" or clock.days_left is None:
        return
    try:
        due = resumed_due(calendar, today, clock.days_left)
    except CalendarYearUnknown as error:
        clock.resumed_on = today
        _calendar_missing(session, objection, clock, error)
        _aim_at(calendar, clock, resumed_due(calendar.as_provisional(), today, clock.days_left))
        return
    _run_until(calendar, clock, due)


def close(clock: ObjectionDeadline, today: dt.date) -> None:
    clock.on_time = clock.overdue_at is None and (clock.due_on is None or today <= clock.due_on)
    clock.state = "closed"
    clock.closed_on = today


def retry_calendar(
    clock: ObjectionDeadline, objection: Objection, parameters: RegionParameters, calendar: OfficialCalendar
) -> bool:
    """Work out a due date the calendar could not give before; True when it now can. A pause
    that happened meanwhile is applied as if the date had been known all along."""
    try:
        due = objection_reply_due(objection.filed_on, parameters, calendar, objection.category).due
        if clock.paused_on is None:
            _run_until(calendar, clock, due)
            return True
        if clock.days_left is None:
            clock.days_left = working_days_left(calendar, clock.paused_on, due)
        if clock.resumed_on is None:  # still with the claimant
            clock.state = "paused"
            _set_due(calendar, clock, due)
            return True
        _run_until(calendar, clock, resumed_due(calendar, clock.resumed_on, clock.days_left))
    except CalendarYearUnknown:
        return False
    return True


def date_waiting(session: Session) -> int:
    """Date every clock the calendar can now date; each claimant whose clock runs is told the
    reply's due date. Safe to run again: a dated clock no longer waits (and a second pass at the
    same moment skips the rows this one holds)."""
    waiting = pending_calendar(session)
    if not waiting:
        return 0
    calendar = official_calendar(session)
    objections: dict[int, Objection] = {}
    for ids in chunks([clock.objection_id for clock in waiting]):
        objections |= {o.id: o for o in session.scalars(select(Objection).where(Objection.id.in_(ids)))}
    parameters: dict[str, RegionParameters] = {}
    told: list[tuple[Objection, str]] = []
    for clock in waiting:
        objection = objections[clock.objection_id]
        if objection.region_code not in parameters:
            found = rules_parameters(session, objection.region_code)
            assert found is not None  # the region is a foreign key
            parameters[objection.region_code] = found
        if not retry_calendar(clock, objection, parameters[objection.region_code], calendar):
            continue
        due = clock.due_on.isoformat() if clock.due_on else None
        history.append(clock.objection_id, "due_date_set", due_on=due)
        if clock.state == "running" and due:
            told.append((objection, due))
    _tell_due_dates(session, told)
    return sum(1 for clock in waiting if clock.state != "calendar_pending")


def _tell_due_dates(session: Session, told: list[tuple[Objection, str]]) -> None:
    """One message each, on WeChat where the claimant uses the mini-program, else by SMS; an
    enterprise's through its contacts."""
    for objection, due in told:
        if objection.employer_id is not None:
            values = {"objection_no": objection.objection_no, "due_on": due}
            notify_filer(session, objection, "objection_due_date_set", values, f"objection:{objection.id}:due_set")
    people = [(objection.person_id, objection, due) for objection, due in told if objection.person_id is not None]
    openids: dict[int, str] = {}
    phones: dict[int, str | None] = {}
    for ids in chunks([person_id for person_id, _o, _d in people]):
        accounts = session.execute(
            select(WeChatAccount.person_id, WeChatAccount.openid).where(WeChatAccount.person_id.in_(ids))
        )
        openids |= {person_id: openid for person_id, openid in accounts if person_id is not None}
        phones |= dict(session.execute(select(Person.id, Person.phone).where(Person.id.in_(ids))).all())
    notify.send_many(
        "objection_due_date_set",
        [
            (
                notify.Recipient("person", person_id, phone=phones.get(person_id), openid=openids.get(person_id)),
                {"objection_no": objection.objection_no, "due_on": due},
            )
            for person_id, objection, due in people
        ],
    )  # fmt: skip


def _run_until(calendar: OfficialCalendar, clock: ObjectionDeadline, due: dt.date) -> None:
    clock.state = "running"
    clock.paused_on = clock.resumed_on = None
    clock.days_left = None
    clock.pending_year = clock.provisional_due_on = None
    clock.reminded_at = None  # a new due date earns a new reminder; an overdue mark stays
    _set_due(calendar, clock, due)


def _set_due(calendar: OfficialCalendar, clock: ObjectionDeadline, due: dt.date) -> None:
    clock.due_on = due
    clock.remind_on = previous_working_day(calendar, due)


def _aim_at(calendar: OfficialCalendar, clock: ObjectionDeadline, provisional: dt.date) -> None:
    """A date for the handler to work to while the real one cannot be counted."""
    clock.provisional_due_on = provisional
    clock.remind_on = previous_working_day(calendar.as_provisional(), provisional)
    clock.reminded_at = None


def _aim_after_pause(calendar: OfficialCalendar, clock: ObjectionDeadline) -> None:
    if clock.provisional_due_on is None or clock.paused_on is None or clock.resumed_on is None:
        return
    provisional = calendar.as_provisional()
    left = working_days_left(provisional, clock.paused_on, clock.provisional_due_on)
    _aim_at(calendar, clock, resumed_due(provisional, clock.resumed_on, left))


def _calendar_missing(
    session: Session, objection: Objection, clock: ObjectionDeadline, error: CalendarYearUnknown
) -> None:
    """Loud, not a guess: the log, the audit trail, an alert and the supervisors all hear of it."""
    clock.state = "calendar_pending"
    clock.due_on = None
    clock.remind_on = None
    clock.pending_year = error.year
    log.error("objection %s: no due date, %s", objection.objection_no, error.message)
    audit(
        "calendar.year_unknown",
        subject=("objection", objection.id),
        detail={"objection_no": objection.objection_no, "year": error.year},
        outcome="failure",
    )
    calendar_alerts.year_missing(session, error.year, objection.region_code)
    staff_notices.calendar_missing(session, objection, error.year)


def pending_calendar(session: Session) -> list[ObjectionDeadline]:
    """Every clock waiting for a year (a handful at the turn of a year, never the table)."""
    return list(
        session.scalars(
            select(ObjectionDeadline)
            .where(ObjectionDeadline.state == "calendar_pending")
            .order_by(ObjectionDeadline.objection_id)
            .with_for_update(skip_locked=True)
        )
    )
