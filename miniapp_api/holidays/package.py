"""The years the `chinesecalendar` package knows, as calendar data: the default for every year
no approved record overrides."""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib.metadata import version

import chinese_calendar  # type: ignore[import-untyped]

from miniapp_api.rules.calendar import CalendarYear

# The package names festivals in English; people read them in Chinese.
FESTIVAL_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def package_source() -> str:
    return f"chinesecalendar {version('chinesecalendar')}"


@cache
def package_years() -> dict[int, CalendarYear]:
    source = package_source()
    holidays: dict[int, dict[dt.date, str]] = {}
    working: dict[int, dict[dt.date, str]] = {}
    for day, name in chinese_calendar.holidays.items():
        holidays.setdefault(day.year, {})[day] = FESTIVAL_NAMES.get(name, name)
    for day, name in chinese_calendar.workdays.items():
        working.setdefault(day.year, {})[day] = FESTIVAL_NAMES.get(name, name)
    return {
        year: CalendarYear(year, holidays.get(year, {}), working.get(year, {}), source)
        for year in sorted(set(holidays) | set(working))
    }
