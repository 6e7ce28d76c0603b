"""Delivering one queued message, and the sweep that rescues messages nobody is delivering.

A delivery is three steps, each a transaction of its own:
1. claim: lock the row; only a `created` message that is due moves to `sending` (so a
   duplicate task, or a task redelivered after a worker died, finds nothing to do);
2. send: call the channel with the message id as the provider's reference — no row lock
   is held across the network;
3. settle: lock the row again and record what the channel answered.
A worker killed between 2 and 3 leaves the row `sending`; the sweep asks the provider whether
it has the message before sending it again, so it is neither lost nor sent twice.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from miniapp_api.db import after_commit, current_session, unit_of_work, utcnow
from miniapp_api.extensions import redis_store, settings
from notifications import receipts, subscriptions, templates
from notifications.channels.base import (
    Accepted,
    DeliveryError,
    Found,
    OutcomeUnknown,
    Outgoing,
    PermanentError,
    SubscriptionRefused,
    TemporaryError,
)
from notifications.limits import quiet_until, retry_delay_s
from notifications.models import (
    CREATED,
    DELIVERED,
    EXPIRED,
    PERMANENT_FAILURE,
    SENDING,
    SENT,
    TECHNICAL_FAILURE,
    TEMPORARY_FAILURE,
    Message,
    NotificationAlert,
)
from notifications.providers import Channels, channels
from notifications.service import enqueue_after_commit, record

log = logging.getLogger(__name__)
SWEEP_BATCH = 500
SETTLE_TRIES = 3
# As GOV.UK Notify does: a text with no receipt after 72 hours is taken as not delivered.
RECEIPT_GIVE_UP_H = 72


@dataclass(frozen=True)
class _Claimed:
    outgoing: Outgoing
    channel: str
    provider: str | None
    weights: dict[str, int]  # the providers' weights when the batch was claimed
    attempt: int  # settle records an outcome only for the attempt it belongs to


def deliver(message_id: str) -> str | None:
    """Deliver one message; its status afterwards, or None if there was nothing to do."""
    return deliver_many([message_id]).get(message_id)


def deliver_many(message_ids: list[str]) -> dict[str, str]:
    """Deliver a batch: one transaction to claim them all, the sends, one to settle them all."""
    wiring = channels()
    try:
        claimed = _claim(message_ids, wiring)
    except StaleDataError:
        return {}  # another delivery claimed them first; the sweep catches any left behind
    if not claimed:
        return {}
    outcomes: dict[str, Accepted | DeliveryError] = {}
    for item in claimed:
        try:
            outcomes[item.outgoing.message_id] = _send(item, wiring)
        except DeliveryError as error:
            outcomes[item.outgoing.message_id] = error
        except Exception as error:  # one odd failure must not strand the rest of the batch
            log.exception("unexpected error sending %s", item.outgoing.message_id)
            outcomes[item.outgoing.message_id] = TemporaryError("unexpected", type(error).__name__)
    for attempt in range(SETTLE_TRIES):
        try:
            return _settle(claimed, outcomes, wiring)
        except StaleDataError:
            # SQLite only (no row locks): a receipt changed a row between read and write.
            log.warning("settle conflict, retrying (%d)", attempt + 1)
    log.error("settle gave up after %d conflicts; the sweep will settle these", SETTLE_TRIES)
    return {}


def _claim(message_ids: list[str], wiring: Channels) -> list[_Claimed]:
    config = settings()
    with unit_of_work() as session:
        # SKIP LOCKED: a row locked by another claim is that claim's to deliver.
        rows = session.scalars(
            select(Message).where(Message.id.in_(message_ids)).order_by(Message.id).with_for_update(skip_locked=True)
        ).all()
        now = utcnow()
        weights = wiring.balance.weights()
        claimed = []
        for message in rows:
            if message.status != CREATED or (message.next_attempt_at and message.next_attempt_at > now):
                continue  # done already, or not due: its own delayed task or the sweep brings it back
            if message.expires_at and message.expires_at <= now:
                record(message, EXPIRED, "已过期，不再发送")
                continue
            if message.channel == "wechat_subscribe" and not _allowed_by_user(session, message, wiring):
                continue
            if message.channel == "sms" and not message.urgent:
                resume = quiet_until(now, config.quiet_hours)
                if resume:
                    message.next_attempt_at = resume
                    record(message, CREATED, "静默时段，推迟发送")
                    continue
            message.attempts += 1
            message.sending_started_at = now
            message.provider = wiring.balance.choose(weights=weights) if message.channel == "sms" else message.channel
            record(message, SENDING, f"第{message.attempts}次，经 {message.provider}")
            claimed.append(_Claimed(_outgoing(message), message.channel, message.provider, weights, message.attempts))
        return claimed


def _allowed_by_user(session: Session, message: Message, wiring: Channels) -> bool:
    """Take one of the sends the user allowed for this template (False: the message is settled).
    With none, the message goes on as a text without asking WeChat, or, with no phone either,
    fails and staff are told."""
    if message.wechat_openid and subscriptions.spend(session, message.wechat_openid, _template_id(message, wiring)):
        return True
    if message.phone and "sms" in _template(message).channels:
        message.channel = "sms"
        record(message, CREATED, "用户未订阅此类微信消息，改发短信")
        return True  # as a text now, under the texts' quiet hours
    message.failure_reason = "用户未订阅此类微信消息，也没有手机号码"
    record(message, PERMANENT_FAILURE, "wechat:not_subscribed")
    return False


def _template_id(message: Message, wiring: Channels) -> str:
    wechat = _template(message).wechat or {}
    return wiring.wechat.template_id(str(wechat.get("template_id", "")))


def _template(message: Message) -> templates.Template:
    return templates.get(message.kind, message.template_version)


def _outgoing(message: Message) -> Outgoing:
    template = _template(message)
    rendered = templates.render(template, json.loads(message.personalisation))
    return Outgoing(message.id, template, rendered, message.phone, message.wechat_openid)


def _send(claimed: _Claimed, wiring: Channels) -> Accepted:
    if claimed.channel != "sms":
        return wiring.wechat.send(claimed.channel, claimed.outgoing)
    assert claimed.provider is not None
    # An urgent text (a login code) that a provider refuses for now goes to the next provider at
    # once: waiting for a retry could outlast the code. Others wait for their retry.
    order = [claimed.provider]
    if claimed.outgoing.template.urgent:
        order += sorted((n for n in wiring.sms if n != claimed.provider), key=lambda n: -claimed.weights.get(n, 0))
    for index, name in enumerate(order):
        try:
            accepted = wiring.sms[name].send(claimed.outgoing, wiring.sign_name)
        except TemporaryError:
            wiring.balance.record_failure(name)
            if index == len(order) - 1:
                raise
            log.warning(
                "provider %s refused urgent message %s for now; trying the next", name, claimed.outgoing.message_id
            )
            continue
        wiring.balance.record_success(name, known=claimed.weights)
        return accepted
    raise AssertionError("unreachable: the last provider's failure is raised")


def _settle(claimed: list[_Claimed], outcomes: dict[str, Accepted | DeliveryError], wiring: Channels) -> dict[str, str]:
    by_id = {item.outgoing.message_id: item for item in claimed}
    statuses: dict[str, str] = {}
    early_receipts: list[Accepted] = []
    with unit_of_work() as session:
        rows = session.scalars(
            select(Message).where(Message.id.in_(list(by_id))).order_by(Message.id).with_for_update()
        ).all()
        for message in rows:
            outcome = outcomes[message.id]
            if message.attempts != by_id[message.id].attempt:
                pass  # the sweep gave up on this attempt and another one owns the row now
            elif message.status != SENDING:
                # A receipt or the sweep got here first; keep their status, add what we know.
                if isinstance(outcome, Accepted):
                    message.provider_reference = message.provider_reference or outcome.reference
                    if message.channel == "sms" and message.segments is None:
                        message.segments = templates.sms_segments(
                            by_id[message.id].outgoing.rendered.sms_text, wiring.sign_name
                        )
            elif isinstance(outcome, OutcomeUnknown):
                record(message, SENDING, f"{outcome.code}：结果未知，超时后向服务商查询")
            elif isinstance(outcome, Accepted):
                _accepted(message, by_id[message.id], outcome, wiring)
                if message.channel == "sms":
                    early_receipts.append(outcome)
            else:
                _failed(message, by_id[message.id], outcome)
            statuses[message.id] = message.status
        if early_receipts:
            after_commit(lambda: _apply_early_receipts(early_receipts))
    return statuses


def _failed(message: Message, claimed: _Claimed, outcome: DeliveryError) -> None:
    config = settings()
    if claimed.channel == "wechat_subscribe" and message.wechat_openid:
        _give_back_or_clear(message, outcome)
    if isinstance(outcome, SubscriptionRefused) and message.phone and "sms" in claimed.outgoing.template.channels:
        message.channel = "sms"
        message.provider = None
        message.next_attempt_at = None if message.urgent else quiet_until(utcnow(), config.quiet_hours)
        record(message, CREATED, f"微信未送达（{outcome.code}），改发短信")
        enqueue_after_commit(message.id, message.next_attempt_at)
    elif isinstance(outcome, PermanentError):
        message.failure_reason = str(outcome)[:300]
        record(message, PERMANENT_FAILURE, outcome.code)
    elif message.attempts >= config.NOTIFY_MAX_ATTEMPTS:
        message.failure_reason = str(outcome)[:300]
        record(message, TECHNICAL_FAILURE, f"{message.attempts}次均失败：{outcome.code}")
        current_session().add(
            NotificationAlert(message_id=message.id, reason=f"{message.kind} 发送失败：{outcome}"[:300])
        )
        log.error("message %s gave up after %d attempts: %s", message.id, message.attempts, outcome.code)
    else:
        delay = retry_delay_s(
            message.attempts, base_s=config.NOTIFY_RETRY_BASE_S, cap_s=config.NOTIFY_RETRY_CAP_S, urgent=message.urgent
        )
        retry_at = utcnow() + dt.timedelta(seconds=delay)
        if message.expires_at and retry_at >= message.expires_at:
            message.failure_reason = str(outcome)[:300]
            record(message, EXPIRED, f"{outcome.code}，重试前已过期，不再发送")
            return
        message.next_attempt_at = retry_at
        record(message, CREATED, f"{outcome.code}，{delay:.0f}秒后重试")
        enqueue_after_commit(message.id, message.next_attempt_at)


def _give_back_or_clear(message: Message, outcome: DeliveryError) -> None:
    """A send WeChat refused with 43101 shows the user allowed nothing; any other failure did not
    use the send the user allowed, so it is given back for the retry."""
    assert message.wechat_openid is not None
    template_id = _template_id(message, channels())
    if isinstance(outcome, SubscriptionRefused):
        subscriptions.refused_by_wechat(current_session(), message.wechat_openid, template_id)
    else:
        subscriptions.give_back(current_session(), message.wechat_openid, template_id)


def _accepted(message: Message, claimed: _Claimed, accepted: Accepted, wiring: Channels) -> None:
    message.provider_reference = accepted.reference
    if message.channel == "sms":
        message.provider = accepted.provider  # another than claimed, when an urgent text failed over
        message.segments = templates.sms_segments(claimed.outgoing.rendered.sms_text, wiring.sign_name)
        record(message, SENT, f"{accepted.provider} 已受理，{message.segments}条计费")
    else:
        # WeChat answers errcode 0 once the message is in the user's WeChat; there are no receipts.
        record(message, SENT, f"{accepted.provider} 已受理")
        record(message, DELIVERED, "微信已推送")


def _apply_early_receipts(accepted: list[Accepted]) -> None:
    with unit_of_work() as session:
        receipts.apply_held(session, redis_store(), [(a.provider, a.reference) for a in accepted])


def sweep() -> dict[str, int]:
    """Re-queue `created` rows nobody picked up; settle `sending` rows whose worker never came
    back and `sent` rows whose receipt never came, by asking their provider."""
    config = settings()
    now = utcnow()
    counts = {"requeued": 0, "resolved": 0, "resent": 0, "waiting": 0}
    store = redis_store()
    with unit_of_work() as session:
        stale = session.scalars(
            select(Message.id)
            .where(
                Message.status == CREATED,
                or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now),
                Message.status_at <= now - dt.timedelta(seconds=config.NOTIFY_CREATED_STALE_S),
            )
            .order_by(Message.status_at)
            .limit(SWEEP_BATCH)
        ).all()
        # No write to the rows (a worker may be claiming them right now); a short-lived Redis
        # mark keeps the next sweeps from enqueueing the same ones again and again.
        fresh = [i for i in stale if store.claim_nonce("requeued", i, ttl_s=int(config.NOTIFY_CREATED_STALE_S) + 1)]
        for message_id in fresh:
            enqueue_after_commit(message_id)
        counts["requeued"] = len(fresh)
    wiring = channels()
    for message_id in _stuck(SENDING, now - dt.timedelta(seconds=config.NOTIFY_SENDING_TIMEOUT_S)):
        counts[_resolve(message_id, SENDING, wiring)] += 1
    for message_id in _stuck(SENT, now - dt.timedelta(seconds=config.NOTIFY_RECEIPT_TIMEOUT_S)):
        counts[_resolve(message_id, SENT, wiring)] += 1
    return counts


def _stuck(status: str, before: dt.datetime) -> list[str]:
    """Rows in `status` since before `before`, those asked about longest ago first."""
    with unit_of_work() as session:
        return list(
            session.scalars(
                select(Message.id)
                .where(
                    Message.status == status,
                    Message.sending_started_at <= before,
                    or_(Message.checked_at.is_(None), Message.checked_at <= before),
                )
                .order_by(Message.checked_at.is_not(None), Message.checked_at, Message.sending_started_at)
                .limit(SWEEP_BATCH)
            )
        )


def _resolve(message_id: str, waiting_in: str, wiring: Channels) -> str:
    """Settle a message stuck in `waiting_in` by what its provider knows of it."""
    with unit_of_work() as session:
        message = session.get(Message, message_id)
        if message is None or message.status != waiting_in:
            return "waiting"
        provider, phone, started, channel = message.provider, message.phone, message.sending_started_at, message.channel
    found: Found | None = None
    if channel == "sms" and provider in wiring.sms and phone and started:
        try:
            found = wiring.sms[provider].lookup(message_id, phone, started)
        except TemporaryError as error:
            log.warning("lookup of %s at %s failed (%s); will try again", message_id, provider, error.code)
            return "waiting"
    try:
        with unit_of_work() as session:
            message = session.get_one(Message, message_id, with_for_update=True)
            if message.status != waiting_in:
                return "waiting"
            message.checked_at = utcnow()
            return _apply_lookup(message, waiting_in, found)
    except StaleDataError:
        return "waiting"  # a receipt or a worker changed it meanwhile; next sweep looks again


def _apply_lookup(message: Message, waiting_in: str, found: Found | None) -> str:
    provider = message.provider
    if waiting_in == SENDING and message.channel != "sms":
        # WeChat has no look-up: resending risks a duplicate notice, not resending loses it. The
        # send the user allowed is given back for it: if WeChat did deliver, it answers 43101 and
        # the message goes by SMS instead of twice by WeChat.
        if message.channel == "wechat_subscribe" and message.wechat_openid:
            subscriptions.give_back(current_session(), message.wechat_openid, _template_id(message, channels()))
        record(message, CREATED, "发送结果未知（微信无查询接口），重新发送")
        enqueue_after_commit(message.id)
        return "resent"
    if found is None and waiting_in == SENDING:
        # A provider's records can lag: resend only when it has said "no such message" twice.
        if redis_store().claim_nonce("lookup-miss", message.id, ttl_s=24 * 3600):
            return "waiting"
        record(message, CREATED, f"发送超时，{provider} 两次查询均无此短信记录，重新发送")
        enqueue_after_commit(message.id)
        return "resent"
    if found is not None and found.delivered is not None:
        message.provider_reference = message.provider_reference or found.reference
        record(message, DELIVERED if found.delivered else TEMPORARY_FAILURE, f"{provider} 查询结果")
        return "resolved"
    if waiting_in == SENDING:
        message.provider_reference = message.provider_reference or (found.reference if found else None)
        record(message, SENT, f"发送超时，{provider} 查询到已受理")
        return "resolved"
    started = message.sending_started_at
    if started and started < utcnow() - dt.timedelta(hours=RECEIPT_GIVE_UP_H):
        record(message, TEMPORARY_FAILURE, f"{RECEIPT_GIVE_UP_H}小时内未收到回执")
        return "resolved"
    return "waiting"
