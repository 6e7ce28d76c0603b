"""Real-name binding: a WeChat account claims an identity (ID number and name), and the records
must agree. Knowing someone's ID number and name is not being them, so:

- every wrong name counts against the account, the client address and the identity itself
  (a keyed hash): past the identity's limit only a face check binds it;
- an identity another account holds, or any change of an account's binding, needs a passed face
  check of that identity; the answer never says which it was, so no one learns who is bound;
- a face check of the claimed identity moves the binding: the old account's sessions end, it is
  told, the person's unconfirmed draft is discarded, and staff get a check item about it;
- until a binding has passed one face check, benefit goes to the social security card only.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import NoReturn

from sqlalchemy import delete, select

from auth import lockout
from auth.caller import Caller
from auth.models import AuthSession, IdentityBinding, WeChatAccount
from auth.service import same_name
from auth.sessions import revoke_account_sessions
from miniapp_api.audit.service import record, record_regardless
from miniapp_api.claims.models import ClaimDraft
from miniapp_api.db import current_session, utcnow
from miniapp_api.errors import TooManyAttempts, ValidationFailed
from miniapp_api.extensions import settings
from miniapp_api.objections import history
from miniapp_api.objections.models import Objection, ObjectionEvent
from miniapp_api.pii import mask_id_number
from miniapp_api.records.models import Person
from miniapp_api.records.service import find_person, id_number_hash
from miniapp_api.safety.checks import Signal, open_items
from notifications import service as notify

UNCONFIRMED = (
    "无法直接绑定该身份：请核对身份证号码与姓名。确认无误的，请通过人脸核验证明是本人后绑定，"
    "或携带身份证到经办机构窗口办理"
)


@dataclass(frozen=True)
class Binding:
    person: Person
    already_bound: bool


def _unconfirmed() -> ValidationFailed:
    """One answer for a wrong name, an unknown number, a taken or a locked identity."""
    return ValidationFailed(
        UNCONFIRMED, code="IDENTITY_UNCONFIRMED", details={"face_route": "/api/v1/liveness/identity-challenges"}
    )


def _identity_policy() -> lockout.Policy:
    config = settings()
    return lockout.Policy(config.BIND_IDENTITY_FAILURES, config.BIND_IDENTITY_WINDOW_S, config.BIND_IDENTITY_LOCK_S)


def identity_locked(id_number: str) -> bool:
    try:
        lockout.check_not_locked("bind_identity", id_number_hash(id_number))
    except TooManyAttempts:
        return True
    return False


def count_wrong_name(id_number: str) -> None:
    """A wrong name (or an unknown number) for this identity, from anyone."""
    # Locked already: binding it needs a face check, whatever is guessed now.
    with contextlib.suppress(TooManyAttempts):
        lockout.attempt("bind_identity", id_number_hash(id_number), _identity_policy()).failed()


def claimed_person(id_number: str, name: str) -> Person | None:
    """The person an ID number and name name together (None: they do not), the wrong ones counted."""
    person = find_person(current_session(), id_number)
    if person is None or not same_name(person.name, name):
        count_wrong_name(id_number)
        return None
    return person


def bind_identity(caller: Caller, id_number: str, name: str, address: str) -> Binding:
    by_account, by_address = _attempts(caller, address)
    db = current_session()
    person = claimed_person(id_number, name)
    if person is None:
        _refuse(caller, by_account, by_address, detail={"id_number": mask_id_number(id_number)})
    account = db.get(WeChatAccount, caller.wechat_account_id)
    assert account is not None
    if account.person_id == person.id:
        _taken_back(by_account, by_address)
        return Binding(person, already_bound=True)
    holder = db.scalar(select(WeChatAccount).where(WeChatAccount.person_id == person.id))
    needs_face = holder is not None or account.person_id is not None or identity_locked(id_number)
    if needs_face and not face_verified_for(caller.session_id, person.id):
        # Counted as a failure too: a right name for a taken identity looks like a wrong one.
        _refuse(caller, by_account, by_address, subject=person.id, detail={"needs_face_check": True})
    _taken_back(by_account, by_address)
    take_binding(caller, person, face_checked=needs_face)
    return Binding(person, already_bound=False)


def _attempts(caller: Caller, address: str) -> tuple[lockout.Attempt, lockout.Attempt]:
    by_address = lockout.attempt("bind_address", address, _address_policy())
    return lockout.attempt("bind", str(caller.wechat_account_id)), by_address


def _address_policy() -> lockout.Policy:
    """An address may be a whole office behind one NAT: four times an account's allowance."""
    base = lockout.login_policy()
    return lockout.Policy(base.failures * 4, base.window_s, base.lock_s)


def _taken_back(*attempts: lockout.Attempt) -> None:
    # Binding keeps earlier failures: knowing one's own identity says nothing of guesses at others'.
    for attempt in attempts:
        attempt.succeeded(forget_failures=False)


