"""Filing terminations (备案): one at a time, or a whole filing form at once.

Every row is checked — the ID number's check character, the name against the records, that
this employer paid contributions for the person, the reason against the vocabulary, the dates
— and every bad row is reported with its row number, column and a Chinese reason. A form with
any bad row imports nothing unless the employer asks for the good rows only. Each imported row
becomes a stop-contribution record (source: employer filing) and opens the employer's duties.

The checks read the records for all rows in a few set queries (persons by keyed hash,
contributions and earlier filings by person), so a 5,000-row form costs a handful of queries,
not thousands.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapp_api.db import bulk_insert, chunks
from miniapp_api.employers import duties
from miniapp_api.employers.models import EmployerDuty, FilingBatch, TerminationFiling
from miniapp_api.employers.spreadsheet import REQUIRED, FormRow
from miniapp_api.holidays.service import official_calendar
from miniapp_api.identifiers import IdentifierError, parse_id_number
from miniapp_api.records.fields import is_mobile
from miniapp_api.records.models import ContributionPeriod, Employer, Person, StopContributionEvent
from miniapp_api.records.service import id_number_hash, rules_parameters
from miniapp_api.rules.deadlines import filing_deadline
from miniapp_api.rules.errors import CalendarYearUnknown, RulesError
from miniapp_api.rules.separation_reasons import reason_for

_MONTH = re.compile(r"^(\d{4})[-./年](\d{1,2})月?$")
_DAY_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
_SEX = {"男": "M", "女": "F"}


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    message: str
    duplicate: bool = False  # already filed: a conflict with the records, not a typing error

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class CheckedRow:
    number: int
    person_id: int
    name: str
    separation_date: dt.date
    reason_code: str
    form_number: str | None
    stop_id: int | None = None  # the feed already has this separation: the filing completes it


@dataclass
class Checked:
    good: list[CheckedRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def bad_rows(self) -> set[int]:
        return {problem.row for problem in self.problems}


def _day(text: str) -> dt.date | None:
    for pattern in _DAY_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _month(text: str) -> dt.date | None:
    match = _MONTH.match(text)
    if match and 1 <= int(match.group(2)) <= 12:
        return dt.date(int(match.group(1)), int(match.group(2)), 1)
    day = _day(text)
    return day.replace(day=1) if day else None


def check_rows(session: Session, employer: Employer, rows: list[FormRow], today: dt.date) -> Checked:
    result = Checked()
    parsed: dict[int, dict[str, Any]] = {}
    for row in rows:
        values = _check_shape(row, today, result.problems)
        if values is not None:
            parsed[row.number] = values
    persons = _persons(session, [values["hash"] for values in parsed.values()])
    person_ids = [person.id for person in persons.values()]
    periods = _periods(session, employer.id, person_ids)
    stops = _stops(session, employer.id, person_ids)
    limits = _limit_problems(session, employer, {values["separation_date"] for values in parsed.values()})
    seen: dict[int, int] = {}
    for number, values in parsed.items():
        person = persons.get(values["hash"])
        problem = _check_records(number, values, person, periods, stops, seen) or (
            RowProblem(number, "失业时间", limits[values["separation_date"]])
            if values["separation_date"] in limits
            else None
        )
        if problem:
            result.problems.append(problem)
            continue
        assert person is not None
        seen[person.id] = number
        existing = stops.get((person.id, values["separation_date"]))
        result.good.append(
            CheckedRow(
                number,
                person.id,
                person.name,
                values["separation_date"],
                values["reason"],
                values["number"],
                stop_id=existing[0] if existing else None,
            )
        )
    result.problems.sort(key=lambda problem: (problem.row, problem.column))
    return result


def _limit_problems(session: Session, employer: Employer, days: set[dt.date]) -> dict[dt.date, str]:
    """Separation dates the region has no filing limit for (before its rules began)."""
    parameters = rules_parameters(session, employer.region_code)
    assert parameters is not None
    calendar = official_calendar(session)
    problems = {}
    for day in days:
        try:
            filing_deadline(day, parameters, calendar)
        except CalendarYearUnknown:
            continue  # the deadline waits for the calendar; the filing itself is fine
        except RulesError as error:
            problems[day] = f"无法确定备案期限：{error.message}"
    return problems


def _check_shape(row: FormRow, today: dt.date, problems: list[RowProblem]) -> dict[str, Any] | None:
    cells = row.cells
    found: list[RowProblem] = [RowProblem(row.number, column, "必填") for column in REQUIRED if not cells.get(column)]
    values: dict[str, Any] = {"number": cells.get("编号") or None, "name": cells.get("姓名", "")}
    identity = None
    if cells.get("身份证号"):
        try:
            identity = parse_id_number(cells["身份证号"])
            values["hash"] = id_number_hash(identity.value)
        except IdentifierError as error:
            found.append(RowProblem(row.number, "身份证号", error.message))
    sex = cells.get("性别")
    if sex and sex not in _SEX:
        found.append(RowProblem(row.number, "性别", "应为“男”或“女”"))
    elif sex and identity is not None and _SEX[sex] != identity.sex:
        found.append(RowProblem(row.number, "性别", "与身份证号码显示的性别不一致"))
    separation = _day(cells["失业时间"]) if cells.get("失业时间") else None
    if cells.get("失业时间") and separation is None:
        found.append(RowProblem(row.number, "失业时间", "应为日期，如 2026-10-31"))
    elif separation is not None and separation > today:
        found.append(RowProblem(row.number, "失业时间", "不能晚于今天"))
    values["separation_date"] = separation
    started = None
    if cells.get("缴费时间"):
        started = _month(cells["缴费时间"].split("至")[0].strip())
        if started is None:
            found.append(RowProblem(row.number, "缴费时间", "应为开始缴费的年月，如 2018-03"))
        elif separation is not None and started > separation:
            found.append(RowProblem(row.number, "缴费时间", "开始缴费时间晚于失业时间"))
    values["started"] = started
    if cells.get("失业原因"):
        reason = reason_for(cells["失业原因"])
        if reason is None:
            found.append(RowProblem(row.number, "失业原因", "不是规定的失业原因（见停保原因代码表）"))
        else:
            values["reason"] = reason.code
    if cells.get("联系电话") and not is_mobile(cells["联系电话"]):
        found.append(RowProblem(row.number, "联系电话", "手机号码应为11位、以1开头"))
    problems.extend(found)
    return None if found else values


NOT_OUR_WORKER = "内部记录中贵单位没有为此身份证号码的职工缴纳失业保险费，不能备案；请核对身份证号码"


def _check_records(
    number: int,
    values: dict[str, Any],
    person: Person | None,
    periods: dict[int, list[ContributionPeriod]],
    stops: dict[tuple[int, dt.date], tuple[int, bool]],
    seen: dict[int, int],
) -> RowProblem | None:
    # Someone the employer never paid for gets one answer, whether the number is unknown, someone
    # else's or right with the name: a filing form must not tell who is in the province's records.
    own = periods.get(person.id, []) if person is not None else []
    if person is None or not own:
        return RowProblem(number, "身份证号", NOT_OUR_WORKER)
    if person.name != values["name"]:
        return RowProblem(number, "姓名", "与身份证号码对应的姓名不一致")
    separation: dt.date = values["separation_date"]
    if not any(_covers(period, separation) for period in own):
        return RowProblem(number, "失业时间", "失业时间不在贵单位为其缴费的期间内（或缴费结束后的次月内）")
    if person.id in seen:
        return RowProblem(number, "身份证号", f"与第{seen[person.id]}行是同一人")
    already = stops.get((person.id, separation))
    if already is not None and already[1]:
        return RowProblem(number, "失业时间", "此人该日期的终止劳动关系已经备案，请勿重复备案", duplicate=True)
    return None


def _covers(period: ContributionPeriod, separation: dt.date) -> bool:
    """Paid for by the employer up to the separation: the month of it, or the one after the last paid."""
    month = separation.replace(day=1)
    if month < period.start_month:
        return False
    if period.end_month is None:
        return True
    after_end = (period.end_month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return month <= after_end


def _persons(session: Session, hashes: list[str]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    for chunk in chunks(sorted(set(hashes))):
        for person in session.scalars(select(Person).where(Person.id_number_hash.in_(chunk))):
            found[person.id_number_hash] = person
    return found


def _periods(session: Session, employer_id: int, person_ids: list[int]) -> dict[int, list[ContributionPeriod]]:
    found: dict[int, list[ContributionPeriod]] = defaultdict(list)
    for chunk in chunks(person_ids):
        query = select(ContributionPeriod).where(
            ContributionPeriod.employer_id == employer_id, ContributionPeriod.person_id.in_(chunk)
        )
        for period in session.scalars(query):
            found[period.person_id].append(period)
    return found


def _stops(session: Session, employer_id: int, person_ids: list[int]) -> dict[tuple[int, dt.date], tuple[int, bool]]:
    """This employer's stop records of these people: (person, date) → (stop id, filed here)."""
    found: dict[tuple[int, dt.date], tuple[int, bool]] = {}
    for chunk in chunks(person_ids):
        query = (
            select(
                StopContributionEvent.person_id,
                StopContributionEvent.stop_date,
                StopContributionEvent.id,
                TerminationFiling.id,
            )
            .outerjoin(TerminationFiling, TerminationFiling.stop_event_id == StopContributionEvent.id)
            .where(StopContributionEvent.employer_id == employer_id, StopContributionEvent.person_id.in_(chunk))
        )
        for person_id, day, stop_id, filing_id in session.execute(query):
            found[(person_id, day)] = (stop_id, filing_id is not None)
    return found


