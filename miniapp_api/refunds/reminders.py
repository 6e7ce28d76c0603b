"""The daily sweep over refunds waiting for the enterprise (稳岗返还): told once it is eligible
that it may confirm (or, under 免申即享, what it still has to supply), reminded while it has
not, and recorded as having waived the refund when the region's window closes unconfirmed.

The window and the number of reminders are the region's (`refund_confirmation_window`, as the
screening applied it); the reminders are spread evenly over the window. A refund with an
objection still open is not waived: the enterprise is waiting for the agency, not the reverse.
Refunds whose public notice has ended become payable here too, so the enterprise reads
"待拨付" the day after its notice, not only once finance prepares a batch. Batches commit one
by one under SKIP LOCKED, so a rerun the same day does nothing."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from miniapp_api.audit.service import record as audit
from miniapp_api.clock import china_today
from miniapp_api.db import unit_of_work, utcnow
from miniapp_api.records.models import Employer
from miniapp_api.refunds import telling
from miniapp_api.refunds.models import Assessment, CorporateAccount, Notice, Screening
from miniapp_api.refunds.notices import close_ended
from miniapp_api.refunds.objections import open_on

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class ReminderResult:
    told: int = 0
    reminded: int = 0
    waived: int = 0
    notices_closed: int = 0


def sweep(today: dt.date | None = None, *, batch: int = BATCH) -> ReminderResult:
    today = today or china_today()
    result = ReminderResult()
    with unit_of_work() as session:  # notices that ended: their refunds now wait for finance
        for region in session.scalars(select(Notice.region_code).where(Notice.ends_on < today).distinct()):
            result.notices_closed += close_ended(session, region, today)
    while _batch(today, batch, result):
        pass
    return result


def _batch(today: dt.date, batch: int, result: ReminderResult) -> bool:
    with unit_of_work() as session:
        waiting = session.scalars(
            select(Assessment)
            .where(
                Assessment.status == "eligible",
                or_(Assessment.next_step_on.is_(None), Assessment.next_step_on <= today),
            )
            .order_by(Assessment.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        ).all()
        windows: dict[int, tuple[int, int, str]] = {}
        # The batch's employers and which of them have an account, read once for the batch.
        employer_ids = {refund.employer_id for refund in waiting}
        # Held here: the session keeps only weak references, and each message reads its employer.
        employers = session.scalars(select(Employer).where(Employer.id.in_(employer_ids))).all()
        with_account = set(
            session.scalars(select(CorporateAccount.employer_id).where(CorporateAccount.employer_id.in_(employer_ids)))
        )
        # The refunds' changes are written together at the commit, not flushed before each message.
        with session.no_autoflush:
            for refund in waiting:
                if refund.screening_id not in windows:
                    windows[refund.screening_id] = _window(session, refund.screening_id)
                has_account = refund.employer_id in with_account
                _step(session, refund, today, windows[refund.screening_id], has_account, result)
        del employers
        return len(waiting) == batch


def _window(session: Session, screening_id: int) -> tuple[int, int, str]:
    screening = session.get(Screening, screening_id)
    assert screening is not None  # a foreign key
    used = screening.parameters
    return int(used["confirmation_days"]), int(used["reminders"]), used["citations"]["refund_confirmation_window"]


def _step(
    session: Session,
    refund: Assessment,
    today: dt.date,
    window: tuple[int, int, str],
    has_account: bool,
    result: ReminderResult,
) -> None:
    days, reminders, basis = window
    every = max(days // (reminders + 1), 1)
    if "RESCREEN_DUE" in refund.blockers.split(","):
        # Told once re-screened (the screening clears the mark and brings the next look forward);
        # meanwhile not before tomorrow, so this sweep's next batch does not read it again.
        refund.next_step_on = today + dt.timedelta(days=1)
        return
    if refund.told_at is None or refund.confirm_by is None:
        refund.told_at = utcnow()
        refund.confirm_by = today + dt.timedelta(days=days)
        refund.reminders_sent = 0
        refund.next_step_on = min(today + dt.timedelta(days=every), _after(refund.confirm_by))
        telling.may_confirm(session, refund, "told", has_account)
        result.told += 1
    elif today > refund.confirm_by:
        if open_on(session, refund):
            refund.next_step_on = today + dt.timedelta(days=1)  # waived only once the agency has answered
            return
        refund.status = "waived"
        refund.waived_at = utcnow()
        refund.next_step_on = None
        audit(
            "refund.waived",
            subject=("refund_assessment", refund.id),
            detail={"employer_id": refund.employer_id, "confirm_by": refund.confirm_by.isoformat()},
        )
        telling.waived(session, refund, basis)
        result.waived += 1
    elif refund.reminders_sent < reminders:
        refund.reminders_sent += 1
        refund.next_step_on = min(today + dt.timedelta(days=every), _after(refund.confirm_by))
        telling.may_confirm(session, refund, f"reminder:{refund.reminders_sent}", has_account)
        result.reminded += 1
    else:
        refund.next_step_on = _after(refund.confirm_by)


def _after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=1)
