"""The regional parameters the rules run on, each kind with the shape of its value.

A parameter is dated (it applies from `effective_from` until a later row of the same kind)
and cites its document. Money and percentages are decimal strings, never floats.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import marshmallow as ma
from marshmallow import validate

from miniapp_api.rules.deadlines import OBJECTION_CATEGORIES
from miniapp_api.rules.entitlement import legal_cap
from miniapp_api.rules.separation_reasons import SEPARATION_REASONS


class _Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


_money = {"as_string": True, "places": 2, "validate": validate.Range(min=Decimal("0.01"))}


class MonthlyAmount(_Strict):
    monthly = ma.fields.Decimal(required=True, **_money)  # type: ignore[arg-type]


class RateBand(_Strict):
    from_month = ma.fields.Integer(required=True, validate=validate.Range(min=1))
    to_month = ma.fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    percent = ma.fields.Decimal(
        required=True, as_string=True, validate=validate.Range(min=Decimal("1"), max=Decimal("100"))
    )


class BenefitRate(_Strict):
    """Benefit as a percentage of the minimum wage, by month of the benefit period."""

    basis = ma.fields.String(required=True, validate=validate.OneOf(["minimum_wage"]))
    bands = ma.fields.List(ma.fields.Nested(RateBand), required=True, validate=validate.Length(min=1))

    @ma.validates_schema
    def _bands_follow_each_other(self, data: dict[str, Any], **_: Any) -> None:
        expected = 1
        bands = data["bands"]
        for index, band in enumerate(bands):
            if band["from_month"] != expected:
                raise ma.ValidationError(f"第{index + 1}段应从第{expected}个月开始", "bands")
            if band["to_month"] is None:
                if index != len(bands) - 1:
                    raise ma.ValidationError("只有最后一段可以不设结束月份", "bands")
                return
            if band["to_month"] < band["from_month"]:
                raise ma.ValidationError(f"第{index + 1}段结束月份早于开始月份", "bands")
            expected = band["to_month"] + 1


class DurationStep(_Strict):
    min_contribution_months = ma.fields.Integer(required=True, validate=validate.Range(min=1))
    entitlement_months = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=24))


class DurationScale(_Strict):
    """Entitlement months by cumulative contribution months (社会保险法第四十六条 caps 12/18/24)."""

    steps = ma.fields.List(ma.fields.Nested(DurationStep), required=True, validate=validate.Length(min=1))

    @ma.validates_schema
    def _steps_increase(self, data: dict[str, Any], **_: Any) -> None:
        steps = data["steps"]
        if steps[0]["min_contribution_months"] < 12:
            raise ma.ValidationError("缴费不满12个月不享受失业保险金（失业保险条例第十四条）", "steps")
        for step in steps:
            cap = legal_cap(step["min_contribution_months"])
            if step["entitlement_months"] > cap:
                raise ma.ValidationError(
                    f"缴费满{step['min_contribution_months']}个月一档的领取期限超过法定上限{cap}个月（社会保险法第四十六条）",
                    "steps",
                )
        for before, after in itertools.pairwise(steps):
            if not (
                after["min_contribution_months"] > before["min_contribution_months"]
                and after["entitlement_months"] >= before["entitlement_months"]
            ):
                raise ma.ValidationError("各档缴费月数与领取月数应递增", "steps")


class FilingLimit(_Strict):
    days = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=60))
    working_days = ma.fields.Boolean(required=True)


class ReplyLimit(_Strict):
    """Working days to answer an objection; `by_category` may set a category its own limit."""

    working_days = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=60))
    by_category = ma.fields.Dict(
        keys=ma.fields.String(validate=validate.OneOf(OBJECTION_CATEGORIES)),
        values=ma.fields.Integer(validate=validate.Range(min=1, max=60)),
    )


class AckLimit(_Strict):
    """Working days an employer has to confirm it handed the claim notice over, before each
    further step (a second reminder, then escalation to the agency)."""

    working_days = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=30))


class PaymentSchedule(_Strict):
    """Applied by `cutoff_day` → paid by the end of the month; later → by the next month's end."""

    cutoff_day = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=28))


class ContinuedPayment(_Strict):
    """Continued payment (续发) when the period ends less than this many months before retirement."""

    months_before_retirement = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=24))


class LumpSumOption(_Strict):
    """Whether a recipient who starts a business may take the remaining entitlement at once."""

    allowed = ma.fields.Boolean(required=True)


class HiddenEmploymentRule(_Strict):
    """A regional rule (吉政办发〔2003〕4号第八条): stable work for `min_months` months or more with
    income at or above the minimum wage counts as re-employment even with no contributions."""

    enabled = ma.fields.Boolean(required=True)
    min_months = ma.fields.Integer(load_default=3, validate=validate.Range(min=1, max=12))


