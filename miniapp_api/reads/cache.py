"""Answers cached in Redis under the versions they were read at.

An entry is tagged with the caller's read versions (own and reference, read with the caller in
the request's first statement) and the China date; an entry with any other tag is a miss. A
reader that read the versions before a write committed computes from records at least that old,
so whatever it stores is never newer-tagged than its data; a reader after the commit sees the new
version and misses. Only 200 answers are cached; errors (not found, not yours) never are, nor
an answer computed after its transaction wrote something (it might yet be rolled back).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import logging
from collections.abc import Callable
from typing import Any, cast

import redis
from cryptography.exceptions import InvalidTag
from flask import Response, current_app
from marshmallow import Schema
from sqlalchemy import make_url

from auth.caller import Caller
from miniapp_api.clock import china_today
from miniapp_api.db import current_session, has_written, utcnow
from miniapp_api.extensions import redis_store, settings
from miniapp_api.pii import cipher

log = logging.getLogger(__name__)
# Answers hold what the database keeps encrypted (an objection's claimed bank account, a draft's
# address): in Redis they are encrypted too, with the same key.
_FIELD = "read_cache.answer"


def read_through(
    caller: Caller,
    name: str,
    compute: Callable[[], Any],
    schema: Schema,
    *,
    good_until: Callable[[Any], dt.datetime | None] | None = None,
) -> Response:
    """The caller's answer `name` from the cache when it is current, else computed, serialized
    with `schema` and stored. `good_until` names a moment the answer changes by itself (a draft
    that expires), past which it is not served."""
    ttl = settings().READ_CACHE_TTL_S
    key, tag = _key(caller, name), _tag(caller)
    if ttl and caller.read_version:
        hit = _get(key, tag)
        if hit is not None:
            return current_app.response_class(hit, mimetype=current_app.json.mimetype)  # type: ignore[attr-defined]
    data = compute()
    response = cast(Response, current_app.json.response(schema.dump(data)))
    if ttl and caller.read_version and not has_written(current_session()):
        expires = good_until(data) if good_until else None
        seconds = ttl if expires is None else min(ttl, int((expires - utcnow()).total_seconds()))
        if seconds > 0:
            _set(key, tag, response.get_data(as_text=True), seconds)
    return response


def _key(caller: Caller, name: str) -> str:
    owner = f"person:{caller.person_id}" if caller.kind == "claimant" else f"employer:{caller.employer_id}"
    return cache_key(owner, name)


def cache_key(*parts: str) -> str:
    """Under the database's own name: two deployments sharing a Redis (a staging copy of
    production, say) never read each other's answers, whose owners' ids and versions may match."""
    return redis_store().key("read", _deployment(settings().DATABASE_URL), *parts)


@functools.lru_cache(maxsize=8)
def _deployment(database_url: str) -> str:
    without_secrets = make_url(database_url).render_as_string(hide_password=True)
    return hashlib.sha256(without_secrets.encode()).hexdigest()[:12]


def _tag(caller: Caller) -> str:
    return f"{caller.read_version}.{china_today().isoformat()}"


def _get(key: str, tag: str) -> str | None:
    try:
        entry = redis_store().client.get(key)
    except redis.RedisError:  # the cache is an optimisation: without Redis, compute
        log.warning("read cache unavailable", exc_info=True)
        return None
    if entry is None:
        return None
    stored_tag, _, sealed = str(entry).partition("\n")
    if stored_tag != tag:
        return None
    try:
        return cipher().decrypt(base64.b64decode(sealed), _FIELD)
    except (InvalidTag, ValueError):  # written with another key, or damaged: computed afresh
        log.warning("read cache entry unreadable: %s", key)
        return None


def _set(key: str, tag: str, body: str, seconds: int) -> None:
    try:
        sealed = base64.b64encode(cipher().encrypt(body, _FIELD)).decode()
        redis_store().client.set(key, f"{tag}\n{sealed}", ex=seconds)
    except redis.RedisError:
        log.warning("read cache unavailable", exc_info=True)


def clear() -> int:
    """Drop every cached answer (after restoring the database from a backup, whose versions are
    older than the cache's); returns how many."""
    client = redis_store().client
    removed = 0
    for batch in _batches(client.scan_iter(match=cache_key("*"), count=1000)):
        removed += int(client.delete(*batch))
    return removed


def _batches(keys: Any, size: int = 500) -> Any:
    batch: list[str] = []
    for key in keys:
        batch.append(key)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
