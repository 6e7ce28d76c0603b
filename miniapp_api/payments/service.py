"""The monthly payment run (finance): due months → instructions → bank file → confirmation.

- Prepare: every scheduled month up to the run's month, of a claim being paid (approved), becomes
  one instruction — one set-based INSERT … SELECT, guarded by unique keys (the run's month; the
  payment; the person, month and kind), so a run started twice pays nothing twice.
- Export: the bank file (CSV, full account numbers: for the bank only), audited.
- Confirm: the bank's answer (CSV: reference, result, reason) settles each instruction once; a
  paid month goes on the claim's timeline. Importing the same answer again changes nothing.
  A month the bank returned stays due: the claimant is told why, and the next run issues it
  again under a new reference.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from sqlalchemy import String, cast, exists, func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from auth.caller import Caller
from miniapp_api.audit.service import record as audit
from miniapp_api.claims import decisions, timeline
from miniapp_api.claims.models import BenefitPayment, Claim
from miniapp_api.clock import china_today
from miniapp_api.db import MAX_ID, chunks, utcnow
from miniapp_api.documents.tables import csv_bytes
from miniapp_api.errors import ConflictError, Forbidden, NotFoundError, ValidationFailed
from miniapp_api.payments import medical
from miniapp_api.payments.answers import read_answers
from miniapp_api.payments.models import PaymentInstruction, PaymentRun
from miniapp_api.pii import mask_bank_account, mask_name, mask_text
from miniapp_api.records.models import Person, Region
from miniapp_api.safety.crosscheck import recover_paid_after_cancellation
from miniapp_api.safety.holds import on_hold

BANK_FILE_COLUMNS = ("业务编号", "姓名", "开户银行", "银行账号", "金额", "所属月份", "基本医疗保险费代缴")
# A month the bank returns is sent again once to the same account; then it waits for a new account.
RETRIES_ON_SAME_ACCOUNT = 2


def run_region(session: Session, caller: Caller, asked: str | None) -> str:
    """The region a run is for: a regional account's own; a province-wide one names it."""
    if caller.staff_region:
        if asked and asked != caller.staff_region:
            raise Forbidden(f"只能为本地区（{caller.staff_region}）生成发放批次", code="OTHER_REGION")
        return caller.staff_region
    if not asked:
        raise ValidationFailed("全省账号生成发放批次时请指明统筹地区（region）", code="REGION_REQUIRED")
    if session.get(Region, asked) is None:
        raise ValidationFailed(f"统筹地区 {asked} 不存在", code="UNKNOWN_REGION")
    return asked


def prepare(session: Session, caller: Caller, period: dt.date, region: str | None = None) -> dict[str, Any]:
    """The run of `period` (a month already begun in China: records.fields.Month) for one region:
    every month due by then of that region's claims. The month is the caller's to name, never
    the clock's, so a run started just before midnight cannot drift into the next month."""
    region_code = run_region(session, caller, region)
    run = PaymentRun(
        region_code=region_code,
        period=period,
        status="prepared",
        instructions=0,
        total_amount=Decimal("0.00"),
        medical_premiums=0,
        medical_premium_total=Decimal("0.00"),
        prepared_by=caller.staff_user_id,
        prepared_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(run)
            session.flush()
    except IntegrityError:
        existing = session.scalar(
            select(PaymentRun).where(PaymentRun.region_code == region_code, PaymentRun.period == period)
        )
        raise ConflictError(
            f"统筹地区{region_code}的{period:%Y年%m月}发放批次已经生成，不能重复生成",
            code="RUN_EXISTS",
            details={"run_id": existing.id if existing else None},
        ) from None
    session.execute(_due_months(run.id, region_code, period))
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(PaymentInstruction.amount), 0)).where(
            PaymentInstruction.run_id == run.id
        )
    ).one()
    run.instructions, run.total_amount = int(count), Decimal(total)
    run.medical_premiums, run.medical_premium_total = medical.run_total(session, run.id)
    held = held_months(session, region_code, period)
    audit(
        "payment.run_prepared",
        actor=caller.audit_actor,
        subject=("payment_run", run.id),
        detail={
            "region_code": region_code,
            "period": f"{period:%Y-%m}",
            "instructions": run.instructions,
            "total": str(run.total_amount),
            "medical_premium_total": str(run.medical_premium_total),
            "held_after_returns": held,
        },
    )
    return {**describe(session, run), "held_after_returns": held}


