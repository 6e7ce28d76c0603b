from __future__ import annotations

from celery import shared_task

from miniapp_api.audit.chain import seal
from miniapp_api.db import current_session


@shared_task(name="audit.seal", ignore_result=True)
def seal_chain() -> None:
    """Chain the audit entries committed since the last run (one batch a run; the next run
    takes the rest)."""
    seal(current_session())
