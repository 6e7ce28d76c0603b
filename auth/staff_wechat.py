"""A member of staff on WeChat: signed in with password and authenticator, they bind the
mini-program's WeChat user to their account; their alerts (an objection due, a duty escalated,
the calendar running out) then go to it as subscribe messages where they allowed them, and by
SMS to the work phone otherwise. Binding again moves the alerts to the new WeChat user."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from auth.caller import Caller
from auth.models import WeChatAccount
from auth.service import wechat_account
from miniapp_api.audit.service import record
from miniapp_api.extensions import settings


def bind(session: Session, caller: Caller, code: str) -> WeChatAccount:
    account = wechat_account(code)
    session.execute(
        update(WeChatAccount)
        .where(WeChatAccount.staff_user_id == caller.staff_user_id, WeChatAccount.id != account.id)
        .values(staff_user_id=None)
        .execution_options(synchronize_session=False)
    )
    account.staff_user_id = caller.staff_user_id
    record("staff.wechat_bound", actor=caller.audit_actor, subject=("wechat_account", account.id))
    return account


def openid_of(session: Session, staff_user_id: int) -> str | None:
    return session.scalar(
        select(WeChatAccount.openid).where(
            WeChatAccount.staff_user_id == staff_user_id, WeChatAccount.appid == settings().WECHAT_MINIAPP_APPID
        )
    )
