"""The audit trail as a hash chain: sealed in order, verified entry by entry, and any edited or
deleted entry found and named; on PostgreSQL the database itself refuses edits and deletions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select, text

from miniapp_api.audit.chain import seal, verify
from miniapp_api.audit.models import AuditEvent
from miniapp_api.audit.service import record
from miniapp_api.claims.models import ClaimEvent
from miniapp_api.db import unit_of_work
from miniapp_api.records.models import PersonEvent
from miniapp_api.safety.crosscheck import run as crosscheck
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer, staff_login
from tests.claims_helpers import claimant, submit
from tests.cli_helpers import run_cli
from tests.conftest import is_postgres


def _entries(count: int) -> list[int]:
    with unit_of_work() as session:
        for index in range(count):
            record("record.corrected", actor=("staff", 7), subject=("person", index), detail={"n": index})
    with unit_of_work() as session:
        assert seal(session) >= count
        return list(session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))


def _tamper(database_url: str, statement: str) -> None:
    """What someone with direct database access might do (past the append-only trigger)."""
    with unit_of_work() as session:
        if is_postgres(database_url):
            session.execute(text("SET LOCAL session_replication_role = replica"))
        session.execute(text(statement))


def test_entries_are_chained_in_order_and_verify_as_intact(app: Flask) -> None:
    assert _entries(5) == [1, 2, 3, 4, 5]
    with unit_of_work() as session:
        first, second = session.scalars(select(AuditEvent).order_by(AuditEvent.seq).limit(2)).all()
        assert first.prev_hash == "0" * 64 and second.prev_hash == first.entry_hash
        verdict = verify(session)
    assert verdict.intact and verdict.checked == 5
    result = run_cli(app, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "审计链完整：5 条" in result.output


def test_an_edited_entry_is_found_and_named(app: Flask, database_url: str) -> None:
    _entries(5)
    _tamper(database_url, "UPDATE audit_events SET detail = '{\"n\": 99}' WHERE seq = 3")
    result = run_cli(app, "audit", "verify")
    assert result.exit_code == 1
    assert "第3条审计记录（id" in result.output and "内容被改动" in result.output
    assert "第4条" not in result.output  # the chain after it is intact: only the edited entry is named


def test_a_deleted_entry_leaves_a_gap_that_is_named(app: Flask, database_url: str) -> None:
    _entries(5)
    _tamper(database_url, "DELETE FROM audit_events WHERE seq = 2")
    with unit_of_work() as session:
        problems = verify(session).problems
    assert "第2至2条审计记录缺失（已被删除）" in problems


def test_deleting_the_newest_entries_is_found_through_the_chain_head(app: Flask, database_url: str) -> None:
    _entries(5)
    _tamper(database_url, "DELETE FROM audit_events WHERE seq >= 4")
    with unit_of_work() as session:
        problems = verify(session).problems
    assert problems == ["审计链末端不符：应有5条，实有3条（末尾记录被删除或改动）"]


def test_the_database_refuses_to_edit_or_delete_an_entry(app: Flask, database_url: str) -> None:
    if not is_postgres(database_url):
        pytest.skip("the append-only trigger is PostgreSQL's")
    _entries(1)
    for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(Exception, match="append-only"), unit_of_work() as session:
            session.execute(text(statement))


def test_auditors_search_the_trail(client: Any, app: Flask) -> None:
    _entries(3)
    auditor = staff_login(client, "auditor1", "auditor")
    found = client.get("/api/v1/staff/audit?action=record.corrected&subject_id=1", headers=bearer(auditor))
    assert found.status_code == 200, found.get_json()
    (entry,) = found.get_json()
    assert entry["subject_kind"] == "person" and entry["seq"] == 2 and len(entry["entry_hash"]) == 64
    handler = staff_login(client, "handler1", "handler")
    assert client.get("/api/v1/staff/audit", headers=bearer(handler)).status_code == 403


def test_every_step_of_a_claim_and_its_payments_is_in_the_trail(
    client: Any, wechat_standin: WeChatStandIn, app: Flask
) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 16, 2, 0, tzinfo=dt.UTC), tick=True):
        tokens = claimant(client, wechat_standin, months=70)
        claim = submit(client, tokens).get_json()
    with unit_of_work() as session:
        session.add(
            PersonEvent(person_id=tokens["person_id"], kind="death", event_date=dt.date(2027, 2, 3), source="test")
        )
    assert crosscheck().stopped == 1
    with unit_of_work() as session:
        steps = session.scalars(
            select(ClaimEvent.kind).where(ClaimEvent.claim_id == claim["id"]).order_by(ClaimEvent.id)
        ).all()
        audited = session.execute(
            select(AuditEvent.action, AuditEvent.detail)
            .where(AuditEvent.subject_kind == "claim", AuditEvent.action.like("claim_event.%"))
            .order_by(AuditEvent.id)
        ).all()
    assert [action.removeprefix("claim_event.") for action, _ in audited] == list(steps)
    assert "payment_cancelled" in steps
    assert audited[-1][1]["status"] == {"before": "approved", "after": "stopped"}
