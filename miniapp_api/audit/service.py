"""Recording audit events.

`record()` writes in the current unit of work, so the event lands exactly when the change it
describes does. `record_regardless()` is for failures and refusals (a wrong password, a
lockout): the request's transaction rolls back on an error answer, so the event is written in
its own transaction once the request's has ended.
"""

from __future__ import annotations

from typing import Any

from miniapp_api.audit.models import AuditEvent
from miniapp_api.db import after_transaction, current_session, unit_of_work
from miniapp_api.request_context import current_request_id


def _event(
    action: str,
    outcome: str,
    actor: tuple[str, Any] | None,
    subject: tuple[str, Any] | None,
    detail: dict[str, Any] | None,
) -> AuditEvent:
    return AuditEvent(
        action=action,
        outcome=outcome,
        actor_kind=actor[0] if actor else None,
        actor_id=str(actor[1]) if actor else None,
        subject_kind=subject[0] if subject else None,
        subject_id=str(subject[1]) if subject else None,
        detail=detail or {},
        request_id=current_request_id(),
    )


def record(
    action: str,
    *,
    actor: tuple[str, Any] | None = None,
    subject: tuple[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
    outcome: str = "success",
) -> None:
    current_session().add(_event(action, outcome, actor, subject, detail))


def record_regardless(
    action: str,
    *,
    actor: tuple[str, Any] | None = None,
    subject: tuple[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
    outcome: str = "failure",
) -> None:
    event = _event(action, outcome, actor, subject, detail)

    def write() -> None:
        with unit_of_work() as session:
            session.add(event)

    after_transaction(write)
