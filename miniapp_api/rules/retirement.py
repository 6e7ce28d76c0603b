"""Legal retirement age under the gradual delay (渐进式延迟法定退休年龄), in force 2025-01-01.

The NPCSC decision of 2024-09-13 and its annexed tables: the original age (男60, 女干部55,
女工人50) is raised by one month for every `step` months of birth after the reform starts,
up to `cap` months. With O = birth year + original age and n = (O − 2025)·12 + birth month,
the delay is 0 when n ≤ 0, otherwise min(⌈n / step⌉, cap). The retirement month is the birth
month plus the original age and the delay; the legal retirement date is its first day.

Which original age applies to a woman (50 or 55) is a stored fact of her record, not something
derivable from her ID number.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from miniapp_api.rules.months import first_day, month_number

RETIREMENT_BASIS = "全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定（2024年9月13日）及附件"
_REFORM_YEAR = 2025


class RetirementCategory(enum.StrEnum):
    MALE_60 = "male_60"
    FEMALE_55 = "female_55"
    FEMALE_50 = "female_50"

    @classmethod
    def of(cls, sex: str, female_original_age: int | None) -> RetirementCategory:
        if sex == "male":
            return cls.MALE_60
        return cls.FEMALE_55 if female_original_age == 55 else cls.FEMALE_50


@dataclass(frozen=True, slots=True)
class _Schedule:
    original_age: int
    step_months: int
    cap_months: int
    label: str


_SCHEDULES = {
    RetirementCategory.MALE_60: _Schedule(60, 4, 36, "男职工，原法定退休年龄60周岁"),
    RetirementCategory.FEMALE_55: _Schedule(55, 4, 36, "女职工，原法定退休年龄55周岁"),
    RetirementCategory.FEMALE_50: _Schedule(50, 2, 60, "女职工，原法定退休年龄50周岁"),
}


@dataclass(frozen=True, slots=True)
class LegalRetirement:
    category: RetirementCategory
    original_age: int
    delay_months: int
    date: dt.date  # first day of the retirement month

    @property
    def age_text(self) -> str:
        years, months = divmod(self.original_age * 12 + self.delay_months, 12)
        return f"{years}周岁" + (f"{months}个月" if months else "")

    @property
    def reason(self) -> str:
        label = _SCHEDULES[self.category].label
        if self.delay_months == 0:
            return f"{label}，不在延迟范围内，法定退休年龄{self.age_text}"
        return f"{label}，延迟{self.delay_months}个月，法定退休年龄{self.age_text}"


def legal_retirement(birth_date: dt.date, category: RetirementCategory) -> LegalRetirement:
    schedule = _SCHEDULES[category]
    n = (birth_date.year + schedule.original_age - _REFORM_YEAR) * 12 + birth_date.month
    delay = 0 if n <= 0 else min(-(-n // schedule.step_months), schedule.cap_months)
    retirement_month = month_number(birth_date) + schedule.original_age * 12 + delay
    return LegalRetirement(category, schedule.original_age, delay, first_day(retirement_month))
