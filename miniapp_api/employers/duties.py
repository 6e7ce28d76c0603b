"""Opening an employer's duties for a separation and moving them along.

For every stop-contribution record (from a filing or from the records feed):
- the duty to hand over the claim notice: the employer's contacts are reminded at once with the
  notice link; not acknowledged within N working days (`notice_ack_limit`, default 3) → a
  second reminder; still not after N more → escalated to the agency's supervisors for a call;
- the duty to file the termination within the region's limit (`termination_filing_limit`):
  done by the filing itself (late if after the limit), or, for a record that came from the
  feed with no filing, flagged and the employer told once the limit has passed;
- the worker is told of the right to claim by SMS whatever the employer does.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.models import WeChatAccount
from miniapp_api.audit.service import record as audit
from miniapp_api.clock import china_today
from miniapp_api.db import utcnow
from miniapp_api.employers import links
from miniapp_api.employers.models import EmployerDuty, TerminationFiling
from miniapp_api.objections.staff_notices import supervisors, tell
from miniapp_api.records.models import Employer, EmployerContact, Person, Region, StopContributionEvent
from miniapp_api.records.service import rules_parameters
from miniapp_api.rules.deadlines import filing_deadline
from miniapp_api.rules.errors import CalendarYearUnknown
from miniapp_api.rules.working_days import add_working_days
from notifications import service as notify

log = logging.getLogger(__name__)


def ack_days(session: Session, region_code: str, on: dt.date) -> tuple[int, str]:
    parameters = rules_parameters(session, region_code)
    assert parameters is not None
    limit = parameters.in_force("notice_ack_limit", on)
    return int(limit.value["working_days"]), limit.citation


def _after_working_days(start: dt.date, days: int) -> dt.date | None:
    """None when the calendar lacks the year: the sweep tries again, nothing is guessed."""
    try:
        return add_working_days(start, days)
    except CalendarYearUnknown as error:
        log.error("employer duty: %s", error.message)
        return None


def open_many(
    session: Session,
    employer: Employer,
    separations: list[tuple[StopContributionEvent, TerminationFiling | None]],
    today: dt.date,
    *,
    progress: Callable[[int], None] | None = None,
) -> list[EmployerDuty]:
    """Open both duties for each separation of one employer, remind its contacts once for all
    of them, and tell each worker. Separations that already have duties are skipped."""
    stop_ids = [stop.id for stop, _filing in separations]
    had = set(session.scalars(select(EmployerDuty.stop_event_id).where(EmployerDuty.stop_event_id.in_(stop_ids))))
    fresh = [(stop, filing) for stop, filing in separations if stop.id not in had]
    if not fresh:
        return []
    days, ack_basis = ack_days(session, employer.region_code, today)
    due = _after_working_days(today, days)
    notices = []
    opened = []
    for done, (stop, filing) in enumerate(fresh, start=1):
        notice = EmployerDuty(
            kind="notice",
            employer_id=employer.id,
            person_id=stop.person_id,
            stop_event_id=stop.id,
            region_code=employer.region_code,
            separation_date=stop.stop_date,
            due_on=due,
            basis=ack_basis,
            stage="reminded",
            next_action_on=due or today,
            reminders_sent=0,
        )
        notices.append(notice)
        opened += [notice, _filing_duty(session, stop, employer, filing, today)]
        if progress and done % 500 == 0:
            progress(500)
    session.add_all(opened)
    session.flush()
    remind_group(session, employer, notices, first=True)
    _tell_workers(session, employer, [stop for stop, _filing in fresh])
    if progress:
        progress(len(fresh) % 500)
    return opened


def _filing_duty(
    session: Session, stop: StopContributionEvent, employer: Employer, filing: TerminationFiling | None, today: dt.date
) -> EmployerDuty:
    parameters = rules_parameters(session, employer.region_code)
    assert parameters is not None
    deadline = filing_deadline(stop.stop_date, parameters)
    duty = EmployerDuty(
        kind="filing",
        employer_id=employer.id,
        person_id=stop.person_id,
        stop_event_id=stop.id,
        region_code=employer.region_code,
        separation_date=stop.stop_date,
        due_on=deadline.due,
        basis=f"{deadline.rule}；{deadline.basis}",
        reminders_sent=0,
    )
    if filing is not None:
        duty.done_at, duty.done_via, duty.late = utcnow(), "filing", filing.late
        duty.stage = "filed"
    else:
        # From the records feed: the employer reported the stop elsewhere but has not filed here.
        duty.stage = "awaiting_filing"
        duty.next_action_on = deadline.due
        duty.late = today > deadline.due
    return duty


def remind_group(session: Session, employer: Employer, group: list[EmployerDuty], *, first: bool) -> int:
    """Remind the employer's contacts of these duties in one message (one SMS for a batch, not
    one per worker), each duty getting a fresh single-use acknowledgement link. A single duty's
    message carries its own link; a group's carries the list of duties to confirm."""
    if not group:
        return 0
    names = dict(
        session.execute(select(Person.id, Person.name).where(Person.id.in_([duty.person_id for duty in group]))).all()
    )
    tokens = {}
    for duty in group:
        tokens[duty.id], duty.ack_nonce_hash = links.issue(duty.id)
        duty.reminders_sent += 1
    first_duty = group[0]
    worker = names[first_duty.person_id] if len(group) == 1 else f"{names[first_duty.person_id]}等{len(group)}人"
    link = links.url(tokens[first_duty.id]) if len(group) == 1 else links.duty_list_url()
    kind = "employer_notice_reminder" if first else "employer_notice_escalation"
    values: dict[str, Any] = {"employer_name": employer.name, "worker_name": worker, "notice_url": link}
    if first:
        values |= {"separated_on": _dates_text(group), "due_on": _due_text(first_duty)}
    else:
        values |= {"checked_on": china_today().isoformat()}
    key = f"duties:{min(d.id for d in group)}-{max(d.id for d in group)}:{kind}:{first_duty.reminders_sent}"
    sent = 0
    for contact in _contacts(session, employer.id):
        try:
            notify.send(
                kind,
                notify.Recipient("employer_contact", contact.id, phone=contact.phone),
                values,
                dedup_key=f"{key}:{contact.id}",
            )
            sent += 1
        except notify.Undeliverable:
            log.warning("employer contact %s has no phone", contact.id)
    if not sent:
        log.warning("employer %s has no contact to remind", employer.id)
    return sent


