"""稳岗返还 for one enterprise: its conditions and amount from its facts and the region's policy.

The screening computes the same for a whole region in SQL (refunds/screening.py); this is the
rule as a person reads it, used to explain a result and to check the screening against.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from miniapp_api.rules.parameters import RegionParameters

# Why an enterprise is not eligible, in the order they are listed.
REFUSALS = {
    "FUND_RESERVE": "本统筹地区失业保险基金不满足稳岗返还的备付条件",
    "PUBLIC_BODY": "机关事业单位不享受稳岗返还",
    "MONTHS_PAID": "足额缴纳失业保险费不满规定月数",
    "ARREARS": "存在欠缴失业保险费",
    "LAYOFF_RATE": "上年度裁员率高于规定标准",
    "SERIOUS_DISHONESTY": "被列入严重失信主体名单",
    "ABNORMAL_OPERATIONS": "被列入经营异常名录",
    "DEREGISTERED": "已注销",
    "REVOKED": "已被吊销营业执照",
}
# What stops a refund being paid though the enterprise is eligible, until the enterprise supplies it.
BLOCKERS = {
    "SIZE_MISSING": "企业划型（大型/中小微）未登记，返还比例无法确定",
    "ACCOUNT_MISSING": "未登记银行对公账户",
    # Set by an upheld objection, cleared by the next screening on the corrected records.
    "RESCREEN_DUE": "异议成立，待经办机构更正记录后重新比对",
}
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class RefundPolicy:
    """The region's refund parameters in force on a day, each with its citation."""

    large_percent: Decimal
    small_micro_percent: Decimal
    months_paid_in_full: int
    layoffs_counted_as: str
    layoff_reasons: tuple[str, ...]
    layoff_rate_percent: Decimal
    small_employer_headcount: int
    small_employer_layoff_rate_percent: Decimal
    fund_reserve_met: bool
    notice_working_days: int
    confirmation_days: int
    reminders: int
    # 免申即享: an eligible enterprise whose size and account are on record is put forward
    # without applying; where the region has not said so, the enterprise confirms.
    without_application: bool
    citations: dict[str, str]

    def share_for(self, size_class: str | None) -> Decimal | None:
        if size_class == "large":
            return self.large_percent
        if size_class == "small_micro":
            return self.small_micro_percent
        return None

    def layoff_limit_for(self, average_headcount: Decimal) -> Decimal:
        if average_headcount <= self.small_employer_headcount:
            return self.small_employer_layoff_rate_percent
        return self.layoff_rate_percent


def policy_on(parameters: RegionParameters, day: dt.date) -> RefundPolicy:
    """The policy in force on `day`; ParameterMissing names the first parameter the region lacks."""
    share = parameters.in_force("refund_share", day)
    conditions = parameters.in_force("refund_conditions", day)
    reserve = parameters.in_force("refund_fund_reserve", day)
    notice = parameters.in_force("refund_notice_period", day)
    window = parameters.in_force("refund_confirmation_window", day)
    automatic = parameters.optional("refund_without_application", day)
    rules = conditions.value
    return RefundPolicy(
        large_percent=Decimal(str(share.value["large_percent"])),
        small_micro_percent=Decimal(str(share.value["small_micro_percent"])),
        months_paid_in_full=int(rules["months_paid_in_full"]),
        layoffs_counted_as=str(rules["layoffs_counted_as"]),
        layoff_reasons=tuple(rules["layoff_reasons"]),
        layoff_rate_percent=Decimal(str(rules["layoff_rate_percent"])),
        small_employer_headcount=int(rules["small_employer_headcount"]),
        small_employer_layoff_rate_percent=Decimal(str(rules["small_employer_layoff_rate_percent"])),
        fund_reserve_met=bool(reserve.value["condition_met"]),
        notice_working_days=int(notice.value["working_days"]),
        confirmation_days=int(window.value["days"]),
        reminders=int(window.value["reminders"]),
        without_application=bool(automatic and automatic.value["applies"]),
        citations={
            version.kind: version.citation
            for version in (share, conditions, reserve, notice, window, automatic)
            if version is not None
        },
    )


@dataclass(frozen=True)
class EnterpriseFacts:
    """What the records say of one enterprise for a policy year (the year before it, mostly)."""

    public_body: bool
    size_class: str | None
    months_paid_in_full: int  # before the policy year
    arrears_amount: Decimal
    paid_last_year: Decimal
    average_headcount: Decimal  # insured, over last year's months on the ledger
    layoffs: int  # last year, counted as the policy says
    credit_listings: frozenset[str]  # list kinds the enterprise is on, as of the screening day
    has_account: bool


@dataclass(frozen=True)
class Outcome:
    eligible: bool
    refusals: tuple[str, ...]
    blockers: tuple[str, ...]
    layoff_rate: Decimal | None  # percent, 2 places
    layoff_rate_limit: Decimal
    share_percent: Decimal | None
    amount: Decimal | None


def layoff_rate(layoffs: int, average_headcount: Decimal) -> Decimal | None:
    """Layoffs over the average monthly insured headcount, in percent; None with nobody insured."""
    if average_headcount <= 0:
        return None
    return (Decimal(layoffs) * 100 / average_headcount).quantize(_CENT, ROUND_HALF_UP)


def assess(facts: EnterpriseFacts, policy: RefundPolicy) -> Outcome:
    refusals = []
    if not policy.fund_reserve_met:
        refusals.append("FUND_RESERVE")
    if facts.public_body:
        refusals.append("PUBLIC_BODY")
    if facts.months_paid_in_full < policy.months_paid_in_full:
        refusals.append("MONTHS_PAID")
    if facts.arrears_amount > 0:
        refusals.append("ARREARS")
    rate = layoff_rate(facts.layoffs, facts.average_headcount)
    limit = policy.layoff_limit_for(facts.average_headcount)
    if facts.layoffs > 0 and (rate is None or rate > limit):
        refusals.append("LAYOFF_RATE")
    for listed, code in (
        ("serious_dishonesty", "SERIOUS_DISHONESTY"),
        ("abnormal_operations", "ABNORMAL_OPERATIONS"),
        ("deregistered", "DEREGISTERED"),
        ("revoked", "REVOKED"),
    ):
        if listed in facts.credit_listings:
            refusals.append(code)
    share = policy.share_for(facts.size_class)
    eligible = not refusals
    blockers = []
    if eligible and share is None:
        blockers.append("SIZE_MISSING")
    if eligible and not facts.has_account:
        blockers.append("ACCOUNT_MISSING")
    amount = (facts.paid_last_year * share / 100).quantize(_CENT, ROUND_HALF_UP) if eligible and share else None
    return Outcome(eligible, tuple(refusals), tuple(blockers), rate, limit, share if eligible else None, amount)