def _refuse(
    caller: Caller,
    *attempts: lockout.Attempt,
    detail: dict[str, object],
    subject: int | None = None,
) -> NoReturn:
    locked = [attempt.failed() for attempt in attempts]
    record_regardless(
        "auth.bind",
        actor=caller.audit_actor,
        subject=("person", subject) if subject else None,
        detail={**detail, "locked": any(locked)},
    )
    raise _unconfirmed()


def claimed_for_face_check(caller: Caller, id_number: str, name: str, address: str) -> Person:
    """The identity a face check is asked for, wrong names counted against the account and the
    address as well as the identity, as binding counts them."""
    by_account, by_address = _attempts(caller, address)
    person = claimed_person(id_number, name)
    if person is None:
        _refuse(caller, by_account, by_address, detail={"id_number": mask_id_number(id_number), "route": "face"})
    _taken_back(by_account, by_address)
    return person


def take_binding(caller: Caller, person: Person, *, face_checked: bool) -> WeChatAccount | None:
    """Bind `person` to the caller's account; an account holding it loses it (and is told).
    Returns that account, if any."""
    db = current_session()
    account = db.get(WeChatAccount, caller.wechat_account_id)
    assert account is not None
    holder = db.scalar(select(WeChatAccount).where(WeChatAccount.person_id == person.id))
    if holder is not None and holder.id != account.id:
        holder.person_id = holder.bound_at = holder.face_verified_at = None
        revoke_account_sessions(holder.id, "identity_recovered")
        db.flush()  # free the person before binding it here (unique person_id)
        _squatter_found(person, holder, account)
    previous = account.person_id
    now = utcnow()
    account.person_id, account.bound_at = person.id, now
    account.face_verified_at = now if face_checked else None
    db.add(IdentityBinding(wechat_account_id=account.id, unionid=account.unionid, person_id=person.id))
    record(
        "auth.bind",
        actor=caller.audit_actor,
        subject=("person", person.id),
        detail={
            "previous_person_id": previous,
            "taken_from_account": holder.id if holder else None,
            "face_checked": face_checked,
        },
    )
    return holder


def _squatter_found(person: Person, holder: WeChatAccount, account: WeChatAccount) -> None:
    """The person proved by face an identity another account held: that account is told, what
    it may have prepared is discarded, and staff look into it."""
    db = current_session()
    discarded = db.execute(delete(ClaimDraft).where(ClaimDraft.person_id == person.id)).rowcount  # type: ignore[attr-defined]
    flagged = _flag_objections_filed_by(holder.id, person.id)
    open_items(
        db,
        [
            Signal(
                "identity_squatting",
                person.id,
                f"identity_squatting:{holder.id}:{person.id}:{utcnow():%Y%m%d%H%M%S}",
                {
                    "squatting_account": holder.id,
                    "recovered_by_account": account.id,
                    "drafts_discarded": discarded,
                    "open_objections_filed": flagged,
                    "held_since": holder.created_at.isoformat() if holder.created_at else None,
                },
            )
        ],
    )
    record(
        "auth.binding_recovered",
        subject=("person", person.id),
        detail={
            "from_account": holder.id,
            "to_account": account.id,
            "drafts_discarded": discarded,
            "objections_flagged": flagged,
        },
    )
    with contextlib.suppress(notify.Undeliverable):  # its sessions are over; it learns at its next login
        notify.send(
            "identity_binding_removed",
            notify.Recipient("wechat_account", holder.id, openid=holder.openid),
            {"changed_on": f"{utcnow():%Y-%m-%d}"},
            dedup_key=f"identity_recovered:{holder.id}:{person.id}",
        )


def _flag_objections_filed_by(account_id: int, person_id: int) -> list[str]:
    """Open objections the squatting account filed stay for staff to decide, but say who filed them."""
    filed = (
        current_session()
        .scalars(
            select(Objection)
            .join(ObjectionEvent, ObjectionEvent.objection_id == Objection.id)
            .where(
                Objection.person_id == person_id,
                Objection.status != "answered",
                ObjectionEvent.kind == "filed",
                ObjectionEvent.actor_id == str(account_id),
            )
        )
        .all()
    )
    for objection in filed:
        history.append(objection.id, "filer_lost_identity", account=account_id)
    return [objection.objection_no for objection in filed]


def face_verified_for(session_id: int, person_id: int) -> bool:
    session = current_session().get(AuthSession, session_id)
    return bool(
        session
        and session.face_verified_person_id == person_id
        and session.face_verified_until
        and session.face_verified_until > utcnow()
    )


def binding_face_verified(caller: Caller) -> bool:
    """Has the caller's binding passed a face check of its person (ever, since it was made)?"""
    account = current_session().get(WeChatAccount, caller.wechat_account_id)
    return bool(account and account.person_id is not None and account.face_verified_at is not None)


def stamp_face_check(session_id: int, person_id: int) -> None:
    """A face check of `person_id` passed in this session: its account's binding is now proved."""
    db = current_session()
    session = db.get(AuthSession, session_id)
    account = db.get(WeChatAccount, session.wechat_account_id) if session and session.wechat_account_id else None
    if account is not None and account.person_id == person_id and account.face_verified_at is None:
        account.face_verified_at = utcnow()
