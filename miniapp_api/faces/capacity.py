"""How many face checks one host computes at once, and whose turn is next.

A face check spends about a second of CPU in dlib inside a sync web worker. Unbounded, a burst of
them would hold every worker and the light requests (claim status, prefill) would wait behind
them. So at most LIVENESS_CONCURRENCY checks run at once per host (default: one per CPU, which
leaves gunicorn's other workers to everything else). A check that finds no free slot is answered
at once with 503 LIVENESS_BUSY, Retry-After and a queue ticket; slots go to tickets in the order
they were handed out, so a claimant who comes back with the ticket keeps their place. A ticket
not seen again within TICKET_TTL_S is dropped; a slot whose worker died frees itself after
SLOT_TTL_S (longer than gunicorn's request timeout).
"""

from __future__ import annotations

import math
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from miniapp_api.errors import AppError
from miniapp_api.extensions import redis_store, settings

SLOT_TTL_S = 90
CHECK_SECONDS = 2  # about what one check takes when the slots are all in use
MAX_RETRY_AFTER_S = 5
# A ticket not back within this many seconds (past the longest Retry-After) gives up its place:
# free slots never wait long for someone who left.
TICKET_TTL_S = MAX_RETRY_AFTER_S + 3

# KEYS: queue (ticket → arrival number), seen (ticket → last time seen), busy (ticket → start), seq.
# ARGV: ticket ("" for none), now, slots, fresh ticket. Returns {granted, ticket, position}.
_TAKE_SLOT = f"""
local queue, seen, busy, seq = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local ticket, now, slots, fresh = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', busy, '-inf', now - {SLOT_TTL_S})
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', seen, '-inf', now - {TICKET_TTL_S})) do
    redis.call('ZREM', queue, gone)
    redis.call('ZREM', seen, gone)
end
if ticket == '' or not redis.call('ZSCORE', queue, ticket) then
    ticket = fresh
    redis.call('ZADD', queue, redis.call('INCR', seq), ticket)
end
local free = slots - redis.call('ZCARD', busy)
local ahead = redis.call('ZRANK', queue, ticket)
for _, key in ipairs(KEYS) do redis.call('EXPIRE', key, {SLOT_TTL_S * 2}) end
if ahead < free then
    redis.call('ZREM', queue, ticket)
    redis.call('ZREM', seen, ticket)
    redis.call('ZADD', busy, now, ticket)
    return {{1, ticket, 0}}
end
redis.call('ZADD', seen, now, ticket)
return {{0, ticket, ahead + 1}}
"""


class LivenessBusy(AppError):
    status = 503
    code = "LIVENESS_BUSY"


def slots() -> int:
    return settings().LIVENESS_CONCURRENCY or os.cpu_count() or 1


def _keys() -> list[str]:
    store = redis_store()
    host = socket.gethostname()
    return [store.key("liveness", host, part) for part in ("queue", "seen", "busy", "seq")]


@contextmanager
def face_check_slot(ticket: str | None) -> Iterator[None]:
    """Hold one of this host's face-check slots for the block, or refuse with the caller's place."""
    keys = _keys()
    client = redis_store().client
    granted, held, position = client.eval(  # type: ignore[no-untyped-call]
        _TAKE_SLOT, len(keys), *keys, ticket or "", time.time(), slots(), uuid.uuid4().hex
    )
    if not int(granted):
        place = int(position)
        wait = min(MAX_RETRY_AFTER_S, max(1, math.ceil(place * CHECK_SECONDS / slots())))
        raise LivenessBusy(
            f"人脸核验排队中，您前面还有{place - 1}人，请{wait}秒后带上排队号重新提交",
            details={"queue_ticket": held, "position": place},
            retry_after_s=wait,
        )
    try:
        yield
    finally:
        client.zrem(keys[2], held)
