"""What a claimant, and what staff, see of an objection."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.models import StaffUser
from miniapp_api.claims.models import ServiceRating
from miniapp_api.claims.status import STATUS_LABELS as CLAIM_STATUS_LABELS
from miniapp_api.clock import china_today
from miniapp_api.holidays.service import undated_note
from miniapp_api.objections.filers import filer_for_staff
from miniapp_api.objections.models import (
    Objection,
    ObjectionAttachment,
    ObjectionDeadline,
    ObjectionEvent,
    RecordCorrection,
)
from miniapp_api.objections.vocabulary import (
    CATEGORY_LABELS,
    EVENT_LABELS,
    OUTCOME_LABELS,
    STAFF_STATUS_LABELS,
    STATUS_LABELS,
    next_steps,
    refund_values_in_words,
    subject_label,
)
from miniapp_api.pii import mask_bank_account, mask_text
from miniapp_api.records.models import Region
from miniapp_api.rules.separation_reasons import SEPARATION_REASONS

# Values of a correction that are shown masked, even to staff.
_MASKED = {"bank_account": mask_bank_account}


def _loads(value: str | None) -> Any:
    return json.loads(value) if value else None


def clock_of(deadline: ObjectionDeadline) -> dict[str, Any]:
    today = china_today()
    return {
        "state": deadline.state,
        "due_on": deadline.due_on,
        "rule": f"{deadline.working_days}个工作日",
        "basis": deadline.basis,
        "paused_since": deadline.paused_on if deadline.state == "paused" else None,
        "working_days_left_when_paused": deadline.days_left if deadline.state == "paused" else None,
        "overdue": deadline.state == "running" and deadline.due_on is not None and deadline.due_on < today,
        "answered_on_time": deadline.on_time,
        "note": undated_note(deadline.pending_year, "答复期限") + "并通知您"
        if deadline.state == "calendar_pending"
        else None,
    }


def summary(objection: Objection, deadline: ObjectionDeadline) -> dict[str, Any]:
    return {
        "id": objection.id,
        "objection_no": objection.objection_no,
        "category": objection.category,
        "category_label": CATEGORY_LABELS[objection.category],
        "field": objection.field,
        "field_label": subject_label(objection.category, objection.field),
        "refund_id": objection.refund_id,
        "claim_id": objection.claim_id,
        "status": objection.status,
        "status_label": STATUS_LABELS[objection.status],
        "filed_at": objection.filed_at,
        "due_on": deadline.due_on,
        "outcome": objection.outcome,
    }


def _history(session: Session, objection_id: int) -> list[ObjectionEvent]:
    query = select(ObjectionEvent).where(ObjectionEvent.objection_id == objection_id).order_by(ObjectionEvent.id)
    return list(session.scalars(query))


def describe(session: Session, objection: Objection, events: list[ObjectionEvent] | None = None) -> dict[str, Any]:
    deadline = session.get(ObjectionDeadline, objection.id)
    assert deadline is not None  # made with the objection
    region = session.get(Region, objection.region_code)
    assert region is not None
    rating = session.scalar(
        select(ServiceRating).where(ServiceRating.subject_kind == "objection", ServiceRating.subject_id == objection.id)
    )
    events = _history(session, objection.id) if events is None else events
    rejected = objection.outcome == "rejected"
    return {
        **summary(objection, deadline),
        "recorded_value": _loads(objection.recorded_value),
        "claimed_value": _loads(objection.claimed_value),
        "description": objection.description,
        "clock": clock_of(deadline),
        "info_request": objection.info_request if objection.status == "awaiting_claimant" else None,
        "answer": {
            "outcome": objection.outcome,
            "outcome_label": OUTCOME_LABELS[objection.outcome],
            "text": objection.answer,
            "legal_basis": objection.legal_basis,
            "answered_at": objection.answered_at,
        }
        if objection.outcome
        else None,
        "next_steps": next_steps(objection.rejection_code, region, objection.category) if rejected else [],
        "attachments": _attachments(session, objection.id),
        "events": [
            {"kind": e.kind, "label": EVENT_LABELS.get(e.kind, e.kind), "at": e.at, "actor": e.actor_kind}
            for e in events
        ],
        "rating": {"score": rating.score, "comment": rating.comment, "created_at": rating.created_at}
        if rating
        else None,
        "can_rate": objection.status == "answered" and rating is None,
        "agency": {"name": region.agency_name, "phone": region.agency_phone, "address": region.agency_address},
    }


def _attachments(session: Session, objection_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(ObjectionAttachment)
        .where(ObjectionAttachment.objection_id == objection_id)
        .order_by(ObjectionAttachment.id)
    )
    return [
        {"id": a.id, "content_type": a.content_type, "size": a.size, "sha256": a.sha256, "uploaded_at": a.uploaded_at}
        for a in rows
    ]


def describe_correction(correction: RecordCorrection) -> dict[str, Any]:
    return {
        "id": correction.id,
        "objection_id": correction.objection_id,
        "target": correction.target,
        "target_id": correction.target_id,
        "before": _masked(json.loads(correction.before)),
        "after": _masked(json.loads(correction.after)),
        "status": correction.status,
        "proposed_by": correction.proposed_by,
        "proposed_at": correction.proposed_at,
        "proposal_note": correction.proposal_note,
        "decided_by": correction.decided_by,
        "decided_at": correction.decided_at,
        "decision_note": correction.decision_note,
    }


def _masked(values: dict[str, Any]) -> dict[str, Any]:
    return {key: _MASKED[key](value) if key in _MASKED and value else value for key, value in values.items()}


def _value_label(field: str | None, value: Any) -> Any:
    """A coded value as words: 失业原因 economic_layoff reads 用人单位裁员."""
    if field == "separation_reason" and isinstance(value, str) and value in SEPARATION_REASONS:
        return SEPARATION_REASONS[value].label
    if isinstance(value, str) and value in CLAIM_STATUS_LABELS:
        return CLAIM_STATUS_LABELS[value]
    if isinstance(value, dict):  # a refund's figures as judged
        return refund_values_in_words(value)
    return value


def describe_for_staff(session: Session, objection: Objection) -> dict[str, Any]:
    handler = session.get(StaffUser, objection.assigned_to) if objection.assigned_to else None
    corrections = session.scalars(
        select(RecordCorrection).where(RecordCorrection.objection_id == objection.id).order_by(RecordCorrection.id)
    ).all()
    events = _history(session, objection.id)
    seen = describe(session, objection, events)
    return {
        **seen,
        "status_label": STAFF_STATUS_LABELS[objection.status],
        "claimed_label": _value_label(objection.field, seen["claimed_value"]),
        "recorded_label": _value_label(objection.field, seen.get("recorded_value")),
        # Free text may hold an ID, phone or bank number: staff read it masked.
        "description": mask_text(seen["description"]),
        "claimed_value": mask_text(seen["claimed_value"]) if isinstance(seen["claimed_value"], str) else None,
        "region_code": objection.region_code,
        "claimant": filer_for_staff(session, objection),
        "assigned_to": {"id": handler.id, "name": handler.display_name} if handler else None,
        "info_request": objection.info_request,
        "rejection_code": objection.rejection_code,
        "corrections": [describe_correction(c) for c in corrections],
        "events": [
            {
                "kind": e.kind,
                "label": EVENT_LABELS.get(e.kind, e.kind),
                "at": e.at,
                "actor": e.actor_kind,
                "actor_id": e.actor_id,
                "detail": e.detail,
            }
            for e in events
        ],
    }
