"""Correcting the internal records (纠错): a handler proposes, a different reviewer approves,
and only then does the record change — with its before and after kept and audited — and the
person's claim is decided again on the corrected record (人社部发〔2019〕18号第五条: whoever
makes a change does not approve it).

Which record a disputed e-form field comes from decides what may be changed:
- name, sex, birth date, the social security card's bank account → the person's identity record;
- separation date and reason → the stop-contribution record (added, source "agency", if none);
- contribution months, last employer, insured region → a contribution period, amended or added.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auth.caller import Caller
from miniapp_api.audit.service import record as audit
from miniapp_api.claims import reevaluation
from miniapp_api.claims.form import FIELDS
from miniapp_api.claims.models import Claim
from miniapp_api.claims.records_view import records_for, records_shown
from miniapp_api.claims.timeline import actor_of
from miniapp_api.clock import china_today
from miniapp_api.db import MAX_ID, utcnow
from miniapp_api.errors import ConflictError, Forbidden, NotFoundError, ValidationFailed
from miniapp_api.objections import clock, history
from miniapp_api.objections.filers import notify_filer
from miniapp_api.objections.models import Objection, ObjectionDeadline, RecordCorrection
from miniapp_api.objections.presenting import describe_correction
from miniapp_api.objections.vocabulary import subject_label
from miniapp_api.pii import mask_bank_account, mask_text
from miniapp_api.records.models import ContributionPeriod, Employer, Person, StopContributionEvent

# The columns each disputed field may change, by the record it lives in.
PERSON_COLUMNS = {
    "name": ("name",),
    "sex": ("sex",),
    "birth_date": ("birth_date",),
    "ss_card_bank_account": ("bank_name", "bank_account"),
}
STOP_COLUMNS = ("stop_date", "reason_code")
PERIOD_COLUMNS = ("start_month", "end_month")
_STOP_FIELDS = ("separation_date", "separation_reason")
_PERIOD_FIELDS = ("contribution_months", "last_employer", "insured_region")
_DATE_COLUMNS = {"birth_date", "stop_date", "start_month", "end_month"}


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, dt.date) else value for key, value in values.items()}


def _masked(values: dict[str, Any]) -> dict[str, Any]:
    return {k: mask_bank_account(v) if k == "bank_account" and v else v for k, v in values.items()}


def _only(values: dict[str, Any], allowed: tuple[str, ...], field: str) -> dict[str, Any]:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValidationFailed(
            f"更正“{FIELDS[field].label}”只能修改：{'、'.join(allowed)}（不接受：{'、'.join(unknown)}）",
            code="CORRECTION_FIELDS",
        )
    return {key: values[key] for key in allowed if key in values}


def _employer(session: Session, credit_code: str | None) -> Employer:
    if not credit_code:
        raise ValidationFailed("请填写用人单位统一社会信用代码（employer_credit_code）", code="EMPLOYER_REQUIRED")
    employer = session.scalar(select(Employer).where(Employer.credit_code == credit_code))
    if employer is None:
        raise ValidationFailed(f"内部记录中没有统一社会信用代码为{credit_code}的单位", code="UNKNOWN_EMPLOYER")
    return employer


def propose(
    session: Session, caller: Caller, objection: Objection, values: dict[str, Any], note: str
) -> RecordCorrection:
    """The handler's proposal: what the record says now, and what it should say."""
    field = objection.field
    assert field is not None  # only record objections are corrected
    person = session.get(Person, objection.person_id)
    assert person is not None
    if not values:
        raise ValidationFailed("请填写更正后的内容（correction）", code="CORRECTION_EMPTY")
    if field in PERSON_COLUMNS:
        target, target_id, before, after = _person_change(person, _only(values, PERSON_COLUMNS[field], field))
    elif field in _STOP_FIELDS:
        target, target_id, before, after = _stop_change(session, person, objection, values, field)
    elif field in _PERIOD_FIELDS:
        target, target_id, before, after = _period_change(session, person, values, field)
    else:  # every disputable field is one of the above
        raise ValidationFailed(f"“{FIELDS[field].label}”不能通过更正记录处理", code="FIELD_NOT_CORRECTABLE")
    if target_id is not None and all(before.get(k) == v for k, v in after.items()):
        raise ValidationFailed("更正后的内容与现有记录相同", code="CORRECTION_NO_CHANGE")
    correction = RecordCorrection(
        objection_id=objection.id,
        person_id=person.id,
        region_code=objection.region_code,
        target=target,
        target_id=target_id,
        before=json.dumps(before, ensure_ascii=False),
        after=json.dumps(after, ensure_ascii=False),
        status="proposed",
        proposed_by=caller.staff_user_id,
        proposed_at=utcnow(),
        proposal_note=mask_text(note),
    )
    session.add(correction)
    session.flush()
    return correction


