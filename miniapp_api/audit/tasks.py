from __future__ import annotations

import time

from celery import shared_task

from miniapp_api.audit.chain import SEAL_BATCH, seal
from miniapp_api.db import unit_of_work

# The beat runs this every minute; a month's payment confirmations can add a million entries.
_BUDGET_S = 45.0


@shared_task(name="audit.seal", ignore_result=True, own_transactions=True)
def seal_chain() -> None:
    """Chain the audit entries committed since the last run, a batch per transaction, until none
    are left or the minute's budget is spent (the next run takes the rest)."""
    deadline = time.monotonic() + _BUDGET_S
    while time.monotonic() < deadline:
        with unit_of_work() as session:
            if seal(session) < SEAL_BATCH:
                return
