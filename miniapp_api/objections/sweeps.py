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


def sweep(today: dt.date | None = None, *, batch: int = BATCH) -> SweepResult:
    today = today or china_today()
    result = SweepResult()
    while _remind_batch(today, batch, result):
        pass
    while _overdue_batch(today, batch, result):
        pass
    with unit_of_work() as session:
        for deadline in clock.pending_calendar(session, batch):
            if clock.retry_calendar(session, deadline):
                due = deadline.due_on.isoformat() if deadline.due_on else None
                history.append(deadline.objection_id, "due_date_set", due_on=due)
                result.dated += 1
    return result


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
