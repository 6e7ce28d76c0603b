"""The claimant's side of the objection channel (异议/纠错): upload an image, file an objection
against a field of the e-form, a decision or a suspension, follow it, answer a request for
more information, and rate how it was handled."""

from __future__ import annotations

import json
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auth.binding import binding_face_verified
from auth.caller import Caller
from miniapp_api.audit.service import record as audit
from miniapp_api.claims.decisions import notify_person
from miniapp_api.claims.form import DISPUTABLE, FIELDS, internal_values
from miniapp_api.claims.models import Claim
from miniapp_api.claims.progress import own_claim
from miniapp_api.claims.ratings import save_rating
from miniapp_api.claims.records_view import records_for, records_shown
from miniapp_api.claims.timeline import actor_of
from miniapp_api.clock import china_today
from miniapp_api.db import MAX_ID, utcnow
from miniapp_api.errors import ConflictError, Forbidden, NotFoundError, ValidationFailed
from miniapp_api.extensions import settings
from miniapp_api.objections import attachments, clock, history
from miniapp_api.objections.models import Objection, ObjectionDeadline
from miniapp_api.objections.presenting import describe, summary
from miniapp_api.pii import mask_text
from miniapp_api.records.models import Person

_DECIDED = ("approved", "rejected", "settled", "stopped", "completed", "suspended")
_SUSPENDED = ("suspended", "stopped")
_UNDRAWN = ("submitted", "manual_review", "rejected")
_NUMBER_ATTEMPTS = 3


def _person(session: Session, caller: Caller) -> Person:
    # The row lock makes one filing per person at a time, so "one open objection per subject"
    # is decided here and not by whichever of two taps commits first.
    person = session.get(Person, caller.person_id, with_for_update=True)
    if person is None:
        raise NotFoundError("内部记录中找不到您的参保信息，请联系经办机构", code="PERSON_NOT_FOUND")
    return person


def upload_image(session: Session, caller: Caller, content: bytes) -> dict[str, Any]:
    person = _person(session, caller)
    stored = attachments.store(session, person.id, content)
    audit(
        "objection.image_uploaded",
        actor=caller.audit_actor,
        subject=("objection_attachment", stored.id),
        detail={"sha256": stored.sha256, "size": stored.size},
    )
    return {"id": stored.id, "content_type": stored.content_type, "size": stored.size, "sha256": stored.sha256}


# Fields whose correction moves money to another account.
MONEY_FIELDS = frozenset({"ss_card_bank_account", "bank_account"})


