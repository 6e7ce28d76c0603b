"""Is the database reachable, is Redis reachable, and when did the scheduler last beat."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from miniapp_api.db import unit_of_work
from miniapp_api.extensions import database, redis_store
from miniapp_api.holidays.service import known_through

HEARTBEAT_KEY = ("ops", "beat")


def _timed(check: Callable[[], Any]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        check()
    except Exception as error:  # any failure of a dependency is a "down", never a 500
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


def _ping_database() -> None:
    with database().engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def dependency_report() -> dict[str, Any]:
    store = redis_store()
    checks = {"database": _timed(_ping_database), "redis": _timed(store.ping)}
    report: dict[str, Any] = {"checks": checks, "healthy": all(c["ok"] for c in checks.values())}
    if checks["redis"]["ok"]:
        last_beat = store.client.get(store.key(*HEARTBEAT_KEY))
        report["scheduler_last_beat"] = float(last_beat) if last_beat else None
    if checks["database"]["ok"]:
        with unit_of_work() as session:
            known = known_through(session)
        report["calendar_known_through"] = known.isoformat() if known else None
    return report


def record_heartbeat() -> None:
    store = redis_store()
    store.client.set(store.key(*HEARTBEAT_KEY), f"{time.time():.0f}", ex=24 * 3600)
