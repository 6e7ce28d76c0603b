from __future__ import annotations

from celery import shared_task

from miniapp_api.employers.sweeps import sweep


# Commits batch by batch: a long backlog is not one transaction holding its locks.
@shared_task(name="employers.sweep_duties", ignore_result=True, own_transactions=True)
def sweep_duties() -> None:
    """Second reminders, escalation to the agency, overdue filings."""
    sweep()
