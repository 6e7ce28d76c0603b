"""The medical premiums the unemployment fund pays (社会保险法第四十八条), run by run.

Each benefit month carries the premium the region's `medical_premium` parameter set for it.
A run's remittance list (for the medical-insurance fund) holds each month it issues for the first
time: a month the bank returned and a later run issues again was remitted already, so it is
never listed twice. It sits beside the bank file, scoped and audited the same way.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from auth.caller import Caller
from miniapp_api.audit.service import record as audit
from miniapp_api.claims.models import BenefitPayment
from miniapp_api.documents.tables import csv_bytes
from miniapp_api.payments.models import PaymentInstruction, PaymentRun
from miniapp_api.records.models import Person
from miniapp_api.records.service import rules_parameters
from miniapp_api.rules.schedule import MEDICAL_BASIS
from miniapp_api.rules.trace import cite

REMITTANCE_COLUMNS = ("业务编号", "姓名", "公民身份号码", "所属月份", "代缴基本医疗保险费", "依据")


def _first_issue(instruction: Any) -> Any:
    """The instruction is its month's first: no earlier run issued the same benefit month."""
    earlier = aliased(PaymentInstruction)
    return ~exists().where(
        earlier.benefit_payment_id == instruction.benefit_payment_id,
        earlier.id < instruction.id,
    )


def _remitted(run_id: int) -> Any:
    return (
        select(PaymentInstruction, BenefitPayment.medical_premium)
        .join(BenefitPayment, BenefitPayment.id == PaymentInstruction.benefit_payment_id)
        .where(
            PaymentInstruction.run_id == run_id,
            PaymentInstruction.medical_premium_paid.is_(True),
            _first_issue(PaymentInstruction),
        )
    )


def run_total(session: Session, run_id: int) -> tuple[int, Decimal]:
    """How many months the run remits a premium for, and how much in all."""
    listed = _remitted(run_id).subquery()
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(listed.c.medical_premium), 0)).select_from(listed)
    ).one()
    return int(count), Decimal(total).quantize(Decimal("0.01"))


def remittance_list(session: Session, caller: Caller, run: PaymentRun) -> bytes:
    """The list for the medical-insurance fund: full ID numbers (the fund credits each person by
    them), so it is for that fund only and every export is audited."""
    rows = session.execute(
        _remitted(run.id)
        .add_columns(Person.name, Person.id_number)
        .join(Person, Person.id == PaymentInstruction.person_id)
        .order_by(PaymentInstruction.id)
    )
    parameters = rules_parameters(session, run.region_code)
    unpriced = 0
    lines = []
    for instruction, premium, name, id_number in rows:
        if premium is None:
            unpriced += 1
        # The law that the fund pays, and the region's document that sets the amount for that month.
        rule = parameters.optional("medical_premium", instruction.period) if parameters else None
        lines.append(
            [
                instruction.reference,
                name,
                id_number,
                f"{instruction.period:%Y-%m}",
                f"{premium:.2f}" if premium is not None else "待核定",
                cite(MEDICAL_BASIS, rule.citation) if rule else MEDICAL_BASIS,
            ]
        )
    content = csv_bytes(REMITTANCE_COLUMNS, lines)
    audit(
        "payment.medical_remittance_exported",
        actor=caller.audit_actor,
        subject=("payment_run", run.id),
        detail={
            "rows": len(lines),
            "total": str(run.medical_premium_total),
            "unpriced": unpriced,
            "sha256": hashlib.sha256(content).hexdigest(),
        },
    )
    return content
