"""One-time SMS codes for employer contacts: 6 digits, valid OTP_TTL_S, single use, at most
OTP_MAX_TRIES wrong guesses before the code is void. Kept in Redis as a keyed hash."""

from __future__ import annotations

import hmac
import secrets

from miniapp_api.extensions import redis_store, settings
from miniapp_api.pii import cipher


def _key(subject: str) -> str:
    return redis_store().key("otp", subject)


def _digest(code: str) -> str:
    return cipher().keyed_hash(code, "otp")


def issue(subject: str) -> str:
    code = f"{secrets.randbelow(10**6):06d}"
    client = redis_store().client
    client.hset(_key(subject), mapping={"digest": _digest(code), "tries": 0})
    client.expire(_key(subject), settings().OTP_TTL_S)
    return code


def check(subject: str, code: str) -> tuple[bool, int]:
    """(accepted, tries left). An accepted code is deleted, so a second use fails."""
    client = redis_store().client
    key = _key(subject)
    stored = client.hget(key, "digest")
    if stored is None:
        return False, 0
    stored_text = stored.decode() if isinstance(stored, bytes) else str(stored)
    if hmac.compare_digest(stored_text, _digest(code)):
        # DEL answers 1 to exactly one of two racing logins with the same code.
        return bool(client.delete(key)), 0
    tries = int(client.hincrby(key, "tries", 1))
    left = settings().OTP_MAX_TRIES - tries
    if left <= 0:
        client.delete(key)
    return False, max(0, left)