def _person_change(person: Person, wanted: dict[str, Any]) -> tuple[str, int | None, dict[str, Any], dict[str, Any]]:
    if not wanted:
        raise ValidationFailed("请填写更正后的内容", code="CORRECTION_EMPTY")
    if "bank_account" in wanted and "bank_name" not in wanted:
        raise ValidationFailed("更正银行账户时请同时填写开户银行（bank_name）", code="BANK_NAME_REQUIRED")
    before = _plain({column: getattr(person, column) for column in wanted})
    return "person", person.id, before, _plain(wanted)


def _stop_change(
    session: Session, person: Person, objection: Objection, values: dict[str, Any], field: str
) -> tuple[str, int | None, dict[str, Any], dict[str, Any]]:
    claim = session.get(Claim, objection.claim_id) if objection.claim_id else None
    # An objection filed on the form names no claim: the stop record is the one the claimant is
    # shown (the form's, or the latest decision's once the claim was made).
    shown = records_for(session, person, claim, china_today()) if claim else records_shown(session, person)
    stop = shown.stop_event
    if stop is not None:
        wanted = _only(values, STOP_COLUMNS, field)
        if not wanted:
            raise ValidationFailed(
                "请填写更正后的失业日期（stop_date）或失业原因（reason_code）", code="CORRECTION_EMPTY"
            )
        before = _plain({column: getattr(stop, column) for column in wanted})
        return "stop_event", stop.id, before, _plain(wanted)
    # No stop record at all: the agency adds the one the employer never reported.
    wanted = _only(values, (*STOP_COLUMNS, "employer_credit_code"), field)
    missing = [key for key in (*STOP_COLUMNS, "employer_credit_code") if key not in wanted]
    if missing:
        raise ValidationFailed(
            f"内部记录中没有停保记录，补录时请填写：{'、'.join(missing)}", code="STOP_RECORD_INCOMPLETE"
        )
    employer = _employer(session, wanted.pop("employer_credit_code"))
    return "stop_event", None, {}, _plain({**wanted, "employer_id": employer.id})


def _period_change(
    session: Session, person: Person, values: dict[str, Any], field: str
) -> tuple[str, int | None, dict[str, Any], dict[str, Any]]:
    wanted = _only(values, ("period_id", "employer_credit_code", *PERIOD_COLUMNS), field)
    period_id = wanted.pop("period_id", None)
    if period_id is not None:
        period = session.get(ContributionPeriod, period_id) if 0 < period_id <= MAX_ID else None
        if period is None or period.person_id != person.id:
            raise ValidationFailed("没有找到本人的这条缴费记录", code="UNKNOWN_PERIOD")
        wanted.pop("employer_credit_code", None)
        if not wanted:
            raise ValidationFailed("请填写更正后的起止月份（start_month、end_month）", code="CORRECTION_EMPTY")
        _months_in_order(wanted.get("start_month", period.start_month), wanted.get("end_month", period.end_month))
        before = _plain({column: getattr(period, column) for column in wanted})
        return "contribution_period", period.id, before, _plain(wanted)
    missing = [key for key in ("employer_credit_code", "start_month", "end_month") if key not in wanted]
    if missing:
        raise ValidationFailed(f"补录缴费记录时请填写：{'、'.join(missing)}", code="PERIOD_INCOMPLETE")
    employer = _employer(session, wanted.pop("employer_credit_code"))
    _months_in_order(wanted["start_month"], wanted.get("end_month"))
    after = {"employer_id": employer.id, "region_code": employer.region_code, **wanted}
    return "contribution_period", None, {}, _plain(after)


