"""The daily sweep over employers' duties: a second reminder for notices not confirmed within
the region's working days, then escalation to the agency; filings not made by their deadline
are flagged and the employer told — one message per employer and step in each batch. One
query on a partial index of open duties whose next look has come; batches commit one by one
under SKIP LOCKED, so a rerun the same day does nothing."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, select

from miniapp_api.clock import china_today
from miniapp_api.db import unit_of_work
from miniapp_api.employers import duties
from miniapp_api.employers.models import EmployerDuty
from miniapp_api.holidays.service import official_calendar
from miniapp_api.records.models import Employer

BATCH = 500


@dataclass
class SweepResult:
    re_reminded: int = 0
    escalated: int = 0
    filing_overdue: int = 0


def due_steps(today: dt.date) -> Select[EmployerDuty]:
    return (
        select(EmployerDuty)
        .where(EmployerDuty.done_at.is_(None), EmployerDuty.next_action_on < today)
        .order_by(EmployerDuty.next_action_on, EmployerDuty.id)
    )


def sweep(today: dt.date | None = None, *, batch: int = BATCH) -> SweepResult:
    today = today or china_today()
    result = SweepResult()
    while _batch(today, batch, result):
        pass
    return result


def _batch(today: dt.date, batch: int, result: SweepResult) -> bool:
    with unit_of_work() as session:
        rows = session.scalars(due_steps(today).limit(batch).with_for_update(skip_locked=True)).all()
        taken: dict[tuple[str, int], list[EmployerDuty]] = defaultdict(list)
        limits: dict[str, int] = {}
        calendar = official_calendar(session)
        for duty in rows:
            done = duties.step(session, duty, today, limits, calendar)
            if done:
                taken[(done, duty.employer_id)].append(duty)
        # One message per employer and step, however many of its duties moved.
        for (done, employer_id), group in taken.items():
            employer = session.get(Employer, employer_id)
            assert employer is not None
            if done == "re_reminded":
                duties.remind_group(session, employer, group, first=False)
                result.re_reminded += len(group)
            elif done == "escalated":
                duties.escalate_to_agency(session, employer, group)
                result.escalated += len(group)
            else:
                duties.tell_of_overdue_filings(session, employer, group)
                result.filing_overdue += len(group)
        return len(rows) == batch
