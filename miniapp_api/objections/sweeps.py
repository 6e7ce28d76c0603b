"""The periodic sweep over reply clocks: a reminder to the handler one working day before the
due date; past it, the objection is marked overdue and escalated to the supervisors; due dates
the calendar could not give before are tried again.

Each query reads a partial index holding only running clocks not yet reminded (or not yet
marked overdue), ordered by date, so a sweep costs what is due, not the table's size. Batches
commit one by one and lock with SKIP LOCKED: two sweeps at once share the work, and a second
run of the same day finds nothing left to send.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, select

from miniapp_api.clock import china_today
from miniapp_api.db import unit_of_work, utcnow
from miniapp_api.objections import clock, history, staff_notices
from miniapp_api.objections.models import Objection, ObjectionDeadline

BATCH = 200


@dataclass
class SweepResult:
    reminded: int = 0
    overdue: int = 0
    dated: int = 0
    reminded_provisional: int = 0


def reminders_due(today: dt.date) -> Select[ObjectionDeadline]:
    return (
        select(ObjectionDeadline)
        .where(
            ObjectionDeadline.state == "running",
            ObjectionDeadline.reminded_at.is_(None),
            ObjectionDeadline.remind_on <= today,
            ObjectionDeadline.due_on >= today,  # past its day it is escalated instead
        )
        .order_by(ObjectionDeadline.remind_on)
    )


def overdue_due(today: dt.date) -> Select[ObjectionDeadline]:
    return (
        select(ObjectionDeadline)
        .where(
            ObjectionDeadline.state == "running",
            ObjectionDeadline.overdue_at.is_(None),
            ObjectionDeadline.due_on < today,
        )
        .order_by(ObjectionDeadline.due_on)
    )


def provisional_reminders_due(today: dt.date) -> Select[ObjectionDeadline]:
    """Clocks waiting for their year whose provisional date is near, not with the claimant."""
    return (
        select(ObjectionDeadline)
        .where(
            ObjectionDeadline.state == "calendar_pending",
            ObjectionDeadline.reminded_at.is_(None),
            ObjectionDeadline.remind_on <= today,
            ObjectionDeadline.provisional_due_on >= today,
            (ObjectionDeadline.paused_on.is_(None)) | (ObjectionDeadline.resumed_on.is_not(None)),
        )
        .order_by(ObjectionDeadline.remind_on)
    )


def sweep(today: dt.date | None = None, *, batch: int = BATCH) -> SweepResult:
    today = today or china_today()
    result = SweepResult()
    with unit_of_work() as session:
        result.dated = clock.date_waiting(session)
    while _remind_batch(today, batch, result):
        pass
    while _overdue_batch(today, batch, result):
        pass
    while _provisional_batch(today, batch, result):
        pass
    return result


def _provisional_batch(today: dt.date, batch: int, result: SweepResult) -> bool:
    with unit_of_work() as session:
        rows = session.scalars(provisional_reminders_due(today).limit(batch).with_for_update(skip_locked=True)).all()
        for deadline in rows:
            objection = session.get(Objection, deadline.objection_id)
            assert objection is not None
            assert deadline.provisional_due_on is not None
            deadline.reminded_at = utcnow()
            aim = deadline.provisional_due_on.isoformat()
            history.append(objection.id, "reminded", provisional_due_on=aim)
            staff_notices.due_soon_provisional(session, objection, aim, deadline.pending_year or today.year)
        result.reminded_provisional += len(rows)
        return len(rows) == batch


def _remind_batch(today: dt.date, batch: int, result: SweepResult) -> bool:
    with unit_of_work() as session:
        rows = session.scalars(reminders_due(today).limit(batch).with_for_update(skip_locked=True)).all()
        for deadline in rows:
            objection = session.get(Objection, deadline.objection_id)
            assert objection is not None
            assert deadline.due_on is not None
            deadline.reminded_at = utcnow()
            history.append(objection.id, "reminded", due_on=deadline.due_on.isoformat())
            staff_notices.due_soon(session, objection, deadline.due_on.isoformat())
        result.reminded += len(rows)
        return len(rows) == batch


def _overdue_batch(today: dt.date, batch: int, result: SweepResult) -> bool:
    with unit_of_work() as session:
        rows = session.scalars(overdue_due(today).limit(batch).with_for_update(skip_locked=True)).all()
        for deadline in rows:
            objection = session.get(Objection, deadline.objection_id)
            assert objection is not None
            assert deadline.due_on is not None
            deadline.overdue_at = utcnow()
            # A reminder that never went (the sweep did not run the day before) is not sent late.
            deadline.reminded_at = deadline.reminded_at or deadline.overdue_at
            history.append(objection.id, "overdue", due_on=deadline.due_on.isoformat())
            staff_notices.overdue(session, objection, deadline.due_on.isoformat())
        result.overdue += len(rows)
        return len(rows) == batch
