"""Celery on the Redis broker, with beat for periodic sweeps.

Every task runs inside the Flask app context and one unit of work, takes ids (never ORM
objects), and carries the request id of the request that enqueued it into its logs. With the
embedded in-memory Redis the tasks run eagerly, in-process, right after the commit.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import threading
import time
from typing import Any

from celery import Celery, Task
from flask import Flask, current_app, has_app_context

from miniapp_api.config import MEMORY_REDIS_URL, Settings
from miniapp_api.db import unit_of_work
from miniapp_api.request_context import current_request_id, set_request_id

log = logging.getLogger(__name__)

TASK_MODULES = [
    "miniapp_api.health.tasks",
    "notifications.tasks",
    "miniapp_api.claims.tasks",
    "miniapp_api.objections.tasks",
    "miniapp_api.employers.tasks",
    "miniapp_api.refunds.tasks",
    "miniapp_api.audit.tasks",
    "miniapp_api.safety.tasks",
    "miniapp_api.holidays.tasks",
    "miniapp_api.faces.tasks",
]

# Periodic sweeps: name -> (task, seconds). Each domain adds its own entries here.
BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "heartbeat": {"task": "ops.heartbeat", "schedule": 60.0, "options": {"expires": 55}},
    "audit-seal": {"task": "audit.seal", "schedule": 60.0, "options": {"expires": 55}},
    "safety-crosscheck": {"task": "safety.crosscheck", "schedule": 86400.0, "options": {"expires": 43200}},
    "safety-signals": {"task": "safety.signals", "schedule": 86400.0, "options": {"expires": 43200}},
    "safety-continued-notices": {
        "task": "safety.continued_notices",
        "schedule": 86400.0,
        "options": {"expires": 43200},
    },
    # The calendar: waiting clocks dated (also right after an approval), the horizon watched.
    "calendar-date-waiting": {"task": "holidays.date_waiting", "schedule": 86400.0, "options": {"expires": 43200}},
    "calendar-horizon": {"task": "holidays.check_horizon", "schedule": 86400.0, "options": {"expires": 43200}},
    "face-hashes-forget": {"task": "faces.forget_frame_hashes", "schedule": 86400.0, "options": {"expires": 43200}},
    "outbox-sweep": {"task": "notifications.sweep", "schedule": 30.0, "options": {"expires": 25}},
    "claim-drafts-purge": {"task": "claims.purge_expired_drafts", "schedule": 3600.0, "options": {"expires": 3000}},
    # Reply clocks: every 15 minutes, so a reminder goes out early on its day (quiet hours
    # hold an SMS until morning) and an overdue mark follows midnight closely.
    "objection-deadlines": {"task": "objections.sweep_deadlines", "schedule": 900.0, "options": {"expires": 840}},
    # Employers' duties move in working days: hourly is early enough for each morning's step.
    "employer-duties": {"task": "employers.sweep_duties", "schedule": 3600.0, "options": {"expires": 3000}},
    # Refunds count calendar days to their confirm-by date: hourly tells a new screening's
    # enterprises the same morning (the screening also starts it right after its commit).
    "refund-reminders": {"task": "refunds.sweep_reminders", "schedule": 3600.0, "options": {"expires": 3000}},
    "objection-images-purge": {
        "task": "objections.purge_unattached_images",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
}


def task(name: str) -> Task:
    """The task `name` of the current app's Celery (shared tasks bind to the last app made)."""
    celery: Celery = current_app.extensions["celery"]
    return celery.tasks[name]


def init_celery(app: Flask, settings: Settings) -> Celery:
    class AppTask(Task):  # type: ignore[misc]
        # Bounded retries with backoff; a task that exhausts them fails for good and says so.
        max_retries = 5
        retry_backoff = True
        retry_backoff_max = 600
        retry_jitter = True

        def apply_async(self, args: Any = None, kwargs: Any = None, **options: Any) -> Any:
            headers = options.setdefault("headers", {})
            headers.setdefault("request_id", current_request_id())
            return super().apply_async(args, kwargs, **options)

        # A task that must commit part-way (e.g. before calling a provider) sets this and
        # opens its own units of work.
        own_transactions = False

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            request_id = (getattr(self.request, "headers", None) or {}).get("request_id")
            set_request_id(request_id or getattr(self.request, "request_id", None))
            # Eager tasks run inside the caller's app; a worker has none and pushes its own.
            with contextlib.nullcontext() if has_app_context() else app.app_context():
                if self.own_transactions:
                    return self.run(*args, **kwargs)
                with unit_of_work():
                    return self.run(*args, **kwargs)

    celery = Celery(app.import_name, task_cls=AppTask, include=TASK_MODULES)
    celery.conf.update(
        # kombu warns "No hostname was supplied" for a bare memory:// at every start and command.
        broker_url="memory://localhost/" if settings.broker_url == MEMORY_REDIS_URL else settings.broker_url,
        broker_connection_retry_on_startup=True,
        task_always_eager=settings.celery_eager,
        task_eager_propagates=True,
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        timezone="Asia/Shanghai",
        enable_utc=True,
        beat_schedule=BEAT_SCHEDULE,
        broker_transport_options={"visibility_timeout": 3600},
        # Keep the service's masked JSON log handler; Celery would otherwise replace it.
        worker_hijack_root_logger=False,
    )
    for module in TASK_MODULES:  # registers the shared tasks with this app, worker or not
        importlib.import_module(module)
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


def start_embedded_beat(app: Flask, *, tick_s: float = 1.0) -> threading.Event:
    """With eager tasks there is no beat process; run the same schedule on a daemon thread
    (the embedded demo), so deferred and stuck messages are still swept. Set the returned
    event to stop it."""
    stop = threading.Event()

    def loop() -> None:
        last_run: dict[str, float] = {}
        while not stop.is_set():
            now = time.monotonic()
            for name, entry in BEAT_SCHEDULE.items():
                if now - last_run.get(name, -entry["schedule"]) >= entry["schedule"]:
                    last_run[name] = now
                    with app.app_context():
                        try:
                            task(entry["task"]).delay()
                        except Exception:  # one failing sweep must not stop the others
                            log.exception("embedded beat: %s failed", name)
            stop.wait(tick_s)

    threading.Thread(target=loop, name="embedded-beat", daemon=True).start()
    return stop
