"""Why a job ended, and whether that reason qualifies for benefit (人社部令第13号 §13).

Each reason names the national text it maps to (劳动合同法, 人社部令第13号). A province's own rule
is never written here: it is a regional parameter with its own citation (`regional_bar`), so a
claimant is only ever shown their own region's documents. Where the unemployment registration's
reason and the stop-contribution reason differ, the stop-contribution reason prevails: the
service's policy everywhere, cited from a regional document only where one says so
(`stop_reason_prevails`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeparationReason:
    code: str
    label: str  # as written on the employer's filing form and shown to people
    qualifying: bool
    basis: str
    # A regional parameter kind which, where in force, makes a nationally qualifying reason not
    # qualify (the parameter's citation is the basis).
    regional_bar: str | None = None

    @property
    def refusal_code(self) -> str | None:
        """The reason code a non-qualifying separation is refused with (None when it qualifies)."""
        if self.qualifying:
            return None
        return _REFUSAL_CODES.get(self.code, "VOLUNTARY_SEPARATION")


_REFUSAL_CODES = {
    "retired": "SEPARATION_BY_RETIREMENT",
    "deceased": "SEPARATION_BY_DEATH",
    "resettlement_lump_sum": "RESETTLEMENT_PAYMENT_TAKEN",
}


_REASONS = (
    SeparationReason("contract_expired", "劳动合同期满终止", True, "劳动合同法第四十四条第（一）项"),
    SeparationReason("employer_bankrupt", "用人单位被依法宣告破产", True, "劳动合同法第四十四条第（四）项"),
    SeparationReason(
        "employer_closed",
        "用人单位被吊销营业执照、责令关闭、撤销或提前解散",
        True,
        "劳动合同法第四十四条第（五）项",
    ),
    SeparationReason("dismissed_for_cause", "用人单位依法解除（过失性辞退）", True, "劳动合同法第三十九条"),
    SeparationReason("dismissed_no_fault", "用人单位依法解除（无过失性辞退）", True, "劳动合同法第四十条"),
    SeparationReason("economic_layoff", "经济性裁员", True, "劳动合同法第四十一条"),
    SeparationReason(
        "mutual_employer_proposed", "用人单位提出协商一致解除", True, "劳动合同法第三十六条；人社部令第13号第十三条"
    ),
    SeparationReason("quit_employer_fault", "因用人单位过错由本人解除", True, "劳动合同法第三十八条"),
    SeparationReason("expelled", "被用人单位开除、除名或辞退", True, "人社部令第13号第十三条"),
    SeparationReason("resigned", "本人提出解除（辞职）", False, "劳动合同法第三十七条"),
    SeparationReason(
        "mutual_employee_proposed",
        "本人提出协商一致解除",
        False,
        "劳动合同法第三十六条；人社部令第13号第十三条（所列情形仅含用人单位提出的协商解除）",
    ),
    SeparationReason("retired", "开始依法享受基本养老保险待遇", False, "劳动合同法第四十四条第（二）项"),
    SeparationReason("deceased", "劳动者死亡或被宣告死亡、失踪", False, "劳动合同法第四十四条第（三）项"),
    SeparationReason(
        "resettlement_lump_sum",
        "企业关闭时领取一次性安置费",
        True,
        "劳动合同法第四十四条第（五）项（企业关闭）",
        regional_bar="resettlement_payment_bar",
    ),
)

SEPARATION_REASONS: dict[str, SeparationReason] = {reason.code: reason for reason in _REASONS}
_BY_LABEL = {reason.label: reason for reason in _REASONS}


def reason_for(code_or_label: str) -> SeparationReason | None:
    """Find a reason by its code or by its Chinese label as written on the filing form."""
    text = (code_or_label or "").strip()
    return SEPARATION_REASONS.get(text) or _BY_LABEL.get(text)


def barred_in_region(reason: SeparationReason, bar_citation: str | None) -> SeparationReason:
    """The reason as the region's rules read it: a reason its region bars (the bar's citation in
    hand) does not qualify, on that region's document alone."""
    if reason.regional_bar is None or bar_citation is None:
        return reason
    return SeparationReason(reason.code, reason.label, False, bar_citation)


def prevailing_reason(stop_contribution_code: str | None, declared_code: str | None) -> SeparationReason | None:
    """The reason a decision uses: the stop-contribution record's, when there is one, over what was
    declared at registration. A stop-contribution code outside the
    vocabulary gives None (a person must look), never a fall-back to the declared reason."""
    code = stop_contribution_code or declared_code
    return SEPARATION_REASONS.get(code) if code else None
