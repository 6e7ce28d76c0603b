"""A year's arrangement as the notice states it, line by line: a holiday range (放假调休) or an
adjusted working day (调休上班). Checked before anyone may approve it, and summarised in Chinese
the way the notice reads, so the approver compares like with like."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from miniapp_api.rules.calendar import CalendarYear, month_day, weekday_name

LINE_KINDS = {"holiday": "放假", "working_day": "上班"}
# The longest run in any notice is 9 days (春节, 国庆); a range far longer is a typing slip.
MAX_HOLIDAY_RUN = 15
# No year since 2008 has had more than 35 days off in its notice (2026: 33; 2020 with the
# epidemic extension: 34); far more would move every deadline by weeks.
MAX_HOLIDAY_DAYS = 40
MAX_ADJUSTED_WORKING_DAYS = 12  # no notice has asked for more than 8 weekend days
# The festivals every citizen has off (全国年节及纪念日放假办法第二条): each notice arranges all seven.
STATUTORY_FESTIVALS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
STATUTORY_BASIS = "全国年节及纪念日放假办法第二条"


@dataclass(frozen=True, slots=True)
class ArrangementLine:
    line_no: int
    kind: str  # "holiday" | "working_day"
    name: str  # 春节, 国庆节 …
    first: dt.date
    last: dt.date

    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range((self.last - self.first).days + 1)]


@dataclass(frozen=True, slots=True)
class LineProblem:
    line_no: int
    message: str


def check_lines(year: int, lines: Sequence[ArrangementLine]) -> list[LineProblem]:
    """Everything wrong with the lines, each naming its line: dates outside the year, a range the
    wrong way round or too long, an adjusted working day that is not a weekend, a day given twice."""
    problems: list[LineProblem] = []
    seen: dict[dt.date, ArrangementLine] = {}
    for line in lines:
        own = _line_problem(year, line)
        if own:
            problems.append(LineProblem(line.line_no, own))
            continue
        for day in line.days():
            earlier = seen.get(day)
            if earlier is None:
                seen[day] = line
                continue
            both = "既是放假日又是调休上班日" if earlier.kind != line.kind else "重复出现"
            problems.append(LineProblem(line.line_no, f"{month_day(day)}{both}（另见第{earlier.line_no}行）"))
            break
    off = sum(1 for line in seen.values() if line.kind == "holiday")
    if off > MAX_HOLIDAY_DAYS:
        problems.append(LineProblem(0, f"全年放假合计{off}天，超过{MAX_HOLIDAY_DAYS}天，不像一年的安排，请核对"))
    worked = sum(1 for line in seen.values() if line.kind == "working_day")
    if worked > MAX_ADJUSTED_WORKING_DAYS:
        problems.append(LineProblem(0, f"调休上班合计{worked}天，超过{MAX_ADJUSTED_WORKING_DAYS}天，请核对"))
    named = [line.name for line in lines if line.kind == "holiday"]
    missing = [festival for festival in STATUTORY_FESTIVALS if not any(festival in name for name in named)]
    if missing:
        problems.append(LineProblem(0, f"缺少{'、'.join(missing)}的放假安排（{STATUTORY_BASIS}）"))
    return sorted(problems, key=lambda problem: problem.line_no)


def _line_problem(year: int, line: ArrangementLine) -> str | None:
    if not line.name.strip():
        return "缺少节日名称（如 春节）"
    if line.first.year != year or line.last.year != year:
        return f"日期应在{year}年内"
    if line.last < line.first:
        return "结束日期早于开始日期"
    if line.kind == "working_day":
        if line.first != line.last:
            return "调休上班应逐日填写，每行一天"
        if line.first.weekday() < 5:
            return f"{month_day(line.first)}是{weekday_name(line.first)}，调休上班日应为周六或周日"
    elif (line.last - line.first).days + 1 > MAX_HOLIDAY_RUN:
        return f"一次放假不超过{MAX_HOLIDAY_RUN}天，请核对日期"
    return None


def arrangement_of(year: int, lines: Sequence[ArrangementLine], source: str) -> CalendarYear:
    holidays = {day: line.name for line in lines if line.kind == "holiday" for day in line.days()}
    working = {line.first: line.name for line in lines if line.kind == "working_day"}
    return CalendarYear(year, holidays, working, source)


def summary(year: int, lines: Sequence[ArrangementLine]) -> str:
    """ "2027年：…；春节：2月6日至2月14日放假调休，共9天；2月20日（周六）上班" — one clause per festival."""
    arrangement = arrangement_of(year, lines, "")
    order: dict[str, tuple[bool, dt.date]] = {}  # festivals in the order of their holidays
    for line in sorted(lines, key=lambda line: (line.kind != "holiday", line.first)):
        order.setdefault(line.name, (line.kind != "holiday", line.first))
    clauses = []
    for name in sorted(order, key=order.__getitem__):
        ranges = [line for line in lines if line.name == name and line.kind == "holiday"]
        working = sorted(line.first for line in lines if line.name == name and line.kind == "working_day")
        parts = []
        if ranges:
            spans = "、".join(_span(line) for line in sorted(ranges, key=lambda line: line.first))
            total = sum(len(line.days()) for line in ranges)
            parts.append(f"{spans}放假{'调休' if working else ''}，共{total}天")
        if working:
            parts.append("、".join(f"{month_day(day)}（{weekday_name(day)}）" for day in working) + "上班")
        clauses.append(f"{name}：{'；'.join(parts)}")
    total_working = sum(
        arrangement.is_working_day(dt.date(year, 1, 1) + dt.timedelta(days=n))
        for n in range((dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days)
    )
    head = (
        f"{year}年：放假{len(arrangement.holidays)}天，调休上班{len(arrangement.working_days)}天，"
        f"全年工作日{total_working}天"
    )
    return "\n".join([head, *clauses])


def _span(line: ArrangementLine) -> str:
    if line.first == line.last:
        return month_day(line.first)
    return f"{month_day(line.first)}至{month_day(line.last)}"
