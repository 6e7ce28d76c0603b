"""The use cases of logging in and out, one function each."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select

from auth import lockout, otp, second_factor
from auth.caller import Caller, Level
from auth.models import AuthSession, StaffUser, WeChatAccount
from auth.passwords import hash_password, needs_rehash, verify_password
from auth.sessions import IssuedTokens, caller_for, open_session, revoke, rotate
from auth.wechat_login import exchange_code
from miniapp_api.audit.service import record, record_regardless
from miniapp_api.db import after_commit, current_session, utcnow
from miniapp_api.errors import Forbidden, Unauthenticated
from miniapp_api.extensions import redis_store, settings
from miniapp_api.pii import mask_id_number, mask_name, mask_phone
from miniapp_api.records.models import Employer, EmployerContact, Person
from miniapp_api.records.service import phone_hash
from notifications import templates
from notifications.limits import check_recipient_limits
from notifications.service import Recipient, send

_DOTS = re.compile(r"[·•・‧∙⋅]")
_SPACES = re.compile(r"\s+")


def same_name(recorded: str, given: str) -> bool:
    """Names as people type them: full-width forms folded, spaces ignored, any middle dot."""

    def fold(name: str) -> str:
        return _DOTS.sub("·", _SPACES.sub("", unicodedata.normalize("NFKC", name)))

    return fold(recorded) == fold(given)


# --- claimants -----------------------------------------------------------------------------


def wechat_login(code: str) -> IssuedTokens:
    account = wechat_account(code)
    issued = open_session("claimant", wechat_account=account)
    record("auth.wechat_login", actor=("claimant", account.id), subject=("auth_session", issued.session.id))
    return issued


def wechat_account(code: str) -> WeChatAccount:
    """The mini-program user a wx.login code stands for, recorded (or updated) with its session key."""
    identity = exchange_code(code)  # nothing is written unless WeChat accepted the code
    db = current_session()
    account = db.scalar(
        select(WeChatAccount).where(WeChatAccount.appid == identity.appid, WeChatAccount.openid == identity.openid)
    )
    if account is None:
        account = WeChatAccount(appid=identity.appid, openid=identity.openid)
        db.add(account)
    account.session_key = identity.session_key
    account.unionid = identity.unionid or account.unionid
    db.flush()
    return account


# --- employers -------------------------------------------------------------------------------


def _contact(credit_code: str, phone: str) -> EmployerContact | None:
    db = current_session()
    employer = db.scalar(select(Employer).where(Employer.credit_code == credit_code))
    if employer is None:
        return None
    return db.scalar(
        select(EmployerContact).where(
            EmployerContact.employer_id == employer.id, EmployerContact.phone_hash == phone_hash(phone)
        )
    )


def request_employer_code(credit_code: str, phone: str) -> None:
    """Send a login code if the phone is a contact of the employer; answer alike either way."""
    lockout.check_not_locked("employer_login", phone_hash(phone))
    contact = _contact(credit_code, phone)
    if contact is None:
        # Count the number against the same per-phone limits a real send would, so the
        # answers (including the 429s) do not tell contacts from strangers.
        check_recipient_limits(redis_store(), templates.latest("login_code"), phone_hash(phone))
        record_regardless("auth.employer_code", detail={"credit_code": credit_code, "phone": mask_phone(phone)})
        return
    code = otp.new_code()
    subject = f"employer:{contact.id}"
    # The code replaces the previous one only once the message is queued and committed: a
    # refused send (too many codes) leaves the code the contact already has working.
    after_commit(lambda: otp.store(subject, code))
    minutes = max(1, settings().OTP_TTL_S // 60)
    send(
        "login_code",
        Recipient("employer_contact", contact.id, phone=contact.phone),
        {"code": code, "minutes": minutes},
        expires_in_s=settings().OTP_TTL_S,
    )
    record("auth.employer_code", actor=("employer", contact.id), subject=("employer", contact.employer_id))


def employer_login(credit_code: str, phone: str, code: str) -> IssuedTokens:
    guess = lockout.attempt("employer_login", phone_hash(phone))
    contact = _contact(credit_code, phone)
    if contact is None or not otp.check(f"employer:{contact.id}", code):
        locked = guess.failed()
        record_regardless(
            "auth.employer_login",
            actor=("employer", contact.id) if contact else None,
            detail={"credit_code": credit_code, "phone": mask_phone(phone), "locked": locked},
        )
        # One answer for every failure, so it does not tell a contact with a pending code
        # from a stranger.
        raise Unauthenticated("验证码错误或已失效，请核对或重新获取验证码", code="OTP_INVALID")
    guess.succeeded()
    issued = open_session("employer", contact=contact)
    record("auth.employer_login", actor=("employer", contact.id), subject=("auth_session", issued.session.id))
    return issued


# --- staff -------------------------------------------------------------------------------------


def staff_login(username: str, password: str, code: str) -> IssuedTokens:
    """The password, then the authenticator's code: the API asks for both, as the console does."""
    staff = authenticate_staff(username, password)
    if not second_factor.enrolled(staff):
        record_regardless(
            "auth.staff_login", actor=("staff", staff.id), detail={"reason": "second_factor_not_enrolled"}
        )
        raise Forbidden(
            "请先登录经办工作台（/console/）绑定身份验证器，再以密码和动态验证码登录", code="SECOND_FACTOR_NOT_ENROLLED"
        )
    guess = lockout.attempt(second_factor.LOCKOUT_SCOPE, str(staff.id))
    if not second_factor.check(staff, code.strip()):
        locked = guess.failed()
        record_regardless(
            "auth.staff_login", actor=("staff", staff.id), detail={"second_factor": False, "locked": locked}
        )
        raise Unauthenticated(
            "动态验证码不正确或已使用，请输入身份验证器中当前显示的6位数字", code="SECOND_FACTOR_FAILED"
        )
    guess.succeeded()
    issued = open_session("staff", staff=staff)
    record("auth.staff_login", actor=("staff", staff.id), subject=("auth_session", issued.session.id))
    return issued


