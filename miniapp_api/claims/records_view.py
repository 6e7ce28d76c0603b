"""What the internal records say about a claimant, as the facts a decision is made on.

Everything the e-form shows and the automatic review decides on is gathered here once: the
last stop-contribution record, the contribution months since the last benefit, pension and
other life events, the region's parameters. Where the records conflict or are missing, the
view carries review reasons: such a claim goes to a person, never to an automatic refusal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapp_api.claims.models import BenefitPayment, Claim
from miniapp_api.clock import china_today
from miniapp_api.records.models import (
    ContributionPeriod,
    Employer,
    Person,
    PersonEvent,
    Region,
    StopContributionEvent,
)
from miniapp_api.records.service import rules_parameters
from miniapp_api.rules.errors import RulesError
from miniapp_api.rules.estimate import Estimate, estimate
from miniapp_api.rules.facts import MAX_UNCLAIMED_MONTHS, ClaimFacts
from miniapp_api.rules.months import month_number
from miniapp_api.rules.parameters import RegionParameters
from miniapp_api.rules.separation_reasons import SEPARATION_REASONS

# Claims under which benefit was drawn: contribution time counts afresh after them (社会保险法第四十六条).
_DRAWN = ("approved", "suspended", "settled", "stopped", "completed")
_SEX = {"M": "male", "F": "female"}
_FEMALE_ORIGINAL_AGE = {"female_55": 55, "female_50": 50}


@dataclass(frozen=True)
class ReviewReason:
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass
class RecordsView:
    person: Person
    region: Region
    application_date: dt.date
    stop_event: StopContributionEvent | None = None
    employer: Employer | None = None
    contribution_months: int = 0
    previous_unclaimed_months: int = 0
    receiving_pension: bool = False
    parameters: RegionParameters | None = None
    facts: ClaimFacts | None = None
    estimate: Estimate | None = None
    review_reasons: list[ReviewReason] = field(default_factory=list)
    # The person's claims, newest first, when the caller read them already (one statement for
    # every question asked of them below).
    claims: Sequence[Claim] | None = None

    def needs_review(self, code: str, message: str) -> None:
        if all(reason.code != code for reason in self.review_reasons):
            self.review_reasons.append(ReviewReason(code, message))


def read_records(
    session: Session,
    person: Person,
    application_date: dt.date,
    *,
    deciding_again: Claim | None = None,
    claims: Sequence[Claim] | None = None,
) -> RecordsView:
    """The records as they stand. `deciding_again` is a claim being decided afresh (its record
    was corrected): the benefit drawn before it counts, not the benefit drawn under it. `claims`:
    the person's claims newest first, if already read."""
    previous = _last_drawn_claim(session, person.id, before=deciding_again, claims=claims)
    since = previous.separation_date if previous and previous.separation_date else None
    stop = _last_stop_event(session, person.id, after=since)
    periods = session.scalars(select(ContributionPeriod).where(ContributionPeriod.person_id == person.id)).all()
    region_code = _insured_region(person, stop, periods)
    view = RecordsView(
        person=person, region=_region(session, region_code), application_date=application_date, claims=claims
    )
    view.stop_event = stop
    view.previous_unclaimed_months = _unclaimed_months(session, previous)
    if stop is None:
        view.needs_review("NO_STOP_RECORD", "内部记录中暂无用人单位停止缴费（停保）记录，需人工核实失业状态")
    else:
        view.employer = session.get(Employer, stop.employer_id)
        if stop.reason_code not in SEPARATION_REASONS:
            view.needs_review("SEPARATION_REASON_UNKNOWN", "停保记录中的失业原因不在规定代码之内，需人工核实")
        if stop.stop_date > application_date:
            view.needs_review("SEPARATION_IN_FUTURE", "停保记录的失业日期晚于申领日期，需人工核实")
    _count_contributions(view, since, periods)
    _life_events(session, view)
    view.parameters = rules_parameters(session, region_code)
    _run_rules(view)
    return view


def records_for(
    session: Session, person: Person, claim: Claim | None, today: dt.date, *, claims: Sequence[Claim] | None = None
) -> RecordsView:
    """The records as a claim was decided on them (now corrected, perhaps), or as the e-form
    shows them today when there is no claim."""
    if claim is None:
        return read_records(session, person, today, claims=claims)
    return read_records(session, person, claim.application_date, deciding_again=claim, claims=claims)


def records_shown(session: Session, person: Person) -> RecordsView:
    """After a decision, the facts that decision used (the months it drew on, the separation it
    was for); else, and once a later separation calls for a new claim, the records as they stand."""
    today = china_today()
    claims = session.scalars(
        select(Claim).where(Claim.person_id == person.id).order_by(Claim.submitted_at.desc(), Claim.id.desc())
    ).all()
    latest = claims[0] if claims else None
    if latest is None or latest.status == "rejected":
        return read_records(session, person, today, claims=claims)
    separated_since = session.scalar(
        select(StopContributionEvent.id)
        .where(
            StopContributionEvent.person_id == person.id,
            StopContributionEvent.stop_date > (latest.separation_date or latest.application_date),
        )
        .limit(1)
    )
    if separated_since:
        return read_records(session, person, today, claims=claims)
    return records_for(session, person, latest, today, claims=claims)