def _due_months(run_id: int, region_code: str, period: dt.date) -> Any:
    """INSERT … SELECT: the scheduled months due by `period` of the region's claims being paid,
    not yet instructed."""
    payment = BenefitPayment
    earlier = aliased(PaymentInstruction)
    due = (
        select(
            literal(run_id),
            payment.id,
            payment.claim_id,
            payment.person_id,
            payment.kind,
            payment.period,
            payment.amount,
            payment.medical_premium_paid,
            literal("BP") + cast(payment.id, String) + literal("-") + cast(literal(run_id), String),
            literal("issued"),
            Claim.bank_account_hash,
        )
        .join(Claim, Claim.id == payment.claim_id)
        .where(
            payment.status == "scheduled",
            payment.period <= period,
            Claim.status == "approved",
            Claim.region_code == region_code,
            ~on_hold(Claim.person_id),  # a claim approved after a holding check item opened
            ~exists().where(
                earlier.person_id == payment.person_id,
                earlier.period == payment.period,
                earlier.kind == payment.kind,
                earlier.status != "failed",
            ),
            _returns_to_current_account(payment.id) < RETRIES_ON_SAME_ACCOUNT,
        )
    )
    columns = [
        "run_id",
        "benefit_payment_id",
        "claim_id",
        "person_id",
        "kind",
        "period",
        "amount",
        "medical_premium_paid",
        "reference",
        "status",
        "account_hash",
    ]
    return insert(PaymentInstruction).from_select(columns, due)


def _returns_to_current_account(payment_id: Any) -> Any:
    """How often the bank returned this month when sent to the account the claim has now."""
    failed = aliased(PaymentInstruction)
    return (
        select(func.count())
        .where(
            failed.benefit_payment_id == payment_id,
            failed.status == "failed",
            failed.account_hash == Claim.bank_account_hash,
        )
        .scalar_subquery()
    )


