"""When and how much: the monthly schedule from the registration month on.

Each month's amount follows the rule in force on that month's first day: the region's rate for
that month of the period (e.g. Inner Mongolia pays 90 % in months 1–12 and 80 % from month 13
since 2021-12), applied to the minimum wage then in force, and kept between the urban minimum
living allowance and the minimum wage (失业保险条例第十八条). The fund pays the medical
insurance premium for every month, continued months included (社会保险法第四十八条).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from miniapp_api.rules.errors import ParameterMissing
from miniapp_api.rules.money import percent_of
from miniapp_api.rules.months import first_day, last_day, month_number, period_label
from miniapp_api.rules.parameters import ParameterVersion, RegionParameters
from miniapp_api.rules.retirement import LegalRetirement
from miniapp_api.rules.trace import Trace, cite

START_BASIS = "社会保险法第五十条第二款；失业保险条例第十六条（自办理失业登记之日起计算，按月发放）"
LIMITS_BASIS = "失业保险条例第十八条（不高于当地最低工资标准，不低于城市居民最低生活保障标准）"
MEDICAL_BASIS = "社会保险法第四十八条（领取期间的基本医疗保险费从失业保险基金中支付，个人不缴纳）"
_AMOUNT_KINDS = ("minimum_wage", "minimum_living_allowance", "benefit_rate", "medical_premium")
_NEVER = 1 << 30
RETIREMENT_STOP_NOTE = "达到法定退休年龄后开始领取基本养老金的，自领取当月起停发（社会保险法第五十一条第（四）项）"


@dataclass(frozen=True, slots=True)
class ScheduleMonth:
    period: str  # "YYYY-MM"
    index: int  # 1 = the registration month
    amount: Decimal
    medical_premium_paid: bool
    medical_premium: Decimal  # what the fund remits to the medical-insurance fund for the month
    pay_by: dt.date
    continued: bool  # paid under continued payment (续发), after the entitlement ran out


def continued_months(
    start_month: int, entitlement: int, retirement: LegalRetirement, parameters: RegionParameters, trace: Trace
) -> int:
    """Months added by continued payment (续发): when the period ends less than the region's
    limit (one year) before the legal retirement date, payment runs on to that date."""
    end_month = start_month + entitlement  # the first month no longer covered
    retire_month = month_number(retirement.date)
    rule = parameters.optional("continued_payment", first_day(end_month))
    if rule is None:
        trace.step(
            "continued_payment",
            "not_applicable",
            "领取期满早于续发政策施行（2019年12月）",
            "人社厅发〔2020〕24号第一条",
        )
        return 0
    trace.use(rule)
    gap = retire_month - end_month
    if gap <= 0:
        reason = "领取期满时已达到法定退休年龄，无需续发" if gap < 0 else "领取期满当月即达到法定退休年龄，无需续发"
        trace.step("continued_payment", "not_applicable", reason, rule.citation)
        return 0
    if gap >= rule.parsed:
        trace.step(
            "continued_payment",
            "not_applicable",
            f"领取期满（{first_day(end_month).isoformat()}）距法定退休年龄{gap}个月，不少于1年",
            rule.citation,
            months_to_retirement=gap,
        )
        return 0
    trace.step(
        "continued_payment",
        "applied",
        f"领取期满距法定退休年龄不足1年（{gap}个月），继续发放至{retirement.date.isoformat()}，无需申请",
        rule.citation,
        months=gap,
        until=retirement.date.isoformat(),
    )
    return gap


def _band_percent(rate: ParameterVersion, index: int) -> Decimal:
    for band in rate.parsed:
        if index >= band.from_month and (band.to_month is None or index <= band.to_month):
            return band.percent  # type: ignore[no-any-return]
    raise ParameterMissing(f"“失业保险金标准”（{rate.effective_from.isoformat()}起）没有覆盖第{index}个月")


def monthly_schedule(
    application_date: dt.date,
    months: int,
    continued: int,
    parameters: RegionParameters,
    trace: Trace,
) -> list[ScheduleMonth]:
    start_month = month_number(application_date)
    trace.step(
        "schedule.start",
        "applied",
        f"失业登记与申领同日办理，自{period_label(start_month)}起按月发放",
        START_BASIS,
        registration_date=application_date.isoformat(),
    )
    timing = parameters.optional("payment_schedule", application_date)
    first_pay_month = start_month
    if timing is not None:
        trace.use(timing)
        on_time = application_date.day <= timing.parsed
        first_pay_month = start_month if on_time else start_month + 1
        trace.step(
            "schedule.payment_date",
            "applied",
            f"{application_date.day}日申领，{'不晚于' if on_time else '晚于'}每月{timing.parsed}日，"
            f"首月于{last_day(first_pay_month).isoformat()}前发放，以后各月于当月月底前发放",
            timing.citation,
        )

    schedule: list[ScheduleMonth] = []
    segment: tuple[object, ...] | None = None
    amounts: dict[tuple[int, int, int, Decimal], Decimal] = {}
    premium_traced: object = None
    refresh_from = start_month  # the versions in force stay so until the next one takes effect
    for index in range(1, months + continued + 1):
        number = start_month + index - 1
        if number >= refresh_from:
            day = first_day(number)
            wage = parameters.in_force("minimum_wage", day)
            floor = parameters.in_force("minimum_living_allowance", day)
            rate = parameters.in_force("benefit_rate", day)
            premium = parameters.in_force("medical_premium", day)
            change = parameters.next_change(_AMOUNT_KINDS, day)
            refresh_from = month_number(change) + (change.day > 1) if change else _NEVER
        percent = _band_percent(rate, index)
        key = (id(wage), id(floor), id(rate), percent)
        amount = amounts.get(key)
        if amount is None:
            amount = amounts[key] = _amount(wage, floor, rate, percent, trace)
        if segment != (key, amount):
            segment = (key, amount)
            trace.step(
                "schedule.amount",
                "applied",
                f"自{period_label(number)}（第{index}个月）起按最低工资标准{wage.parsed}元的{percent}%计发，"
                f"每月{amount}元",
                rate.citation,
                from_period=period_label(number),
                from_month=index,
                minimum_wage=str(wage.parsed),
                percent=str(percent),
                amount=str(amount),
            )
        if premium is not premium_traced:
            premium_traced = trace.use(premium)
            trace.step(
                "schedule.medical_premium",
                "applied",
                f"自{period_label(number)}起每月由失业保险基金代缴基本医疗保险费{premium.parsed}元，个人不缴纳",
                cite(MEDICAL_BASIS, premium.citation),
                from_period=period_label(number),
                amount=str(premium.parsed),
            )
        schedule.append(
            ScheduleMonth(
                period_label(number),
                index,
                amount,
                True,
                premium.parsed,
                last_day(max(number, first_pay_month)),
                index > months,
            )
        )
    return schedule


def _amount(
    wage: ParameterVersion, floor: ParameterVersion, rate: ParameterVersion, percent: Decimal, trace: Trace
) -> Decimal:
    for version in (wage, floor, rate):
        trace.use(version)
    ceiling_amount: Decimal = wage.parsed
    floor_amount: Decimal = floor.parsed
    if floor_amount > ceiling_amount:
        raise ParameterMissing(
            f"统筹地区{wage.region_code}的城市低保标准（{floor_amount}元）高于最低工资标准（{ceiling_amount}元），参数有误"
        )
    amount = percent_of(ceiling_amount, percent)
    if amount > ceiling_amount:
        trace.step(
            "schedule.ceiling", "applied", f"按比例为{amount}元，高于最低工资标准，按{ceiling_amount}元", LIMITS_BASIS
        )
        return ceiling_amount
    if amount < floor_amount:
        trace.step(
            "schedule.floor", "applied", f"按比例为{amount}元，低于城市低保标准，按{floor_amount}元", LIMITS_BASIS
        )
        return floor_amount
    return amount
