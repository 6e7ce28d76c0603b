from __future__ import annotations

from celery import shared_task

from notifications import delivery


# These manage their own transactions: a delivery must commit "sending" before it calls the
# provider, and the sweep must not hold one transaction across provider look-ups.
@shared_task(name="notifications.deliver", ignore_result=True, own_transactions=True, acks_late=True)
def deliver_messages(message_ids: list[str]) -> None:
    delivery.deliver_many(message_ids)


@shared_task(name="notifications.sweep", ignore_result=True, own_transactions=True)
def sweep_outbox() -> None:
    delivery.sweep()