def held_months(session: Session, region_code: str, period: dt.date) -> int:
    """The region's due months not issued because the bank returned them twice to the claim's
    current account."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(BenefitPayment)
            .join(Claim, Claim.id == BenefitPayment.claim_id)
            .where(
                BenefitPayment.status == "scheduled",
                BenefitPayment.period <= period,
                Claim.status == "approved",
                Claim.region_code == region_code,
                _returns_to_current_account(BenefitPayment.id) >= RETRIES_ON_SAME_ACCOUNT,
            )
        )
        or 0
    )


def run_of(session: Session, caller: Caller, run_id: int, *, for_update: bool = False) -> PaymentRun:
    """One run, if it is of the caller's region (another region's is "not found")."""
    query = select(PaymentRun).where(PaymentRun.id == run_id)
    if caller.staff_region:
        query = query.where(PaymentRun.region_code == caller.staff_region)
    run = session.scalar(query.with_for_update() if for_update else query) if 0 < run_id <= MAX_ID else None
    if run is None:
        raise NotFoundError("没有找到这个发放批次", code="RUN_NOT_FOUND")
    return run


def describe(session: Session, run: PaymentRun, limit: int = 50) -> dict[str, Any]:
    rows = session.execute(
        select(PaymentInstruction, Person.name, Claim.bank_name, Claim.bank_account)
        .join(Person, Person.id == PaymentInstruction.person_id)
        .join(Claim, Claim.id == PaymentInstruction.claim_id)
        .where(PaymentInstruction.run_id == run.id)
        .order_by(PaymentInstruction.id)
        .limit(limit)
    ).all()
    by_status = dict(
        session.execute(
            select(PaymentInstruction.status, func.count())
            .where(PaymentInstruction.run_id == run.id)
            .group_by(PaymentInstruction.status)
        ).all()
    )
    return {
        "id": run.id,
        "region_code": run.region_code,
        "period": f"{run.period:%Y-%m}",
        "status": run.status,
        "instructions": run.instructions,
        "total_amount": run.total_amount,
        "medical_premiums": run.medical_premiums,
        "medical_premium_total": run.medical_premium_total,
        "by_status": {status: int(by_status.get(status, 0)) for status in ("issued", "paid", "failed")},
        "sample": [
            {
                "reference": i.reference,
                "claimant": mask_name(name),
                "bank": f"{bank or ''} {mask_bank_account(account)}".strip(),
                "period": f"{i.period:%Y-%m}",
                "amount": i.amount,
                "medical_premium_paid": i.medical_premium_paid,
                "status": i.status,
            }
            for i, name, bank, account in rows
        ],
    }


def bank_file(session: Session, caller: Caller, run_id: int) -> bytes:
    run = run_of(session, caller, run_id, for_update=True)
    rows = session.execute(
        select(PaymentInstruction, Person.name, Claim.bank_name, Claim.bank_account)
        .join(Person, Person.id == PaymentInstruction.person_id)
        .join(Claim, Claim.id == PaymentInstruction.claim_id)
        .where(PaymentInstruction.run_id == run.id)
        .order_by(PaymentInstruction.id)
    )
    content = csv_bytes(
        BANK_FILE_COLUMNS,
        (
            [
                instruction.reference,
                name,
                bank or "",
                account or "",
                f"{instruction.amount:.2f}",
                f"{instruction.period:%Y-%m}",
                "是" if instruction.medical_premium_paid else "否",
            ]
            for instruction, name, bank, account in rows
        ),
    )
    if run.status == "prepared":
        run.status, run.exported_at = "exported", utcnow()
    audit(
        "payment.bank_file_exported",
        actor=caller.audit_actor,
        subject=("payment_run", run.id),
        detail={"rows": run.instructions, "sha256": hashlib.sha256(content).hexdigest()},
    )
    return content


def medical_remittance(session: Session, caller: Caller, run_id: int) -> bytes:
    return medical.remittance_list(session, caller, run_of(session, caller, run_id))


def confirm(session: Session, caller: Caller, run_id: int, content: bytes) -> dict[str, Any]:
    """Settle the run's instructions from the bank's answer; each settles once."""
    run = run_of(session, caller, run_id, for_update=True)
    answers = read_answers(content)
    if len(answers) > run.instructions:
        # Cheaper to refuse here than after loading a file's worth of rows that cannot all be ours.
        raise ValidationFailed(
            f"回盘文件有{len(answers)}个业务编号，多于本批次的{run.instructions}笔，未做任何处理",
            code="TOO_MANY_ROWS",
        )
    instructions = {
        i.reference: i
        for chunk in chunks(list(answers))
        for i in session.scalars(
            select(PaymentInstruction).where(
                PaymentInstruction.run_id == run.id, PaymentInstruction.reference.in_(chunk)
            )
        )
    }
    unknown = sorted(set(answers) - set(instructions))
    if unknown:
        raise ValidationFailed(
            f"回盘文件中有{len(unknown)}个业务编号不属于本批次，未做任何处理",
            code="UNKNOWN_REFERENCE",
            details={"references": unknown[:50]},
        )
    conflicting = sorted(
        reference
        for reference, (result, _reason) in answers.items()
        if instructions[reference].status not in ("issued", result)
    )
    if conflicting:
        # A paid month the bank now calls failed, or a returned one it now calls paid (and which
        # may already be issued again): never settled silently either way.
        raise ConflictError(
            f"回盘文件中有{len(conflicting)}笔与此前的回盘结果不一致，未做任何处理，请与银行核对",
            code="RESULT_CONFLICT",
            details={"references": conflicting[:50]},
        )
    paid = failed = unchanged = 0
    now = utcnow()
    paid_to: dict[int, list[PaymentInstruction]] = {}  # claim → its months paid in this answer
    payment_ids = sorted({i.benefit_payment_id for i in instructions.values()})
    payments = {
        p.id: p
        for chunk in chunks(payment_ids)
        for p in session.scalars(select(BenefitPayment).where(BenefitPayment.id.in_(chunk)))
    }
    claim_ids = sorted({i.claim_id for i in instructions.values()})
    claims = {c.id: c for chunk in chunks(claim_ids) for c in session.scalars(select(Claim).where(Claim.id.in_(chunk)))}
    for reference, (result, reason) in answers.items():
        instruction = instructions[reference]
        if instruction.status != "issued":
            unchanged += 1
            continue
        instruction.settled_at = now
        payment, claim = payments[instruction.benefit_payment_id], claims[instruction.claim_id]
        if result == "paid":
            instruction.status = "paid"
            due = payment.status != "cancelled"
            if not due:  # paid by the bank after a decision cancelled it: to recover, not to announce
                recover_paid_after_cancellation(session, claim, payment)
            payment.status, payment.paid_at = "paid", now
            timeline.append(claim, "payment_paid", period=instruction.period, amount=str(instruction.amount))
            if due:
                paid_to.setdefault(claim.id, []).append(instruction)
            paid += 1
        else:
            instruction.status, instruction.failure_reason = "failed", mask_text(reason)[:200] or "银行退回"
            _returned(session, claim, payment, instruction)
            failed += 1
    _tell_paid(session, run, claims, paid_to)
    if not session.scalar(
        select(func.count()).where(PaymentInstruction.run_id == run.id, PaymentInstruction.status == "issued")
    ):
        run.status, run.confirmed_at = "confirmed", now
    audit(
        "payment.confirmed",
        actor=caller.audit_actor,
        subject=("payment_run", run.id),
        detail={"paid": paid, "failed": failed, "unchanged": unchanged},
    )
    return {"paid": paid, "failed": failed, "unchanged": unchanged, "run": describe(session, run)}


def _tell_paid(
    session: Session, run: PaymentRun, claims: dict[int, Claim], paid_to: dict[int, list[PaymentInstruction]]
) -> None:
    """One message a claimant a run, however many months it paid them (WeChat, else SMS)."""
    for claim_id, months in paid_to.items():
        claim = claims[claim_id]
        periods = sorted(m.period for m in months)
        span = f"{periods[0]:%Y年%m月}" if len(periods) == 1 else f"{periods[0]:%Y年%m月}至{periods[-1]:%Y年%m月}"
        total = sum((m.amount for m in months), Decimal("0.00"))
        account = f"{claim.bank_name or ''} {mask_bank_account(claim.bank_account)}" if claim.bank_account else ""
        values = {"period": span, "amount": f"{total:.2f}", "account": account.strip()[:30] or "收款账户"}
        decisions.notify_claimant(
            session,
            claim,
            "benefit_paid",
            {**values, "paid_on": china_today().isoformat()},
            dedup_suffix=f":run:{run.id}",
        )


def _returned(session: Session, claim: Claim, payment: BenefitPayment, instruction: PaymentInstruction) -> None:
    """A month still due goes into the next run, and the claimant is told; a month cancelled
    meanwhile (payment stopped) is only recorded."""
    reason = instruction.failure_reason or "银行退回"
    reissued = payment.status == "scheduled" and claim.status == "approved"
    timeline.append(
        claim,
        "payment_returned",
        period=instruction.period,
        amount=str(instruction.amount),
        reason=reason,
        reissued=reissued,
    )
    if reissued:
        decisions.notify_claimant(
            session,
            claim,
            "payment_returned",
            {"period": f"{instruction.period:%Y年%m月}", "amount": f"{instruction.amount:.2f}", "reason": reason[:20]},
            dedup_suffix=f":{instruction.reference}",
        )
