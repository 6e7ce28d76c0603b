"""Employer contacts on WeChat. A contact signed in with the SMS code (the phone proven), or whose
phone WeChat verified (getPhoneNumber), links the mini-program's WeChat user to that phone; from
then on the contact signs in with WeChat alone, for every employer whose contact has that
phone, and reminders go by WeChat where the contact allowed them, by SMS otherwise."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth import lockout
from auth.caller import Caller
from auth.models import WeChatAccount
from auth.service import wechat_account
from auth.sessions import IssuedTokens, open_session
from auth.wechat_login import verified_phone
from miniapp_api.audit.service import record, record_regardless
from miniapp_api.errors import Unauthenticated
from miniapp_api.extensions import settings
from miniapp_api.pii import mask_phone
from miniapp_api.records.models import Employer, EmployerContact
from miniapp_api.records.service import phone_hash


def bind(session: Session, caller: Caller, code: str) -> WeChatAccount:
    contact = session.get(EmployerContact, caller.employer_contact_id)
    assert contact is not None  # the employer session belongs to a contact
    account = wechat_account(code)
    account.contact_phone_hash = contact.phone_hash
    record("employer.wechat_bound", actor=caller.audit_actor, subject=("wechat_account", account.id))
    return account


def login(session: Session, code: str, credit_code: str) -> IssuedTokens:
    account = wechat_account(code)  # WeChat's code works once: the guessing is of credit codes
    guess = lockout.attempt("employer_wechat_login", str(account.id))
    contact = (
        session.scalar(
            select(EmployerContact)
            .join(Employer, Employer.id == EmployerContact.employer_id)
            .where(Employer.credit_code == credit_code, EmployerContact.phone_hash == account.contact_phone_hash)
        )
        if account.contact_phone_hash
        else None
    )
    if contact is None:
        guess.failed()
        record_regardless("auth.employer_wechat_login", detail={"credit_code": credit_code, "account": account.id})
        raise Unauthenticated(
            "这个微信还不是该单位联系人：请先以手机短信验证码登录，再在“告知义务”页面点“绑定微信”",
            code="WECHAT_NOT_BOUND",
        )
    guess.succeeded()
    issued = open_session("employer", contact=contact, wechat_account=account)
    record("auth.employer_wechat_login", actor=("employer", contact.id), subject=("auth_session", issued.session.id))
    return issued


def login_with_wechat_phone(session: Session, code: str, phone_code: str, credit_code: str) -> IssuedTokens:
    """The contact's phone verified by WeChat (getPhoneNumber) instead of an SMS code: the WeChat
    user is bound to it and signed in."""
    account = wechat_account(code)
    guess = lockout.attempt("employer_wechat_login", str(account.id))
    phone = verified_phone(phone_code)
    contact = session.scalar(
        select(EmployerContact)
        .join(Employer, Employer.id == EmployerContact.employer_id)
        .where(Employer.credit_code == credit_code, EmployerContact.phone_hash == phone_hash(phone))
    )
    if contact is None:
        guess.failed()
        record_regardless("auth.employer_wechat_login", detail={"credit_code": credit_code, "phone": mask_phone(phone)})
        raise Unauthenticated(
            f"微信验证的手机号 {mask_phone(phone)} 不是该单位登记的联系人，请联系经办机构登记", code="NOT_A_CONTACT"
        )
    guess.succeeded()
    account.contact_phone_hash = contact.phone_hash
    issued = open_session("employer", contact=contact, wechat_account=account)
    record("auth.employer_wechat_login", actor=("employer", contact.id), subject=("auth_session", issued.session.id))
    return issued


def openids_by_phone(session: Session, phone_hashes: set[str]) -> dict[str, str]:
    """The mini-program user each contact phone was proven by (the latest, if several)."""
    if not phone_hashes:
        return {}
    rows = session.execute(
        select(WeChatAccount.contact_phone_hash, WeChatAccount.openid)
        .where(
            WeChatAccount.contact_phone_hash.in_(phone_hashes),
            WeChatAccount.appid == settings().WECHAT_MINIAPP_APPID,
        )
        .order_by(WeChatAccount.updated_at)
    ).all()
    return {phone: openid for phone, openid in rows if phone}