def authenticate_staff(username: str, password: str) -> StaffUser:
    """The active account whose password this is (the API's login and the operators' commands alike)."""
    guess = lockout.attempt("staff_login", username)
    db = current_session()
    staff = db.scalar(select(StaffUser).where(StaffUser.username == username))
    valid = verify_password(staff.password_hash if staff else None, password)
    if staff is None or not valid or not staff.active:
        locked = guess.failed()
        record_regardless("auth.staff_login", detail={"username": username, "locked": locked})
        raise Unauthenticated("用户名或密码错误", code="LOGIN_FAILED")
    guess.succeeded()
    if needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    return staff


# --- every kind ----------------------------------------------------------------------------------


def refresh(refresh_token: str) -> IssuedTokens:
    issued = rotate(refresh_token)
    record("auth.refresh", subject=("auth_session", issued.session.id))
    return issued


def logout(caller: Caller) -> None:
    revoke(caller.session_id, "logout")
    record("auth.logout", actor=caller.audit_actor, subject=("auth_session", caller.session_id))


def require_staff_role(caller: Caller, *roles: str) -> None:
    if caller.kind != "staff" or not caller.roles & set(roles):
        raise Forbidden("您的岗位没有此项权限", code="ROLE_REQUIRED")


def person_brief(person: Person) -> dict[str, str]:
    return {
        "name": mask_name(person.name),
        "id_number": mask_id_number(person.id_number),
        "region_code": person.region_code,
    }


def describe_caller(caller: Caller) -> dict[str, object]:
    """Who the token belongs to, with personal data masked (GET /auth/me)."""
    db = current_session()
    answer: dict[str, object] = {"kind": caller.kind, "level": caller.level.label if caller.level else None}
    if caller.kind == "claimant":
        session = db.get(AuthSession, caller.session_id)
        answer["face_verified_until"] = session.face_verified_until if caller.level == Level.FACE_VERIFIED else None  # type: ignore[union-attr]
        person = db.get(Person, caller.person_id) if caller.person_id else None
        answer["person"] = person_brief(person) if person else None
    elif caller.kind == "employer":
        employer = db.get(Employer, caller.employer_id)
        contact = db.get(EmployerContact, caller.employer_contact_id)
        answer["employer"] = employer
        answer["contact_phone"] = mask_phone(contact.phone) if contact else None
    else:
        answer["staff"] = db.get(StaffUser, caller.staff_user_id)
    return answer


def current_level(session: AuthSession) -> Level | None:
    """The assurance level a freshly issued claimant session has (None for other kinds)."""
    if session.kind != "claimant":
        return None
    return caller_for(session, utcnow()).level


def session_level(session_id: int) -> Level | None:
    """The claimant session's level as it stands now (after a binding, say)."""
    session = current_session().get(AuthSession, session_id)
    return current_level(session) if session else None
