"""The electronic claim form (电子申领表): every field with its value, where it comes from, and
whether the claimant may change it here.

Internal fields come from the records and the rules; an error in one is disputed through the
objection channel (each carries the field name to dispute), never edited on the form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from miniapp_api.claims.records_view import RecordsView
from miniapp_api.pii import cipher, mask_bank_account, mask_id_number, mask_phone
from miniapp_api.rules.separation_reasons import SEPARATION_REASONS

OBJECTIONS_PATH = "/api/v1/objections"
MEDICAL_PREMIUM_TEXT = "领取期间的基本医疗保险费由失业保险基金代缴，个人不缴纳"


@dataclass(frozen=True)
class FormField:
    label: str
    # identity_records, contribution_records, stop_contribution_record, rules, social_security_card, claimant
    source: str
    editable: bool = False
    disputable: bool = False


FIELDS: dict[str, FormField] = {
    "name": FormField("姓名", "identity_records", disputable=True),
    "sex": FormField("性别", "identity_records", disputable=True),
    "birth_date": FormField("出生日期", "identity_records", disputable=True),
    "id_number": FormField("公民身份号码", "identity_records"),
    "insured_region": FormField("参保统筹地区", "contribution_records", disputable=True),
    "last_employer": FormField("最后参保单位", "contribution_records", disputable=True),
    "contribution_months": FormField("累计缴费月数", "contribution_records", disputable=True),
    "separation_date": FormField("失业日期", "stop_contribution_record", disputable=True),
    "separation_reason": FormField("失业原因", "stop_contribution_record", disputable=True),
    "entitlement_months": FormField("可领取月数", "rules"),
    "monthly_amounts": FormField("每月失业保险金", "rules"),
    "continued_payment": FormField("续发至法定退休年龄", "rules"),
    "medical_premium": FormField("基本医疗保险费", "rules"),
    "ss_card_bank_account": FormField("社会保障卡银行账户", "social_security_card", disputable=True),
    "phone": FormField("联系电话", "identity_records", editable=True),
    "contact_address": FormField("联系地址", "claimant", editable=True),
    "bank_account": FormField("收款账户", "social_security_card", editable=True),
}
EDITABLE = frozenset(name for name, spec in FIELDS.items() if spec.editable)
INTERNAL = frozenset(name for name, spec in FIELDS.items() if not spec.editable)
DISPUTABLE = frozenset(name for name, spec in FIELDS.items() if spec.disputable)


def internal_values(view: RecordsView) -> dict[str, tuple[Any, str]]:
    """Each internal field's (value, text as shown)."""
    person = view.person
    stop = view.stop_event
    reason = SEPARATION_REASONS.get(stop.reason_code) if stop else None
    result = view.estimate
    schedule = [
        {"period": m.period, "amount": str(m.amount), "continued": m.continued}
        for m in (result.schedule if result else ())
    ]
    continued = (
        {"months": result.continued_payment_months, "until": result.continued_payment_until.isoformat()}
        if result and result.continued_payment_until
        else None
    )
    account = mask_bank_account(person.bank_account) if person.bank_account else None
    return {
        "name": (person.name, person.name),
        "sex": ({"M": "male", "F": "female"}[person.sex], {"M": "男", "F": "女"}[person.sex]),
        "birth_date": (person.birth_date.isoformat(), person.birth_date.isoformat()),
        "id_number": (mask_id_number(person.id_number), mask_id_number(person.id_number)),
        "insured_region": (view.region.code, f"{view.region.province}{view.region.name}"),
        "last_employer": (
            view.employer.name if view.employer else None,
            view.employer.name if view.employer else "暂无记录",
        ),
        "contribution_months": (view.contribution_months, f"{view.contribution_months}个月"),
        "separation_date": (
            stop.stop_date.isoformat() if stop else None,
            stop.stop_date.isoformat() if stop else "暂无停保记录",
        ),
        "separation_reason": (
            stop.reason_code if stop else None,
            f"{reason.label}（{reason.basis}）" if reason else ("暂无停保记录" if stop is None else "原因代码无法识别"),
        ),
        "entitlement_months": _entitlement(view),
        "monthly_amounts": (schedule, _amounts_text(schedule)),
        "continued_payment": (
            continued,
            f"领取期满后继续发放{continued['months']}个月，至{continued['until']}" if continued else "不适用",
        ),
        "medical_premium": (True, MEDICAL_PREMIUM_TEXT),
        "ss_card_bank_account": (
            f"{person.bank_name} {account}" if account else None,
            f"{person.bank_name} {account}" if account else "社会保障卡未开通银行账户",
        ),
    }


def _entitlement(view: RecordsView) -> tuple[int | None, str]:
    result = view.estimate
    if result is None:
        return None, "需人工审核后确定"
    if not result.eligible:
        return 0, "按现有记录不符合领取条件"
    return result.entitlement_months, f"{result.entitlement_months}个月"


def _amounts_text(schedule: list[dict[str, Any]]) -> str:
    if not schedule:
        return "—"
    amounts = sorted({month["amount"] for month in schedule}, key=float)
    if len(amounts) == 1:
        return f"每月{amounts[0]}元，共{len(schedule)}个月"
    return f"每月{amounts[0]}元至{amounts[-1]}元，共{len(schedule)}个月"


def editable_values(view: RecordsView, edits: dict[str, Any]) -> dict[str, tuple[Any, str, str]]:
    """Each editable field's (value, text, source): the claimant's edit, or the records' default."""
    person = view.person
    phone = edits.get("phone")
    address = edits.get("contact_address")
    bank = edits.get("bank_account")
    if bank and bank["source"] == "other":
        masked = mask_bank_account(bank["account_number"])
        bank_value = {"source": "other", "bank_name": bank["bank_name"], "account": masked}
        bank_text, bank_source = f"{bank['bank_name']} {masked}", "claimant"
    elif person.bank_account:
        masked = mask_bank_account(person.bank_account)
        bank_value = {"source": "ss_card", "bank_name": person.bank_name, "account": masked}
        bank_text, bank_source = f"社会保障卡银行账户（{person.bank_name} {masked}）", "social_security_card"
    else:
        bank_value, bank_text, bank_source = None, "请填写本人银行账户", "claimant"
    return {
        "phone": (
            mask_phone(phone or person.phone),
            mask_phone(phone or person.phone),
            "claimant" if phone else "identity_records",
        ),
        "contact_address": (address, address or "（未填写）", "claimant"),
        "bank_account": (bank_value, bank_text, bank_source),
    }


def render(view: RecordsView, edits: dict[str, Any]) -> dict[str, dict[str, Any]]:
    internal = internal_values(view)
    editable = editable_values(view, edits)
    fields: dict[str, dict[str, Any]] = {}
    for name, spec in FIELDS.items():
        if name in internal:
            value, text = internal[name]
            source = spec.source
        else:
            value, text, source = editable[name]
        fields[name] = {
            "label": spec.label,
            "value": value,
            "text": text,
            "source": source,
            "editable": spec.editable,
            "dispute": {"field": name, "path": OBJECTIONS_PATH} if spec.disputable else None,
        }
    return fields


def fingerprints(view: RecordsView) -> dict[str, str]:
    """A keyed hash of each internal field's value: what changed can be told later, what it was cannot."""
    # Fields the rules compute are left out: they move with the calendar (the schedule starts
    # in the month of application), not with the records.
    return {
        name: cipher().keyed_hash(json.dumps(value, sort_keys=True, ensure_ascii=False), "claim_form")
        for name, (value, _text) in internal_values(view).items()
        if FIELDS[name].source != "rules"
    }
