"""Background jobs: enqueued after commit, run in the app context, really consumed from Redis."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from celery.contrib.testing.worker import start_worker
from flask import Flask

from miniapp_api.celery_app import BEAT_SCHEDULE
from miniapp_api.config import MEMORY_REDIS_URL
from miniapp_api.db import after_commit, unit_of_work
from miniapp_api.extensions import redis_store
from miniapp_api.health.tasks import heartbeat


def test_a_job_enqueued_in_a_unit_of_work_runs_after_the_commit(app: Flask) -> None:
    with unit_of_work():
        after_commit(heartbeat.delay)
        assert app.test_client().get("/healthz").get_json()["scheduler_last_beat"] is None
    assert app.test_client().get("/healthz").get_json()["scheduler_last_beat"] > time.time() - 60


def test_beat_schedules_the_heartbeat_every_minute() -> None:
    assert BEAT_SCHEDULE["heartbeat"]["task"] == "ops.heartbeat"
    assert BEAT_SCHEDULE["heartbeat"]["schedule"] == 60.0


def test_a_real_worker_consumes_the_job_from_the_redis_broker(make_app: Callable[..., Flask], redis_url: str) -> None:
    if redis_url == MEMORY_REDIS_URL:
        pytest.skip("needs a real Redis broker (set REDIS_URL)")
    app = make_app(CELERY_ALWAYS_EAGER=False)
    celery = app.extensions["celery"]
    with app.app_context(), start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        store = redis_store()
        store.client.delete(store.key("ops", "beat"))
        heartbeat.apply_async()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not store.client.get(store.key("ops", "beat")):
            time.sleep(0.1)
        assert store.client.get(store.key("ops", "beat")) is not None


def test_the_embedded_beat_runs_the_schedule_without_a_beat_process(app: Flask) -> None:
    from miniapp_api.celery_app import start_embedded_beat

    stop = start_embedded_beat(app, tick_s=0.05)
    try:
        store = redis_store()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not store.client.get(store.key("ops", "beat")):
            time.sleep(0.05)
        assert store.client.get(store.key("ops", "beat")) is not None
    finally:
        stop.set()
