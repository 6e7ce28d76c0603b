"""Appending to an objection's history: every step, who took it, and what changed."""

from __future__ import annotations

from typing import Any

from miniapp_api.db import current_session, utcnow
from miniapp_api.objections.models import ObjectionEvent

SYSTEM: tuple[str, str | None] = ("system", None)


def append(objection_id: int, kind: str, actor: tuple[str, str | None] = SYSTEM, **detail: Any) -> ObjectionEvent:
    event = ObjectionEvent(
        objection_id=objection_id, kind=kind, at=utcnow(), actor_kind=actor[0], actor_id=actor[1], detail=detail
    )
    current_session().add(event)
    return event
