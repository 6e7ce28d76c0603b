"""Why benefit stops, with the law that says so (社会保险法第五十一条；失业保险条例第十五条). Flexible
or casual work with no employer paying contributions is not here: it is not a stop reason
(人社厅发〔2020〕24号第六条)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StopReason:
    code: str
    label: str
    basis: str


STOP_REASONS = {
    reason.code: reason
    for reason in (
        StopReason(
            "reemployed",
            "重新就业（有用人单位为您缴纳社会保险）",
            "社会保险法第五十一条第（一）项；人社厅发〔2020〕24号第六条",
        ),
        StopReason("pension_start", "开始领取基本养老保险待遇", "社会保险法第五十一条第（四）项"),
        StopReason("conscription", "应征服兵役", "社会保险法第五十一条第（二）项"),
        StopReason("emigration", "移居境外", "社会保险法第五十一条第（三）项"),
        StopReason("imprisonment", "被判刑收监执行", "失业保险条例第十五条第（四）项"),
        StopReason("death", "死亡", "失业保险条例第二十条"),
        # Only where the region's rule is on (`hidden_employment`; the wording and basis then come
        # from the region's rule), and only by a staff decision: the records hold no income, so
        # the evidence comes from outside (a suspect list, a visit).
        StopReason("hidden_employment", "隐性就业", "社会保险法第五十一条第（一）项；地区规定"),
    )
}