def import_rows(
    session: Session,
    employer: Employer,
    good: list[CheckedRow],
    today: dt.date,
    *,
    batch: FilingBatch | None,
    progress: Callable[[int], None] | None = None,
) -> list[TerminationFiling]:
    """Write the checked rows: stop-contribution records, filings, duties, and the messages. A
    separation the records feed already brought in gets its filing, and its filing duty is
    done; its notice duty and the worker's message were sent when the feed brought it."""
    new_rows = [row for row in good if row.stop_id is None]
    stops = [
        StopContributionEvent(
            person_id=row.person_id,
            employer_id=employer.id,
            stop_date=row.separation_date,
            reason_code=row.reason_code,
            source="employer_filing",
        )
        for row in new_rows
    ]
    _insert_stops(session, employer.id, stops)
    stop_ids = {id(row): stop.id for row, stop in zip(new_rows, stops, strict=True)}
    calendar = official_calendar(session)
    deadlines = duties.filing_deadlines(session, calendar, employer.region_code, {r.separation_date for r in good})
    filings = []
    for row in good:
        found = deadlines[row.separation_date]
        deadline = None if isinstance(found, int) else found
        filings.append(
            TerminationFiling(
                employer_id=employer.id,
                person_id=row.person_id,
                stop_event_id=row.stop_id or stop_ids[id(row)],
                batch_id=batch.id if batch else None,
                separation_date=row.separation_date,
                reason_code=row.reason_code,
                form_number=row.form_number,
                filed_on=today,
                due_on=deadline.due if deadline else None,
                late=deadline is not None and today > deadline.due,
            )
        )
    if len(filings) == 1:
        session.add_all(filings)  # one filing: answered with its id
        session.flush()
    else:
        bulk_insert(session, filings)
    by_stop = {filing.stop_event_id: filing for filing in filings}
    # Feed separations that never got duties (outside the feed's window) get them now.
    known = [row.stop_id for row in good if row.stop_id is not None]
    earlier = list(session.scalars(select(StopContributionEvent).where(StopContributionEvent.id.in_(known))))
    separations: list[tuple[StopContributionEvent, TerminationFiling | None]] = [
        (stop, by_stop[stop.id]) for stop in [*stops, *earlier]
    ]
    duties.open_many(session, employer, separations, today, progress=progress)
    _complete_feed_filings(session, [by_stop[stop_id] for stop_id in known])
    if progress and known:
        progress(len(known))
    return filings


