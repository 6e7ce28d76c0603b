from __future__ import annotations

from celery import shared_task

from miniapp_api.safety.crosscheck import run


# Commits batch by batch, after one read-only detection query over all recipients.
@shared_task(name="safety.crosscheck", ignore_result=True, own_transactions=True)
def crosscheck() -> None:
    """Every recipient against re-employment, pension, death and the other stop events."""
    run()
