"""What the rules raise when they cannot decide: never a guess, always a named fact or parameter."""

from __future__ import annotations


class RulesError(Exception):
    """A decision that cannot be made from the facts and parameters given.

    `field` names the fact at fault when there is one, so an API can point the person at it.
    """

    code = "RULES_ERROR"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ImpossibleFacts(RulesError):
    code = "IMPOSSIBLE_FACTS"


class ParameterMissing(RulesError):
    code = "PARAMETER_MISSING"


class CalendarYearUnknown(RulesError):
    code = "CALENDAR_YEAR_UNKNOWN"

    def __init__(self, year: int) -> None:
        super().__init__(f"官方节假日安排中没有{year}年的数据，无法计算工作日；请更新节假日日历后再试")
        self.year = year
