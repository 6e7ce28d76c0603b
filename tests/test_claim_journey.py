"""The whole journey through the HTTP API, as the mini-program walks it: WeChat login, real-name
binding, face verification with the real clip, the prefilled form, submission, approval, the
receipt and the rating. Runs on PostgreSQL in CI (and on the embedded defaults)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

import pytest
from pypdf import PdfReader

from liveness.actions import Action
from miniapp_api.clock import china_today
from miniapp_api.db import unit_of_work
from miniapp_api.faces import service as face_service
from miniapp_api.records.demo import seed_regions
from miniapp_api.records.models import PersonPhoto
from notifications.standins.wechat_server import WeChatStandIn
from tests import factories
from tests.auth_helpers import bearer
from tests.liveness_helpers import FACES, write_clip


@pytest.fixture
def laid_off_with_photo() -> dict[str, Any]:
    """A worker laid off last month whose identity photo is the clip's person."""
    photo = (FACES / "miranda_1.png").read_bytes()
    with unit_of_work() as session:
        seed_regions(session)
        last_month_end = china_today().replace(day=1) - dt.timedelta(days=1)
        person = factories.laid_off(session, name="米兰达", months=70, stop_date=last_month_end)
        session.add(
            PersonPhoto(
                person_id=person.id, content=photo, content_type="image/png", sha256=hashlib.sha256(photo).hexdigest()
            )
        )
        return {"id_number": person.id_number, "name": person.name}


def test_a_laid_off_worker_claims_from_the_phone_and_is_approved_without_a_visit(
    client: Any,
    wechat_standin: WeChatStandIn,
    laid_off_with_photo: dict[str, Any],
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 1. wx.login in the mini-program gives a code; the API trades it at WeChat for the openid.
    code = wechat_standin.issue_code()
    tokens = client.post("/api/v1/auth/wechat/login", json={"code": code}).get_json()
    auth = bearer(tokens)
    # 2. Real-name binding with ID number and name.
    bound = client.post("/api/v1/auth/identity", json=laid_off_with_photo, headers=auth)
    assert bound.status_code == 200, bound.get_json()
    # 3. Face verification: consent, a challenge, the clip of the person turning right then left.
    monkeypatch.setattr(face_service, "pick_actions", lambda: [Action.TURN_RIGHT, Action.TURN_LEFT])
    issued = client.post("/api/v1/liveness/challenges", json={"consent": True}, headers=auth).get_json()
    from tests.liveness_helpers import respond

    verdict = respond(client, tokens, issued["challenge_id"], write_clip(tmp_path / "turns.mp4", 83, 162))
    assert verdict.get_json() == {"passed": True, "reasons": [], "level": "face_verified"}
    # 4. The form, filled from the records: nothing to type.
    form = client.get("/api/v1/claims/prefill", headers=auth).get_json()
    assert form["outlook"]["decision"] == "approve"
    assert form["fields"]["entitlement_months"]["value"] == 18
    # 5. Confirm and submit: registered and decided at once.
    submitted = client.post(
        "/api/v1/claims",
        json={"confirmation": {"accepted": True, "commitment_version": form["commitment"]["version"]}},
        headers={**auth, "Idempotency-Key": "journey-submit-1"},
    )
    assert submitted.status_code == 201, submitted.get_json()
    claim = submitted.get_json()
    assert claim["status"] == "approved"
    assert claim["decision"]["entitlement_months"] == 18
    assert len(claim["payments"]) == 18 and all(p["medical_premium_paid"] for p in claim["payments"])
    # 6. Progress and the message that told them.
    progress = client.get(f"/api/v1/claims/{claim['id']}/events", headers=auth).get_json()
    assert [e["kind"] for e in progress["events"]][:4] == ["submitted", "registered", "reviewed", "approved"]
    messages = client.get("/api/v1/messages", headers=auth).get_json()
    assert [m["kind"] for m in messages] == ["claim_approved"]
    # 7. The receipt.
    receipt = client.get(f"/api/v1/claims/{claim['id']}/receipt.pdf", headers=auth)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(receipt.data)).pages)
    assert claim["claim_no"] in text and "核准" in text
    # 8. The rating.
    rated = client.post(f"/api/v1/claims/{claim['id']}/rating", json={"score": 5}, headers=auth)
    assert rated.status_code == 201
    assert client.get(f"/api/v1/claims/{claim['id']}", headers=auth).get_json()["rating"]["score"] == 5
