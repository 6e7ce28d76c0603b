"""How many face checks each host computes at once, and whose turn is next across the cluster.

A face check spends about a second of CPU in dlib inside a sync web worker. Unbounded, a burst of
them would hold every worker and the light requests (claim status, prefill) would wait behind
them. So at most LIVENESS_CONCURRENCY checks run at once on each host (default: one per CPU this
process may use, which leaves gunicorn's other workers to everything else): a host's CPU is its
own.

The queue is the cluster's: every API host shares one queue of places and one count of free
slots in Redis, so a claimant's turn does not depend on which host the proxy picks. Places
belong to claimants (the person, whatever session or challenge they answer with): an answer
that cannot have a slot is refused at once, before its upload is read, with 503 LIVENESS_BUSY,
its place and Retry-After; answering again, on any host, even a new challenge, keeps that place.
A host grants a check when it has a slot free and the claimant is among the first (free slots
across the cluster) places; a claimant whose turn has come but who reached a full host is told
to retry, keeping the place, and the proxy may send the retry elsewhere. A claimant holds one
place and one slot at most in the whole cluster. The queue holds no more claimants than the
cluster's slots can serve within a challenge's life (LIVENESS_CHALLENGE_TTL_S); past that, come
back later. A place not asked for again within PLACE_TTL_S is given up; a slot whose worker died
frees itself after SLOT_TTL_S, and a host not heard from in SLOT_TTL_S no longer counts.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from miniapp_api.errors import AppError, ConflictError
from miniapp_api.extensions import redis_store, settings

# Longer than any request may run (gunicorn's timeout), so only a dead worker's slot expires.
SLOT_TTL_S = int(os.environ.get("GUNICORN_TIMEOUT", "60")) + 30
# A host registers (and says its slots) on every call; silent this long, it is taken for gone.
# Every slot it holds was taken at one of its calls, so by then those slots have expired too.
HOST_TTL_S = SLOT_TTL_S
CHECK_SECONDS = 2  # about what one check takes when the slots are all in use
MAX_RETRY_AFTER_S = 5
PLACE_TTL_S = MAX_RETRY_AFTER_S + 3  # a claimant not back within this gives up their place

# One script, so taking a place or a slot is atomic across every host. The per-host busy keys
# (busy prefix .. host) are made inside the script, which is fine on the single Redis this runs
# on but not on Redis Cluster (there every key must be passed in KEYS). Times are the calling
# hosts' clocks, which NTP keeps far closer together than PLACE_TTL_S.
# KEYS: queue (claimant → arrival number), seen (claimant → last asked), seq, hosts (host → last
# call), slots (host → its slots). ARGV: busy prefix, this host, claimant, now, this host's slots,
# places per cluster slot. Returns {outcome, position, cluster slots}: outcome 1 granted, 0 queued,
# 2 this claimant's check already running (on any host), 3 queue full.
_TAKE_SLOT = f"""
local queue, seen, seq, hosts, capacity = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local busy_prefix, here, member = ARGV[1], ARGV[2], ARGV[3]
local now, slots, places_per_slot = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local function busy_of(host) return busy_prefix .. host end
local function done(outcome, position, cluster_slots)
    for _, key in ipairs({{queue, seen, seq, hosts, capacity, busy_of(here)}}) do
        redis.call('EXPIRE', key, {SLOT_TTL_S * 2})
    end
    return {{outcome, position, cluster_slots}}
end
redis.call('ZADD', hosts, now, here)
redis.call('HSET', capacity, here, slots)
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', hosts, '-inf', now - {HOST_TTL_S})) do
    redis.call('ZREM', hosts, gone)
    redis.call('HDEL', capacity, gone)
    redis.call('DEL', busy_of(gone))
end
local cluster_slots, free, free_here, running = 0, 0, 0, false
for _, host in ipairs(redis.call('ZRANGE', hosts, 0, -1)) do
    local busy = busy_of(host)
    redis.call('ZREMRANGEBYSCORE', busy, '-inf', now - {SLOT_TTL_S})
    if redis.call('ZSCORE', busy, member) then running = true end
    local total = tonumber(redis.call('HGET', capacity, host) or '0')
    local idle = math.max(0, total - redis.call('ZCARD', busy))
    cluster_slots, free = cluster_slots + total, free + idle
    if host == here then free_here = idle end
end
if running then return done(2, 0, cluster_slots) end
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', seen, '-inf', now - {PLACE_TTL_S})) do
    redis.call('ZREM', queue, gone)
    redis.call('ZREM', seen, gone)
end
if not redis.call('ZSCORE', queue, member) then
    local most_places = math.max(cluster_slots, math.floor(cluster_slots * places_per_slot))
    if redis.call('ZCARD', queue) >= most_places then return done(3, 0, cluster_slots) end
    redis.call('ZADD', queue, redis.call('INCR', seq), member)
end
local ahead = redis.call('ZRANK', queue, member)
if free_here > 0 and ahead < free then
    redis.call('ZREM', queue, member)
    redis.call('ZREM', seen, member)
    redis.call('ZADD', busy_of(here), now, member)
    return done(1, 0, cluster_slots)
end
redis.call('ZADD', seen, now, member)
return done(0, ahead + 1, cluster_slots)
"""


class LivenessBusy(AppError):
    status = 503
    code = "LIVENESS_BUSY"


def slots() -> int:
    """How many checks this host computes at once."""
    return settings().LIVENESS_CONCURRENCY or _usable_cpus()


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):  # Linux: the CPUs this process may run on
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def places_per_slot() -> float:
    """The queue holds the cluster's slots times this: as many as they serve while a challenge is open."""
    return settings().LIVENESS_CHALLENGE_TTL_S / CHECK_SECONDS


def _keys() -> list[str]:
    store = redis_store()
    return [store.key("liveness", part) for part in ("queue", "seen", "seq", "hosts", "slots")]


def _busy_prefix() -> str:
    return redis_store().key("liveness", "busy", "")


@contextmanager
def face_check_slot(claimant: str) -> Iterator[None]:
    """Hold one of this host's face-check slots for the block, or refuse with the claimant's place
    in the cluster's queue."""
    keys, host = _keys(), settings().liveness_host_id
    client = redis_store().client
    outcome, position, cluster_slots = client.eval(  # type: ignore[no-untyped-call]
        _TAKE_SLOT, len(keys), *keys, _busy_prefix(), host, claimant, time.time(), slots(), places_per_slot()
    )
    if int(outcome) == 2:
        raise ConflictError("您的人脸核验正在进行中，请等待结果", code="FACE_CHECK_IN_PROGRESS")
    if int(outcome) == 3:
        raise LivenessBusy("人脸核验排队人数已满，请稍后再试", retry_after_s=MAX_RETRY_AFTER_S)
    if int(outcome) == 0:
        place = int(position)
        wait = min(MAX_RETRY_AFTER_S, max(1, math.ceil(place * CHECK_SECONDS / max(1, int(cluster_slots)))))
        raise LivenessBusy(
            f"人脸核验排队中，您前面还有{place - 1}人，请{wait}秒后再次提交（排队位置保留）",
            details={"position": place},
            retry_after_s=wait,
        )
    busy = _busy_prefix() + host
    try:
        yield
    finally:
        client.zrem(busy, claimant)