class MedicalPremium(_Strict):
    """The basic medical insurance premium the fund pays for each benefit month (社会保险法第四十八条):
    a fixed monthly amount, or a rate of a monthly base; exactly one of the two."""

    monthly = ma.fields.Decimal(**_money)  # type: ignore[arg-type]
    base_monthly = ma.fields.Decimal(**_money)  # type: ignore[arg-type]
    percent = ma.fields.Decimal(as_string=True, validate=validate.Range(min=Decimal("0.1"), max=Decimal("20")))

    @ma.validates_schema
    def _one_shape(self, data: dict[str, Any], **_: Any) -> None:
        fixed = "monthly" in data
        rated = "base_monthly" in data or "percent" in data
        if fixed == rated:
            raise ma.ValidationError("请填写每月金额（monthly），或缴费基数（base_monthly）和费率（percent），二者选一")
        if rated and not ("base_monthly" in data and "percent" in data):
            raise ma.ValidationError("按费率计算时缴费基数（base_monthly）和费率（percent）都要填写")


class RegionalRule(_Strict):
    """A rule only some regions have; the row's citation is the region's own document."""

    applies = ma.fields.Boolean(required=True)


_percent = {"as_string": True, "validate": validate.Range(min=Decimal("0"), max=Decimal("100"))}


class RefundShare(_Strict):
    """稳岗返还: the share of last year's unemployment-insurance contributions actually paid that
    is refunded, by size class (大型企业 / 中小微企业)."""

    large_percent = ma.fields.Decimal(required=True, **_percent)  # type: ignore[arg-type]
    small_micro_percent = ma.fields.Decimal(required=True, **_percent)  # type: ignore[arg-type]


class RefundConditions(_Strict):
    """稳岗返还: contributions paid in full for at least `months_paid_in_full` months with no
    arrears, and the layoff rate (layoffs in the year ÷ the average monthly insured headcount, the
    layoffs counted as separations for `layoff_reasons`) at most `layoff_rate_percent`, or at most
    `small_employer_layoff_rate_percent` for an employer insuring `small_employer_headcount` or fewer."""

    months_paid_in_full = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=60))
    # Who counts as laid off: people newly drawing benefit whose last employer it was (the national
    # formula), or separations recorded with one of `layoff_reasons`.
    layoffs_counted_as = ma.fields.String(
        required=True, validate=validate.OneOf(["new_benefit_recipients", "separations"])
    )
    layoff_reasons = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(list(SEPARATION_REASONS))),
        required=True,
        validate=validate.Length(min=1),
    )
    layoff_rate_percent = ma.fields.Decimal(required=True, **_percent)  # type: ignore[arg-type]
    small_employer_headcount = ma.fields.Integer(required=True, validate=validate.Range(min=0, max=10000))
    small_employer_layoff_rate_percent = ma.fields.Decimal(required=True, **_percent)  # type: ignore[arg-type]


class FundReserve(_Strict):
    """稳岗返还: whether the pooling region's fund meets the reserve condition for the year (e.g.
    a year's spending or more held in reserve), as the region has found it."""

    condition_met = ma.fields.Boolean(required=True)
    reserve_months = ma.fields.Decimal(as_string=True, validate=validate.Range(min=Decimal("0")))


class NoticePeriod(_Strict):
    """稳岗返还: working days a refund list is publicly noticed (公示) before payment."""

    working_days = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=30))


class ConfirmationWindow(_Strict):
    """稳岗返还: calendar days an eligible enterprise has to confirm its account before the refund
    is recorded as waived, and how many reminders it gets meanwhile."""

    days = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=365))
    reminders = ma.fields.Integer(required=True, validate=validate.Range(min=0, max=10))


# Each kind's value shape; the kinds' Chinese names live with the rules (PARAMETER_LABELS).
PARAMETER_KINDS: dict[str, type[ma.Schema]] = {
    "minimum_wage": MonthlyAmount,
    "minimum_living_allowance": MonthlyAmount,
    "benefit_rate": BenefitRate,
    "duration_scale": DurationScale,
    "continued_payment": ContinuedPayment,
    "termination_filing_limit": FilingLimit,
    "objection_reply_limit": ReplyLimit,
    "notice_ack_limit": AckLimit,
    "payment_schedule": PaymentSchedule,
    "business_start_lump_sum": LumpSumOption,
    "hidden_employment": HiddenEmploymentRule,
    "medical_premium": MedicalPremium,
    "resettlement_payment_bar": RegionalRule,
    "stop_reason_prevails": RegionalRule,
    "refund_share": RefundShare,
    "refund_conditions": RefundConditions,
    "refund_fund_reserve": FundReserve,
    "refund_notice_period": NoticePeriod,
    "refund_confirmation_window": ConfirmationWindow,
    "refund_without_application": RegionalRule,
}


def validate_parameter_value(kind: str, value: Any) -> dict[str, Any]:
    """Return the value in its canonical form, or raise ValidationError with Chinese messages."""
    if kind not in PARAMETER_KINDS:
        raise ma.ValidationError(f"未知的参数类型：{kind}", "kind")
    schema = PARAMETER_KINDS[kind]()
    loaded = schema.load(value)
    dumped: dict[str, Any] = schema.dump(loaded)
    return dumped
