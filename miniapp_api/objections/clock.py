"""An objection's reply clock, kept as a row: started at filing, paused while the agency waits
for the claimant, run on from their answer, closed with the reply.

Dates come from the official calendar. A date in a year the calendar does not know is never
guessed: the clock waits in `calendar_pending`, staff are alerted, and each sweep tries again
(an updated calendar package is all it takes).
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapp_api.audit.service import record as audit
from miniapp_api.db import utcnow
from miniapp_api.objections import staff_notices
from miniapp_api.objections.models import Objection, ObjectionDeadline
from miniapp_api.records.service import rules_parameters
from miniapp_api.rules.deadlines import objection_reply_due, resumed_due, working_days_left
from miniapp_api.rules.errors import CalendarYearUnknown
from miniapp_api.rules.working_days import previous_working_day

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
    try:
        deadline = objection_reply_due(objection.filed_on, parameters, objection.category)
        _set_due(clock, deadline.due)
        clock.basis = deadline.basis
    except CalendarYearUnknown as error:
        _calendar_missing(session, objection, clock, error)
    return clock


def pause(clock: ObjectionDeadline, today: dt.date) -> None:
    """The agency asked the claimant for something: the working days left are kept. A reply
    already overdue stays overdue (asking for more does not wipe the mark)."""
    if clock.state == "calendar_pending":
        clock.paused_on, clock.resumed_on = today, None  # the days left follow once the year is known
        return
    if clock.state != "running" or clock.due_on is None:
        return
    if today > clock.due_on and clock.overdue_at is None:
        clock.overdue_at = utcnow()
    clock.days_left = working_days_left(today, clock.due_on)
    clock.state = "paused"
    clock.paused_on = today


def resume(session: Session, objection: Objection, clock: ObjectionDeadline, today: dt.date) -> None:
    """The claimant answered: the clock runs on from today with the days that were left."""
    if clock.state == "calendar_pending":
        if clock.paused_on is not None:
            clock.resumed_on = today  # the sweep sets the due date once the calendar knows the year
        return
    if clock.state != "paused" or clock.days_left is None:
        return
    try:
        due = resumed_due(today, clock.days_left)
    except CalendarYearUnknown as error:
        clock.resumed_on = today
        _calendar_missing(session, objection, clock, error)
        return
    _run_until(clock, due)


def close(clock: ObjectionDeadline, today: dt.date) -> None:
    clock.on_time = clock.overdue_at is None and (clock.due_on is None or today <= clock.due_on)
    clock.state = "closed"
    clock.closed_on = today


def retry_calendar(session: Session, clock: ObjectionDeadline) -> bool:
    """Work out a due date the calendar could not give before; True when it now can. A pause
    that happened meanwhile is applied as if the date had been known all along."""
    objection = session.get(Objection, clock.objection_id)
    assert objection is not None
    parameters = rules_parameters(session, objection.region_code)
    assert parameters is not None
    try:
        due = objection_reply_due(objection.filed_on, parameters, objection.category).due
        if clock.paused_on is None:
            _run_until(clock, due)
            return True
        if clock.days_left is None:
            clock.days_left = working_days_left(clock.paused_on, due)
        if clock.resumed_on is None:  # still with the claimant
            clock.state = "paused"
            _set_due(clock, due)
            return True
        _run_until(clock, resumed_due(clock.resumed_on, clock.days_left))
    except CalendarYearUnknown:
        return False
    return True


def _run_until(clock: ObjectionDeadline, due: dt.date) -> None:
    clock.state = "running"
    clock.paused_on = clock.resumed_on = None
    clock.days_left = None
    clock.reminded_at = None  # a new due date earns a new reminder; an overdue mark stays
    _set_due(clock, due)


def _set_due(clock: ObjectionDeadline, due: dt.date) -> None:
    clock.due_on = due
    clock.remind_on = previous_working_day(due)


def _calendar_missing(
    session: Session, objection: Objection, clock: ObjectionDeadline, error: CalendarYearUnknown
) -> None:
    """Loud, not a guess: the log, the audit trail and the supervisors all hear of it."""
    clock.state = "calendar_pending"
    clock.due_on = None
    clock.remind_on = None
    log.error("objection %s: no due date, %s", objection.objection_no, error.message)
    audit(
        "calendar.year_unknown",
        subject=("objection", objection.id),
        detail={"objection_no": objection.objection_no, "year": error.year},
        outcome="failure",
    )
    staff_notices.calendar_missing(session, objection, error.year)


def pending_calendar(session: Session, limit: int) -> list[ObjectionDeadline]:
    return list(
        session.scalars(select(ObjectionDeadline).where(ObjectionDeadline.state == "calendar_pending").limit(limit))
    )
