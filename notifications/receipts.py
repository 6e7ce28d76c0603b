"""Delivery receipts from the SMS providers: map their codes to our statuses and apply them.

Receipts may repeat and may arrive late or out of order; a message already in a final
status keeps it. A receipt may also arrive for a message still `sending` (the worker died
after the provider accepted it), which is exactly how such a message is settled.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from miniapp_api.errors import ValidationFailed
from miniapp_api.redis_store import RedisStore
from notifications.models import DELIVERED, FINAL_STATUSES, PERMANENT_FAILURE, TEMPORARY_FAILURE, Message
from notifications.service import record

HOLD_S = 3600
# Codes that mean the number itself is wrong: trying again later cannot help.
_PERMANENT_CODES = {
    "MK:0001",
    "MK:0012",
    "MN:0001",
    "IC:0001",
    "UNDELIV:EMPTY",
    "EMPTY_NUMBER",
    "MOBILE_NUMBER_ILLEGAL",
}


@dataclass(frozen=True)
class Receipt:
    message_id: str | None  # our id, when the provider echoes it (Alibaba Cloud's out_id)
    reference: str  # the provider's id for the send
    delivered: bool
    code: str


def _text(value: Any) -> str:
    """A provider's field as text: a string or a whole number; anything else (an object, a list,
    a float like 1e999) is not a field a provider sends, and reads as empty."""
    if isinstance(value, bool):
        return ""
    return str(value)[:64] if isinstance(value, str | int) else ""


def parse(provider: str, items: list[dict[str, Any]]) -> list[Receipt]:
    """Each receipt must name the provider's send (biz_id / sid) as text, or the whole batch is refused."""
    receipts = _parse(provider, items)
    if not all(receipt.reference for receipt in receipts):
        raise ValidationFailed("每条回执都应有服务商的发送编号（biz_id 或 sid）", code="RECEIPT_MALFORMED")
    return receipts


def _parse(provider: str, items: list[dict[str, Any]]) -> list[Receipt]:
    if provider == "aliyun":
        return [
            Receipt(
                _text(item.get("out_id")) or None,
                _text(item.get("biz_id")),
                item.get("success") is True or item.get("success") == "true",
                _text(item.get("err_code")),
            )
            for item in items
        ]
    return [
        Receipt(None, _text(item.get("sid")), item.get("report_status") == "SUCCESS", _text(item.get("errmsg")))
        for item in items
    ]


def status_for(receipt: Receipt) -> str:
    if receipt.delivered:
        return DELIVERED
    return PERMANENT_FAILURE if receipt.code in _PERMANENT_CODES else TEMPORARY_FAILURE


def apply(session: Session, store: RedisStore, provider: str, receipts: list[Receipt]) -> dict[str, int]:
    counts = {"applied": 0, "ignored": 0, "held": 0}
    known = _load(session, provider, receipts)
    for receipt in receipts:
        message = known.get(receipt.message_id or "") or known.get(receipt.reference)
        if message is None and receipt.reference:
            # The receipt beat our own record of the provider's id (Tencent's receipts carry
            # only that id). Hold it; whoever comes second — this look-up or the delivery
            # recording the id — applies it, so it cannot fall between the two.
            hold(store, provider, receipt)
            message = _find(session, provider, receipt)
            if message is None:
                counts["held"] += 1
                continue
            release(store, provider, receipt.reference)
        counts[_apply_one(message, provider, receipt)] += 1
    return counts


def _apply_one(message: Message | None, provider: str, receipt: Receipt) -> str:
    if message is None or message.status in FINAL_STATUSES:
        return "ignored"
    message.provider_reference = message.provider_reference or receipt.reference
    record(message, status_for(receipt), f"{provider} 回执：{receipt.code or '成功'}")
    return "applied"


def _held_key(store: RedisStore, provider: str, reference: str) -> str:
    return store.key("receipt", provider, reference)


def hold(store: RedisStore, provider: str, receipt: Receipt) -> None:
    store.client.set(_held_key(store, provider, receipt.reference), json.dumps(asdict(receipt)), ex=HOLD_S)


def release(store: RedisStore, provider: str, reference: str) -> Receipt | None:
    raw = store.client.getdel(_held_key(store, provider, reference))
    return Receipt(**json.loads(raw)) if raw else None


def apply_held(session: Session, store: RedisStore, sent: list[tuple[str, str]]) -> None:
    """Called once the providers' ids are on record: apply receipts that came before them."""
    pipe = store.client.pipeline(transaction=False)
    for provider, reference in sent:
        pipe.getdel(_held_key(store, provider, reference))
    for (provider, _reference), raw in zip(sent, pipe.execute(), strict=True):
        if raw:
            receipt = Receipt(**json.loads(raw))
            _apply_one(_find(session, provider, receipt), provider, receipt)


def _load(session: Session, provider: str, receipts: list[Receipt]) -> dict[str, Message]:
    """The batch's messages in one query, locked in id order (as deliveries lock them), keyed
    by our id and by the provider's reference."""
    ids = [r.message_id for r in receipts if r.message_id]
    references = [r.reference for r in receipts if not r.message_id and r.reference]
    conditions: list[ColumnElement[bool]] = []
    if ids:
        conditions.append(Message.id.in_(ids))
    if references:
        conditions.append(and_(Message.provider == provider, Message.provider_reference.in_(references)))
    if not conditions:
        return {}
    rows = session.scalars(select(Message).where(or_(*conditions)).order_by(Message.id).with_for_update()).all()
    found: dict[str, Message] = {}
    for message in rows:
        found[message.id] = message
        if message.provider_reference:
            found[message.provider_reference] = message
    return found


def _find(session: Session, provider: str, receipt: Receipt) -> Message | None:
    if receipt.message_id:
        return session.get(Message, receipt.message_id, with_for_update=True)
    if not receipt.reference:
        return None
    return session.scalars(
        select(Message)
        .where(Message.provider == provider, Message.provider_reference == receipt.reference)
        .with_for_update()
    ).first()
