"""Staff work on objections: the queue by due date, taking or assigning one, asking the
claimant for more, and answering — upheld (a record correction for a reviewer to approve, or
the claim back to review) or not (a reason with its legal basis)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auth.caller import Caller
from auth.models import StaffUser
from miniapp_api.audit.service import record as audit
from miniapp_api.claims import reevaluation
from miniapp_api.claims.models import Claim
from miniapp_api.claims.timeline import actor_of
from miniapp_api.clock import china_today
from miniapp_api.db import MAX_ID
from miniapp_api.errors import ConflictError, Forbidden, NotFoundError, ValidationFailed
from miniapp_api.objections import attachments, clock, corrections, history
from miniapp_api.objections.filers import notify_filer
from miniapp_api.objections.models import Objection, ObjectionAttachment, ObjectionDeadline, ObjectionEvent
from miniapp_api.objections.presenting import describe_for_staff
from miniapp_api.objections.vocabulary import (
    CATEGORY_LABELS,
    REJECTION_CATEGORIES,
    REJECTION_REASONS,
    STAFF_STATUS_LABELS,
    subject_label,
)
from miniapp_api.pii import mask_name, mask_text
from miniapp_api.records.models import Employer, Person
from miniapp_api.records.service import rules_parameters
from miniapp_api.refunds import objections as refund_objections
from miniapp_api.refunds.models import Assessment, Screening

_WORKABLE = ("received", "in_progress")


def queue(session: Session, caller: Caller, filters: dict[str, Any]) -> list[dict[str, Any]]:
    """Soonest due first (a due date the calendar could not give yet comes first of all)."""
    query = (
        select(Objection, ObjectionDeadline, Person.name, Employer.name)
        .join(ObjectionDeadline, ObjectionDeadline.objection_id == Objection.id)
        .join(Person, Person.id == Objection.person_id, isouter=True)
        .join(Employer, Employer.id == Objection.employer_id, isouter=True)
    )
    if filters.get("status"):
        query = query.where(Objection.status == filters["status"])
    else:
        query = query.where(Objection.closed_at.is_(None))
    if filters.get("category"):
        query = query.where(Objection.category == filters["category"])
    if filters.get("assigned") == "me":
        query = query.where(Objection.assigned_to == caller.staff_user_id)
    elif filters.get("assigned") == "nobody":
        query = query.where(Objection.assigned_to.is_(None))
    if filters.get("overdue"):
        query = query.where(ObjectionDeadline.state == "running", ObjectionDeadline.due_on < china_today())
    for region in (caller.staff_region, filters.get("region")):
        if region:
            query = query.where(Objection.region_code == region)
    query = query.order_by(ObjectionDeadline.due_on.is_not(None), ObjectionDeadline.due_on, Objection.id)
    today = china_today()
    rows = session.execute(query.offset(filters.get("offset", 0)).limit(filters.get("limit", 50))).all()
    handlers = staff_names(session, {row[0].assigned_to for row in rows if row[0].assigned_to})
    return [
        {
            "id": objection.id,
            "objection_no": objection.objection_no,
            "category": objection.category,
            "category_label": CATEGORY_LABELS[objection.category],
            "field": objection.field,
            "field_label": subject_label(objection.category, objection.field),
            "status": objection.status,
            "status_label": STAFF_STATUS_LABELS[objection.status],
            "region_code": objection.region_code,
            # A person masked; an enterprise (稳岗返还) by its name, a public fact.
            "claimant": mask_name(name) if name is not None else enterprise,
            "assigned_to": objection.assigned_to,
            "assigned_name": handlers.get(objection.assigned_to) if objection.assigned_to else None,
            "filed_on": objection.filed_on,
            "due_on": deadline.due_on,
            "provisional_due_on": deadline.provisional_due_on,
            "clock": deadline.state,
            "overdue": deadline.state == "running" and deadline.due_on is not None and deadline.due_on < today,
        }
        for objection, deadline, name, enterprise in rows
    ]


def _choices(codes: Any) -> str:
    return "、".join(f"{REJECTION_REASONS[c][0]}（{c}）" for c in codes)


def staff_names(session: Session, staff_ids: set[int]) -> dict[int, str]:
    if not staff_ids:
        return {}
    found = session.scalars(select(StaffUser).where(StaffUser.id.in_(staff_ids)))
    return {member.id: member.display_name for member in found}


def region_handlers(session: Session, region_code: str) -> list[StaffUser]:
    """The active handlers an objection of the region may be given to (its own and province-wide)."""
    found = session.scalars(
        select(StaffUser)
        .where(StaffUser.active.is_(True), (StaffUser.region_code == region_code) | StaffUser.region_code.is_(None))
        .order_by(StaffUser.username)
    )
    return [member for member in found if "handler" in member.roles]


def staff_objection_of(session: Session, caller: Caller, objection_id: int, *, for_update: bool = False) -> Objection:
    if not 0 < objection_id <= MAX_ID:
        raise NotFoundError("没有找到这条异议", code="OBJECTION_NOT_FOUND")
    query = select(Objection).where(Objection.id == objection_id)
    if caller.staff_region:
        query = query.where(Objection.region_code == caller.staff_region)
    objection = session.scalar(query.with_for_update() if for_update else query)
    if objection is None:
        raise NotFoundError("没有找到这条异议", code="OBJECTION_NOT_FOUND")
    return objection


def detail(session: Session, caller: Caller, objection_id: int) -> dict[str, Any]:
    return describe_for_staff(session, staff_objection_of(session, caller, objection_id))


def image(session: Session, caller: Caller, objection_id: int, attachment_id: int) -> tuple[ObjectionAttachment, bytes]:
    objection = staff_objection_of(session, caller, objection_id)
    found = session.get(ObjectionAttachment, attachment_id) if 0 < attachment_id <= MAX_ID else None
    if found is None or found.objection_id != objection.id:
        raise NotFoundError("没有找到这张图片", code="ATTACHMENT_NOT_FOUND")
    audit("objection.image_viewed", actor=caller.audit_actor, subject=("objection_attachment", found.id))
    return found, attachments.read(found)


def assign(session: Session, caller: Caller, objection_id: int, username: str | None) -> dict[str, Any]:
    """A handler takes an objection; a supervisor may give it to any handler of the region."""
    objection = staff_objection_of(session, caller, objection_id, for_update=True)
    if objection.closed_at is not None:
        raise ConflictError("这条异议已经办结", code="OBJECTION_CLOSED")
    handler_id = caller.staff_user_id if username is None else _handler_id(session, username, objection.region_code)
    if handler_id == caller.staff_user_id and "handler" not in caller.roles:
        raise Forbidden("只有异议经办人员可以承办异议", code="ROLE_REQUIRED")
    if handler_id != caller.staff_user_id and "supervisor" not in caller.roles:
        raise Forbidden("只有主管可以把异议分派给他人", code="ROLE_REQUIRED")
    if objection.assigned_to not in (None, caller.staff_user_id) and "supervisor" not in caller.roles:
        raise Forbidden("这条异议已由其他经办人员承办，改派请联系主管", code="NOT_ASSIGNED_TO_YOU")
    previous = objection.assigned_to
    objection.assigned_to = handler_id
    if objection.status == "received":
        objection.status = "in_progress"
    history.append(objection.id, "assigned", actor_of(caller), to=handler_id, previous=previous)
    audit(
        "objection.assigned",
        actor=caller.audit_actor,
        subject=("objection", objection.id),
        detail={"to": handler_id, "previous": previous},
    )
    return describe_for_staff(session, objection)


def _handler_id(session: Session, username: str, region_code: str) -> int:
    member = session.scalar(select(StaffUser).where(StaffUser.username == username, StaffUser.active.is_(True)))
    if member is None or "handler" not in member.roles:
        raise ValidationFailed(f"{username[:40]} 不是在岗的异议经办人员", code="NOT_A_HANDLER")
    if member.region_code not in (None, region_code):
        raise ValidationFailed(f"{username} 不属于该异议所在的统筹地区", code="WRONG_REGION")
    return member.id


def _worked_by_caller(session: Session, caller: Caller, objection_id: int) -> Objection:
    """The objection, locked, in a state a handler can act on; taken by the caller if nobody had it."""
    objection = staff_objection_of(session, caller, objection_id, for_update=True)
    if objection.status not in _WORKABLE:
        raise ConflictError(
            f"这条异议当前状态为“{STAFF_STATUS_LABELS[objection.status]}”，不能办理此操作",
            code="OBJECTION_NOT_WORKABLE",
            details={"status": objection.status},
        )
    if objection.assigned_to is None:
        objection.assigned_to = caller.staff_user_id
        history.append(objection.id, "assigned", actor_of(caller), to=caller.staff_user_id, previous=None)
    elif objection.assigned_to != caller.staff_user_id:
        raise Forbidden("这条异议由其他经办人员承办", code="NOT_ASSIGNED_TO_YOU")
    return objection


def request_info(session: Session, caller: Caller, objection_id: int, request: str) -> dict[str, Any]:
    objection = _worked_by_caller(session, caller, objection_id)
    text = mask_text(request.strip())
    if not text:
        raise ValidationFailed("请写明需要申领人补充什么", code="REQUEST_REQUIRED")
    deadline = session.get(ObjectionDeadline, objection.id, with_for_update=True)
    assert deadline is not None
    clock.pause(session, deadline, china_today())
    objection.status = "awaiting_claimant"
    objection.info_request = text
    history.append(objection.id, "info_requested", actor_of(caller), request=text, working_days_left=deadline.days_left)
    audit("objection.info_requested", actor=caller.audit_actor, subject=("objection", objection.id))
    notify_filer(
        session,
        objection,
        "objection_info_requested",
        {"objection_no": objection.objection_no, "request": text},
        f"objection:{objection.id}:info:{_requests_so_far(session, objection.id)}",
    )
    return describe_for_staff(session, objection)


def _requests_so_far(session: Session, objection_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(ObjectionEvent)
            .where(ObjectionEvent.objection_id == objection_id, ObjectionEvent.kind == "info_requested")
        )
        or 0
    )


def accept(session: Session, caller: Caller, objection_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Uphold the objection. A record objection needs a correction, which a different reviewer
    approves before anything changes; an objection to a decision or a suspension sends the
    claim back to a reviewer, and is answered now."""
    objection = _worked_by_caller(session, caller, objection_id)
    answer_text = mask_text(body["answer"].strip())
    if not answer_text:
        raise ValidationFailed("请填写给申领人的答复", code="ANSWER_REQUIRED")
    objection.answer = answer_text
    actor = actor_of(caller)
    if objection.category == "record":
        correction = corrections.propose(session, caller, objection, body.get("correction") or {}, answer_text)
        objection.status = "correction_pending"
        history.append(objection.id, "correction_proposed", actor, correction_id=correction.id)
        audit(
            "correction.proposed",
            actor=caller.audit_actor,
            subject=("record_correction", correction.id),
            detail={"objection_no": objection.objection_no, "target": correction.target},
        )
        return describe_for_staff(session, objection)
    if body.get("correction"):
        raise ValidationFailed(
            "对决定或暂停发放的异议不更正记录；记录有误请对申领表的相应项目提出异议", code="NO_CORRECTION_HERE"
        )
    if objection.category == "refund":
        # The refund is judged again from corrected records: the ledger or lists are re-imported
        # and the region re-screened, which updates a refund not yet applied for.
        reopened = refund_objections.upheld(session, objection)
        if reopened:
            history.append(objection.id, "refund_rescreen_due", actor, refund_id=objection.refund_id)
        audit("objection.accepted", actor=caller.audit_actor, subject=("objection", objection.id))
        corrections.answer(session, objection, "accepted", actor, rescreen=reopened)
        return describe_for_staff(session, objection)
    claim = session.get(Claim, objection.claim_id, with_for_update=True) if objection.claim_id else None
    assert claim is not None  # decision and suspension objections name their claim
    reevaluation.send_back_to_review(
        session,
        claim,
        actor,
        objection_no=objection.objection_no,
        staff_id=caller.staff_user_id,
        category=objection.category,
    )
    audit("objection.accepted", actor=caller.audit_actor, subject=("objection", objection.id))
    corrections.answer(session, objection, "accepted", actor)
    return describe_for_staff(session, objection)


