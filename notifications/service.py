"""Sending a message: the outbox row is written in the caller's transaction and delivered by
a task only after that transaction commits, so a message exists exactly when the business
change that caused it does."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from miniapp_api.celery_app import task
from miniapp_api.clock import CHINA
from miniapp_api.db import after_commit, bulk_insert, current_session, utcnow
from miniapp_api.extensions import redis_store, settings
from miniapp_api.pii import mask_phone
from miniapp_api.records.service import phone_hash
from notifications import templates
from notifications.limits import check_recipient_limits, quiet_until
from notifications.models import CREATED, UNDELIVERED, Message, MessageEvent

DELIVERY_BATCH = 20
_DUE_NOW = "notifications_due_now"


class Undeliverable(ValueError):
    """The recipient has no address for any of the message's channels."""


@dataclass(frozen=True)
class Recipient:
    kind: str  # "person", "employer_contact", "staff"
    id: int | None = None
    phone: str | None = None
    openid: str | None = None


def record(message: Message, status: str, detail: str | None = None, *, at: dt.datetime | None = None) -> None:
    """Move `message` to `status` and keep the transition in its history."""
    moment = at or utcnow()
    message.status = status
    message.status_at = moment
    session = current_session()
    session.add(MessageEvent(message_id=message.id, status=status, at=moment, detail=detail))
    if status in UNDELIVERED:
        from miniapp_api.alerts import undeliverable  # the alert knows the agency's records; import late

        undeliverable.raise_for(session, message, detail)


def first_channel(template: templates.Template, recipient: Recipient) -> str:
    for channel in template.channels:
        if channel == "sms" and recipient.phone:
            return channel
        if channel.startswith("wechat") and recipient.openid:
            return channel
    raise Undeliverable(f"{template.kind}: recipient has neither a phone nor a WeChat openid for {template.channels}")


def _new_message(
    template: templates.Template,
    recipient: Recipient,
    personalisation: dict[str, Any],
    now: dt.datetime,
    *,
    dedup_key: str | None = None,
    bucket: int | None = None,
) -> Message:
    """A message ready for the outbox: the template filled (or an error now), the channel
    chosen, the recipient's limits checked, quiet hours applied."""
    config = settings()
    templates.render(template, personalisation)  # every placeholder filled, or an error now
    channel = first_channel(template, recipient)
    hashed = phone_hash(recipient.phone) if recipient.phone else None
    if hashed and template.limits:
        check_recipient_limits(redis_store(), template, hashed)
    message = Message(
        id=uuid.uuid4().hex,
        kind=template.kind,
        template_version=template.version,
        recipient_kind=recipient.kind,
        recipient_id=recipient.id,
        phone=recipient.phone,
        phone_hash=hashed,
        wechat_openid=recipient.openid,
        personalisation=json.dumps(personalisation, ensure_ascii=False, default=str),
        channel=channel,
        urgent=template.urgent,
        attempts=0,
        dedup_key=dedup_key,
        dedup_bucket=bucket,
        status=CREATED,
        status_at=now,
        created_at=now,
        updated_at=now,
        version=1,
    )
    if channel == "sms" and not template.urgent:
        message.next_attempt_at = quiet_until(now, config.quiet_hours)
    return message


def _created_detail(message: Message) -> str:
    resume = message.next_attempt_at.astimezone(CHINA) if message.next_attempt_at else None
    held = f"（静默时段，北京时间{resume:%m-%d %H:%M}后发送）" if resume else ""
    return f"{message.channel}{held}"


def send(
    kind: str,
    recipient: Recipient,
    personalisation: dict[str, Any],
    *,
    dedup_key: str | None = None,
    now: dt.datetime | None = None,
    expires_in_s: int | None = None,
) -> Message:
    """Queue a message in the current unit of work; it is delivered after the commit.

    `expires_in_s`: what the message carries stops being of use after that long (a login code);
    it is then never sent, and marked expired.

    `dedup_key` names the logical message (e.g. "claim:42:approved"): the same key within the
    dedup window returns the message already queued instead of a second one.
    """
    session = current_session()
    config = settings()
    now = now or utcnow()
    template = templates.latest(kind)
    bucket = int(now.timestamp()) // config.NOTIFY_DEDUP_WINDOW_S if dedup_key else None
    if dedup_key:
        existing = _recent_duplicate(session, dedup_key, now, config.NOTIFY_DEDUP_WINDOW_S)
        if existing:
            return existing
    message = _new_message(template, recipient, personalisation, now, dedup_key=dedup_key, bucket=bucket)
    if expires_in_s is not None:
        message.expires_at = now + dt.timedelta(seconds=expires_in_s)
    if dedup_key:
        # Two senders of one logical message at the same moment: the unique key lets one
        # insert win; the other gets the winner's message, and its own transaction lives on.
        try:
            with session.begin_nested():
                session.add(message)
        except IntegrityError:
            existing = _recent_duplicate(session, dedup_key, now, config.NOTIFY_DEDUP_WINDOW_S)
            if existing is None:
                raise
            return existing
    else:
        session.add(message)  # no flush: the id is ours, and rows go in together at commit
    record(message, CREATED, _created_detail(message), at=now)
    enqueue_after_commit(message.id, message.next_attempt_at)
    return message


