"""Staff passwords, hashed with argon2id (argon2-cffi's defaults, re-hashed when they change)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Compared against when the username does not exist, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
MIN_LENGTH = 12


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def password_problem(password: str) -> str | None:
    """Why a new staff password is too weak, in Chinese; None when acceptable."""
    if len(password) < MIN_LENGTH:
        return f"密码至少{MIN_LENGTH}位"
    kinds = sum(any(test(ch) for ch in password) for test in (str.islower, str.isupper, str.isdigit))
    if kinds < 2 and password.isalnum():
        return "密码应混合使用大小写字母、数字或符号"
    return None
