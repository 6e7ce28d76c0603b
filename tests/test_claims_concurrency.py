"""Fifty taps on "submit" at once: one claim, and every other answer points to it."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from miniapp_api.claims.models import Claim, UnemploymentRegistration
from miniapp_api.db import unit_of_work
from notifications.standins.wechat_server import WeChatStandIn
from tests.claims_helpers import claimant, submit

SUBMISSIONS = 50


def _submit_together(app: Flask, tokens: dict[str, Any], keys: list[str]) -> list[tuple[int, dict[str, Any]]]:
    start = threading.Barrier(len(keys))

    def one(key: str) -> tuple[int, dict[str, Any]]:
        client = app.test_client()
        start.wait()
        answer = submit(client, tokens, key=key)
        return answer.status_code, answer.get_json()

    with ThreadPoolExecutor(max_workers=len(keys)) as pool:
        return list(pool.map(one, keys))


def _claims() -> tuple[int, int]:
    with unit_of_work() as session:
        claims = session.scalar(select(func.count()).select_from(Claim))
        registrations = session.scalar(select(func.count()).select_from(UnemploymentRegistration))
        return int(claims or 0), int(registrations or 0)


def test_fifty_concurrent_submissions_make_one_claim_and_forty_nine_pointers(
    app: Flask, client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin)
    answers = _submit_together(app, tokens, [uuid.uuid4().hex for _ in range(SUBMISSIONS)])
    created = [body for status, body in answers if status == 201]
    refused = [body for status, body in answers if status == 409]
    assert len(created) == 1, [status for status, _ in answers]
    assert len(refused) == SUBMISSIONS - 1
    assert {body["code"] for body in refused} == {"CLAIM_ALREADY_OPEN"}
    assert {body["details"]["claim_id"] for body in refused} == {created[0]["id"]}
    assert _claims() == (1, 1)


def test_fifty_concurrent_retries_of_one_submission_all_get_the_same_claim(
    app: Flask, client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin)
    answers = _submit_together(app, tokens, ["same-tap-retried"] * SUBMISSIONS)
    assert {status for status, _ in answers} == {201}
    assert len({body["id"] for _, body in answers}) == 1
    assert _claims() == (1, 1)


def test_fifty_concurrent_submissions_that_will_be_rejected_still_make_one_claim(
    app: Flask, client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, reason="resigned")
    answers = _submit_together(app, tokens, [uuid.uuid4().hex for _ in range(SUBMISSIONS)])
    created = [body for status, body in answers if status == 201]
    assert [body["status"] for body in created] == ["rejected"]
    assert {body["code"] for status, body in answers if status != 201} == {"CLAIM_ALREADY_DECIDED"}
    assert _claims() == (1, 1)
