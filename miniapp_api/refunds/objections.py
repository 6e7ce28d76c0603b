"""An enterprise objects to its refund (稳岗返还) through the objection channel: the same
numbering, reply clock in working days, staff queue and answer as a claimant's objection, filed
against one condition (or the size class, or the amount) with the values it was judged on."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.caller import Caller
from miniapp_api.alerts.service import raise_alert
from miniapp_api.audit.service import record as audit
from miniapp_api.claims.timeline import actor_of
from miniapp_api.clock import china_today
from miniapp_api.db import MAX_ID, utcnow
from miniapp_api.errors import ConflictError, NotFoundError, ValidationFailed
from miniapp_api.objections import clock, history
from miniapp_api.objections.filers import notify_filer
from miniapp_api.objections.models import Objection, ObjectionDeadline
from miniapp_api.objections.service import insert_numbered
from miniapp_api.objections.vocabulary import REFUND_SUBJECTS
from miniapp_api.pii import mask_text
from miniapp_api.records.models import Region
from miniapp_api.refunds.enterprise import own_refund
from miniapp_api.refunds.models import Assessment, Screening
from miniapp_api.refunds.presenting import STATUS_LABELS, conditions, describe_objection


def file(session: Session, caller: Caller, refund_id: int, body: dict[str, Any]) -> dict[str, Any]:
    found = own_refund(session, caller, refund_id, for_update=True)
    subject = body["condition"]
    if subject not in REFUND_SUBJECTS:
        raise ValidationFailed(
            f"没有“{subject}”这一项；可提出异议的项目：{'、'.join(f'{k}（{v}）' for k, v in REFUND_SUBJECTS.items())}",
            code="UNKNOWN_CONDITION",
            details={"field": "condition"},
        )
    description = mask_text(body["description"].strip())
    if len(description) < 5:
        raise ValidationFailed("请说明异议的具体内容（至少5个字）", code="DESCRIPTION_REQUIRED")
    subject_key = f"refund:{found.id}:{subject}"
    _refuse_second_open(session, found.employer_id, subject_key)
    claimed = (body.get("claimed_value") or "").strip()
    objection = Objection(
        employer_id=found.employer_id,
        refund_id=found.id,
        region_code=found.region_code,
        category="refund",
        field=subject,
        subject_key=subject_key,
        recorded_value=json.dumps(judged_values(session, found, subject), ensure_ascii=False),
        claimed_value=json.dumps(mask_text(claimed), ensure_ascii=False) if claimed else None,
        description=description,
        status="received",
        filed_at=utcnow(),
        filed_on=china_today(),
    )
    insert_numbered(session, objection)
    deadline = clock.start(session, objection)
    due = deadline.due_on.isoformat() if deadline.due_on else None
    history.append(objection.id, "filed", actor_of(caller), category="refund", field=subject, due_on=due)
    audit(
        "objection.filed",
        actor=caller.audit_actor,
        subject=("objection", objection.id),
        detail={"objection_no": objection.objection_no, "category": "refund", "refund_id": found.id, "field": subject},
    )
    if due is not None:
        kind, values = "objection_received", {"objection_no": objection.objection_no, "due_on": due}
    else:  # no date is promised that cannot be counted; the enterprise is told it once it can
        kind = "objection_received_undated"
        values = {
            "objection_no": objection.objection_no,
            "working_days": str(deadline.working_days),
            "year": str(deadline.pending_year),
        }
    notify_filer(session, objection, kind, values, f"objection:{objection.id}:received")
    return describe_objection(objection, deadline, _region(session, objection))


def supplement(session: Session, caller: Caller, refund_id: int, objection_id: int, text: str) -> dict[str, Any]:
    """The enterprise answers the agency's request for more: the reply clock runs on."""
    found = own_refund(session, caller, refund_id)
    if not 0 < objection_id <= MAX_ID:
        raise NotFoundError("没有找到这条异议", code="OBJECTION_NOT_FOUND")
    objection = session.scalar(
        select(Objection)
        .where(Objection.id == objection_id, Objection.refund_id == found.id)
        .where(Objection.employer_id == found.employer_id)
        .with_for_update()
    )
    if objection is None:
        raise NotFoundError("没有找到这条异议", code="OBJECTION_NOT_FOUND")
    if objection.status != "awaiting_claimant":
        raise ConflictError("这条异议目前不需要补充材料", code="NOT_AWAITING_CLAIMANT")
    text = mask_text(text.strip())
    if not text:
        raise ValidationFailed("请填写补充说明", code="TEXT_REQUIRED")
    deadline = session.get(ObjectionDeadline, objection.id, with_for_update=True)
    assert deadline is not None
    clock.resume(session, objection, deadline, china_today())
    objection.status = "in_progress"
    due = deadline.due_on.isoformat() if deadline.due_on else None
    history.append(objection.id, "info_supplied", actor_of(caller), text=text, images=0, due_on=due)
    audit("objection.info_supplied", actor=caller.audit_actor, subject=("objection", objection.id))
    return describe_objection(objection, deadline, _region(session, objection))


