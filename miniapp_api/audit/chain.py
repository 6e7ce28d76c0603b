"""The audit trail as a hash chain: tamper-evident, and saying where it was tampered with.

Entries are written in the transaction of the change they describe, so they commit in no fixed
order. A sealer (every minute, and before each verification) takes the committed entries not
yet sealed, in id order, under one lock, and gives each the next `seq` and
`entry_hash = SHA-256(prev_hash ‖ canonical JSON of the entry)`; the newest seq and hash are
kept in a separate head row. `verify` walks the chain: an edited entry no longer matches its
hash, a deleted one leaves a gap in seq (and the next entry's prev_hash dangling), and the last
entries deleted leave the head pointing past the end.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from miniapp_api.audit.models import AuditChainHead, AuditEvent
from miniapp_api.db import utcnow

GENESIS = "0" * 64
SEAL_BATCH = 1000
_LOCK_KEY = 745_001  # pg_advisory_xact_lock: one sealer at a time


def canonical(event: AuditEvent) -> bytes:
    """The entry as hashed: every field that says what happened, in a fixed form."""
    body: dict[str, Any] = {
        "id": event.id,
        "seq": event.seq,
        "at": event.at.isoformat(),
        "action": event.action,
        "outcome": event.outcome,
        "actor": [event.actor_kind, event.actor_id],
        "subject": [event.subject_kind, event.subject_id],
        "detail": event.detail,
        "request_id": event.request_id,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def entry_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(event)).hexdigest()


def seal(session: Session, limit: int = SEAL_BATCH) -> int:
    """Chain the committed entries not yet sealed; returns how many. Safe to run concurrently
    (PostgreSQL: an advisory lock; SQLite runs one writer anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    head = session.get(AuditChainHead, 1, with_for_update=True)
    seq, prev = (head.seq, head.entry_hash) if head else (0, GENESIS)
    pending = session.scalars(
        select(AuditEvent).where(AuditEvent.seq.is_(None)).order_by(AuditEvent.id).limit(limit)
    ).all()
    for event in pending:
        seq += 1
        event.seq, event.prev_hash = seq, prev
        event.entry_hash = prev = entry_hash(prev, event)
    if pending:
        if head is None:
            session.add(AuditChainHead(id=1, seq=seq, entry_hash=prev, sealed_at=utcnow()))
        else:
            head.seq, head.entry_hash, head.sealed_at = seq, prev, utcnow()
    return len(pending)


@dataclass
class Verdict:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def _sealed(session: Session, batch: int = 5000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq or last
        session.expunge_all()


def verify(session: Session, progress: Callable[[int], None] | None = None) -> Verdict:
    """Walk the chain from the start; every problem found says which entry and what."""
    verdict = Verdict()
    expected_seq, prev = 1, GENESIS
    for event in _sealed(session):
        if event.seq != expected_seq:
            verdict.problems.append(f"第{expected_seq}至{(event.seq or 0) - 1}条审计记录缺失（已被删除）")
        elif event.prev_hash != prev:
            verdict.problems.append(f"第{event.seq}条审计记录的前序哈希不符（前一条被改动或删除）")
        if event.entry_hash != entry_hash(event.prev_hash or "", event):
            verdict.problems.append(f"第{event.seq}条审计记录（id {event.id}，{event.action}）内容被改动")
        expected_seq, prev = (event.seq or 0) + 1, event.entry_hash or ""
        verdict.checked += 1
        if progress and verdict.checked % 5000 == 0:
            progress(5000)
    head = session.get(AuditChainHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or head.entry_hash != prev):
        verdict.problems.append(f"审计链末端不符：应有{head.seq}条，实有{expected_seq - 1}条（末尾记录被删除或改动）")
    return verdict
