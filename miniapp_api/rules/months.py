"""Calendar months as integers (year * 12 + month - 1), so month arithmetic is plain addition."""

from __future__ import annotations

import calendar
import datetime as dt
import functools


def month_number(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


@functools.lru_cache(maxsize=4096)
def first_day(number: int) -> dt.date:
    year, month0 = divmod(number, 12)
    return dt.date(year, month0 + 1, 1)


@functools.lru_cache(maxsize=4096)
def last_day(number: int) -> dt.date:
    year, month0 = divmod(number, 12)
    return dt.date(year, month0 + 1, calendar.monthrange(year, month0 + 1)[1])


@functools.lru_cache(maxsize=4096)
def period_label(number: int) -> str:
    year, month0 = divmod(number, 12)
    return f"{year:04d}-{month0 + 1:02d}"


def add_months(day: dt.date, count: int) -> dt.date:
    """The same day `count` months later, clamped to the month's end (1-31 + 1 month = 2-28/29)."""
    year, month0 = divmod(month_number(day) + count, 12)
    return dt.date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def whole_months_between(start: dt.date, end: dt.date) -> int:
    """Completed months from `start` to `end` (the age-in-months way of counting)."""
    months = month_number(end) - month_number(start)
    return months - 1 if end.day < start.day and months > 0 else months