def open_on(session: Session, refund: Assessment) -> bool:
    """An objection the agency is still working on, filed within the confirmation window: it holds
    the waiver. One waiting for the enterprise's answer does not (the enterprise holds that one
    up), nor one filed after the window closed (no objection reopens a missed deadline)."""
    found = select(Objection.id).where(
        Objection.refund_id == refund.id,
        Objection.closed_at.is_(None),
        Objection.status != "awaiting_claimant",
    )
    if refund.confirm_by is not None:
        found = found.where(Objection.filed_on <= refund.confirm_by)
    return session.scalar(found.limit(1)) is not None


def any_open(session: Session, refund_id: int) -> bool:
    found = select(Objection.id).where(Objection.refund_id == refund_id, Objection.closed_at.is_(None))
    return session.scalar(found.limit(1)) is not None


def judged_values(session: Session, found: Assessment, subject: str) -> dict[str, Any]:
    """What the screening said of the subject, kept with the objection as the enterprise saw it."""
    if subject == "SIZE_CLASS":
        return {"size_class": found.size_class}
    if subject == "AMOUNT":
        return {
            "paid_last_year": str(found.paid_last_year),
            "share_percent": None if found.share_percent is None else str(found.share_percent),
            "amount": None if found.amount is None else str(found.amount),
        }
    screening = session.get(Screening, found.screening_id)
    assert screening is not None  # a foreign key
    judged = next(c for c in conditions(found, screening) if c["code"] == subject)
    return {"met": judged["met"], **judged["values"]}


def _refuse_second_open(session: Session, employer_id: int, subject_key: str) -> None:
    open_one = session.scalars(
        select(Objection).where(
            Objection.employer_id == employer_id, Objection.subject_key == subject_key, Objection.closed_at.is_(None)
        )
    ).first()
    if open_one is not None:
        raise ConflictError(
            f"贵单位对同一事项的异议（编号{open_one.objection_no}）正在办理，请等待答复",
            code="OBJECTION_ALREADY_OPEN",
            details={"objection_id": open_one.id, "objection_no": open_one.objection_no},
        )


def _region(session: Session, objection: Objection) -> Region:
    region = session.get(Region, objection.region_code)
    assert region is not None  # a foreign key
    return region


# In flight on figures now found wrong: the application, its review and its notice place are
# undone. A held refund too, its hold kept on record for the reviewer who sees it again (an
# upheld objection on some figure is no answer to a reported layoff). One rejected or waived, or
# on its way to or at the bank, stays as it is, and staff are alerted to settle the difference.
_UNDONE = ("applied", "approved", "in_notice", "held", "payable")
RESCREEN_DUE = "RESCREEN_DUE"


def upheld(session: Session, objection: Objection) -> bool:
    """The objection was upheld. A refund not yet confirmed, or confirmed and not yet rejected or
    at the bank, waits for the agency to re-screen it on the corrected records: it cannot be
    confirmed meanwhile, and once re-screened the enterprise is told with a new window. True when
    that is what happens to it. An objection filed after the window closed reopens nothing: the
    refund is waived as it would have been."""
    refund = session.get(Assessment, objection.refund_id, with_for_update=True) if objection.refund_id else None
    if refund is None:
        return False
    late = refund.status == "eligible" and refund.confirm_by is not None and objection.filed_on > refund.confirm_by
    if late:
        return False
    if refund.status not in (*_UNDONE, "eligible", "ineligible"):
        raise_alert(
            session,
            "refund_difference",
            f"refund-difference:{refund.id}:{objection.id}",
            f"{objection.objection_no}异议成立，但该单位{refund.policy_year}年度稳岗返还已{STATUS_LABELS[refund.status]}："
            "请核实差额并另行处理",
            region_code=refund.region_code,
            detail={"refund_id": refund.id, "objection_no": objection.objection_no, "status": refund.status},
        )
        return False
    was = refund.status
    if was in _UNDONE:
        refund.status = "eligible"
        refund.applied_at = refund.applied_by = refund.applied_for_by = None
        refund.decided_at = refund.decided_by = refund.decision_note = None
        refund.notice_id = None
        refund.batch_id = refund.payment_reference = refund.failure_reason = None  # a returned one's
    refund.blockers = ",".join([*(code for code in refund.blockers.split(",") if code), RESCREEN_DUE])
    refund.told_at = refund.confirm_by = refund.next_step_on = None
    refund.reminders_sent = 0
    audit(
        "refund.reopened",
        subject=("refund_assessment", refund.id),
        detail={"objection_no": objection.objection_no, "was": was},
    )
    # Whoever imports the records is told what to correct, and that the region waits for a screening.
    raise_alert(
        session,
        "refund_rescreen_due",
        f"refund-rescreen:{refund.region_code}:{refund.policy_year}:",
        f"{refund.policy_year}年度稳岗返还有异议成立（如{objection.objection_no}，"
        f"{REFUND_SUBJECTS.get(objection.field or '', '')}）：请更正记录（miniapp import）后重新比对本地区",
        region_code=refund.region_code,
        detail={"refund_id": refund.id, "objection_no": objection.objection_no},
    )
    return True
