from __future__ import annotations

from celery import shared_task

from miniapp_api.holidays.dating import date_waiting, horizon_check


# Own transactions: the dating pass commits before the sweeps it starts read its dates.
@shared_task(name="holidays.date_waiting", ignore_result=True, own_transactions=True)
def date_waiting_task() -> None:
    """Date every clock and duty that waited for a year the calendar now knows, then take the steps due."""
    date_waiting()


@shared_task(name="holidays.check_horizon", ignore_result=True)
def check_horizon_task() -> None:
    """Warn supervisors and admins, weekly, when the calendar is about to run out."""
    horizon_check()
