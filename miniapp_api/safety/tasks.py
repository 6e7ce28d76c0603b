from __future__ import annotations

from celery import shared_task

from miniapp_api.safety import continued, crosscheck, signals


# Commits batch by batch, after one read-only detection query over all recipients.
@shared_task(name="safety.crosscheck", ignore_result=True, own_transactions=True)
def run_crosscheck() -> None:
    """Every recipient against re-employment, pension, death and the other stop events."""
    crosscheck.run()


@shared_task(name="safety.signals", ignore_result=True, own_transactions=True)
def run_signals() -> None:
    """Shared bank accounts, WeChat users behind several identities, repeated failed face checks."""
    signals.run()


@shared_task(name="safety.continued_notices", ignore_result=True, own_transactions=True)
def notify_continued() -> None:
    """Tell recipients whose continued payment (续发) has begun."""
    continued.notify_started()
