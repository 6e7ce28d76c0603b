"""Taking the remaining entitlement at once when starting a business (自主创业一次性领取).

A regional option (e.g. 内人社办发〔2020〕46号第五条). Whoever takes it gets no medical premium
paid for the months it replaces and no continued payment (兴安盟告知书; 人社厅发〔2020〕24号第一条
excludes 一次性申领人员 from 续发).
"""

from __future__ import annotations

import datetime as dt

from miniapp_api.rules.months import last_day, month_number
from miniapp_api.rules.parameters import ParameterVersion, RegionParameters


def lump_sum_rule(parameters: RegionParameters, on: dt.date) -> ParameterVersion | None:
    """The rule allowing it on `on`, or None where the region does not (or no longer) allow it."""
    rule = parameters.optional("business_start_lump_sum", on)
    return rule if rule is not None and rule.parsed else None


def lump_sum_pay_by(parameters: RegionParameters, requested_on: dt.date) -> dt.date:
    """Paid like a first month: by this month's end if asked by the cutoff day, else by the next's."""
    timing = parameters.optional("payment_schedule", requested_on)
    late = timing is not None and requested_on.day > timing.parsed
    return last_day(month_number(requested_on) + (1 if late else 0))
