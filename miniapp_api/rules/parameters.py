"""Dated regional parameters, as the rules read them.

The caller (the database layer, a test, a benchmark) hands in every version it has for one
pooling region; each kind's versions are kept sorted so the one in force on a date is a
bisection away. Values are parsed into Decimals and tuples once, here, so evaluating a rule
never re-reads JSON. Where a region has no version of a kind in force, the national default
of that kind applies (the law's own caps), and the trace says so.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from miniapp_api.rules.errors import ParameterMissing
from miniapp_api.rules.money import percent_of

NATIONAL = "*"
_MAX_REMEMBERED = 20_000  # lookups remembered per region (the schedule asks the same months again and again)

PARAMETER_LABELS = {
    "minimum_wage": "最低工资标准（月）",
    "minimum_living_allowance": "城市居民最低生活保障标准（月）",
    "benefit_rate": "失业保险金标准",
    "duration_scale": "领取期限档次",
    "continued_payment": "领取期满距法定退休年龄不足一年的续发",
    "termination_filing_limit": "用人单位停保备案时限",
    "objection_reply_limit": "异议答复时限",
    "notice_ack_limit": "用人单位确认送达告知书时限",
    "payment_schedule": "失业保险金发放时间",
    "business_start_lump_sum": "自主创业一次性领取",
    "hidden_employment": "隐性就业视同就业（地区规定）",
    "medical_premium": "失业保险基金代缴的基本医疗保险费（月）",
    "resettlement_payment_bar": "企业关闭时领取一次性安置费的不享受失业保险待遇（地区规定）",
    "stop_reason_prevails": "失业原因以停保原因为准（地区规定）",
    "refund_share": "稳岗返还比例（上年度实际缴纳失业保险费）",
    "refund_conditions": "稳岗返还条件（足额缴费、裁员率）",
    "refund_fund_reserve": "稳岗返还基金备付条件",
    "refund_notice_period": "稳岗返还公示期",
    "refund_confirmation_window": "稳岗返还确认期限与提醒次数",
    "refund_without_application": "稳岗返还免申即享（资料齐全的企业无需申请）",
}


@dataclass(frozen=True, slots=True)
class RateBand:
    from_month: int
    to_month: int | None
    percent: Decimal


@dataclass(frozen=True, slots=True)
class DurationStep:
    min_contribution_months: int
    entitlement_months: int


def _parse(kind: str, value: Mapping[str, Any]) -> Any:
    """The value in the shape the rules use (a Decimal, a tuple of bands, an int...)."""
    if kind in ("minimum_wage", "minimum_living_allowance"):
        return Decimal(str(value["monthly"]))
    if kind == "benefit_rate":
        return tuple(
            RateBand(band["from_month"], band.get("to_month"), Decimal(str(band["percent"]))) for band in value["bands"]
        )
    if kind == "duration_scale":
        steps = (DurationStep(s["min_contribution_months"], s["entitlement_months"]) for s in value["steps"])
        return tuple(sorted(steps, key=lambda step: step.min_contribution_months))
    if kind == "continued_payment":
        return int(value["months_before_retirement"])
    if kind == "payment_schedule":
        return int(value["cutoff_day"])
    if kind == "business_start_lump_sum":
        return bool(value["allowed"])
    if kind == "medical_premium":
        if "monthly" in value:
            return Decimal(str(value["monthly"]))
        return percent_of(Decimal(str(value["base_monthly"])), Decimal(str(value["percent"])))
    return value


@dataclass(frozen=True, slots=True, eq=False)
class ParameterVersion:
    region_code: str
    kind: str
    effective_from: dt.date
    value: Mapping[str, Any]
    citation: str
    parsed: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parsed", _parse(self.kind, self.value))

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": PARAMETER_LABELS.get(self.kind, self.kind),
            "region_code": self.region_code,
            "effective_from": self.effective_from,
            "value": dict(self.value),
            "citation": self.citation,
        }


# The law's own numbers, used where a region has set nothing finer.
NATIONAL_DEFAULTS = (
    ParameterVersion(
        NATIONAL,
        "duration_scale",
        dt.date(1999, 1, 22),
        {
            "steps": [
                {"min_contribution_months": 12, "entitlement_months": 12},
                {"min_contribution_months": 60, "entitlement_months": 18},
                {"min_contribution_months": 120, "entitlement_months": 24},
            ]
        },
        "社会保险法第四十六条；失业保险条例第十七条（全国上限：满1年不足5年最长12个月，满5年不足10年最长18个月，"
        "10年以上最长24个月）",
    ),
    ParameterVersion(
        NATIONAL,
        "continued_payment",
        dt.date(2019, 12, 1),
        {"months_before_retirement": 12},
        "人社厅发〔2020〕24号第一条（自2019年12月起，领取期满仍未就业且距法定退休年龄不足1年的，"
        "继续发放至法定退休年龄）",
    ),
    ParameterVersion(
        NATIONAL,
        "objection_reply_limit",
        dt.date(2020, 6, 1),
        {"working_days": 5},
        "人社厅发〔2020〕24号第三条（纠错、异议限时反馈；无全国统一时限，地区未设定时按5个工作日）",
    ),
    ParameterVersion(
        NATIONAL,
        "notice_ack_limit",
        dt.date(2020, 6, 1),
        {"working_days": 3},
        "人社厅发〔2020〕24号第七条（提醒用人单位履行告知义务；确认送达的期限为地方参数，地区未设定时按3个工作日）",
    ),
    # 稳岗返还. The national shares a region applies unless it sets its own; 2021 to 2025 checked
    # against public copies of the notices, 2019 still to be checked against the official text.
    # The mid-2025 rise depends on the region's fund reserve, so it is a regional parameter.
    ParameterVersion(
        NATIONAL,
        "refund_share",
        dt.date(2019, 1, 1),
        {"large_percent": "50", "small_micro_percent": "50"},
        "人社部发〔2019〕23号（按不超过企业及其职工上年度实际缴纳失业保险费的50%返还；待与正式文本核对）",
    ),
    ParameterVersion(
        NATIONAL,
        "refund_share",
        dt.date(2021, 1, 1),
        {"large_percent": "30", "small_micro_percent": "60"},
        "人社部发〔2021〕29号（大型企业按不超过上年度实际缴纳失业保险费的30%返还，中小微企业按不超过60%返还）",
    ),
    ParameterVersion(
        NATIONAL,
        "refund_share",
        dt.date(2022, 1, 1),
        {"large_percent": "50", "small_micro_percent": "90"},
        "人社部发〔2022〕23号（大型企业返还比例从30%提至50%，中小微企业从60%最高提至90%，执行至2022年12月31日）",
    ),
    ParameterVersion(
        NATIONAL,
        "refund_share",
        dt.date(2023, 1, 1),
        {"large_percent": "30", "small_micro_percent": "60"},
        "人社部发〔2024〕40号等（大型企业按上年度实际缴纳失业保险费的30%返还，中小微企业按60%返还）。"
        "2025年年中起基金备付1年以上的统筹地区可提至中小微企业90%、大型企业50%（国办发〔2025〕25号，待与正式文本核对），"
        "由该地区以本地参数设定",
    ),
    ParameterVersion(
        NATIONAL,
        "refund_conditions",
        dt.date(2019, 1, 1),
        {
            "months_paid_in_full": 12,
            "layoffs_counted_as": "new_benefit_recipients",
            "layoff_reasons": ["economic_layoff"],
            "layoff_rate_percent": "5.5",
            "small_employer_headcount": 30,
            "small_employer_layoff_rate_percent": "20",
        },
        "人社部发〔2024〕40号等（足额缴纳失业保险费12个月以上；上年度未裁员或裁员率不高于全国城镇调查失业率控制目标5.5%，"
        "30人（含）以下的参保企业裁员率不高于参保职工总数20%；裁员率按该企业上年度新增领取失业保险金人数与参保缴费"
        "月平均人数之比确定）",
    ),
)


class _Versions:
    __slots__ = ("dates", "versions")

    def __init__(self, versions: list[ParameterVersion]) -> None:
        versions.sort(key=lambda version: version.effective_from)
        self.versions = versions
        self.dates = [version.effective_from for version in versions]

    def on(self, day: dt.date) -> ParameterVersion | None:
        index = bisect.bisect_right(self.dates, day)
        return self.versions[index - 1] if index else None

    def next_after(self, day: dt.date) -> dt.date | None:
        index = bisect.bisect_right(self.dates, day)
        return self.dates[index] if index < len(self.dates) else None


class RegionParameters:
    """Every dated version of every parameter kind for one pooling region."""

    def __init__(
        self,
        region_code: str,
        versions: Iterable[ParameterVersion],
        defaults: Iterable[ParameterVersion] = NATIONAL_DEFAULTS,
    ) -> None:
        self.region_code = region_code
        self._own = self._index(versions)
        self._defaults = self._index(defaults)
        self._found: dict[tuple[str, dt.date], ParameterVersion | None] = {}

    @staticmethod
    def _index(versions: Iterable[ParameterVersion]) -> dict[str, _Versions]:
        by_kind: dict[str, list[ParameterVersion]] = {}
        for version in versions:
            by_kind.setdefault(version.kind, []).append(version)
        return {kind: _Versions(items) for kind, items in by_kind.items()}

    def own_versions(self) -> list[ParameterVersion]:
        """The region's own versions (not the national defaults), every kind."""
        return [version for versions in self._own.values() for version in versions.versions]

    def optional(self, kind: str, on: dt.date) -> ParameterVersion | None:
        key = (kind, on)
        try:
            return self._found[key]
        except KeyError:
            pass
        if len(self._found) > _MAX_REMEMBERED:
            self._found.clear()
        found = self._found[key] = self._lookup(kind, on)
        return found

    def _lookup(self, kind: str, on: dt.date) -> ParameterVersion | None:
        own = self._own.get(kind)
        found = own.on(on) if own else None
        if found is None and (default := self._defaults.get(kind)):
            found = default.on(on)
        return found

    def next_change(self, kinds: Iterable[str], after: dt.date) -> dt.date | None:
        """The first date after `after` on which a new version of any of `kinds` takes effect."""
        dates = [
            changed
            for kind in kinds
            for index in (self._own, self._defaults)
            if (versions := index.get(kind)) and (changed := versions.next_after(after))
        ]
        return min(dates, default=None)

    def in_force(self, kind: str, on: dt.date) -> ParameterVersion:
        found = self.optional(kind, on)
        if found is None:
            label = PARAMETER_LABELS.get(kind, kind)
            raise ParameterMissing(f"统筹地区{self.region_code}在{on.isoformat()}没有生效的“{label}”参数")
        return found
