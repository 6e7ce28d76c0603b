"""The one Redis client, and the three things the service uses it for: rate limits, single-use
nonces and locks.

The embedded default (`REDIS_URL=memory://`) is fakeredis, a maintained in-process
implementation of the Redis protocol with Lua support, so locks and scripts behave the same
as on a real server. Production refuses it (see config).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import fakeredis
import redis

from miniapp_api.config import MEMORY_REDIS_URL

# One in-process server per process, so every client made with memory:// shares its data.
_memory_server = fakeredis.FakeServer()


def make_redis(url: str, *, socket_timeout: float = 2.0) -> redis.Redis[str]:
    if url == MEMORY_REDIS_URL:
        return fakeredis.FakeRedis(server=_memory_server, decode_responses=True)
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=socket_timeout,
        socket_connect_timeout=socket_timeout,
        health_check_interval=30,
    )


@dataclass(frozen=True)
class RateLimitResult:
    allowed: bool
    count: int
    limit: int
    retry_after_s: int


# Compare the stored end with now and, when it has passed, store the new end: atomically.
_COOLDOWN = """
local ends = tonumber(redis.call('GET', KEYS[1]) or '0')
if ends > tonumber(ARGV[1]) then return tostring(ends) end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return false
"""


class RedisStore:
    """Rate limits, nonces and locks over one client, under one key prefix."""

    def __init__(self, client: redis.Redis[str], prefix: str = "miniapp") -> None:
        self.client = client
        self.prefix = prefix

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def hit_rate_limit(self, bucket: str, subject: str, *, limit: int, window_s: int) -> RateLimitResult:
        """Count one attempt in the current fixed window; `allowed` is False past `limit`."""
        window = int(time.time()) // window_s
        key = self.key("rate", bucket, subject, str(window))
        pipe = self.client.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, window_s + 1)
        count = int(pipe.execute()[0])
        retry_after = window_s - int(time.time()) % window_s
        return RateLimitResult(count <= limit, count, limit, retry_after)

    def start_cooldown(self, bucket: str, subject: str, *, seconds: int) -> int:
        """Begin `seconds` of quiet after this attempt; 0 when allowed, else the seconds left.
        Counted from the last attempt, not a calendar minute (two sends 7 s apart across a
        minute boundary were once both let through). The end is kept as a timestamp of the
        service's clock, compared and set in one step."""
        now = time.time()
        until = self.client.eval(_COOLDOWN, 1, self.key("cooldown", bucket, subject), now, now + seconds, seconds + 1)  # type: ignore[no-untyped-call]
        return 0 if not until else max(1, math.ceil(float(until) - now))

    def claim_nonce(self, scope: str, nonce: str, *, ttl_s: int) -> bool:
        """True the first time a nonce is seen within `ttl_s`; False for every replay."""
        return bool(self.client.set(self.key("nonce", scope, nonce), "1", nx=True, ex=ttl_s))

    def lock(self, name: str, *, timeout_s: float = 30, blocking_timeout_s: float = 10) -> redis.lock.Lock:
        """A lock that expires on its own if its holder dies (redis-py's Lua-backed lock)."""
        return self.client.lock(self.key("lock", name), timeout=timeout_s, blocking_timeout=blocking_timeout_s)

    def ping(self) -> bool:
        return bool(self.client.ping())
