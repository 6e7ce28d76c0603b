"""Repeated failures lock a login name (a staff username, a phone, a WeChat account) for a
while. Counts live in Redis, so every API process sees the same ones."""

from __future__ import annotations

import time

from miniapp_api.errors import TooManyAttempts
from miniapp_api.extensions import redis_store, settings
from notifications.limits import wait_words


def _keys(scope: str, subject: str) -> tuple[str, str]:
    store = redis_store()
    return store.key("fail", scope, subject), store.key("locked", scope, subject)


def check_not_locked(scope: str, subject: str) -> None:
    _failures, locked = _keys(scope, subject)
    remaining = redis_store().client.ttl(locked)
    if isinstance(remaining, int) and remaining > 0:
        raise TooManyAttempts(
            f"失败次数过多，已暂时锁定，请{wait_words(remaining)}后再试",
            code="LOCKED_OUT",
            retry_after_s=remaining,
            details={"retry_after_s": remaining},
        )


def record_failure(scope: str, subject: str) -> bool:
    """Count a failure; True when it locks the subject."""
    config = settings()
    failures, locked = _keys(scope, subject)
    client = redis_store().client
    pipe = client.pipeline(transaction=True)
    pipe.incr(failures)
    pipe.expire(failures, config.AUTH_LOCKOUT_WINDOW_S, nx=True)
    count = int(pipe.execute()[0])
    if count >= config.AUTH_LOCKOUT_FAILURES:
        client.set(locked, str(int(time.time())), ex=config.AUTH_LOCKOUT_S)
        client.delete(failures)
        return True
    return False


def clear_failures(scope: str, subject: str) -> None:
    failures, _locked = _keys(scope, subject)
    redis_store().client.delete(failures)
