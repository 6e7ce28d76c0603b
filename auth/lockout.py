"""Repeated failures lock a login name (a staff username, a phone, a WeChat account) for a
while. Counts live in Redis, so every API process sees the same ones.

Each attempt is counted *before* the secret is checked, atomically, so a burst of parallel
guesses cannot all slip in under the limit; an attempt that succeeds is then taken back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from miniapp_api.errors import TooManyAttempts
from miniapp_api.extensions import redis_store, settings
from notifications.limits import wait_words


def _keys(scope: str, subject: str) -> tuple[str, str]:
    store = redis_store()
    return store.key("fail", scope, subject), store.key("locked", scope, subject)


def _locked_out(seconds: int) -> TooManyAttempts:
    return TooManyAttempts(
        f"失败次数过多，已暂时锁定，请{wait_words(seconds)}后再试",
        code="LOCKED_OUT",
        retry_after_s=seconds,
        details={"retry_after_s": seconds},
    )


def check_not_locked(scope: str, subject: str) -> None:
    _failures, locked = _keys(scope, subject)
    remaining = redis_store().client.ttl(locked)
    if isinstance(remaining, int) and remaining > 0:
        raise _locked_out(remaining)


@dataclass(frozen=True)
class Policy:
    failures: int
    window_s: int
    lock_s: int


def login_policy() -> Policy:
    config = settings()
    return Policy(config.AUTH_LOCKOUT_FAILURES, config.AUTH_LOCKOUT_WINDOW_S, config.AUTH_LOCKOUT_S)


@dataclass(frozen=True)
class Attempt:
    scope: str
    subject: str
    count: int  # attempts not yet known to have succeeded in the window, this one included
    policy: Policy

    def failed(self) -> bool:
        """The secret was wrong; True when this failure locks the subject."""
        if self.count < self.policy.failures:
            return False
        failures, locked = _keys(self.scope, self.subject)
        client = redis_store().client
        client.set(locked, str(int(time.time())), ex=self.policy.lock_s)
        client.delete(failures)
        return True

    def succeeded(self, *, forget_failures: bool = True) -> None:
        """Take this attempt back; with `forget_failures`, also the earlier failures (a login
        with the secret proves the owner). Binding keeps them: knowing one's own identity says
        nothing about guesses at someone else's."""
        failures, _locked = _keys(self.scope, self.subject)
        client = redis_store().client
        if forget_failures:
            client.delete(failures)
        else:
            client.decr(failures)


def attempt(scope: str, subject: str, policy: Policy | None = None) -> Attempt:
    """Count an attempt; refused (429) while locked or when it would exceed the limit."""
    check_not_locked(scope, subject)
    policy = policy or login_policy()
    failures, _locked = _keys(scope, subject)
    pipe = redis_store().client.pipeline(transaction=True)
    pipe.incr(failures)
    pipe.expire(failures, policy.window_s, nx=True)
    count = int(pipe.execute()[0])
    if count > policy.failures:
        redis_store().client.decr(failures)
        raise _locked_out(policy.lock_s)
    return Attempt(scope, subject, count, policy)
