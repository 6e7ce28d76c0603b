from __future__ import annotations

from celery import shared_task

from miniapp_api.faces.service import forget_frame_hashes


@shared_task(name="faces.forget_frame_hashes", ignore_result=True)
def forget_frame_hashes_task() -> None:
    """Recordings' frame hashes are kept LIVENESS_REPLAY_DAYS, then forgotten."""
    forget_frame_hashes()
