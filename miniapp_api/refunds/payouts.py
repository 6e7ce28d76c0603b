"""Paying refunds after their notice: a batch of the region's payable refunds, its bank file of
corporate accounts, the bank's answer (回盘) settling each once. The finance role only: the
business roles that approved them never pay them."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auth.caller import Caller
from miniapp_api.audit.models import AuditEvent
from miniapp_api.audit.service import record as audit
from miniapp_api.clock import china_today
from miniapp_api.db import MAX_ID, chunks, utcnow
from miniapp_api.documents.tables import csv_bytes
from miniapp_api.errors import ConflictError, Forbidden, NotFoundError, ValidationFailed
from miniapp_api.objections.models import Objection
from miniapp_api.payments.answers import read_answers
from miniapp_api.pii import mask_text
from miniapp_api.records.fields import without_controls
from miniapp_api.records.models import Employer
from miniapp_api.refunds import telling
from miniapp_api.refunds.models import Assessment, CorporateAccount, Notice, PaymentBatch
from miniapp_api.refunds.notices import close_ended
from miniapp_api.refunds.presenting import STATUS_LABELS
from miniapp_api.refunds.review import region_for

BANK_FILE_COLUMNS = ("业务编号", "单位名称", "开户银行", "账户名称", "对公账号", "金额")


def prepare(session: Session, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    region = region_for(caller, body.get("region"))
    close_ended(session, region, china_today())
    payable = session.scalars(
        select(Assessment)
        .join(CorporateAccount, CorporateAccount.employer_id == Assessment.employer_id)
        .where(
            Assessment.region_code == region,
            Assessment.policy_year == body["policy_year"],
            Assessment.status == "payable",
            # An objection still unanswered may change the figures: paid once it is answered.
            ~select(Objection.id).where(Objection.refund_id == Assessment.id, Objection.closed_at.is_(None)).exists(),
        )
        .order_by(Assessment.id)
        .with_for_update(of=Assessment)
    ).all()
    if not payable:
        raise ConflictError(
            "没有公示期满、待拨付的稳岗返还" + _in_notice(session, region, body["policy_year"]), code="NOTHING_TO_PAY"
        )
    # Who approved a refund does not pay it, whatever roles their account holds now (the audit
    # trail remembers every approval, a later one by someone else included).
    own = _approved_by(session, caller, [found.id for found in payable])
    if own:
        raise Forbidden(
            f"其中{len(own)}笔稳岗返还由您本人审核通过，须由其他财务人员生成拨付批次",
            code="DECIDED_BY_YOU",
            details={"refunds": own[:50]},
        )
    batch = PaymentBatch(
        region_code=region,
        policy_year=body["policy_year"],
        instructions=len(payable),
        total_amount=sum((found.amount or Decimal("0.00") for found in payable), Decimal("0.00")),
        prepared_by=caller.staff_user_id,
    )
    session.add(batch)
    session.flush()
    for found in payable:
        found.status, found.batch_id, found.failure_reason = "paying", batch.id, None
        found.payment_reference = f"WG{batch.id:06d}{found.id:010d}"
    audit(
        "refund.batch_prepared",
        actor=caller.audit_actor,
        subject=("refund_payment_batch", batch.id),
        detail={"instructions": batch.instructions, "total": str(batch.total_amount)},
    )
    return describe_batch(session, batch)


def _approved_by(session: Session, caller: Caller, refund_ids: list[int]) -> list[int]:
    kind, who = caller.audit_actor
    approved: set[int] = set()
    for chunk in chunks([str(refund_id) for refund_id in refund_ids]):
        approved |= {
            int(subject or 0)
            for subject in session.scalars(
                select(AuditEvent.subject_id).where(
                    AuditEvent.action == "refund.approved",
                    AuditEvent.subject_kind == "refund_assessment",
                    AuditEvent.subject_id.in_(chunk),
                    AuditEvent.actor_kind == kind,
                    AuditEvent.actor_id == str(who),
                )
            )
        }
    return sorted(approved)


def _in_notice(session: Session, region: str, policy_year: int) -> str:
    """When the refunds still on notice can be paid, so finance is not left guessing."""
    waiting, ends = session.execute(
        select(func.count(Assessment.id), func.max(Notice.ends_on))
        .join(Notice, Notice.id == Assessment.notice_id)
        .where(Assessment.region_code == region, Assessment.policy_year == policy_year)
        .where(Assessment.status == "in_notice")
    ).one()
    return f"（公示中{waiting}家，公示期至{ends:%Y-%m-%d}，之后可拨付）" if waiting else ""


def describe_batch(session: Session, batch: PaymentBatch) -> dict[str, Any]:
    counts = dict(
        session.execute(
            select(Assessment.status, func.count()).where(Assessment.batch_id == batch.id).group_by(Assessment.status)
        ).all()
    )
    return {
        "id": batch.id,
        "region_code": batch.region_code,
        "policy_year": batch.policy_year,
        "status": batch.status,
        "instructions": batch.instructions,
        "total_amount": str(batch.total_amount),
        "by_status": counts,
        "prepared_at": batch.prepared_at,
        "exported_at": batch.exported_at,
        "confirmed_at": batch.confirmed_at,
    }


def batch_of(session: Session, caller: Caller, batch_id: int, *, for_update: bool = False) -> PaymentBatch:
    query = select(PaymentBatch).where(PaymentBatch.id == batch_id)
    if caller.staff_region:
        query = query.where(PaymentBatch.region_code == caller.staff_region)
    found = session.scalar(query.with_for_update() if for_update else query) if 0 < batch_id <= MAX_ID else None
    if found is None:
        raise NotFoundError("没有找到这个拨付批次", code="BATCH_NOT_FOUND")
    return found


def bank_file(session: Session, caller: Caller, batch_id: int) -> bytes:
    batch = batch_of(session, caller, batch_id, for_update=True)
    rows = session.execute(
        select(Assessment, Employer.name, CorporateAccount)
        .join(Employer, Employer.id == Assessment.employer_id)
        .join(CorporateAccount, CorporateAccount.employer_id == Assessment.employer_id)
        .where(Assessment.batch_id == batch.id, Assessment.status == "paying")
        .order_by(Assessment.id)
    )
    content = csv_bytes(
        BANK_FILE_COLUMNS,
        (
            [
                found.payment_reference,
                name,
                account.bank_name,
                account.account_name,
                account.account_number,
                f"{found.amount:.2f}",
            ]
            for found, name, account in rows
        ),
    )
    if batch.status == "prepared":
        batch.status, batch.exported_at = "exported", utcnow()
    audit(
        "refund.bank_file_exported",
        actor=caller.audit_actor,
        subject=("refund_payment_batch", batch.id),
        detail={"sha256": hashlib.sha256(content).hexdigest()},
    )
    return content


def confirm(session: Session, caller: Caller, batch_id: int, content: bytes) -> dict[str, Any]:
    """Settle each refund of the batch from the bank's answer, once: paid, or returned to the
    enterprise to correct its account (it is paid in a later batch)."""
    batch = batch_of(session, caller, batch_id, for_update=True)
    if batch.status == "prepared":
        raise ConflictError("请先导出银行文件，再导入银行回盘", code="BANK_FILE_NOT_EXPORTED")
    answers = read_answers(content)
    found = {
        item.payment_reference: item
        for chunk in chunks(list(answers))
        for item in session.scalars(
            select(Assessment).where(Assessment.batch_id == batch.id, Assessment.payment_reference.in_(chunk))
        )
    }
    unknown = sorted(set(answers) - set(found))
    if unknown:
        raise ValidationFailed(
            f"回盘文件中有{len(unknown)}个业务编号不属于本批次（如{unknown[0]}），未做任何处理",
            code="UNKNOWN_REFERENCE",
            details={"references": unknown[:50]},
        )
    settled = {"paid": 0, "returned": 0, "unchanged": 0}
    for reference, (result, reason) in answers.items():
        item = found[reference]
        outcome = "paid" if result == "paid" else "returned"
        if item.status == outcome:
            settled["unchanged"] += 1
            continue
        if item.status != "paying":
            raise ConflictError(
                f"业务编号{reference}已按“{STATUS_LABELS[item.status]}”处理，与本次回盘的结果不一致，未做任何处理",
                code="RESULT_CONFLICT",
            )
        item.status = outcome
        item.paid_at = utcnow() if outcome == "paid" else None
        # The bank's words, told to the enterprise: masked, and cut to what the record holds.
        item.failure_reason = mask_text(without_controls(reason))[:200] or None if outcome == "returned" else None
        settled[outcome] += 1
        (telling.paid if outcome == "paid" else telling.returned)(session, item)
    if not session.scalar(select(func.count()).where(Assessment.batch_id == batch.id, Assessment.status == "paying")):
        batch.status, batch.confirmed_at = "confirmed", batch.confirmed_at or utcnow()
    audit(
        "refund.batch_confirmed", actor=caller.audit_actor, subject=("refund_payment_batch", batch.id), detail=settled
    )
    return {**describe_batch(session, batch), "settled": settled}