def send_many(kind: str, items: list[tuple[Recipient, dict[str, Any]]], *, now: dt.datetime | None = None) -> int:
    """Queue one message of `kind` to each recipient (no dedup: for a batch whose own unique
    keys already stop a second run). Rows go in as multi-row INSERTs; returns how many were
    queued — recipients with no address for the template's channels are skipped."""
    session = current_session()
    now = now or utcnow()
    template = templates.latest(kind)
    messages = []
    for recipient, personalisation in items:
        try:
            messages.append(_new_message(template, recipient, personalisation, now))
        except Undeliverable:
            continue
    bulk_insert(session, messages)
    bulk_insert(
        session,
        [MessageEvent(message_id=m.id, status=CREATED, at=now, detail=_created_detail(m)) for m in messages],
    )
    for message in messages:
        enqueue_after_commit(message.id, message.next_attempt_at)
    return len(messages)


def _recent_duplicate(session: Session, key: str, now: dt.datetime, window_s: int) -> Message | None:
    return session.scalars(
        select(Message)
        .where(Message.dedup_key == key, Message.created_at >= now - dt.timedelta(seconds=window_s))
        .order_by(Message.created_at.desc())
        .limit(1)
    ).first()


def enqueue_after_commit(message_id: str, not_before: dt.datetime | None = None) -> None:
    """Have the message delivered once the current transaction commits.

    Messages are batched by when they may go (now, or after quiet hours): all of one
    transaction's go out in tasks of up to DELIVERY_BATCH ids, so a bulk reminder run costs a
    few tasks and commits, not thousands.
    """
    info = current_session().info
    due: dict[dt.datetime | None, list[str]] | None = info.get(_DUE_NOW)
    if due is None:
        due = info[_DUE_NOW] = {}
        after_commit(lambda: _enqueue_all(due))
    due.setdefault(not_before, []).append(message_id)


def _enqueue_all(due: dict[dt.datetime | None, list[str]]) -> None:
    for not_before, message_ids in due.items():
        enqueue_batches(message_ids, not_before)


def enqueue_batches(message_ids: list[str], not_before: dt.datetime | None = None) -> None:
    deliver = task("notifications.deliver")
    options = {"eta": not_before} if not_before is not None else {}
    for start in range(0, len(message_ids), DELIVERY_BATCH):
        deliver.apply_async((message_ids[start : start + DELIVERY_BATCH],), **options)


def describe(message: Message) -> dict[str, Any]:
    """A message as people may see it: no personalisation (it may hold a login code), number masked."""
    return {
        "id": message.id,
        "kind": message.kind,
        "template_version": message.template_version,
        "channel": message.channel,
        "phone": mask_phone(message.phone),
        "status": message.status,
        "provider": message.provider,
        "created_at": message.created_at,
        "history": [{"status": e.status, "at": e.at, "detail": e.detail} for e in message.events],
    }


def history_for_recipient(
    session: Session,
    *,
    phone: str | None = None,
    openid: str | None = None,
    limit: int = 50,
    where: ColumnElement[bool] | None = None,
) -> list[dict[str, Any]]:
    """A recipient's messages, newest first, with every status change; numbers masked (staff
    look-up). `where` narrows it (a member of staff's region)."""
    query = select(Message).options(selectinload(Message.events)).order_by(Message.created_at.desc()).limit(limit)
    if where is not None:
        query = query.where(where)
    if phone:
        query = query.where(Message.phone_hash == phone_hash(phone))
    elif openid:
        query = query.where(Message.wechat_openid == openid)
    else:
        raise ValueError("give a phone or an openid")
    return [describe(message) for message in session.scalars(query)]
