from __future__ import annotations

from celery import shared_task

from miniapp_api.refunds.reminders import sweep


# Commits batch by batch: a region's screening can make tens of thousands eligible at once.
@shared_task(name="refunds.sweep_reminders", ignore_result=True, own_transactions=True)
def sweep_reminders() -> None:
    """Tell eligible enterprises they may confirm, remind them, record the waivers."""
    sweep()