def _last_drawn_claim(
    session: Session, person_id: int, *, before: Claim | None, claims: Sequence[Claim] | None = None
) -> Claim | None:
    if claims is not None:  # newest first
        drawn = (claim for claim in claims if claim.status in _DRAWN)
        if before is not None:
            drawn = (claim for claim in drawn if claim.id != before.id and claim.submitted_at < before.submitted_at)
        return next(drawn, None)
    query = select(Claim).where(Claim.person_id == person_id, Claim.status.in_(_DRAWN))
    if before is not None:
        query = query.where(Claim.id != before.id, Claim.submitted_at < before.submitted_at)
    return session.scalars(query.order_by(Claim.submitted_at.desc()).limit(1)).first()


def _last_stop_event(session: Session, person_id: int, *, after: dt.date | None) -> StopContributionEvent | None:
    query = select(StopContributionEvent).where(StopContributionEvent.person_id == person_id)
    if after is not None:
        query = query.where(StopContributionEvent.stop_date > after)
    return session.scalars(
        query.order_by(StopContributionEvent.stop_date.desc(), StopContributionEvent.id.desc()).limit(1)
    ).first()


def _insured_region(person: Person, stop: StopContributionEvent | None, periods: Sequence[ContributionPeriod]) -> str:
    """The pooling region of the last contributions paid by the employer that stopped paying."""
    if stop is not None:
        paid_by_that_employer = [period for period in periods if period.employer_id == stop.employer_id]
        if paid_by_that_employer:
            return max(paid_by_that_employer, key=lambda period: period.start_month).region_code
    return person.region_code


def _region(session: Session, code: str) -> Region:
    region = session.get(Region, code)
    if region is None:  # a foreign key makes this impossible; a loud failure if it ever is not
        raise LookupError(f"region {code} missing from the records")
    return region


def _unclaimed_months(session: Session, previous: Claim | None) -> int:
    """Months of an earlier entitlement that were due but not drawn because payment stopped."""
    if previous is None or previous.status != "stopped":
        return 0
    rows = session.scalars(
        select(BenefitPayment).where(
            BenefitPayment.claim_id == previous.id,
            BenefitPayment.kind == "monthly",
            BenefitPayment.continued.is_(False),
            BenefitPayment.status == "cancelled",
        )
    ).all()
    return min(len(rows), MAX_UNCLAIMED_MONTHS)


def _count_contributions(view: RecordsView, since: dt.date | None, periods: Sequence[ContributionPeriod]) -> None:
    """Months paid up to the separation, each month once, counted afresh after benefit was drawn."""
    until = month_number(view.stop_event.stop_date) if view.stop_event else month_number(view.application_date)
    floor = month_number(since) + 1 if since else None
    months: set[int] = set()
    counted = 0
    for period in periods:
        start = month_number(period.start_month)
        end = month_number(period.end_month) if period.end_month else None
        if end is None or end > until:
            if view.stop_event is not None:
                view.needs_review(
                    "CONTRIBUTING_AFTER_SEPARATION", "失业日期之后仍有单位为您缴纳社会保险，需人工核实是否已就业"
                )
            end = until
        if floor is not None:
            start = max(start, floor)
        span = range(start, end + 1)
        counted += len(span)
        months.update(span)
    if counted != len(months):
        view.needs_review("OVERLAPPING_CONTRIBUTIONS", "缴费记录中同一月份有多个单位缴费，需人工核对缴费月数")
    view.contribution_months = len(months)


def _life_events(session: Session, view: RecordsView) -> None:
    events = session.scalars(
        select(PersonEvent).where(
            PersonEvent.person_id == view.person.id, PersonEvent.event_date <= view.application_date
        )
    ).all()
    for event in events:
        if event.kind == "pension_start":
            view.receiving_pension = True
        elif event.kind == "death":
            view.needs_review("DEATH_ON_RECORD", "内部记录显示本人已死亡，需人工核实身份")
        elif view.stop_event is None or event.event_date >= view.stop_event.stop_date:
            view.needs_review("STOP_EVENT_ON_RECORD", "内部记录中有失业后的应征入伍、出境定居或服刑记录，需人工核实")


def claim_facts(
    view: RecordsView, *, separation_date: dt.date, separation_reason: str, contribution_months: int | None = None
) -> ClaimFacts:
    """The rules' facts: the person from the records, the separation as recorded or as verified."""
    person = view.person
    return ClaimFacts(
        birth_date=person.birth_date,
        sex=_SEX[person.sex],
        female_original_retirement_age=_FEMALE_ORIGINAL_AGE.get(person.retirement_category),
        contribution_months=view.contribution_months if contribution_months is None else contribution_months,
        separation_date=separation_date,
        separation_reason=separation_reason,
        application_date=max(view.application_date, separation_date),
        previous_unclaimed_months=view.previous_unclaimed_months,
        receiving_pension=view.receiving_pension,
    )


def _run_rules(view: RecordsView) -> None:
    stop = view.stop_event
    if stop is None or stop.reason_code not in SEPARATION_REASONS or view.parameters is None:
        return
    view.facts = claim_facts(view, separation_date=stop.stop_date, separation_reason=stop.reason_code)
    try:
        view.estimate = estimate(view.facts, view.parameters)
    except RulesError as error:
        view.needs_review("RULES_CANNOT_DECIDE", f"按现有记录无法自动测算：{error.message}")
