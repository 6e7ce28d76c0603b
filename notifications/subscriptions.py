"""Subscriptions as data: what each WeChat user allowed, reported by the mini-program (the result
of wx.requestSubscribeMessage) and by WeChat's own pushes, and spent by each send.

A one-time template allows one message per acceptance; a long-term one (政务民生 mini-programs)
allows messages until the user turns it off. A message with nothing allowed goes by SMS without
asking WeChat; WeChat's 43101 (the user did not allow it) still clears what we thought we had.
The mini-program and WeChat both report the same popup: an acceptance reported by one within
`SAME_POPUP_S` of the other's counts once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from miniapp_api.db import utcnow
from miniapp_api.extensions import settings
from notifications.models import WeChatSubscription

SAME_POPUP_S = 120
NOT_ALLOWED = 43101  # WeChat: the user has not allowed this template (any more)
MAX_CREDITS = 50  # WeChat keeps no more for a user; a client reporting more gains nothing
RESULTS = ("accept", "reject", "ban", "filter")  # wx.requestSubscribeMessage's answers per template
# When the mini-program asks (a tap the user just made: WeChat allows a popup only then, and at
# most three templates in one), by the templates' names in templates.json.
MOMENTS: dict[str, tuple[str, ...]] = {
    "claim_submitted": ("claim-progress-subscribe", "benefit-change-subscribe"),
    "objection_filed": ("objection-progress-subscribe",),
    "identity_bound": ("account-security-subscribe", "claim-progress-subscribe"),
    "employer_wechat_bound": ("employer-duty-subscribe",),
    "employer_duty_acknowledged": ("employer-duty-subscribe",),
    "employer_refund_confirmed": ("employer-refund-subscribe",),
    "staff_wechat_bound": ("staff-task-subscribe",),
}


# Which moments are whose: a claimant is not asked for (nor may report) an employer's reminders.
MOMENTS_OF = {
    "claimant": ("claim_submitted", "objection_filed", "identity_bound"),
    "employer": ("employer_wechat_bound", "employer_duty_acknowledged", "employer_refund_confirmed"),
    "staff": ("staff_wechat_bound",),
}


def long_term(template_id: str) -> bool:
    return template_id in settings().wechat_long_term_templates


def _row(session: Session, openid: str, template_id: str) -> WeChatSubscription:
    row = session.scalar(
        select(WeChatSubscription)
        .where(WeChatSubscription.openid == openid, WeChatSubscription.template_id == template_id)
        .with_for_update()
    )
    if row is not None:
        return row
    row = WeChatSubscription(
        openid=openid, template_id=template_id, long_term=long_term(template_id), status="rejected", credits=0
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # reported at the same moment by the client and by WeChat
        found = session.scalar(
            select(WeChatSubscription)
            .where(WeChatSubscription.openid == openid, WeChatSubscription.template_id == template_id)
            .with_for_update()
        )
        assert found is not None
        return found
    return row


def record(session: Session, openid: str, template_id: str, result: str, source: str, at: dt.datetime) -> None:
    """One template's answer from one popup (or a change in WeChat's settings)."""
    row = _row(session, openid, template_id)
    row.updated_at = utcnow()
    if result == "accept":
        same_popup = (
            row.granted_at is not None
            and row.granted_by not in (None, source)
            and abs((at - row.granted_at).total_seconds()) <= SAME_POPUP_S
        )
        row.status = "accepted"
        if not row.long_term and not same_popup:
            # WeChat's push counts each acceptance; the mini-program's own word is trusted for one
            # outstanding send only (a client could report "accept" again and again).
            row.credits = min(row.credits + 1, MAX_CREDITS) if source == "push" else max(row.credits, 1)
        row.granted_at, row.granted_by = at, source
    elif result == "ban":  # "always refuse" in the popup, or the template refused in settings
        row.status, row.credits = "banned", 0
    elif result == "off":
        row.status, row.credits = "off", 0
    elif row.status != "accepted" or row.long_term:
        row.status = "rejected"  # a refusal this time leaves earlier one-time acceptances standing
        if row.long_term:
            row.credits = 0


def record_all(session: Session, openid: str, results: Iterable[tuple[str, str]], source: str) -> None:
    now = utcnow()
    for template_id, result in results:
        if result in ("accept", "reject", "ban", "off"):
            record(session, openid, template_id, result, source, now)


def _accepted(openid: str, template_id: str, *, long_term: bool) -> Any:
    return (
        (WeChatSubscription.openid == openid)
        & (WeChatSubscription.template_id == template_id)
        & (WeChatSubscription.status == "accepted")
        & WeChatSubscription.long_term.is_(long_term)
    )


def _add_credits(session: Session, condition: Any, change: int) -> int:
    done = session.execute(
        update(WeChatSubscription)
        .where(condition)
        .values(credits=WeChatSubscription.credits + change, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(done.rowcount)  # type: ignore[attr-defined]


def spend(session: Session, openid: str, template_id: str) -> bool:
    """Take one allowed send, atomically; True when the message may go by WeChat."""
    one_time = _accepted(openid, template_id, long_term=False) & (WeChatSubscription.credits > 0)
    if _add_credits(session, one_time, -1):
        return True
    held = session.scalar(select(WeChatSubscription.id).where(_accepted(openid, template_id, long_term=True)))
    return held is not None


def give_back(session: Session, openid: str, template_id: str) -> None:
    """A send taken for a message WeChat did not deliver (a temporary failure) is the user's again."""
    _add_credits(session, _accepted(openid, template_id, long_term=False), 1)


def refused_by_wechat(session: Session, openid: str, template_id: str) -> None:
    """WeChat said 43101: whatever we believed, the user has nothing left for this template."""
    session.execute(
        update(WeChatSubscription)
        .where(WeChatSubscription.openid == openid, WeChatSubscription.template_id == template_id)
        .values(credits=0, status="rejected", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def of(session: Session, openid: str) -> list[WeChatSubscription]:
    return list(
        session.scalars(
            select(WeChatSubscription)
            .where(WeChatSubscription.openid == openid)
            .order_by(WeChatSubscription.template_id)
        )
    )