def _dates_text(group: list[EmployerDuty]) -> str:
    days = sorted({duty.separation_date for duty in group})
    return days[0].isoformat() if len(days) == 1 else f"{days[0].isoformat()}至{days[-1].isoformat()}"


def _due_text(duty: EmployerDuty) -> str:
    return duty.due_on.isoformat() if duty.due_on else "3个工作日内"


def _contacts(session: Session, employer_id: int) -> list[EmployerContact]:
    return list(session.scalars(select(EmployerContact).where(EmployerContact.employer_id == employer_id)))


def _tell_workers(session: Session, employer: Employer, stops: list[StopContributionEvent]) -> None:
    """Each worker hears of the right to claim, however diligent the employer is."""
    region = session.get(Region, employer.region_code)
    assert region is not None
    person_ids = [stop.person_id for stop in stops]
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(person_ids)))}
    openids = dict(
        session.execute(
            select(WeChatAccount.person_id, WeChatAccount.openid).where(WeChatAccount.person_id.in_(person_ids))
        ).all()
    )
    for stop in stops:
        person = people[stop.person_id]
        if not person.phone:
            continue  # nothing to send to; the employer's duty still stands
        notify.send(
            "worker_claim_right",
            notify.Recipient("person", person.id, phone=person.phone, openid=openids.get(person.id)),
            {
                "worker_name": person.name,
                "employer_name": employer.name,
                "separated_on": stop.stop_date.isoformat(),
                "agency_phone": region.agency_phone,
            },
        )


