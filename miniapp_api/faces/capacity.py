"""How many face checks one host computes at once, and whose turn is next.

A face check spends about a second of CPU in dlib inside a sync web worker. Unbounded, a burst of
them would hold every worker and the light requests (claim status, prefill) would wait behind
them. So at most LIVENESS_CONCURRENCY checks run at once per host (default: one per CPU this
process may use, which leaves gunicorn's other workers to everything else).

The queue's places belong to claimants (the person, whatever session or challenge they answer
with): an answer that finds every slot busy is refused at once, before its upload is read, with
503 LIVENESS_BUSY, its place and Retry-After; answering again, even a new challenge, keeps that
place, and free slots go to claimants in the order they first asked. A claimant holds one place
and one slot at most, however many challenges they open. The queue holds no more claimants than
can be served within a challenge's life (LIVENESS_CHALLENGE_TTL_S); past that, come back later.
A place not asked for again within PLACE_TTL_S is given up; a slot whose worker died frees itself
after SLOT_TTL_S.
"""

from __future__ import annotations

import math
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

from miniapp_api.errors import AppError, ConflictError
from miniapp_api.extensions import redis_store, settings

# Longer than any request may run (gunicorn's timeout), so only a dead worker's slot expires.
SLOT_TTL_S = int(os.environ.get("GUNICORN_TIMEOUT", "60")) + 30
CHECK_SECONDS = 2  # about what one check takes when the slots are all in use
MAX_RETRY_AFTER_S = 5
PLACE_TTL_S = MAX_RETRY_AFTER_S + 3  # a claimant not back within this gives up their place

# KEYS: queue (claimant → arrival number), seen (claimant → last asked), busy (claimant → started),
# seq. ARGV: claimant, now, slots, most places. Returns {outcome, position}: outcome 1 granted,
# 0 queued, 2 this claimant's check already running, 3 queue full.
_TAKE_SLOT = f"""
local queue, seen, busy, seq = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local member, now, slots, most = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local function done(outcome, position)
    for _, key in ipairs(KEYS) do redis.call('EXPIRE', key, {SLOT_TTL_S * 2}) end
    return {{outcome, position}}
end
redis.call('ZREMRANGEBYSCORE', busy, '-inf', now - {SLOT_TTL_S})
if redis.call('ZSCORE', busy, member) then return done(2, 0) end
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', seen, '-inf', now - {PLACE_TTL_S})) do
    redis.call('ZREM', queue, gone)
    redis.call('ZREM', seen, gone)
end
if not redis.call('ZSCORE', queue, member) then
    if redis.call('ZCARD', queue) >= most then return done(3, 0) end
    redis.call('ZADD', queue, redis.call('INCR', seq), member)
end
local ahead = redis.call('ZRANK', queue, member)
if ahead < slots - redis.call('ZCARD', busy) then
    redis.call('ZREM', queue, member)
    redis.call('ZREM', seen, member)
    redis.call('ZADD', busy, now, member)
    return done(1, 0)
end
redis.call('ZADD', seen, now, member)
return done(0, ahead + 1)
"""


class LivenessBusy(AppError):
    status = 503
    code = "LIVENESS_BUSY"


def slots() -> int:
    return settings().LIVENESS_CONCURRENCY or _usable_cpus()


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):  # Linux: the CPUs this process may run on
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _keys() -> list[str]:
    store = redis_store()
    host = socket.gethostname()
    return [store.key("liveness", host, part) for part in ("queue", "seen", "busy", "seq")]


def most_places() -> int:
    """As many claimants as the slots can serve while a challenge is still open."""
    return max(slots(), slots() * settings().LIVENESS_CHALLENGE_TTL_S // CHECK_SECONDS)


@contextmanager
def face_check_slot(claimant: str) -> Iterator[None]:
    """Hold one of this host's face-check slots for the block, or refuse with the claimant's place."""
    keys = _keys()
    client = redis_store().client
    outcome, position = client.eval(  # type: ignore[no-untyped-call]
        _TAKE_SLOT, len(keys), *keys, claimant, time.time(), slots(), most_places()
    )
    if int(outcome) == 2:
        raise ConflictError("您的人脸核验正在进行中，请等待结果", code="FACE_CHECK_IN_PROGRESS")
    if int(outcome) == 3:
        raise LivenessBusy("人脸核验排队人数已满，请稍后再试", retry_after_s=MAX_RETRY_AFTER_S)
    if int(outcome) == 0:
        place = int(position)
        wait = min(MAX_RETRY_AFTER_S, max(1, math.ceil(place * CHECK_SECONDS / slots())))
        raise LivenessBusy(
            f"人脸核验排队中，您前面还有{place - 1}人，请{wait}秒后再次提交（排队位置保留）",
            details={"position": place},
            retry_after_s=wait,
        )
    try:
        yield
    finally:
        client.zrem(keys[2], claimant)
