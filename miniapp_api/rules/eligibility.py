"""Who may receive benefit: the three conditions of 社会保险法第四十五条 (失业保险条例第十四条),
and the one bar the facts can show (already drawing a pension, 第五十一条).

Two things are deliberately **not** grounds for refusal: applying after the 60-day window
(人社厅发〔2020〕24号第四条) and being past retirement age without a pension (第五条).
"""

from __future__ import annotations

from dataclasses import dataclass

from miniapp_api.rules.facts import ClaimFacts
from miniapp_api.rules.parameters import RegionParameters
from miniapp_api.rules.retirement import LegalRetirement
from miniapp_api.rules.separation_reasons import SEPARATION_REASONS, SeparationReason, barred_in_region
from miniapp_api.rules.trace import Trace, cite

MINIMUM_CONTRIBUTION_MONTHS = 12
CONTRIBUTION_BASIS = "社会保险法第四十五条第（一）项；失业保险条例第十四条第（一）项"
INVOLUNTARY_BASIS = "社会保险法第四十五条第（二）项；人社部令第13号第十三条"
REGISTRATION_BASIS = "社会保险法第四十五条第（三）项；人社厅发〔2020〕24号第五条（失业登记与申领一门一窗同时办理）"
PENSION_BASIS = "社会保险法第五十一条第（四）项；失业保险条例第十五条第（三）项"
WINDOW_BASIS = "人社厅发〔2020〕24号第四条（不得以超过60日申领期限为由拒绝）"
PAST_RETIREMENT_BASIS = "人社厅发〔2020〕24号第五条（超过法定退休年龄未享受养老保险待遇的，按规定发放）"
_OLD_APPLICATION_WINDOW_DAYS = 60


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    message: str
    legal_basis: str


def assess_eligibility(
    facts: ClaimFacts, retirement: LegalRetirement, parameters: RegionParameters, trace: Trace
) -> list[Refusal]:
    refusals: list[Refusal] = []

    months = facts.contribution_months
    if months >= MINIMUM_CONTRIBUTION_MONTHS:
        trace.step("eligibility.contribution", "met", f"累计缴费{months}个月，满1年", CONTRIBUTION_BASIS, months=months)
    else:
        message = f"失业前累计缴纳失业保险费不满1年（现为{months}个月）"
        trace.step("eligibility.contribution", "not_met", message, CONTRIBUTION_BASIS, months=months)
        refusals.append(Refusal("INSUFFICIENT_CONTRIBUTION", message, CONTRIBUTION_BASIS))

    reason = _separation_in_region(SEPARATION_REASONS[facts.separation_reason], facts, parameters, trace)
    basis = cite(INVOLUNTARY_BASIS, reason.basis)
    if reason.refusal_code is None:
        trace.step("eligibility.separation", "met", f"非因本人意愿中断就业：{reason.label}", basis, code=reason.code)
    else:
        message = f"失业原因为“{reason.label}”，不属于非因本人意愿中断就业"
        trace.step("eligibility.separation", "not_met", message, basis, code=reason.code)
        refusals.append(Refusal(reason.refusal_code, message, basis))

    trace.step("eligibility.registration", "met", "失业登记随本次申领同时办理，无需另行证明", REGISTRATION_BASIS)

    if facts.receiving_pension:
        message = "已依法享受基本养老保险待遇，不能领取失业保险金"
        trace.step("eligibility.pension", "not_met", message, PENSION_BASIS)
        refusals.append(Refusal("RECEIVING_PENSION", message, PENSION_BASIS))
    elif facts.application_date >= retirement.date:
        trace.step(
            "eligibility.past_retirement_age",
            "met",
            f"已达到法定退休年龄（{retirement.date.isoformat()}）但未领取基本养老金，仍可领取",
            PAST_RETIREMENT_BASIS,
        )

    days = (facts.application_date - facts.separation_date).days
    if days > _OLD_APPLICATION_WINDOW_DAYS:
        trace.step(
            "eligibility.application_window",
            "not_applied",
            f"失业{days}日后申领；超过60日不影响申领",
            WINDOW_BASIS,
            days_since_separation=days,
        )
    return refusals


def _separation_in_region(
    reason: SeparationReason, facts: ClaimFacts, parameters: RegionParameters, trace: Trace
) -> SeparationReason:
    """A reason barred by the claimant's own region's rule (in force on the separation date)."""
    if reason.regional_bar is None:
        return reason
    bar = parameters.optional(reason.regional_bar, facts.separation_date)
    if bar is None or not bar.value.get("applies"):
        return reason
    return barred_in_region(reason, trace.use(bar).citation)
