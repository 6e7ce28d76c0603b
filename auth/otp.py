"""One-time SMS codes for employer contacts: 6 digits, valid OTP_TTL_S, single use, at most
OTP_MAX_TRIES guesses before the code is void. Kept in Redis as a keyed hash.

A guess is counted before it is compared, in one Lua step, so parallel guesses cannot exceed
the limit; the matching guess deletes the code, so it works once.
"""

from __future__ import annotations

import hmac
import secrets

from miniapp_api.extensions import redis_store, settings
from miniapp_api.pii import cipher

# Returns {tries, digest}; tries 0 when there is no code, -1 when this guess is over the limit.
_COUNT_GUESS = """
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, ''} end
local tries = redis.call('HINCRBY', KEYS[1], 'tries', 1)
if tries > tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]) return {-1, ''} end
return {tries, redis.call('HGET', KEYS[1], 'digest')}
"""


def _key(subject: str) -> str:
    return redis_store().key("otp", subject)


def _digest(code: str) -> str:
    return cipher().keyed_hash(code, "otp")


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def store(subject: str, code: str) -> None:
    """Make `code` the subject's one valid code (replacing any earlier one)."""
    client = redis_store().client
    pipe = client.pipeline(transaction=True)
    pipe.delete(_key(subject))
    pipe.hset(_key(subject), mapping={"digest": _digest(code), "tries": 0})
    pipe.expire(_key(subject), settings().OTP_TTL_S)
    pipe.execute()


def check(subject: str, code: str) -> bool:
    client = redis_store().client
    max_tries = settings().OTP_MAX_TRIES
    tries, stored = client.eval(_COUNT_GUESS, 1, _key(subject), str(max_tries))  # type: ignore[no-untyped-call]
    if int(tries) <= 0:
        return False
    stored_text = stored.decode() if isinstance(stored, bytes) else str(stored)
    if hmac.compare_digest(stored_text, _digest(code)):
        # DEL answers 1 to exactly one of two racing logins with the same code.
        return bool(client.delete(_key(subject)))
    if int(tries) >= max_tries:
        client.delete(_key(subject))
    return False
