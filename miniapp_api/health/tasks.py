from __future__ import annotations

from celery import shared_task

from miniapp_api.health.service import record_heartbeat


@shared_task(name="ops.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Beat runs this every minute, so /healthz can tell operators the scheduler is alive."""
    record_heartbeat()


@shared_task(name="ops.ping", ignore_result=True)
def ping() -> None:
    """Does nothing: shows a worker consumes, and measures the broker/worker ceiling."""