def _insert_stops(session: Session, employer_id: int, stops: list[StopContributionEvent]) -> None:
    """Insert the stop records and learn their ids: for many, one multi-row INSERT and one
    SELECT by their unique key, far cheaper than an INSERT … RETURNING per batch of rows."""
    if len(stops) <= 1:
        session.add_all(stops)
        session.flush()
        return
    bulk_insert(session, stops)
    ids: dict[tuple[int, dt.date], int] = {}
    for chunk in chunks(sorted({stop.person_id for stop in stops})):
        query = select(
            StopContributionEvent.person_id, StopContributionEvent.stop_date, StopContributionEvent.id
        ).where(StopContributionEvent.employer_id == employer_id, StopContributionEvent.person_id.in_(chunk))
        ids.update({(person_id, day): stop_id for person_id, day, stop_id in session.execute(query)})
    for stop in stops:
        stop.id = ids[(stop.person_id, stop.stop_date)]


def _complete_feed_filings(session: Session, filings: list[TerminationFiling]) -> None:
    if not filings:
        return
    by_stop = {filing.stop_event_id: filing for filing in filings}
    open_duties = session.scalars(
        select(EmployerDuty).where(
            EmployerDuty.stop_event_id.in_(list(by_stop)), EmployerDuty.kind == "filing", EmployerDuty.done_at.is_(None)
        )
    )
    for duty in open_duties:
        duties.close_filing_duty(duty, by_stop[duty.stop_event_id])


def batch_record(
    session: Session, employer: Employer, file_name: str, content: bytes, checked: Checked, imported: int, **who: Any
) -> FilingBatch:
    batch = FilingBatch(
        employer_id=employer.id,
        file_name=file_name[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        rows_total=len(checked.good) + len(checked.bad_rows),
        rows_imported=imported,
        rows_refused=len(checked.bad_rows),
        **who,
    )
    session.add(batch)
    session.flush()
    return batch
