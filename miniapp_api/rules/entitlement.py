"""How many months of benefit (社会保险法第四十六条; 失业保险条例第十七条).

The region's scale maps cumulative contribution months to entitlement months (the law's caps
12/18/24 where the region set nothing finer). Entitlement due but not claimed from an earlier
spell of unemployment is added, and the total never exceeds 24 months.
"""

from __future__ import annotations

import datetime as dt

from miniapp_api.rules.parameters import RegionParameters
from miniapp_api.rules.trace import Trace

MAX_ENTITLEMENT_MONTHS = 24
CAPS_BASIS = "社会保险法第四十六条（满1年不足5年最长12个月；满5年不足10年最长18个月；10年以上最长24个月）"


def legal_cap(contribution_months: int) -> int:
    """The longest entitlement the law allows for this much contribution (0 under a year)."""
    if contribution_months < 12:
        return 0
    if contribution_months < 60:
        return 12
    return 18 if contribution_months < 120 else MAX_ENTITLEMENT_MONTHS


COMBINATION_BASIS = "社会保险法第四十六条；失业保险条例第十七条（与前次应领未领期限合并计算，最长不超过24个月）"


def entitlement_months(
    contribution_months: int, previous_unclaimed_months: int, parameters: RegionParameters, on: dt.date, trace: Trace
) -> int:
    scale = trace.use(parameters.in_force("duration_scale", on))
    months = 0
    for step in scale.parsed:
        if contribution_months >= step.min_contribution_months:
            months = step.entitlement_months
    cap = legal_cap(contribution_months)
    if months > cap:
        trace.step(
            "entitlement.legal_cap",
            "applied",
            f"地区档次给出{months}个月，超过法定上限{cap}个月，按{cap}个月计",
            CAPS_BASIS,
            months=cap,
        )
        months = cap
    trace.step(
        "entitlement.scale",
        "applied",
        f"累计缴费{contribution_months}个月，对应领取期限{months}个月",
        scale.citation,
        contribution_months=contribution_months,
        months=months,
    )
    if previous_unclaimed_months:
        combined = min(months + previous_unclaimed_months, MAX_ENTITLEMENT_MONTHS)
        capped = "，按上限24个月计" if months + previous_unclaimed_months > MAX_ENTITLEMENT_MONTHS else ""
        trace.step(
            "entitlement.combined",
            "applied",
            f"本次{months}个月与前次应领未领{previous_unclaimed_months}个月合并计算，共{combined}个月{capped}",
            COMBINATION_BASIS,
            previous_unclaimed_months=previous_unclaimed_months,
            months=combined,
        )
        months = combined
    return months
