from __future__ import annotations

from celery import shared_task

from miniapp_api.claims.service import purge_expired_drafts


@shared_task(name="claims.purge_expired_drafts", ignore_result=True)
def purge_drafts() -> None:
    """Expired drafts hold a phone and perhaps a bank card: they are deleted, not kept."""
    purge_expired_drafts()
