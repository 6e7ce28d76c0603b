"""Employer duties whose next date waited for a year the official calendar lacked: dated in one
pass once that year is approved (the sweep then takes the steps those dates call for), and
filings made meanwhile given their deadline and whether they were late."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapp_api.employers import duties
from miniapp_api.employers.models import EmployerDuty, TerminationFiling
from miniapp_api.holidays.service import official_calendar
from miniapp_api.records.models import Employer
from miniapp_api.rules.calendar import OfficialCalendar


def waiting_for_calendar(session: Session) -> list[EmployerDuty]:
    """Open duties whose next date waited for a year the calendar lacked."""
    return list(
        session.scalars(
            select(EmployerDuty)
            .where(EmployerDuty.pending_year.is_not(None), EmployerDuty.done_at.is_(None))
            .order_by(EmployerDuty.id)
            .with_for_update(skip_locked=True)
        )
    )


def date_waiting(session: Session, today: dt.date) -> int:
    """Date every waiting duty, and every filing made without a deadline, that the calendar now
    can; the steps whose dates have passed are the sweep's (run right after). Safe to run again."""
    calendar = official_calendar(session)
    dated = 0
    limits: dict[str, int] = {}
    for duty in waiting_for_calendar(session):
        if duty.kind == "filing":
            deadline = duties.filing_deadlines(session, calendar, duty.region_code, {duty.separation_date})
            duties.date_filing_duty(duty, deadline[duty.separation_date])
            duty.next_action_on = duty.due_on or today
        else:
            if duty.region_code not in limits:
                limits[duty.region_code] = duties.ack_days(session, duty.region_code, today)[0]
            ends = duties.after_working_days(
                session, calendar, duty.stage_on, limits[duty.region_code], duty.region_code
            )
            if isinstance(ends, dt.date):
                duty.pending_year, duty.next_action_on = None, ends
                if duty.stage == "reminded":
                    duty.due_on = ends
        dated += duty.pending_year is None
    dated += _date_filings(session, calendar)
    return dated


def _date_filings(session: Session, calendar: OfficialCalendar) -> int:
    """Filings made while their deadline could not be counted: the deadline, and whether they were late."""
    dated = 0
    for filing in session.scalars(
        select(TerminationFiling).where(TerminationFiling.due_on.is_(None)).with_for_update(skip_locked=True)
    ):
        employer = session.get(Employer, filing.employer_id)
        assert employer is not None
        deadline = duties.filing_deadlines(session, calendar, employer.region_code, {filing.separation_date})
        found = deadline[filing.separation_date]
        if isinstance(found, int):
            continue
        filing.due_on, filing.late = found.due, filing.filed_on > found.due
        closed = session.scalar(
            select(EmployerDuty).where(
                EmployerDuty.stop_event_id == filing.stop_event_id, EmployerDuty.kind == "filing"
            )
        )
        if closed is not None and closed.due_on is None:
            duties.date_filing_duty(closed, found)
            closed.late = filing.late
        dated += 1
    return dated
