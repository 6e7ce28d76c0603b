"""Personal data: masking for display and logs, AES-GCM encryption and keyed hashes at rest.

ID numbers, phones and bank accounts are stored encrypted, with an HMAC beside them where
the service must look a person up by the value. The field name is bound to each ciphertext
as associated data, so a phone ciphertext cannot be replayed into the ID-number column.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

_KEY_VERSION = b"\x01"
_NONCE_BYTES = 12


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else "*" * len(value)


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    return value[:3] + "****" + value[-4:] if len(value) >= 7 else "*" * len(value)


def mask_name(value: str | None) -> str:
    """王建国 → 王*国, 李明 → 李*: enough for a person to recognise their own name."""
    if not value:
        return ""
    if len(value) <= 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_bank_account(value: str | None) -> str:
    if not value:
        return ""
    return "**** " + value[-4:] if len(value) > 4 else "*" * len(value)


# Applied to every log line. Order matters: an ID number holds 17 digits that would
# otherwise look like a bank account, and a bank account may contain a phone-shaped run.
# People write these grouped ("138 0013 8000", "6222-0212-…"), so a single space or hyphen
# may separate digits. A run touching a hex letter is left alone: it is a hash or a uuid.
_GAP = r"[ \-]?"
# A run of digits that is part of a decimal number (0.007270939000022736 s) is a measurement,
# not a card: neither a point before it nor a point and a digit after it.
_NOT_A_FRACTION = r"(?<![0-9.])"
_NOT_AN_INTEGER_PART = r"(?!\.[0-9])"
_EDGE_BEFORE = r"(?<![0-9A-Fa-f.])"
_EDGE_AFTER = rf"(?![0-9A-Fa-f]){_NOT_AN_INTEGER_PART}"
_ID_RE = re.compile(rf"(?<![0-9A-Za-z.])((?:[0-9]{_GAP}){{17}}[0-9Xx])(?![0-9A-Za-z]){_NOT_AN_INTEGER_PART}", re.ASCII)
_CARD_RE = re.compile(rf"{_EDGE_BEFORE}(?:[0-9]{_GAP}){{11,18}}[0-9]{_EDGE_AFTER}", re.ASCII)
_PHONE_RE = re.compile(
    rf"{_NOT_A_FRACTION}(?:\+?86{_GAP})?(1[3-9][0-9]){_GAP}([0-9]{{4}}){_GAP}([0-9]{{4}})(?![0-9]){_NOT_AN_INTEGER_PART}",
    re.ASCII,
)
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")


def _keep_ends(match: re.Match[str], head: int, tail: int) -> str:
    compact = re.sub(r"[ \-]", "", match.group(0))
    return compact[:head] + "*" * (len(compact) - head - tail) + compact[-tail:]


def mask_text(text: str) -> str:
    """Mask ID numbers, bank accounts and mobile numbers wherever they appear in free text."""
    text = text.translate(_FULL_WIDTH_DIGITS)
    text = _ID_RE.sub(lambda m: _keep_ends(m, 4, 4), text)
    text = _PHONE_RE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _CARD_RE.sub(lambda m: _keep_ends(m, 0, 4), text)


class PiiCipher:
    """AES-256-GCM for values at rest and HMAC-SHA256 for lookups, each with its own key."""

    def __init__(self, encryption_key: bytes, hash_key: bytes) -> None:
        if len(encryption_key) != 32:
            raise ValueError("PII encryption key must be 32 bytes")
        if len(hash_key) < 32:
            raise ValueError("PII hash key must be at least 32 bytes")
        self._aead = AESGCM(encryption_key)
        self._hash_key = hash_key

    @classmethod
    def from_base64(cls, encryption_key: str, hash_key: str) -> PiiCipher:
        return cls(base64.b64decode(encryption_key), base64.b64decode(hash_key))

    def encrypt(self, plaintext: str, field: str) -> bytes:
        return self.encrypt_bytes(plaintext.encode("utf-8"), field)

    def decrypt(self, blob: bytes, field: str) -> str:
        return self.decrypt_bytes(blob, field).decode("utf-8")

    def encrypt_bytes(self, plaintext: bytes, field: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return _KEY_VERSION + nonce + self._aead.encrypt(nonce, plaintext, field.encode())

    def decrypt_bytes(self, blob: bytes, field: str) -> bytes:
        if blob[:1] != _KEY_VERSION:
            raise ValueError("unknown PII key version")
        nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        return self._aead.decrypt(nonce, sealed, field.encode())

    def keyed_hash(self, value: str, field: str) -> str:
        message = f"{field}:{value}".encode()
        return hmac.new(self._hash_key, message, hashlib.sha256).hexdigest()


_cipher: PiiCipher | None = None


def configure_cipher(cipher: PiiCipher) -> None:
    """Install the process-wide cipher; the app factory calls this once with configured keys."""
    global _cipher
    _cipher = cipher


def cipher() -> PiiCipher:
    if _cipher is None:
        raise RuntimeError("PII cipher is not configured; create the app first")
    return _cipher


class EncryptedText(TypeDecorator[str]):
    """A string column stored as AES-GCM ciphertext, bound to its field name."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, field: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field = field

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        return None if value is None else cipher().encrypt(value, self.field)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> str | None:
        return None if value is None else cipher().decrypt(bytes(value), self.field)


class EncryptedBytes(TypeDecorator[bytes]):
    """A binary column (a reference photo, a face encoding) stored as AES-GCM ciphertext."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, field: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field = field

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else cipher().encrypt_bytes(bytes(value), self.field)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else cipher().decrypt_bytes(bytes(value), self.field)