def reject(session: Session, caller: Caller, objection_id: int, body: dict[str, Any]) -> dict[str, Any]:
    code = body["reason_code"]
    if code not in REJECTION_REASONS:
        raise ValidationFailed(
            f"不成立原因代码不正确：{code}；可选：{_choices(REJECTION_REASONS)}", code="UNKNOWN_REJECTION_REASON"
        )
    objection = _worked_by_caller(session, caller, objection_id)
    if objection.category not in REJECTION_CATEGORIES[code]:
        fitting = [c for c, categories in REJECTION_CATEGORIES.items() if objection.category in categories]
        raise ValidationFailed(
            f"不成立原因“{REJECTION_REASONS[code][0]}”不适用于这类异议；可选：{_choices(fitting)}",
            code="REJECTION_REASON_NOT_FOR_CATEGORY",
        )
    wording, basis = REJECTION_REASONS[code]
    basis = _with_regional_citation(session, code, objection, basis)
    explanation = mask_text(body["answer"].strip())
    if not explanation:
        raise ValidationFailed("请填写给申领人的答复", code="ANSWER_REQUIRED")
    objection.answer = f"{wording}。{explanation}"
    audit("objection.rejected", actor=caller.audit_actor, subject=("objection", objection.id), detail={"reason": code})
    corrections.answer(session, objection, "rejected", actor_of(caller), rejection=(code, basis))
    return describe_for_staff(session, objection)


def _with_regional_citation(session: Session, code: str, objection: Objection, basis: str) -> str:
    """The rejection's basis, with the region's own document where it has one: a claimant never
    reads another province's document. A refund's, with the conditions its screening applied."""
    if code == "REFUND_RECORDS_VERIFIED" and objection.refund_id is not None:
        refund = session.get(Assessment, objection.refund_id)
        screening = session.get(Screening, refund.screening_id) if refund else None
        cited = screening.parameters["citations"].get("refund_conditions") if screening else None
        return f"{basis}；{cited}" if cited else basis
    if code != "STOP_REASON_PREVAILS":
        return basis
    parameters = rules_parameters(session, objection.region_code)
    rule = parameters.optional("stop_reason_prevails", china_today()) if parameters else None
    return f"{basis}；{rule.citation}" if rule is not None and rule.value.get("applies") else basis
