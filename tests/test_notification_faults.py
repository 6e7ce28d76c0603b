"""A worker killed mid-run loses no message and sends none twice (real PostgreSQL and Redis)."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from miniapp_api.config import MEMORY_REDIS_URL
from miniapp_api.db import unit_of_work
from notifications import delivery, service
from notifications.models import Message
from tests.conftest import is_postgres
from tests.notify_helpers import APPROVED
from tests.processes import Processes, settings_env, wait_until

MESSAGES = 1000
needs_real_services = pytest.mark.skipif(
    not is_postgres(os.environ.get("DATABASE_URL", ""))
    or os.environ.get("REDIS_URL", MEMORY_REDIS_URL) == MEMORY_REDIS_URL,
    reason="needs PostgreSQL and Redis (set DATABASE_URL and REDIS_URL)",
)


def _delivered() -> int:
    with unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(Message).where(Message.status == "delivered")) or 0)


def _standin_stats(address: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://{address}/__control__/stats", timeout=5) as response:
        stats: dict[str, Any] = json.load(response)
        return stats


@needs_real_services
def test_a_worker_killed_mid_run_leaves_every_message_delivered_exactly_once(
    make_app: Callable[..., Flask], base_settings: dict[str, Any], live_server: str
) -> None:
    timing = {
        "NOTIFY_SENDING_TIMEOUT_S": 3.0, "NOTIFY_CREATED_STALE_S": 3.0, "NOTIFY_RECEIPT_TIMEOUT_S": 5.0,
        "SMS_PROVIDERS": "aliyun,tencent",
    }  # fmt: skip
    processes = Processes(settings_env({**base_settings, **timing, "CELERY_ALWAYS_EAGER": "false"}))
    try:
        standin = processes.start_sms_standin(f"{live_server}/api/v1/notifications/receipts")
        endpoints = {"SMS_ALIYUN_ENDPOINT": standin, "SMS_TENCENT_ENDPOINT": standin}
        processes.env.update(endpoints)
        app = make_app(**timing, **endpoints, CELERY_ALWAYS_EAGER=False)
        with app.app_context():
            worker = processes.start_worker(concurrency=4)
            with unit_of_work():
                for index in range(MESSAGES):
                    service.send("claim_approved", service.Recipient("person", index, f"139{index:08d}"), APPROVED)
            assert wait_until(lambda: _delivered() >= MESSAGES // 4, timeout_s=120), "the first worker made no progress"
            processes.kill(worker)  # SIGKILL to the worker and its pool, mid-run
            killed_at = _delivered()
            restarted = time.monotonic()
            processes.start_worker(concurrency=4)

            def settled() -> bool:
                delivery.sweep()  # what beat does every 30 s
                return _delivered() == MESSAGES

            assert wait_until(settled, timeout_s=120, interval_s=1.0), f"{_delivered()} of {MESSAGES} delivered"
            print(
                f"\nfault run: {killed_at} of {MESSAGES} delivered when the worker was killed; "
                f"all delivered {time.monotonic() - restarted:.1f} s after the restart"
            )
            stats = _standin_stats(standin)
            with unit_of_work() as session:
                ids = set(session.scalars(select(Message.id)))
        assert killed_at < MESSAGES, "the kill came after the run had finished"
        assert stats["accepted"] == MESSAGES
        assert set(stats["by_reference"]) == ids
        assert set(stats["by_reference"].values()) == {1}
    finally:
        processes.stop_all()
