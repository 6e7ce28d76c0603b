"""Appending to a claim's timeline: the only way a claim's status changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from auth.caller import Caller
from miniapp_api.audit.service import record as audit
from miniapp_api.claims.models import Claim, ClaimEvent
from miniapp_api.claims.status import OPEN_STATUSES, STATUS_AFTER
from miniapp_api.db import current_session, utcnow

SYSTEM: tuple[str, str | None] = ("system", None)


def actor_of(caller: Caller) -> tuple[str, str | None]:
    kind, subject = caller.audit_actor
    return kind, None if subject is None else str(subject)


def append(
    claim: Claim,
    kind: str,
    actor: tuple[str, str | None] = SYSTEM,
    *,
    period: dt.date | None = None,
    at: dt.datetime | None = None,
    **detail: Any,
) -> ClaimEvent:
    moment = at or utcnow()
    event = ClaimEvent(
        claim_id=claim.id, kind=kind, at=moment, actor_kind=actor[0], actor_id=actor[1], period=period, detail=detail
    )
    current_session().add(event)
    before = claim.status
    if kind in STATUS_AFTER:
        claim.status = STATUS_AFTER[kind]
        if claim.status in OPEN_STATUSES:
            claim.closed_at = None  # reopened: a corrected record or an upheld objection
        elif claim.closed_at is None:
            claim.closed_at = moment
    # Every step of every claim — decisions, payments scheduled, paid, returned or cancelled — is
    # in the hash-chained audit trail too, with who, the status before and after, and why.
    audit(
        f"claim_event.{kind}",
        actor=actor,
        subject=("claim", claim.id),
        detail={
            "status": {"before": before, "after": claim.status},
            **({"period": period.isoformat()} if period else {}),
            **detail,
        },
    )
    return event