def _months_in_order(start: dt.date, end: dt.date | None) -> None:
    if end is not None and end < start:
        raise ValidationFailed("缴费截止月份不能早于起始月份", code="MONTHS_OUT_OF_ORDER")


def _reviewable(session: Session, caller: Caller, correction_id: int) -> tuple[RecordCorrection, Objection]:
    if not 0 < correction_id <= MAX_ID:
        raise NotFoundError("没有找到这条更正", code="CORRECTION_NOT_FOUND")
    query = select(RecordCorrection).where(RecordCorrection.id == correction_id)
    if caller.staff_region:
        query = query.where(RecordCorrection.region_code == caller.staff_region)
    correction = session.scalar(query.with_for_update())
    if correction is None:
        raise NotFoundError("没有找到这条更正", code="CORRECTION_NOT_FOUND")
    if correction.status != "proposed":
        raise ConflictError(
            "这条更正已经复核过了", code="CORRECTION_NOT_PENDING", details={"status": correction.status}
        )
    if correction.proposed_by == caller.staff_user_id:
        raise Forbidden("更正由您提出，须由另一名复核人员审批", code="MAKER_CHECKER")
    objection = session.get(Objection, correction.objection_id, with_for_update=True)
    assert objection is not None
    return correction, objection


def pending(session: Session, caller: Caller, limit: int) -> list[dict[str, Any]]:
    query = select(RecordCorrection).where(RecordCorrection.status == "proposed")
    if caller.staff_region:
        query = query.where(RecordCorrection.region_code == caller.staff_region)
    return [describe_correction(c) for c in session.scalars(query.order_by(RecordCorrection.id).limit(limit))]


def approve(session: Session, caller: Caller, correction_id: int, note: str) -> dict[str, Any]:
    correction, objection = _reviewable(session, caller, correction_id)
    person = session.get(Person, objection.person_id, with_for_update=True)  # one decision per person at a time
    assert person is not None
    before, after = json.loads(correction.before), json.loads(correction.after)
    record_id = _apply(session, correction, before, after)
    correction.target_id = record_id
    correction.status = "approved"
    correction.decided_by = caller.staff_user_id
    correction.decided_at = correction.applied_at = utcnow()
    correction.decision_note = mask_text(note)
    actor = actor_of(caller)
    audit(
        "record.corrected",
        actor=caller.audit_actor,
        subject=(correction.target, record_id),
        detail={
            "correction_id": correction.id,
            "objection_no": objection.objection_no,
            "before": _masked(before),
            "after": _masked(after),
            "proposed_by": correction.proposed_by,
        },
    )
    if correction.target == "person" and "bank_account" in after:
        _pay_to_corrected_card(session, caller, person)
    history.append(objection.id, "correction_approved", actor, correction_id=correction.id)
    claim = reevaluation.decide_after_correction(
        session, person, actor, correction_id=correction.id, claim_id=objection.claim_id
    )
    answer(session, objection, "accepted", ("staff", str(correction.proposed_by)))
    return {
        "correction": describe_correction(correction),
        "claim": {"id": claim.id, "status": claim.status} if claim else None,
    }


def _pay_to_corrected_card(session: Session, caller: Caller, person: Person) -> None:
    """Open claims paid to the social security card follow its corrected account (a month the
    bank returned is then issued again to the new one)."""
    for claim in session.scalars(
        select(Claim).where(
            Claim.person_id == person.id, Claim.closed_at.is_(None), Claim.bank_account_source == "ss_card"
        )
    ):
        before = mask_bank_account(claim.bank_account)
        claim.bank_name, claim.bank_account = person.bank_name, person.bank_account
        audit(
            "claim.account_changed",
            actor=caller.audit_actor,
            subject=("claim", claim.id),
            detail={"before": before, "after": mask_bank_account(claim.bank_account)},
        )


