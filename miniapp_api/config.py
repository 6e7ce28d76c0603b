"""Every setting, read once from the environment with a type and a default.

`Settings.load(environ, overrides)` is the only place the service reads configuration.
Overrides (from `create_app(overrides)` or tests) win over the environment; both use the
environment variable names below.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("development", "test", "production")

# Embedded development defaults. Production refuses to start while any of these is in use.
DEV_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105 - refused in production
DEV_PII_ENCRYPTION_KEY = "ZGV2LW9ubHktcGlpLWVuY3J5cHRpb24ta2V5LTAwMDA="
DEV_PII_HASH_KEY = "ZGV2LW9ubHktcGlpLWxvb2t1cC1oYXNoLWtleS0wMDAwMDA="
MEMORY_REDIS_URL = "memory://"
# Start the project's WeChat / SMS stand-in server in-process and talk to it (tests, demo).
EMBEDDED = "embedded"

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration cannot run safely; the message says which setting and why."""


def _default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'instance' / 'miniapp.sqlite3'}"


def _default_objection_files_dir() -> str:
    return str(PROJECT_ROOT / "instance" / "objection_files")


@dataclass(frozen=True)
class Settings:
    MINIAPP_ENV: str = "development"
    DATABASE_URL: str = field(default_factory=_default_database_url)
    REDIS_URL: str = MEMORY_REDIS_URL
    # Celery's broker; defaults to REDIS_URL. With the in-memory Redis, tasks run eagerly.
    CELERY_BROKER_URL: str = ""
    # Run tasks in-process right after commit instead of on a worker (tests, embedded demo).
    CELERY_ALWAYS_EAGER: bool = False
    SECRET_KEY: str = DEV_SECRET_KEY
    PII_ENCRYPTION_KEY: str = DEV_PII_ENCRYPTION_KEY
    PII_HASH_KEY: str = DEV_PII_HASH_KEY
    # Largest request body the API accepts, in bytes; upload routes set their own, smaller limits.
    MAX_CONTENT_LENGTH: int = 1024 * 1024
    LOG_LEVEL: str = "INFO"
    LOG_JSON: bool = True
    DATABASE_POOL_SIZE: int = 5
    DATABASE_STATEMENT_TIMEOUT_MS: int = 15000
    REDIS_SOCKET_TIMEOUT_S: float = 2.0

    # WeChat (wechatpy): the API base URL, or "embedded" for the project's local stand-in.
    WECHAT_API_BASE_URL: str = EMBEDDED
    WECHAT_MINIAPP_APPID: str = "wx0000000000miniapp"
    WECHAT_MINIAPP_SECRET: str = "dev-miniapp-secret"  # noqa: S105 - development default, refused in production
    WECHAT_OFFICIAL_APPID: str = "wx0000000000official"
    WECHAT_OFFICIAL_SECRET: str = "dev-official-secret"  # noqa: S105 - development default, refused in production
    # JSON object: the templates' symbolic WeChat template ids -> the ids WeChat assigned.
    WECHAT_TEMPLATE_IDS: str = ""
    # Subscribe-message templates WeChat granted as long-term (政务民生), by the ids WeChat assigned.
    WECHAT_LONG_TERM_TEMPLATES: str = ""
    # WeChat's message push (消息推送) to /api/v1/wechat/push: the Token and EncodingAESKey set in the
    # mini-program's console; with the key, pushes arrive in safe mode (encrypted) and must.
    WECHAT_PUSH_TOKEN: str = "dev-wechat-push-token"  # noqa: S105 - development default, refused in production
    WECHAT_PUSH_AES_KEY: str = "ZGV2LXdlY2hhdC1wdXNoLWFlcy1rZXktMzItYnl0ZXM"
    # Where the embedded WeChat stand-in delivers its pushes (the demo's own address).
    WECHAT_PUSH_CALLBACK_URL: str = "http://127.0.0.1:5000/api/v1/wechat/push"
    # SMS providers in order of preference, each "name" from aliyun / tencent.
    SMS_PROVIDERS: str = "aliyun,tencent"
    SMS_ALIYUN_ENDPOINT: str = EMBEDDED
    SMS_ALIYUN_ACCESS_KEY_ID: str = "dev-aliyun-key"
    SMS_ALIYUN_ACCESS_KEY_SECRET: str = "dev-aliyun-secret"  # noqa: S105 - development default, refused in production
    SMS_TENCENT_ENDPOINT: str = EMBEDDED
    SMS_TENCENT_SECRET_ID: str = "dev-tencent-id"  # noqa: S105 - development default, refused in production
    SMS_TENCENT_SECRET_KEY: str = "dev-tencent-key"  # noqa: S105 - development default, refused in production
    SMS_TENCENT_APP_ID: str = "1400000000"
    SMS_SIGN_NAME: str = "失业保险服务"
    # How long to wait for a provider's answer; after that the outcome is unknown and the
    # message is looked up before any resend.
    SMS_TIMEOUT_S: float = 5.0
    # Shared secret the providers' delivery-receipt callbacks carry (?token=…).
    SMS_RECEIPT_TOKEN: str = "dev-receipt-token"  # noqa: S105 - development default, refused in production
    # Where the embedded SMS stand-in posts its delivery receipts.
    SMS_RECEIPT_CALLBACK_URL: str = "http://127.0.0.1:5000/api/v1/notifications/receipts"
    # Non-urgent SMS are held between these China-time hours (HH:MM-HH:MM), not dropped.
    SMS_QUIET_HOURS: str = "21:00-08:00"
    NOTIFY_MAX_ATTEMPTS: int = 5
    NOTIFY_RETRY_BASE_S: float = 30.0
    NOTIFY_RETRY_CAP_S: float = 1800.0
    # A message "sending" this long without an answer is looked up at the provider and resent
    # only if the provider never got it; keep it above the providers' receipt delay.
    NOTIFY_SENDING_TIMEOUT_S: float = 300.0
    # An SMS "sent" this long without a receipt is looked up at its provider.
    NOTIFY_RECEIPT_TIMEOUT_S: float = 600.0
    # A message "created" and not picked up this long is enqueued again by the sweep.
    NOTIFY_CREATED_STALE_S: float = 60.0
    NOTIFY_DEDUP_WINDOW_S: int = 86400

    # Sessions. Access tokens are short-lived; a refresh token rotates on every use.
    AUTH_ACCESS_TTL_S: int = 900
    AUTH_REFRESH_TTL_S: int = 30 * 86400
    # Staff sessions end after a working day whatever the refreshes.
    AUTH_STAFF_SESSION_TTL_S: int = 12 * 3600
    # How long a passed face check lets the session do face-verified things.
    AUTH_FACE_VERIFIED_TTL_S: int = 600
    # Lock a login name / phone / WeChat account after this many failures within the window.
    AUTH_LOCKOUT_FAILURES: int = 5
    AUTH_LOCKOUT_WINDOW_S: int = 900
    AUTH_LOCKOUT_S: int = 900
    # Face verification: a challenge is answered within this many seconds, with a clip of at
    # most LIVENESS_MAX_SECONDS or at most LIVENESS_MAX_FRAMES stills, LIVENESS_MAX_UPLOAD_BYTES
    # in all; five failures in 15 minutes lock face verification for 30.
    LIVENESS_CHALLENGE_TTL_S: int = 120
    # Who checks faces: "local" (liveness and the agency's reference photo, face_recognition) or
    # "wechat" (WeChat's 人脸核身 against the public-security photo; needs WeChat's approval).
    FACE_PROVIDER: str = "local"
    LIVENESS_MAX_SECONDS: float = 5.0
    LIVENESS_MAX_FRAMES: int = 30
    # How long a recording's frame hashes are kept to refuse it replayed (re-encoded, trimmed).
    LIVENESS_REPLAY_DAYS: int = 30
    LIVENESS_MAX_UPLOAD_BYTES: int = 8 * 1024 * 1024
    # Face checks computed at once on this host (0: one per CPU); the rest wait in the queue all
    # hosts share through Redis (faces/capacity.py).
    LIVENESS_CONCURRENCY: int = 0
    # This host's name in that shared queue, distinct per host (empty: this machine's hostname).
    # The slots are a machine's CPUs, so two gunicorns on one machine share one host's slots by
    # default; give each its own id only when each has CPUs of its own (pinned, with its own
    # LIVENESS_CONCURRENCY). Containers and VMs usually each have a hostname of their own already.
    LIVENESS_HOST_ID: str = ""
    FACE_LOCKOUT_FAILURES: int = 5
    FACE_LOCKOUT_WINDOW_S: int = 900
    FACE_LOCKOUT_S: int = 1800
    # A saved claim draft is kept this long, then refused as expired.
    CLAIM_DRAFT_TTL_DAYS: int = 30
    # Claimants' and employers' answers kept in Redis under their read versions (reads/) at most
    # this long; 0 turns the cache off (every read computed, as right after a change).
    READ_CACHE_TTL_S: int = 300
    # Images sent with an objection: stored encrypted in this directory (outside the database
    # and anything the web server serves), at most this many per objection and bytes each; an
    # upload never attached to an objection is deleted after OBJECTION_UNATTACHED_TTL_H hours.
    OBJECTION_FILES_DIR: str = field(default_factory=_default_objection_files_dir)
    OBJECTION_MAX_IMAGES: int = 5
    OBJECTION_IMAGE_MAX_BYTES: int = 5 * 1024 * 1024
    OBJECTION_UNATTACHED_TTL_H: int = 24
    OBJECTION_MAX_UNATTACHED: int = 20
    # Where the public reaches this API (links in SMS: the claim notice and its acknowledgement).
    PUBLIC_BASE_URL: str = "http://127.0.0.1:5000"
    # An acknowledgement link in a reminder works this long (a newer reminder's link replaces it).
    NOTICE_LINK_TTL_DAYS: int = 14
    # A filing form upload: at most this many bytes and data rows.
    FILING_MAX_UPLOAD_BYTES: int = 10 * 1024 * 1024
    FILING_MAX_ROWS: int = 10000
    # Stop records the feed brings in open the employer's duties only for separations this
    # recent (a historical backfill reminds nobody).
    EMPLOYER_DUTY_WINDOW_DAYS: int = 60
    # The first month this service pays benefit for (YYYY-MM): no payment run is for an earlier one.
    SERVICE_FIRST_MONTH: str = "2020-01"

    # The official calendar: supervisors and admins are told (weekly) once the last day it
    # knows is this close, so next year's arrangement is entered before deadlines reach it.
    CALENDAR_HORIZON_ALERT_DAYS: int = 60
    # This many failed face checks of one person within the window open a check item for staff.
    SAFETY_FACE_FAILURES: int = 5
    SAFETY_FACE_FAILURE_DAYS: int = 30
    # A suspect list (the ministry's comparison results): at most this many bytes and rows.
    SUSPECT_LIST_MAX_BYTES: int = 5 * 1024 * 1024
    SUSPECT_LIST_MAX_ROWS: int = 50_000
    # The bank's confirmation file of a payment run (a provincial run: ~30 bytes a row).
    PAYMENT_CONFIRMATION_MAX_BYTES: int = 64 * 1024 * 1024
    # One-time SMS codes for employer contacts.
    OTP_TTL_S: int = 300
    OTP_MAX_TRIES: int = 5
    # Per-client request limits (flask-limiter syntax, ";" between limits), kept in Redis.
    RATE_LIMIT_LOGIN: str = "20/minute;200/hour"
    RATE_LIMIT_BIND: str = "10/minute;50/hour"
    # Wrong names for one identity, from any account or address, before binding it needs the
    # face route (the identity's real holder is never locked out, only sent to prove it).
    BIND_IDENTITY_FAILURES: int = 5
    BIND_IDENTITY_WINDOW_S: int = 86400
    BIND_IDENTITY_LOCK_S: int = 86400
    RATE_LIMIT_OTP: str = "5/minute;30/hour"
    # The public receipt check (no login): enough for anyone checking receipts by hand.
    RATE_LIMIT_VERIFY: str = "30/minute;300/hour"
    # The staff console signs out after this long without a request.
    CONSOLE_IDLE_TIMEOUT_S: int = 900
    RATE_LIMIT_LIVENESS: str = "10/minute;60/hour"
    # Answers to challenges: a claimant waiting in the face-check queue asks again every 1–5 s.
    RATE_LIMIT_LIVENESS_ANSWER: str = "60/minute;300/hour"
    # Reverse proxies in front of the API (0: none); their X-Forwarded-For gives the client address.
    PROXY_FIX_X_FOR: int = 0
    # Browser origins allowed to call the API (comma-separated, e.g. a staff console's
    # https://console.example.gov.cn); empty: none. The mini-program's wx.request needs no CORS.
    CORS_ORIGINS: str = ""
    # The port of the embedded WeChat stand-in (0: any free port). The demo fixes it so a
    # newcomer can ask it for a wx.login code with curl.
    STANDIN_WECHAT_PORT: int = 0
    # Likewise the embedded SMS stand-in, whose /__control__/inbox shows the texts "sent".
    STANDIN_SMS_PORT: int = 0

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        overrides = dict(overrides or {})
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - set(known))
        if unknown:
            raise ConfigError(f"unknown settings: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, spec in known.items():
            if name in overrides:
                values[name] = overrides[name]
            elif name in environ:
                values[name] = _coerce(name, spec.type, environ[name])
        settings = cls(**values)
        settings.check()
        return settings

    @property
    def is_production(self) -> bool:
        return self.MINIAPP_ENV == "production"

    @property
    def uses_memory_redis(self) -> bool:
        return self.REDIS_URL == MEMORY_REDIS_URL

    @property
    def broker_url(self) -> str:
        return self.CELERY_BROKER_URL or self.REDIS_URL

    @property
    def cors_origins(self) -> frozenset[str]:
        return frozenset(origin.strip().rstrip("/") for origin in self.CORS_ORIGINS.split(",") if origin.strip())

    @property
    def sms_providers(self) -> list[str]:
        return [name.strip() for name in self.SMS_PROVIDERS.split(",") if name.strip()]

    @property
    def wechat_long_term_templates(self) -> frozenset[str]:
        return frozenset(name.strip() for name in self.WECHAT_LONG_TERM_TEMPLATES.split(",") if name.strip())

    @property
    def quiet_hours(self) -> tuple[dt.time, dt.time] | None:
        if not self.SMS_QUIET_HOURS:
            return None
        try:
            start, end = (dt.time.fromisoformat(part.strip()) for part in self.SMS_QUIET_HOURS.split("-"))
        except ValueError:
            raise ConfigError("SMS_QUIET_HOURS must look like 21:00-08:00, or be empty") from None
        return start, end

    @property
    def liveness_host_id(self) -> str:
        return self.LIVENESS_HOST_ID or socket.gethostname()

    @property
    def celery_eager(self) -> bool:
        return self.CELERY_ALWAYS_EAGER or self.broker_url == MEMORY_REDIS_URL

    def check(self) -> None:
        if self.MINIAPP_ENV not in ENVIRONMENTS:
            raise ConfigError(f"MINIAPP_ENV must be one of {', '.join(ENVIRONMENTS)}")
        if self.FACE_PROVIDER not in ("local", "wechat"):
            raise ConfigError("FACE_PROVIDER must be local or wechat")
        if self.LIVENESS_CONCURRENCY < 0:
            raise ConfigError("LIVENESS_CONCURRENCY must be 0 (one per CPU) or more")
        if self.READ_CACHE_TTL_S < 0:
            raise ConfigError("READ_CACHE_TTL_S must be 0 (no read cache) or more seconds")
        if any(char.isspace() for char in self.LIVENESS_HOST_ID):
            raise ConfigError("LIVENESS_HOST_ID must have no spaces (empty: this machine's hostname)")
        if self.MAX_CONTENT_LENGTH <= 0:
            raise ConfigError("MAX_CONTENT_LENGTH must be positive")
        unknown = set(self.sms_providers) - {"aliyun", "tencent"}
        if unknown or not self.sms_providers:
            raise ConfigError("SMS_PROVIDERS must list aliyun and/or tencent")
        _ = self.quiet_hours  # parses, or raises ConfigError
        if self.WECHAT_PUSH_AES_KEY and len(_decode_key("WECHAT_PUSH_AES_KEY", self.WECHAT_PUSH_AES_KEY + "=")) != 32:
            raise ConfigError("WECHAT_PUSH_AES_KEY must be WeChat's 43-character EncodingAESKey (32 bytes)")
        if len(_decode_key("PII_ENCRYPTION_KEY", self.PII_ENCRYPTION_KEY)) != 32:
            raise ConfigError("PII_ENCRYPTION_KEY must decode to exactly 32 bytes (AES-256)")
        if len(_decode_key("PII_HASH_KEY", self.PII_HASH_KEY)) < 32:
            raise ConfigError("PII_HASH_KEY must decode to at least 32 bytes")
        if self.is_production:
            self._check_production()

    def _check_production(self) -> None:
        problems = []
        if self.DATABASE_URL.startswith("sqlite"):
            problems.append("DATABASE_URL is SQLite; production needs PostgreSQL")
        if self.uses_memory_redis or self.celery_eager:
            problems.append("REDIS_URL/CELERY_BROKER_URL use the in-process stand-in or eager tasks")
        for name in ("WECHAT_API_BASE_URL", "SMS_ALIYUN_ENDPOINT", "SMS_TENCENT_ENDPOINT"):
            if getattr(self, name) == EMBEDDED:
                problems.append(f"{name} points at the embedded stand-in")
        for name in (
            "WECHAT_MINIAPP_SECRET", "WECHAT_OFFICIAL_SECRET", "SMS_ALIYUN_ACCESS_KEY_SECRET",
            "SMS_TENCENT_SECRET_KEY", "SMS_RECEIPT_TOKEN", "WECHAT_PUSH_TOKEN", "WECHAT_PUSH_AES_KEY",
        ):  # fmt: skip
            if getattr(self, name) == getattr(Settings, name):
                problems.append(f"{name} is the development default")
        for name, default in (
            ("SECRET_KEY", DEV_SECRET_KEY),
            ("PII_ENCRYPTION_KEY", DEV_PII_ENCRYPTION_KEY),
            ("PII_HASH_KEY", DEV_PII_HASH_KEY),
        ):
            if getattr(self, name) == default:
                problems.append(f"{name} is the development default")
        if len(self.SECRET_KEY) < 32:
            problems.append("SECRET_KEY is shorter than 32 characters")
        if self.PUBLIC_BASE_URL == Settings.PUBLIC_BASE_URL:
            # Links in SMS (notices to acknowledge) would point at a developer's machine.
            problems.append("PUBLIC_BASE_URL is the development default; set the address people reach")
        if problems:
            raise ConfigError("refusing to start in production: " + "; ".join(problems))


def _decode_key(name: str, value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ConfigError(f"{name} is not valid base64") from None


def _coerce(name: str, kind: Any, raw: str) -> Any:
    kind_name = kind if isinstance(kind, str) else kind.__name__
    try:
        if kind_name == "bool":
            lowered = raw.strip().lower()
            if lowered not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ValueError(raw)
            return lowered in {"1", "true", "yes", "on"}
        if kind_name == "int":
            return int(raw)
        if kind_name == "float":
            return float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a valid {kind_name}") from None
    return raw
