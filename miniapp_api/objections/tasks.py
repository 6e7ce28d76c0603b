from __future__ import annotations

from celery import shared_task

from miniapp_api.objections.attachments import purge_unattached
from miniapp_api.objections.sweeps import sweep


# Commits batch by batch: a long backlog is not one transaction holding its locks.
@shared_task(name="objections.sweep_deadlines", ignore_result=True, own_transactions=True)
def sweep_deadlines() -> None:
    """Reminders one working day before a reply is due, escalation once it is overdue."""
    sweep()


@shared_task(name="objections.purge_unattached_images", ignore_result=True)
def purge_images() -> None:
    """Uploads never attached to an objection may be anyone's documents: deleted after a day."""
    purge_unattached()
