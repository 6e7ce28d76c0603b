"""The objection journey end to end through the HTTP API: a claimant refused because the employer
recorded a resignation disputes the separation reason; a handler upholds it and proposes the
correction; a different reviewer approves it; the record changes (before and after kept); the
claim is decided again and approved; the claimant is told at each step and rates the handling.
Runs on PostgreSQL in CI (and on the embedded defaults)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import time_machine
from sqlalchemy import select

from miniapp_api.audit.models import AuditEvent
from miniapp_api.claims.models import BenefitPayment, Claim
from miniapp_api.db import unit_of_work
from miniapp_api.objections.models import RecordCorrection
from miniapp_api.records.models import StopContributionEvent
from notifications.models import Message
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer
from tests.claims_helpers import claimant, submit
from tests.objections_helpers import act, image_bytes, objection, staff, upload

# Monday 2026-11-16, 10:00 in China.
MONDAY = dt.datetime(2026, 11, 16, 2, 0, tzinfo=dt.UTC)


def _messages_to(person_id: int) -> list[str]:
    with unit_of_work() as session:
        return list(
            session.scalars(
                select(Message.kind)
                .where(Message.recipient_kind == "person", Message.recipient_id == person_id)
                .order_by(Message.created_at)
            )
        )


def test_a_disputed_separation_reason_is_corrected_by_two_people_and_the_claim_is_approved(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    with time_machine.travel(MONDAY, tick=True):
        tokens = claimant(
            client, wechat_standin, months=70, stop_date=dt.date(2026, 10, 31), reason="mutual_employee_proposed"
        )
        person_id = tokens["person_id"]
        refused = submit(client, tokens).get_json()
        assert refused["status"] == "rejected"

        # The claimant disputes the reason on the e-form, with a photo of the termination letter.
        letter = upload(client, tokens, image_bytes("JPEG"), "letter.jpg").get_json()
        filed = objection(
            client,
            tokens,
            field="separation_reason",
            claim_id=refused["id"],
            claimed_value="用人单位提出协商一致解除",
            attachment_ids=[letter["id"]],
        )
        assert filed.status_code == 201, filed.get_json()
        seen = filed.get_json()
        assert seen["status"] == "received"
        assert seen["clock"]["due_on"] == "2026-11-23"  # 5 working days: 11-17 … 11-23 (11-21/22 weekend)
        assert seen["recorded_value"].startswith("本人提出协商一致解除")
        assert seen["attachments"][0]["sha256"] == letter["sha256"]

        # A handler takes it and upholds it, proposing the corrected reason.
        handler = staff(client, "handler1", "handler", phone="13700000001")
        taken = act(client, handler, seen["id"], "assign")
        assert taken.get_json()["status"] == "in_progress"
        proposed = act(
            client,
            handler,
            seen["id"],
            "accept",
            answer="经核对解除协议，系单位提出协商解除，予以更正",
            correction={"reason_code": "mutual_employer_proposed"},
        )
        assert proposed.status_code == 200, proposed.get_json()
        assert proposed.get_json()["status"] == "correction_pending"
        correction = proposed.get_json()["corrections"][0]
        assert correction["before"] == {"reason_code": "mutual_employee_proposed"}
        assert correction["after"] == {"reason_code": "mutual_employer_proposed"}

        # Nothing has changed in the records until a second person approves.
        with unit_of_work() as session:
            stop = session.scalars(
                select(StopContributionEvent).where(StopContributionEvent.person_id == person_id)
            ).one()
            assert stop.reason_code == "mutual_employee_proposed"

        # A handler is not a reviewer; a reviewer (another person) approves.
        reviewer = staff(client, "reviewer1", "reviewer")
        not_theirs = client.post(
            f"/api/v1/staff/corrections/{correction['id']}/approve", json={"note": "同意"}, headers=bearer(handler)
        )
        assert not_theirs.status_code == 403
        approved = client.post(
            f"/api/v1/staff/corrections/{correction['id']}/approve",
            json={"note": "解除协议载明由单位提出，同意更正"},
            headers=bearer(reviewer),
        )
        assert approved.status_code == 200, approved.get_json()
        assert approved.get_json()["claim"] == {"id": refused["id"], "status": "approved"}

        # The record is corrected, with before and after kept and audited.
        with unit_of_work() as session:
            stop = session.scalars(
                select(StopContributionEvent).where(StopContributionEvent.person_id == person_id)
            ).one()
            assert stop.reason_code == "mutual_employer_proposed"
            row = session.scalars(select(RecordCorrection)).one()
            assert row.status == "approved" and row.decided_by != row.proposed_by
            assert json.loads(row.before) == {"reason_code": "mutual_employee_proposed"}
            audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "record.corrected")).one()
            assert audit.detail["after"] == {"reason_code": "mutual_employer_proposed"}
            claim = session.get(Claim, refused["id"])
            assert claim is not None and claim.status == "approved" and claim.closed_at is None
            months = session.scalars(select(BenefitPayment).where(BenefitPayment.claim_id == claim.id)).all()
            assert len(months) == claim.entitlement_months == 18

        # The claimant sees the approved claim and the answered objection, and rates it.
        status = client.get(f"/api/v1/claims/{refused['id']}", headers=bearer(tokens)).get_json()
        assert status["status"] == "approved" and len(status["payments"]) == 18
        timeline = client.get(f"/api/v1/claims/{refused['id']}/events", headers=bearer(tokens)).get_json()
        kinds = [event["kind"] for event in timeline["events"]]
        again = kinds.index("re_evaluated")
        assert kinds[again - 1 : again + 3] == ["rejected", "re_evaluated", "reviewed", "approved"]
        answered = client.get(f"/api/v1/objections/{seen['id']}", headers=bearer(tokens)).get_json()
        assert answered["status"] == "answered"
        assert answered["answer"]["outcome"] == "accepted"
        assert answered["clock"]["answered_on_time"] is True
        assert answered["next_steps"] == []
        rated = client.post(
            f"/api/v1/objections/{seen['id']}/rating", json={"score": 5, "comment": "很快"}, headers=bearer(tokens)
        )
        assert rated.status_code == 201, rated.get_json()
        assert rated.get_json()["rating"]["score"] == 5 and rated.get_json()["can_rate"] is False

        # Told at every step: refused, objection received, answered, claim approved.
        assert _messages_to(person_id) == [
            "claim_rejected",
            "objection_received",
            "claim_approved",
            "objection_answered",
        ]
