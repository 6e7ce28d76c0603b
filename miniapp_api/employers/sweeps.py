"""The daily sweep over employers' duties: a second reminder for notices not confirmed within
the region's working days, then escalation to the agency; filings not made by their deadline
are flagged and the employer told. One query on a partial index of open duties whose next step
has come; batches commit one by one under SKIP LOCKED, so a rerun the same day does nothing."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, select

from miniapp_api.clock import china_today
from miniapp_api.db import unit_of_work
from miniapp_api.employers import duties
from miniapp_api.employers.models import EmployerDuty
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
        again: dict[int, list[EmployerDuty]] = defaultdict(list)
        for duty in rows:
            step = duties.advance(session, duty, today)
            if step == "re_reminded":
                again[duty.employer_id].append(duty)
                result.re_reminded += 1
            elif step == "escalated":
                result.escalated += 1
            elif step == "filing_overdue":
                result.filing_overdue += 1
        for employer_id, group in again.items():
            employer = session.get(Employer, employer_id)
            assert employer is not None
            duties.remind_group(session, employer, group, first=False)
        return len(rows) == batch
