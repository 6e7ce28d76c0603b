"""The claimant's use cases: see the form, keep a draft, submit the claim."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auth.binding import binding_face_verified
from auth.caller import Caller
from auth.wechat_login import verified_phone
from miniapp_api.audit.service import record as audit
from miniapp_api.claims import decisions, timeline
from miniapp_api.claims.form import FIELDS, INTERNAL, fingerprints, render
from miniapp_api.claims.models import Claim, ClaimDraft, UnemploymentRegistration
from miniapp_api.claims.records_view import RecordsView, read_records, records_shown
from miniapp_api.claims.status import STATUS_LABELS
from miniapp_api.clock import china_today
from miniapp_api.db import current_session, utcnow
from miniapp_api.errors import AppError, ConflictError, Forbidden, NotFoundError, ValidationFailed
from miniapp_api.extensions import settings
from miniapp_api.pii import cipher
from miniapp_api.records.models import Person

COMMITMENT_VERSION = 1
COMMITMENT_TEXT = (
    "本人承诺：以上信息真实、准确。领取失业保险金期间，如实现就业（有单位为本人缴纳社会保险）、"
    "应征服兵役、移居境外、开始领取基本养老金、被判刑收监执行，或无正当理由拒不接受当地人民政府指定部门"
    "或者机构介绍的适当工作或者提供的培训，本人将及时通过小程序或向经办机构报告，并停止领取失业保险金；"
    "多领、冒领的将依法退还。本人知悉无需每月到经办机构签到。"
)
_CLAIM_NO_ATTEMPTS = 3


class DraftExpired(AppError):
    status = 410
    code = "DRAFT_EXPIRED"
    message = "草稿已超过保存期限并已作废，请重新填写后提交"


def _person(session: Session, caller: Caller, *, for_update: bool = False) -> Person:
    person = session.get(Person, caller.person_id, with_for_update=for_update)
    if person is None:  # the binding points at a person the records no longer hold
        raise NotFoundError("内部记录中找不到您的参保信息，请联系经办机构", code="PERSON_NOT_FOUND")
    return person


def _commitment() -> dict[str, Any]:
    return {"version": COMMITMENT_VERSION, "text": COMMITMENT_TEXT}


def _outlook(view: RecordsView) -> dict[str, Any]:
    if view.review_reasons or view.estimate is None:
        decision = "manual_review"
    else:
        decision = "approve" if view.estimate.eligible else "reject"
    refusals = list(view.estimate.reasons) if view.estimate and decision == "reject" else []
    return {"decision": decision, "refusals": refusals, "review_reasons": [r.as_dict() for r in view.review_reasons]}


def _open_claim(session: Session, person_id: int) -> Claim | None:
    return session.scalars(select(Claim).where(Claim.person_id == person_id, Claim.closed_at.is_(None))).first()


def _form(
    session: Session, person: Person, view: RecordsView, edits: dict[str, Any], draft: dict[str, Any] | None
) -> dict[str, Any]:
    if view.claims is not None:
        claim = next((claim for claim in view.claims if claim.closed_at is None), None)
    else:
        claim = _open_claim(session, person.id)
    return {
        "fields": render(view, edits),
        "field_order": list(FIELDS),
        "outlook": _outlook(view),
        "commitment": _commitment(),
        "draft": draft,
        "open_claim": {"id": claim.id, "claim_no": claim.claim_no, "status": claim.status} if claim else None,
    }


def prefill(session: Session, caller: Caller) -> dict[str, Any]:
    """The form filled from the records, with the claimant's saved draft on it when there is one:
    what submitting will send, the account to be paid included."""
    person = _person(session, caller)
    view = records_shown(session, person)
    draft = _saved_draft(session, person.id)
    return _draft_form(session, person, draft, view) if draft else _form(session, person, view, {}, None)


def draft_expiry(form: dict[str, Any]) -> dt.datetime | None:
    """When a prefilled form with a saved draft stops being served: the draft expires."""
    draft = form.get("draft")
    return draft["expires_at"] if draft else None


def _saved_draft(session: Session, person_id: int) -> ClaimDraft | None:
    draft = session.get(ClaimDraft, person_id)
    return draft if draft is not None and draft.expires_at > utcnow() else None


# Drafts.


def _live_draft(session: Session, person_id: int) -> ClaimDraft:
    draft = session.get(ClaimDraft, person_id)
    if draft is None:
        raise NotFoundError("没有保存的草稿", code="NO_DRAFT")
    if draft.expires_at <= utcnow():
        raise DraftExpired()
    return draft


def _draft_form(session: Session, person: Person, draft: ClaimDraft, view: RecordsView) -> dict[str, Any]:
    now_prints = fingerprints(view)
    changed = [name for name in sorted(INTERNAL) if draft.internal_fingerprints.get(name) != now_prints.get(name)]
    info = {"saved_at": draft.saved_at, "expires_at": draft.expires_at, "changed_internal_fields": changed}
    return _form(session, person, view, json.loads(draft.edits), info)


def get_draft(session: Session, caller: Caller) -> dict[str, Any]:
    """The saved draft, its internal fields refreshed from the records, saying which of them changed."""
    person = _person(session, caller)
    draft = _live_draft(session, person.id)
    return _draft_form(session, person, draft, read_records(session, person, china_today()))


def with_wechat_phone(edits: dict[str, Any]) -> dict[str, Any]:
    """A phone WeChat verified (getPhoneNumber's one-time code) becomes the form's phone."""
    if "phone_code" not in edits:
        return edits
    rest = {key: value for key, value in edits.items() if key != "phone_code"}
    return {**rest, "phone": verified_phone(edits["phone_code"])}


def save_draft(session: Session, caller: Caller, edits: dict[str, Any]) -> dict[str, Any]:
    edits = with_wechat_phone(edits)
    person = _person(session, caller)
    _check_bank_choice(caller, person, edits)
    view = read_records(session, person, china_today())
    now = utcnow()
    draft = session.get(ClaimDraft, person.id) or ClaimDraft(person_id=person.id)
    draft.edits = json.dumps(edits, ensure_ascii=False)
    draft.internal_fingerprints = fingerprints(view)
    draft.saved_at = now
    draft.expires_at = now + dt.timedelta(days=settings().CLAIM_DRAFT_TTL_DAYS)
    session.add(draft)
    session.flush()
    return _draft_form(session, person, draft, view)


def discard_draft(session: Session, caller: Caller) -> None:
    draft = session.get(ClaimDraft, caller.person_id)
    if draft is None:
        raise NotFoundError("没有保存的草稿", code="NO_DRAFT")
    session.delete(draft)


def _check_bank_choice(caller: Caller, person: Person, edits: dict[str, Any]) -> None:
    bank = edits.get("bank_account")
    if bank and bank["source"] == "other" and not binding_face_verified(caller):
        # A binding is someone's word until a face check proves it: only the card is safe.
        raise Forbidden(
            "更改收款账户前需先完成一次人脸核验；未核验前失业保险金只能发放到本人社会保障卡银行账户",
            code="BINDING_NOT_FACE_VERIFIED",
        )
    if bank and bank["source"] == "ss_card" and not person.bank_account:
        raise ValidationFailed(
            "您的社会保障卡尚未开通银行账户，请选择“本人其他银行卡”并填写开户银行和卡号", code="NO_SS_CARD_ACCOUNT"
        )


# Submission.


def _request_hash(body: dict[str, Any]) -> str:
    """Keyed: the body holds a phone and a bank card, which a plain hash would let be guessed."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return cipher().keyed_hash(canonical, "claim.request")


def _replay_or_conflict(session: Session, person_id: int, key: str, request_sha256: str) -> Claim | None:
    """The claim this key already made (a retry), or refuse: the key was used for another body,
    or another claim is still open. None when neither holds."""
    # One statement, so a claim committed meanwhile is seen both as this key's and as open.
    found = session.scalars(
        select(Claim).where(Claim.person_id == person_id, or_(Claim.idempotency_key == key, Claim.closed_at.is_(None)))
    ).all()
    earlier = next((claim for claim in found if claim.idempotency_key == key), None)
    if earlier is not None:
        if earlier.request_sha256 != request_sha256:
            raise ValidationFailed(
                "该幂等键（Idempotency-Key）已用于另一份内容不同的申领，请为新的提交生成新的幂等键",
                code="IDEMPOTENCY_KEY_REUSED",
                details={"claim_id": earlier.id, "claim_no": earlier.claim_no},
            )
        return earlier
    open_claim = next(iter(found), None)
    if open_claim is not None:
        raise ConflictError(
            f"您已有一笔未办结的申领（受理号{open_claim.claim_no}，{STATUS_LABELS[open_claim.status]}），"
            "请在“申领进度”中查看，无需重复提交",
            code="CLAIM_ALREADY_OPEN",
            details={"claim_id": open_claim.id, "claim_no": open_claim.claim_no, "status": open_claim.status},
        )
    return None


def _refuse_repeat_of_decided(session: Session, person_id: int, view: RecordsView) -> None:
    """A claim already decided on these very records is not decided again: the answer would be
    the same, with a second registration and message. Changed records (a correction) may."""
    last = session.scalars(
        select(Claim).where(Claim.person_id == person_id).order_by(Claim.submitted_at.desc()).limit(1)
    ).first()
    if last is None or last.closed_at is None or view.facts is None:
        return
    same_records = last.stop_event_id == (view.stop_event.id if view.stop_event else None)
    decided_on = {**last.facts, "application_date": None} if last.facts else None
    if same_records and last.status == "rejected" and decided_on == _facts_as_decided(view):
        raise ConflictError(
            f"您的申领（受理号{last.claim_no}）已按现有记录作出不予核准的决定，记录未发生变化，无需重复提交；"
            "如对记录或决定有异议，请在“我的申领”中提出异议",
            code="CLAIM_ALREADY_DECIDED",
            details={"claim_id": last.id, "claim_no": last.claim_no, "status": last.status},
        )


def _facts_as_decided(view: RecordsView) -> dict[str, Any] | None:
    """The facts as a decision stores them, the application date aside (it moves every day)."""
    assert view.facts is not None
    return {**view.facts.as_dict(), "application_date": None}


def submit_claim(session: Session, caller: Caller, body: dict[str, Any], key: str) -> tuple[Claim, bool]:
    """Register the person as unemployed and claim benefit in one transaction, then decide at
    once where the records allow. Returns the claim and whether it was made by this call (False:
    a retry with the same key got the claim made before)."""
    person = _person(session, caller, for_update=True)  # one submission per person at a time
    request_sha256 = _request_hash(body)
    earlier = _replay_or_conflict(session, person.id, key, request_sha256)
    if earlier is not None:
        return earlier, False
    confirmation = body["confirmation"]
    if not confirmation["accepted"]:
        raise ValidationFailed("请阅读并确认承诺事项后再提交", code="COMMITMENT_REQUIRED")
    if confirmation["commitment_version"] != COMMITMENT_VERSION:
        raise ValidationFailed(
            "承诺书内容已更新，请重新阅读确认后提交", code="COMMITMENT_OUTDATED", details={"commitment": _commitment()}
        )
    # A saved draft is what the claimant confirmed: it is used unless they say not to.
    if body["use_draft"] is True:
        draft: ClaimDraft | None = _live_draft(session, person.id)
    else:
        draft = None if body["use_draft"] is False else _saved_draft(session, person.id)
    edits = dict(json.loads(draft.edits)) if draft else {}
    edits.update(with_wechat_phone(body["edits"]))
    _check_bank_choice(caller, person, edits)
    if not edits.get("bank_account") and not person.bank_account:
        raise ValidationFailed(
            "您的社会保障卡尚未开通银行账户，请填写本人其他银行卡用于接收失业保险金", code="BANK_ACCOUNT_REQUIRED"
        )

    today = china_today()
    view = read_records(session, person, today)
    _refuse_repeat_of_decided(session, person.id, view)
    claim, created = _insert_claim(session, person, view, edits, key, request_sha256, caller)
    if not created:  # a concurrent retry with this key won; this one answers with its claim
        return claim, False
    session.add(
        UnemploymentRegistration(
            claim_id=claim.id,
            person_id=person.id,
            region_code=view.region.code,
            registered_on=today,
            reason_code=claim.separation_reason,
        )
    )
    actor = timeline.actor_of(caller)
    timeline.append(claim, "registered", actor, registered_on=today.isoformat())
    draft = session.get(ClaimDraft, person.id)
    if draft is not None:
        session.delete(draft)
    audit("claim.submitted", actor=caller.audit_actor, subject=("claim", claim.id), detail={"claim_no": claim.claim_no})
    decisions.decide_automatically(session, claim, view)
    return claim, True


def _insert_claim(
    session: Session,
    person: Person,
    view: RecordsView,
    edits: dict[str, Any],
    key: str,
    request_sha256: str,
    caller: Caller,
) -> tuple[Claim, bool]:
    bank = edits.get("bank_account") or {"source": "ss_card"}
    stop = view.stop_event
    for _attempt in range(_CLAIM_NO_ATTEMPTS):
        claim = Claim(
            claim_no=f"{view.region.code}{view.application_date:%Y%m%d}{secrets.randbelow(10**6):06d}",
            person_id=person.id,
            region_code=view.region.code,
            status="submitted",
            idempotency_key=key,
            request_sha256=request_sha256,
            submitted_at=utcnow(),
            application_date=view.application_date,
            employer_id=view.employer.id if view.employer else None,
            stop_event_id=stop.id if stop else None,
            separation_date=stop.stop_date if stop else None,
            separation_reason=stop.reason_code if stop else None,
            contribution_months=view.contribution_months,
            facts=view.facts.as_dict() if view.facts else None,
            review_reasons=[reason.as_dict() for reason in view.review_reasons],
            refusals=[],
            commitment_version=COMMITMENT_VERSION,
            phone=edits.get("phone") or person.phone,
            contact_address=edits.get("contact_address"),
            bank_account_source=bank["source"],
            bank_name=bank.get("bank_name") if bank["source"] == "other" else person.bank_name,
            bank_account=bank.get("account_number") if bank["source"] == "other" else person.bank_account,
        )
        try:
            # A savepoint: a concurrent submission that wins the one-open-claim index leaves
            # this transaction usable to answer with the winner's claim.
            with session.begin_nested():
                session.add(claim)
                session.flush()
        except IntegrityError:
            earlier = _replay_or_conflict(session, person.id, key, request_sha256)
            if earlier is not None:
                return earlier, False
            continue  # the claim number was taken: draw another
        timeline.append(claim, "submitted", timeline.actor_of(caller), at=claim.submitted_at)
        return claim, True
    raise ConflictError("受理号生成冲突，请稍后重试", code="CLAIM_NO_CONFLICT")


def purge_expired_drafts() -> int:
    """Delete drafts past their expiry (the hourly sweep); returns how many."""
    result = current_session().execute(delete(ClaimDraft).where(ClaimDraft.expires_at <= utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)