def decline(session: Session, caller: Caller, correction_id: int, note: str) -> dict[str, Any]:
    """The reviewer does not agree: the objection goes back to its handler, the clock still running."""
    correction, objection = _reviewable(session, caller, correction_id)
    correction.status = "declined"
    correction.decided_by = caller.staff_user_id
    correction.decided_at = utcnow()
    correction.decision_note = mask_text(note)
    objection.status = "in_progress"
    objection.answer = None
    history.append(objection.id, "correction_declined", actor_of(caller), correction_id=correction.id)
    audit(
        "correction.declined",
        actor=caller.audit_actor,
        subject=("record_correction", correction.id),
        detail={"note": correction.decision_note},
    )
    return {"correction": describe_correction(correction), "claim": None}


def _apply(session: Session, correction: RecordCorrection, before: dict[str, Any], after: dict[str, Any]) -> int:
    """Change the record, after checking it still says what it said when the change was proposed."""
    values = {key: _typed(key, value) for key, value in after.items()}
    model = {"person": Person, "stop_event": StopContributionEvent, "contribution_period": ContributionPeriod}[
        correction.target
    ]
    if correction.target_id is None:
        if correction.target == "stop_event":
            row: Any = StopContributionEvent(person_id=correction.person_id, source="agency", **values)
        else:
            row = ContributionPeriod(person_id=correction.person_id, **values)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            raise _changed_since() from None
        return int(row.id)
    row = session.get(model, correction.target_id, with_for_update=True)
    if row is None or _plain({key: getattr(row, key) for key in before}) != before:
        raise _changed_since()
    try:
        with session.begin_nested():
            for key, value in values.items():
                setattr(row, key, value)
            session.flush()
    except IntegrityError:
        raise _changed_since() from None
    return int(row.id)


def _changed_since() -> ConflictError:
    return ConflictError(
        "提出更正后，相关记录已发生变化（或已有相同记录），请退回经办人按最新记录重新核实", code="RECORD_CHANGED"
    )


def _typed(key: str, value: Any) -> Any:
    return dt.date.fromisoformat(value) if key in _DATE_COLUMNS and value else value


def answer(
    session: Session,
    objection: Objection,
    outcome: str,
    actor: tuple[str, str | None],
    *,
    rejection: tuple[str, str] | None = None,
    rescreen: bool = False,
) -> None:
    """Close the objection with its outcome, stop its clock and tell the claimant."""
    today = china_today()
    deadline = session.get(ObjectionDeadline, objection.id, with_for_update=True)
    assert deadline is not None
    clock.close(deadline, today)
    objection.status = "answered"
    objection.outcome = outcome
    objection.answered_at = objection.closed_at = utcnow()
    objection.answered_by = int(actor[1]) if actor[1] else None
    if rejection is not None:
        objection.rejection_code, objection.legal_basis = rejection
    history.append(objection.id, "answered", actor, outcome=outcome, on_time=deadline.on_time)
    label = subject_label(objection.category, objection.field) or "申领决定"
    if outcome != "accepted":
        text = "经核实异议不成立，可查看原因及后续途径"
    elif objection.category == "refund" and rescreen:
        text = f"异议成立，{label}更正后重新比对，请留意确认通知"
    elif objection.category == "refund":  # held, rejected, waived or at the bank: the agency follows it up
        text = f"异议成立，{label}已记录，由经办机构核实处理"
    else:
        text = f"异议成立，{label}已处理"
    notify_filer(
        session,
        objection,
        "objection_answered",
        {"objection_no": objection.objection_no, "outcome": text},
        f"objection:{objection.id}:answered",
    )
