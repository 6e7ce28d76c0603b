"""The official calendar as data: for each year the State Council has published (国务院办公厅关于
YYYY年部分节假日安排的通知), its holidays (放假调休) and its adjusted working days (调休上班).

Working-day arithmetic takes an `OfficialCalendar` as an argument; where the years come from (the
`chinesecalendar` package, an approved record) is the service's business. A day in a year the
calendar does not know raises `CalendarYearUnknown`, except on a provisional calendar, which
counts such a year on weekends only: a date for staff to aim at, never one to hold against an
employer or a claimant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from miniapp_api.rules.errors import CalendarYearUnknown

WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True, slots=True)
class CalendarYear:
    """One year's arrangement: holiday days and adjusted working days, each with its festival's name."""

    year: int
    holidays: Mapping[dt.date, str]
    working_days: Mapping[dt.date, str]
    source: str  # "chinesecalendar 1.11.0", or the notice's number for an approved record

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.working_days:
            return True
        return day not in self.holidays and day.weekday() < 5

    def kind_of(self, day: dt.date) -> str:
        """放假 / 调休上班 / 休息日 / 工作日, as a person would say it."""
        if day in self.holidays:
            return "放假"
        if day in self.working_days:
            return "调休上班"
        return "休息日" if day.weekday() >= 5 else "工作日"


@dataclass(frozen=True)
class OfficialCalendar:
    years: Mapping[int, CalendarYear]
    provisional: bool = False  # unknown years count weekends only (staff reminders, nothing else)
    _cache: dict[dt.date, bool] = field(default_factory=dict, compare=False, repr=False)

    def is_working_day(self, day: dt.date) -> bool:
        known = self._cache.get(day)
        if known is not None:
            return known
        arrangement = self.years.get(day.year)
        if arrangement is not None:
            answer = arrangement.is_working_day(day)
        elif self.provisional:
            answer = day.weekday() < 5
        else:
            raise CalendarYearUnknown(day.year)
        self._cache[day] = answer
        return answer

    def knows(self, year: int) -> bool:
        return year in self.years

    def as_provisional(self) -> OfficialCalendar:
        return replace(self, provisional=True, _cache={})

    def known_through(self, today: dt.date) -> dt.date | None:
        """The last day of the unbroken run of known years from `today`'s year (None: not even this year)."""
        year = today.year
        if year not in self.years:
            return None
        while year + 1 in self.years:
            year += 1
        return dt.date(year, 12, 31)

    def first_unknown_year(self, today: dt.date) -> int:
        known = self.known_through(today)
        return known.year + 1 if known else today.year


def month_day(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def weekday_name(day: dt.date) -> str:
    return f"周{WEEKDAYS[day.weekday()]}"


def changed_days(before: CalendarYear, after: CalendarYear) -> list[dt.date]:
    """The days of the year the two arrangements classify differently."""
    first = dt.date(after.year, 1, 1)
    days = (dt.date(after.year + 1, 1, 1) - first).days
    return [
        day for day in (first + dt.timedelta(days=n) for n in range(days)) if before.kind_of(day) != after.kind_of(day)
    ]


def differences(before: CalendarYear, after: CalendarYear) -> list[str]:
    """Every day of the year the two arrangements classify differently, in Chinese."""
    found = []
    for day in changed_days(before, after):
        old_name = before.holidays.get(day) or before.working_days.get(day)
        new_name = after.holidays.get(day) or after.working_days.get(day)
        old_text = f"{before.kind_of(day)}（{old_name}）" if old_name else before.kind_of(day)
        new_text = f"{after.kind_of(day)}（{new_name}）" if new_name else after.kind_of(day)
        found.append(f"{month_day(day)}（{weekday_name(day)}）：{before.source}为{old_text}，本次录入为{new_text}")
    return found
