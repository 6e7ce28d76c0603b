"""A claimant with records ready to claim, and the requests the mini-program makes."""

from __future__ import annotations

import uuid
from typing import Any

from miniapp_api.claims.service import COMMITMENT_VERSION
from miniapp_api.db import unit_of_work
from miniapp_api.records.demo import seed_regions
from miniapp_api.records.models import Region
from notifications.standins.wechat_server import WeChatStandIn
from tests import factories
from tests.auth_helpers import bearer, bound_claimant, face_verify

CONFIRMED = {"accepted": True, "commitment_version": COMMITMENT_VERSION}


def claimant(client: Any, wechat: WeChatStandIn, *, verified: bool = True, **records: Any) -> dict[str, Any]:
    """Log in a laid-off person (see factories.laid_off) bound to their records; face-verified
    unless told otherwise. Regions carry the demo parameters, so the rules can decide."""
    with unit_of_work() as session:
        if session.get(Region, "130200") is None:
            seed_regions(session)
        person = factories.laid_off(session, **records)
        person_id, id_number, name = person.id, person.id_number, person.name
    tokens = bound_claimant(client, wechat, id_number, name)
    if verified:
        face_verify(tokens, person_id)
    return {**tokens, "person_id": person_id}


def submit(client: Any, tokens: dict[str, Any], key: str | None = None, **body: Any) -> Any:
    body.setdefault("confirmation", CONFIRMED)
    headers = {**bearer(tokens), "Idempotency-Key": key or uuid.uuid4().hex}
    return client.post("/api/v1/claims", json=body, headers=headers)


def add_contribution(session: Any, person_id: int, employer: Any, first_year: int, last_year: int) -> None:
    """Another employer's contributions for whole calendar years (to overlap the first's)."""
    import datetime as dt

    from miniapp_api.records.models import Person

    person = session.get(Person, person_id)
    factories.contribution(session, person, employer, dt.date(first_year, 1, 1), dt.date(last_year, 12, 1))