def file_objection(session: Session, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    person = _person(session, caller)
    description = body["description"].strip()
    if not description:
        raise ValidationFailed("请说明异议的具体内容", code="DESCRIPTION_REQUIRED")
    category = body["category"]
    subject = _subject(session, caller, person, category, body)
    if subject.get("field") in MONEY_FIELDS and not binding_face_verified(caller):
        # Correcting where benefit goes is changing the payment account: a binding proved by face only.
        raise Forbidden("对收款账户提出异议前需先完成一次人脸核验，以确认是本人", code="BINDING_NOT_FACE_VERIFIED")
    _refuse_second_open(session, person.id, subject["subject_key"])
    today = china_today()
    objection = Objection(
        person_id=person.id,
        category=category,
        description=description,
        claimed_value=json.dumps(body.get("claimed_value"), ensure_ascii=False) if body.get("claimed_value") else None,
        status="received",
        filed_at=utcnow(),
        filed_on=today,
        **subject,
    )
    insert_numbered(session, objection)
    attachments.claim_for_objection(session, person.id, objection.id, body.get("attachment_ids") or [])
    deadline = clock.start(session, objection)
    actor = actor_of(caller)
    history.append(objection.id, "filed", actor, category=category, field=objection.field, due_on=_iso(deadline.due_on))
    audit(
        "objection.filed",
        actor=caller.audit_actor,
        subject=("objection", objection.id),
        detail={"objection_no": objection.objection_no, "category": category, "field": objection.field},
    )
    if deadline.due_on is not None:
        kind, values = "objection_received", {"objection_no": objection.objection_no, "due_on": _iso(deadline.due_on)}
    else:  # no date is promised that cannot be counted; the claimant is told it once it can
        kind = "objection_received_undated"
        values = {
            "objection_no": objection.objection_no,
            "working_days": str(deadline.working_days),
            "year": str(deadline.pending_year),
        }
    notify_person(session, person.id, kind, values, f"objection:{objection.id}:received")
    return describe(session, objection)


def _subject(session: Session, caller: Caller, person: Person, category: str, body: dict[str, Any]) -> dict[str, Any]:
    """What the objection is against, and what the records said of it when it was filed."""
    claim_id = body.get("claim_id")
    if category == "record":
        field = body.get("field")
        if not field:
            raise ValidationFailed("请指明对申领表中哪一项有异议（field）", code="FIELD_REQUIRED")
        if field not in FIELDS:
            raise ValidationFailed(
                f"申领表中没有“{field}”这一项；可提出异议的项目：{'、'.join(sorted(DISPUTABLE))}",
                code="UNKNOWN_FIELD",
            )
        if field not in DISPUTABLE:
            spec = FIELDS[field]
            hint = "可在申领表中直接修改" if spec.editable else "由其他记录按规定计算得出，请对其所依据的记录提出异议"
            raise ValidationFailed(f"“{spec.label}”{hint}", code="FIELD_NOT_DISPUTABLE")
        # Against a named claim: the records it was decided on. Otherwise the e-form as shown
        # today, linked to a claim still to be decided or refused on those same records.
        claim = own_claim(session, caller, claim_id) if claim_id is not None else _undrawn_claim(session, person.id)
        # What the form showed the claimant (after a decision, the facts it used), so the value
        # recorded with the objection is the value they objected to.
        view = (
            records_for(session, person, claim, china_today())
            if claim_id is not None
            else records_shown(session, person)
        )
        _value, shown = internal_values(view)[field]
        return {
            "field": field,
            "claim_id": claim.id if claim else None,
            "region_code": view.region.code,
            "subject_key": f"field:{field}",
            "recorded_value": json.dumps(shown, ensure_ascii=False),
        }
    if claim_id is None:
        raise ValidationFailed("请指明对哪一笔申领提出异议（claim_id）", code="CLAIM_REQUIRED")
    claim = own_claim(session, caller, claim_id)
    if category == "decision" and claim.status not in _DECIDED:
        raise ConflictError("这笔申领尚未作出决定，暂不能对决定提出异议", code="CLAIM_NOT_DECIDED")
    if category == "suspension" and claim.status not in _SUSPENDED:
        raise ConflictError("这笔申领没有被暂停或停止发放", code="CLAIM_NOT_SUSPENDED")
    return {
        "field": None,
        "claim_id": claim.id,
        "region_code": claim.region_code,
        "subject_key": f"claim:{claim.id}:{category}",
        "recorded_value": json.dumps(claim.status, ensure_ascii=False),
    }


def _undrawn_claim(session: Session, person_id: int) -> Claim | None:
    """The latest claim, if it is one the e-form's records still decide (not yet drawn on)."""
    latest = session.scalars(
        select(Claim).where(Claim.person_id == person_id).order_by(Claim.submitted_at.desc()).limit(1)
    ).first()
    return latest if latest is not None and latest.status in _UNDRAWN else None


def _refuse_second_open(session: Session, person_id: int, subject_key: str) -> None:
    open_one = session.scalars(
        select(Objection).where(
            Objection.person_id == person_id, Objection.subject_key == subject_key, Objection.closed_at.is_(None)
        )
    ).first()
    if open_one is not None:
        raise ConflictError(
            f"您对同一事项的异议（编号{open_one.objection_no}）正在办理，请等待答复或在该异议中补充材料",
            code="OBJECTION_ALREADY_OPEN",
            details={"objection_id": open_one.id, "objection_no": open_one.objection_no},
        )


def insert_numbered(session: Session, objection: Objection) -> None:
    for _attempt in range(_NUMBER_ATTEMPTS):
        objection.objection_no = f"YY{objection.region_code}{objection.filed_on:%Y%m%d}{secrets.randbelow(10**6):06d}"
        try:
            with session.begin_nested():
                session.add(objection)
                session.flush()
            return
        except IntegrityError:  # the number was taken (the person is locked: not a second filing)
            continue
    raise ConflictError("异议编号生成冲突，请稍后重试", code="OBJECTION_NO_CONFLICT")


def my_objections(session: Session, caller: Caller) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Objection, ObjectionDeadline)
        .join(ObjectionDeadline, ObjectionDeadline.objection_id == Objection.id)
        .where(Objection.person_id == caller.person_id)
        .order_by(Objection.filed_at.desc())
    ).all()
    return [summary(objection, deadline) for objection, deadline in rows]


