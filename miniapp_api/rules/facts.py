"""The facts a benefit decision is made on, checked for the impossible before any rule runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from miniapp_api.rules.errors import ImpossibleFacts
from miniapp_api.rules.months import add_months, whole_months_between
from miniapp_api.rules.retirement import RetirementCategory
from miniapp_api.rules.separation_reasons import SEPARATION_REASONS

MAX_UNCLAIMED_MONTHS = 24
_MINIMUM_WORKING_AGE = 16  # 劳动法第十五条


FACT_LABELS = {
    "birth_date": "出生日期",
    "sex": "性别",
    "female_original_retirement_age": "原法定退休年龄（女性）",
    "contribution_months": "累计缴费月数",
    "separation_date": "失业（停保）日期",
    "separation_reason": "失业原因",
    "application_date": "申领日期",
    "previous_unclaimed_months": "以前未领完的月数",
    "receiving_pension": "已领取基本养老金",
}


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    birth_date: dt.date
    sex: str  # "male" | "female"
    female_original_retirement_age: int | None
    contribution_months: int
    separation_date: dt.date
    separation_reason: str
    application_date: dt.date
    previous_unclaimed_months: int = 0
    receiving_pension: bool = False

    @property
    def retirement_category(self) -> RetirementCategory:
        return RetirementCategory.of(self.sex, self.female_original_retirement_age)

    def as_dict(self) -> dict[str, Any]:
        return {key: value.isoformat() if isinstance(value, dt.date) else value for key, value in asdict(self).items()}


def check_facts(facts: ClaimFacts) -> None:
    """Raise ImpossibleFacts naming the first fact that cannot be true."""
    if facts.sex not in ("male", "female"):
        raise ImpossibleFacts("性别应为 male（男）或 female（女）", field="sex")
    if facts.sex == "female" and facts.female_original_retirement_age not in (50, 55):
        raise ImpossibleFacts(
            "女性须注明原法定退休年龄：50（工人）或55（干部）", field="female_original_retirement_age"
        )
    if facts.sex == "male" and facts.female_original_retirement_age is not None:
        raise ImpossibleFacts("男性不适用原法定退休年龄50/55的区分，请不要填写", field="female_original_retirement_age")
    if facts.separation_reason not in SEPARATION_REASONS:
        raise ImpossibleFacts("不是规定的失业原因代码", field="separation_reason")
    if facts.separation_date <= facts.birth_date:
        raise ImpossibleFacts("失业日期不能早于出生日期", field="separation_date")
    if facts.application_date < facts.separation_date:
        raise ImpossibleFacts("申领日期不能早于失业日期", field="application_date")
    if facts.contribution_months < 0:
        raise ImpossibleFacts("缴费月数不能为负数", field="contribution_months")
    working_from = add_months(facts.birth_date, _MINIMUM_WORKING_AGE * 12)
    possible = max(0, whole_months_between(working_from, facts.separation_date) + 1)
    if facts.contribution_months > possible:
        raise ImpossibleFacts(
            f"缴费月数超过了年满16周岁至失业之日的月数（最多{possible}个月）", field="contribution_months"
        )
    if not 0 <= facts.previous_unclaimed_months <= MAX_UNCLAIMED_MONTHS:
        raise ImpossibleFacts("前次应领未领月数应在0到24之间", field="previous_unclaimed_months")
