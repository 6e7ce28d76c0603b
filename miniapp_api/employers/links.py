"""The acknowledgement link sent to an employer's contact: it works without logging in, only
for its duty, only once, and not after it expires. It is signed (itsdangerous, with the app's
secret key) and carries a nonce whose keyed hash the duty keeps; a newer reminder's link
replaces the older one."""

from __future__ import annotations

import secrets

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from miniapp_api.errors import AppError, NotFoundError
from miniapp_api.extensions import settings
from miniapp_api.pii import cipher

_SALT = "employer-notice-ack"
_HASH_FIELD = "employer_duty.ack_nonce"


class LinkExpired(AppError):
    status = 410
    code = "LINK_EXPIRED"
    message = "确认链接已过期，请登录单位账户确认，或使用最新提醒短信中的链接"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings().SECRET_KEY, salt=_SALT)


def issue(duty_id: int) -> tuple[str, str]:
    """A fresh token for the duty, and the keyed hash of its nonce for the duty to keep."""
    nonce = secrets.token_urlsafe(16)
    token = _serializer().dumps({"d": duty_id, "n": nonce})
    return token, cipher().keyed_hash(nonce, _HASH_FIELD)


def read(token: str) -> tuple[int, str]:
    """The duty id and the nonce's keyed hash; a forged link is "not found", an old one "expired"."""
    max_age = settings().NOTICE_LINK_TTL_DAYS * 86400
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkExpired() from None
    except BadSignature:
        raise NotFoundError("链接无效", code="LINK_INVALID") from None
    if not isinstance(data, dict) or not isinstance(data.get("d"), int) or not isinstance(data.get("n"), str):
        raise NotFoundError("链接无效", code="LINK_INVALID")
    return data["d"], cipher().keyed_hash(data["n"], _HASH_FIELD)


def url(token: str) -> str:
    return f"{settings().PUBLIC_BASE_URL.rstrip('/')}/api/v1/notices/{token}"


def duty_list_url() -> str:
    """The employer's list of notices still to confirm (after logging in)."""
    return f"{settings().PUBLIC_BASE_URL.rstrip('/')}/api/v1/employer/duties?state=pending"
