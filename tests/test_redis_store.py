"""Rate limits, single-use nonces and locks, on the one Redis client."""

from __future__ import annotations

from flask import Flask

from miniapp_api.extensions import redis_store


def test_a_rate_limit_allows_the_limit_and_refuses_the_next(app: Flask) -> None:
    store = redis_store()
    results = [store.hit_rate_limit("sms", "13800138000", limit=3, window_s=60) for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert 0 < results[-1].retry_after_s <= 60


def test_rate_limits_of_different_subjects_do_not_mix(app: Flask) -> None:
    store = redis_store()
    store.hit_rate_limit("sms", "a", limit=1, window_s=60)
    assert store.hit_rate_limit("sms", "b", limit=1, window_s=60).allowed


def test_a_nonce_is_accepted_once_and_refused_on_replay(app: Flask) -> None:
    store = redis_store()
    assert store.claim_nonce("challenge", "n-1", ttl_s=120) is True
    assert store.claim_nonce("challenge", "n-1", ttl_s=120) is False


def test_a_held_lock_cannot_be_taken_by_another_holder(app: Flask) -> None:
    store = redis_store()
    first = store.lock("wechat-token", timeout_s=5, blocking_timeout_s=0.1)
    second = store.lock("wechat-token", timeout_s=5, blocking_timeout_s=0.1)
    assert first.acquire()
    try:
        assert not second.acquire()
    finally:
        first.release()
    assert second.acquire()
    second.release()