def advance(session: Session, duty: EmployerDuty, today: dt.date) -> str | None:
    """The sweep's step for one duty whose next action has come; returns what it did."""
    employer = session.get(Employer, duty.employer_id)
    assert employer is not None
    if duty.kind == "filing":
        duty.late = True
        duty.stage = "filing_overdue"
        duty.next_action_on = None
        person = session.get(Person, duty.person_id)
        assert person is not None
        assert duty.due_on is not None
        for contact in _contacts(session, employer.id):
            notify.send(
                "employer_filing_overdue",
                notify.Recipient("employer_contact", contact.id, phone=contact.phone),
                {
                    "employer_name": employer.name,
                    "worker_name": person.name,
                    "separated_on": duty.separation_date.isoformat(),
                    "due_on": duty.due_on.isoformat(),
                },
                dedup_key=f"duty:{duty.id}:filing_overdue:{contact.id}",
            )
        return "filing_overdue"
    days, _basis = ack_days(session, duty.region_code, today)
    if duty.due_on is None:  # the calendar lacked the year at opening; try again
        duty.due_on = _after_working_days(duty.created_at.date(), days)
        duty.next_action_on = duty.due_on or today + dt.timedelta(days=1)
        return None
    if duty.stage == "reminded":
        after = _after_working_days(today, days)
        duty.stage = "re_reminded"
        duty.next_action_on = after or today + dt.timedelta(days=1)
        return "re_reminded"  # the sweep sends one second reminder per employer
    duty.stage = "escalated"
    duty.escalated_at = utcnow()
    duty.next_action_on = None
    person = session.get(Person, duty.person_id)
    assert person is not None
    values = {
        "employer_name": employer.name,
        "worker_name": person.name,
        "separated_on": duty.separation_date.isoformat(),
    }
    for member in supervisors(session, duty.region_code):
        tell(session, member, "staff_employer_escalated", values, f"duty:{duty.id}:escalated:{member.id}")
    audit("employer_duty.escalated", subject=("employer_duty", duty.id), detail={"employer_id": employer.id})
    return "escalated"


def acknowledge(session: Session, duty: EmployerDuty, via: str, actor: tuple[str, Any] | None) -> None:
    if duty.done_at is not None:
        return
    duty.done_at = utcnow()
    duty.done_via = via
    duty.stage = "acknowledged"
    duty.next_action_on = None
    duty.ack_nonce_hash = None  # the link has done its work
    duty.late = duty.due_on is not None and china_today() > duty.due_on
    audit(
        "employer_duty.acknowledged",
        actor=actor,
        subject=("employer_duty", duty.id),
        detail={"via": via, "late": duty.late},
    )


def open_for_records_feed(session: Session, since: dt.datetime, today: dt.date) -> int:
    """Duties for the stop-contribution records the feed brought in since `since` (the import
    command calls this in its own transaction); returns how many separations got duties."""
    stops = session.scalars(
        select(StopContributionEvent)
        .outerjoin(EmployerDuty, EmployerDuty.stop_event_id == StopContributionEvent.id)
        .where(
            StopContributionEvent.source == "records_feed",
            StopContributionEvent.recorded_at >= since,
            EmployerDuty.id.is_(None),
        )
        .order_by(StopContributionEvent.employer_id, StopContributionEvent.id)
    ).all()
    by_employer: dict[int, list[StopContributionEvent]] = {}
    for stop in stops:
        by_employer.setdefault(stop.employer_id, []).append(stop)
    for employer_id, group in by_employer.items():
        employer = session.get(Employer, employer_id)
        assert employer is not None
        open_many(session, employer, [(stop, None) for stop in group], today)
    return len(stops)