def own_objection(session: Session, caller: Caller, objection_id: int, *, for_update: bool = False) -> Objection:
    """The caller's own objection; another person's is "not found" (no probing)."""
    if not 0 < objection_id <= MAX_ID:
        raise NotFoundError("没有找到这条异议", code="OBJECTION_NOT_FOUND")
    query = select(Objection).where(Objection.id == objection_id, Objection.person_id == caller.person_id)
    objection = session.scalar(query.with_for_update() if for_update else query)
    if objection is None or objection.person_id is None:
        raise NotFoundError("没有找到这条异议", code="OBJECTION_NOT_FOUND")
    return objection


def my_objection(session: Session, caller: Caller, objection_id: int) -> dict[str, Any]:
    return describe(session, own_objection(session, caller, objection_id))


def supplement(session: Session, caller: Caller, objection_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """The claimant answers a request for more information: the reply clock runs on."""
    objection = own_objection(session, caller, objection_id, for_update=True)
    if objection.status != "awaiting_claimant":
        raise ConflictError("这条异议目前不需要补充材料", code="NOT_AWAITING_CLAIMANT")
    text = body["text"].strip()
    if not text:
        raise ValidationFailed("请填写补充说明", code="TEXT_REQUIRED")
    ids = body.get("attachment_ids") or []
    already = attachments.count_for(session, objection.id)
    if already + len(set(ids)) > settings().OBJECTION_MAX_IMAGES:
        raise ValidationFailed(f"每条异议最多上传{settings().OBJECTION_MAX_IMAGES}张图片", code="TOO_MANY_IMAGES")
    assert objection.person_id is not None  # a claimant's own (own_objection)
    attachments.claim_for_objection(session, objection.person_id, objection.id, ids)
    deadline = session.get(ObjectionDeadline, objection.id, with_for_update=True)
    assert deadline is not None
    clock.resume(session, objection, deadline, china_today())
    objection.status = "in_progress"
    history.append(
        objection.id,
        "info_supplied",
        actor_of(caller),
        text=mask_text(text),
        images=len(set(ids)),
        due_on=_iso(deadline.due_on),
    )
    audit("objection.info_supplied", actor=caller.audit_actor, subject=("objection", objection.id))
    return describe(session, objection)


def rate(session: Session, caller: Caller, objection_id: int, score: int, comment: str | None) -> dict[str, Any]:
    objection = own_objection(session, caller, objection_id, for_update=True)
    if objection.status != "answered":
        raise ConflictError("异议答复后才能评价", code="NOT_YET_ANSWERED")
    assert objection.person_id is not None  # a claimant's own (own_objection)
    save_rating(
        session,
        subject=("objection", objection.id),
        person_id=objection.person_id,
        region_code=objection.region_code,
        score=score,
        comment=comment,
        already="这条异议已经评价过了",
    )
    history.append(objection.id, "rated", actor_of(caller), score=score)
    audit("objection.rated", actor=caller.audit_actor, subject=("objection", objection.id), detail={"score": score})
    return describe(session, objection)


def _iso(day: Any) -> str | None:
    return day.isoformat() if day else None
