"""Opening an employer's duties for a separation and moving them along.

For every stop-contribution record (from a filing, or from the records feed):
- the duty to hand over the claim notice: the employer's contacts are reminded at once; not
  acknowledged within N working days (`notice_ack_limit`, default 3) → a second reminder;
  still not after N more → escalated to the agency's supervisors for a call;
- the duty to file the termination within the region's limit (`termination_filing_limit`):
  done by the filing itself (late if after the limit), or, for a record from the feed with no
  filing, flagged and the employer told once the limit has passed;
- the worker is told of the right to claim by SMS, whatever the employer does.

Each duty keeps the day its stage began; the step dates are counted from it on the official
calendar. A date in a year the calendar does not know is not guessed: the duty waits (nothing
is escalated against the employer), staff get an alert the same day, and the duty is dated as
soon as that year is approved (the sweep also looks again each day). Messages go one per
employer (a batch of 500 separations is one SMS to each contact, not 500), and a message
carries a single-use acknowledgement link only when it is about one worker.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auth import employer_wechat
from auth.models import WeChatAccount
from miniapp_api.audit.service import record as audit
from miniapp_api.claims.models import Claim
from miniapp_api.clock import china_today
from miniapp_api.db import bulk_insert, utcnow
from miniapp_api.employers import links
from miniapp_api.employers.models import EmployerDuty, TerminationFiling
from miniapp_api.holidays import alerts as calendar_alerts
from miniapp_api.holidays.service import official_calendar
from miniapp_api.objections.staff_notices import supervisors, tell
from miniapp_api.records.models import Employer, EmployerContact, Person, Region, StopContributionEvent
from miniapp_api.records.service import rules_parameters
from miniapp_api.rules.calendar import OfficialCalendar
from miniapp_api.rules.deadlines import Deadline, filing_deadline
from miniapp_api.rules.errors import CalendarYearUnknown, RulesError
from miniapp_api.rules.working_days import add_working_days
from notifications import service as notify

log = logging.getLogger(__name__)
# Whoever left by death or retirement gets no notice of a right to claim.
NO_NOTICE_REASONS = frozenset({"deceased", "retired"})


def ack_days(session: Session, region_code: str, on: dt.date) -> tuple[int, str]:
    parameters = rules_parameters(session, region_code)
    assert parameters is not None
    limit = parameters.in_force("notice_ack_limit", on)
    return int(limit.value["working_days"]), limit.citation


def after_working_days(
    session: Session, calendar: OfficialCalendar, start: dt.date, days: int, region_code: str
) -> dt.date | int:
    """The date, or the year the calendar lacks (an alert is opened; nothing is guessed)."""
    try:
        return add_working_days(calendar, start, days)
    except CalendarYearUnknown as error:
        log.error("employer duty: %s", error.message)
        calendar_alerts.year_missing(session, error.year, region_code)
        return error.year


def filing_deadlines(
    session: Session, calendar: OfficialCalendar, region_code: str, days: set[dt.date]
) -> dict[dt.date, Deadline | int]:
    """Each separation date's filing deadline, or the year the calendar lacks for it (an alert
    is opened); a date the region has no filing limit for raises RulesError (the caller says which)."""
    parameters = rules_parameters(session, region_code)
    assert parameters is not None
    found: dict[dt.date, Deadline | int] = {}
    for day in days:
        try:
            found[day] = filing_deadline(day, parameters, calendar)
        except CalendarYearUnknown as error:
            log.error("filing deadline for %s: %s", day, error.message)
            calendar_alerts.year_missing(session, error.year, region_code)
            found[day] = error.year
    return found


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
    calendar = official_calendar(session)
    days, ack_basis = ack_days(session, employer.region_code, today)
    due = after_working_days(session, calendar, today, days, employer.region_code)
    deadlines = filing_deadlines(session, calendar, employer.region_code, {stop.stop_date for stop, _filing in fresh})
    # Notices first, then filing duties: the ORM sends rows alike as one multi-row INSERT,
    # but alternating kinds would go one statement each.
    notices, filing_duties = [], []
    for stop, filing in fresh:
        if stop.reason_code not in NO_NOTICE_REASONS:
            notice = EmployerDuty(
                kind="notice",
                employer_id=employer.id,
                person_id=stop.person_id,
                stop_event_id=stop.id,
                region_code=employer.region_code,
                separation_date=stop.stop_date,
                due_on=due if isinstance(due, dt.date) else None,
                pending_year=due if isinstance(due, int) else None,
                basis=ack_basis,
                stage="reminded",
                stage_on=today,
                next_action_on=due if isinstance(due, dt.date) else today,
                reminders_sent=1,
            )
            notices.append(notice)
        filing_duties.append(_filing_duty(deadlines[stop.stop_date], stop, employer, filing, today))
        if progress:
            progress(1)
    opened = notices + filing_duties
    if len(notices) == 1:
        session.add_all(opened)  # one notice: the reminder carries this duty's own link
        session.flush()
    else:
        bulk_insert(session, notices)  # many: the reminder points at the list; no ids needed
        bulk_insert(session, filing_duties)
    remind_group(session, employer, notices, first=True)
    _tell_workers(session, employer, [stop for stop, _filing in fresh if stop.reason_code not in NO_NOTICE_REASONS])
    return opened


def _filing_duty(
    deadline: Deadline | int,
    stop: StopContributionEvent,
    employer: Employer,
    filing: TerminationFiling | None,
    today: dt.date,
) -> EmployerDuty:
    duty = EmployerDuty(
        kind="filing",
        employer_id=employer.id,
        person_id=stop.person_id,
        stop_event_id=stop.id,
        region_code=employer.region_code,
        separation_date=stop.stop_date,
        stage_on=today,
        reminders_sent=0,
    )
    date_filing_duty(duty, deadline)
    if filing is not None:
        close_filing_duty(duty, filing)
    else:
        # From the records feed: the stop was reported elsewhere, but not filed here.
        duty.stage = "awaiting_filing"
        duty.next_action_on = duty.due_on or today
        duty.late = duty.due_on is not None and today > duty.due_on
    return duty


def date_filing_duty(duty: EmployerDuty, deadline: Deadline | int) -> None:
    if isinstance(deadline, int):
        duty.due_on, duty.pending_year = None, deadline
        duty.basis = f"备案期限待国家公布{deadline}年节假日安排后确定"
    else:
        duty.due_on, duty.pending_year = deadline.due, None
        duty.basis = f"{deadline.rule}；{deadline.basis}"


def close_filing_duty(duty: EmployerDuty, filing: TerminationFiling) -> None:
    duty.done_at, duty.done_via, duty.late = utcnow(), "filing", filing.late
    duty.stage, duty.next_action_on = "filed", None


def remind_group(session: Session, employer: Employer, group: list[EmployerDuty], *, first: bool) -> int:
    """Remind the employer's contacts of these duties in one message. About one worker, the
    message carries that duty's single-use link (a new one: the old link stops working); about
    several, the list to confirm them in (after logging in)."""
    if not group:
        return 0
    head, worker = group[0], _who(session, group)
    if len(group) == 1:
        token, head.ack_nonce_hash = links.issue(head.id)
        link = links.url(token)
    else:
        link = links.duty_list_url()
    kind = "employer_notice_reminder" if first else "employer_notice_escalation"
    values: dict[str, Any] = {"employer_name": employer.name, "worker_name": worker, "notice_url": link}
    if first and head.due_on is None:
        # No date is promised that cannot be counted: the limit in working days, and why.
        kind = "employer_notice_reminder_undated"
        days, _basis = ack_days(session, head.region_code, head.stage_on)
        values |= {"separated_on": _dates_text(group), "working_days": str(days), "year": str(head.pending_year)}
    elif first:
        values |= {"separated_on": _dates_text(group), "due_on": head.due_on.isoformat() if head.due_on else ""}
    else:
        values |= {"checked_on": china_today().isoformat()}
    separations = sorted(duty.stop_event_id for duty in group)
    key = f"separations:{separations[0]}-{separations[-1]}:{len(group)}:{kind}:{head.reminders_sent}"
    return to_contacts(session, employer, kind, values, key)


def to_contacts(session: Session, employer: Employer, kind: str, values: dict[str, Any], key: str) -> int:
    """Each contact by WeChat where they signed in with it and allowed the reminder, else by SMS."""
    sent = 0
    contacts = session.scalars(select(EmployerContact).where(EmployerContact.employer_id == employer.id)).all()
    openids = employer_wechat.openids_by_phone(session, {contact.phone_hash for contact in contacts})
    for contact in contacts:
        try:
            notify.send(
                kind,
                notify.Recipient(
                    "employer_contact", contact.id, phone=contact.phone, openid=openids.get(contact.phone_hash)
                ),
                values,
                dedup_key=f"{key}:{contact.id}",
            )
            sent += 1
        except notify.Undeliverable:
            log.warning("employer contact %s has no phone", contact.id)
    if not sent:
        log.warning("employer %s has no contact to tell of %s", employer.id, kind)
    return sent


def _who(session: Session, group: list[EmployerDuty]) -> str:
    """The workers a message is about: "张三", or "张三等4人"."""
    name = session.scalar(select(Person.name).where(Person.id == group[0].person_id))
    return f"{name}" if len(group) == 1 else f"{name}等{len(group)}人"


def _dates_text(group: list[EmployerDuty]) -> str:
    days = sorted({duty.separation_date for duty in group})
    return days[0].isoformat() if len(days) == 1 else f"{days[0].isoformat()}至{days[-1].isoformat()}"


def _tell_workers(session: Session, employer: Employer, stops: list[StopContributionEvent]) -> None:
    """Each worker hears of the right to claim, however diligent the employer is."""
    if not stops:
        return
    region = session.get(Region, employer.region_code)
    assert region is not None
    person_ids = [stop.person_id for stop in stops]
    # Whoever has claimed since the separation needs no telling (the message would only confuse).
    applied = session.execute(
        select(Claim.person_id, func.max(Claim.application_date))
        .where(Claim.person_id.in_(person_ids))
        .group_by(Claim.person_id)
    )
    claimed = {row[0]: row[1] for row in applied}
    stops = [stop for stop in stops if not (claimed.get(stop.person_id) and claimed[stop.person_id] >= stop.stop_date)]
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(person_ids)))}
    openids = dict(
        session.execute(
            select(WeChatAccount.person_id, WeChatAccount.openid).where(WeChatAccount.person_id.in_(person_ids))
        ).all()
    )
    items = [
        (
            notify.Recipient("person", person.id, phone=person.phone, openid=openids.get(person.id)),
            {
                "worker_name": person.name,
                "employer_name": employer.name,
                "separated_on": stop.stop_date.isoformat(),
                "agency_phone": region.agency_phone,
            },
        )
        for stop in stops
        if (person := people[stop.person_id]).phone  # no phone: nothing to send; the duty stands
    ]
    notify.send_many("worker_claim_right", items)


def step(
    session: Session, duty: EmployerDuty, today: dt.date, ack_limits: dict[str, int], calendar: OfficialCalendar
) -> str | None:
    """What the sweep does with one duty whose next look has come; returns the step taken.
    `ack_limits` caches each region's working days. A date the calendar cannot count leaves the
    duty waiting, looked at again tomorrow or as soon as its year is approved."""
    if duty.kind == "filing":
        if duty.due_on is None:
            deadline = filing_deadlines(session, calendar, duty.region_code, {duty.separation_date})
            date_filing_duty(duty, deadline[duty.separation_date])
            if duty.due_on is None:
                duty.next_action_on = today
                return None
        if today <= duty.due_on:
            duty.next_action_on = duty.due_on
            return None
        duty.late, duty.stage, duty.stage_on, duty.next_action_on = True, "filing_overdue", today, None
        return "filing_overdue"
    if duty.region_code not in ack_limits:
        ack_limits[duty.region_code] = ack_days(session, duty.region_code, today)[0]
    days = ack_limits[duty.region_code]
    if duty.stage == "reminded" and duty.due_on is not None:
        ends: dt.date | int = duty.due_on  # the date the employer was told
    else:
        ends = after_working_days(session, calendar, duty.stage_on, days, duty.region_code)
        if duty.stage == "reminded" and isinstance(ends, dt.date):
            duty.due_on = ends  # the calendar knows the year now
    if isinstance(ends, int):
        duty.pending_year, duty.next_action_on = ends, today
        return None
    duty.pending_year = None
    if today <= ends:
        duty.next_action_on = ends
        return None
    if duty.stage == "reminded":
        duty.stage, duty.stage_on = "re_reminded", today
        duty.reminders_sent += 1
        later = after_working_days(session, calendar, today, days, duty.region_code)
        if isinstance(later, int):
            duty.pending_year, duty.next_action_on = later, today
        else:
            duty.next_action_on = later
        return "re_reminded"
    duty.stage, duty.stage_on, duty.escalated_at, duty.next_action_on = "escalated", today, utcnow(), None
    audit("employer_duty.escalated", subject=("employer_duty", duty.id), detail={"employer_id": duty.employer_id})
    return "escalated"


def tell_of_overdue_filings(session: Session, employer: Employer, group: list[EmployerDuty]) -> None:
    head = group[0]
    values = {
        "employer_name": employer.name,
        "worker_name": _who(session, group),
        "separated_on": _dates_text(group),
        "due_on": min(d.due_on for d in group if d.due_on).isoformat(),
    }
    to_contacts(session, employer, "employer_filing_overdue", values, f"duties:{head.id}:filing_overdue")


def escalate_to_agency(session: Session, employer: Employer, group: list[EmployerDuty]) -> None:
    head = group[0]
    values = {
        "employer_name": employer.name,
        "worker_name": _who(session, group),
        "separated_on": _dates_text(group),
    }
    for member in supervisors(session, employer.region_code):
        tell(session, member, "staff_employer_escalated", values, f"duties:{head.id}:escalated:{member.id}")


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


def open_for_records_feed(session: Session, since: dt.datetime, today: dt.date, window_days: int) -> int:
    """Duties for the stop records a feed import brought in since `since`, for separations in
    the last `window_days` (a historical backfill reminds nobody). Each employer's in a
    savepoint: one employer's records the rules cannot date do not hold up the import."""
    stops = session.scalars(
        select(StopContributionEvent)
        .outerjoin(EmployerDuty, EmployerDuty.stop_event_id == StopContributionEvent.id)
        .where(
            StopContributionEvent.recorded_at >= since,
            StopContributionEvent.source == "records_feed",
            StopContributionEvent.stop_date >= today - dt.timedelta(days=window_days),
            EmployerDuty.id.is_(None),
        )
        .order_by(StopContributionEvent.employer_id, StopContributionEvent.id)
    ).all()
    by_employer: dict[int, list[StopContributionEvent]] = {}
    for stop in stops:
        by_employer.setdefault(stop.employer_id, []).append(stop)
    opened = 0
    for employer_id, group in by_employer.items():
        employer = session.get(Employer, employer_id)
        assert employer is not None
        try:
            with session.begin_nested():
                open_many(session, employer, [(stop, None) for stop in group], today)
            opened += len(group)
        except RulesError as error:
            log.error("employer %s: duties not opened: %s", employer_id, error.message)
    return opened
