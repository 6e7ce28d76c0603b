"""Bearer tokens: 256 random bits, shown to the client once, stored only as a SHA-256 digest
(the value is unguessable, so no key or salt is needed to make the digest safe)."""

from __future__ import annotations

import hashlib
import secrets


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
