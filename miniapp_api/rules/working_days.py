"""Working days by the official calendar (国务院办公厅 holiday notices, 调休 included).

Counting follows the Civil Code: a period counted in days starts on the day after the event
(民法典第二百零一条), and a period whose last day is a rest day ends on the next working day
(第二百零三条). Every function takes the calendar as data; a day in a year it does not know
raises `CalendarYearUnknown` rather than being guessed from weekdays.
"""

from __future__ import annotations

import datetime as dt

from miniapp_api.rules.calendar import OfficialCalendar

CIVIL_CODE_COUNTING = "民法典第二百零一条、第二百零三条"
_ONE_DAY = dt.timedelta(days=1)
# A period in working days never spans more than this many calendar days (the longest
# holiday run is 9 days); it only bounds the loop against bad input.
_MAX_SPAN = 3660


def add_working_days(calendar: OfficialCalendar, start: dt.date, count: int) -> dt.date:
    """The `count`-th working day after `start` (the start day itself is not counted)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    day = start
    remaining = count
    for _ in range(_MAX_SPAN):
        day += _ONE_DAY
        if calendar.is_working_day(day):
            remaining -= 1
            if remaining == 0:
                return day
    raise ValueError("working-day period too long")


def previous_working_day(calendar: OfficialCalendar, day: dt.date) -> dt.date:
    """The last working day before `day` (a reminder goes out one working day ahead)."""
    current = day
    for _ in range(_MAX_SPAN):
        current -= _ONE_DAY
        if calendar.is_working_day(current):
            return current
    raise ValueError("no working day found")


def deadline_after_days(calendar: OfficialCalendar, start: dt.date, days: int) -> dt.date:
    """The last day of a period of `days` calendar days from `start`, moved off rest days."""
    day = start + dt.timedelta(days=days)
    for _ in range(_MAX_SPAN):
        if calendar.is_working_day(day):
            return day
        day += _ONE_DAY
    raise ValueError("no working day found")


def working_days_between(calendar: OfficialCalendar, start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not later)."""
    count = 0
    day = start + _ONE_DAY
    while day <= end:
        count += calendar.is_working_day(day)
        day += _ONE_DAY
    return count
