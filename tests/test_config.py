"""Configuration: typed, from the environment, and refusing unsafe production setups."""

from __future__ import annotations

import base64
import os

import pytest

from miniapp_api.config import ConfigError, Settings

SAFE_PRODUCTION = {
    "MINIAPP_ENV": "production",
    "DATABASE_URL": "postgresql+psycopg://svc@db.internal/miniapp",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "SECRET_KEY": "x" * 48,
    "PII_ENCRYPTION_KEY": base64.b64encode(os.urandom(32)).decode(),
    "PII_HASH_KEY": base64.b64encode(os.urandom(32)).decode(),
    "WECHAT_API_BASE_URL": "https://api.weixin.qq.com",
    "SMS_ALIYUN_ENDPOINT": "dysmsapi.aliyuncs.com",
    "SMS_TENCENT_ENDPOINT": "sms.tencentcloudapi.com",
    "WECHAT_MINIAPP_SECRET": "m" * 32,
    "WECHAT_OFFICIAL_SECRET": "o" * 32,
    "SMS_ALIYUN_ACCESS_KEY_SECRET": "a" * 30,
    "SMS_TENCENT_SECRET_KEY": "t" * 32,
    "SMS_RECEIPT_TOKEN": "r" * 32,
    "WECHAT_PUSH_TOKEN": "p" * 32,
    "WECHAT_PUSH_AES_KEY": base64.b64encode(os.urandom(32)).decode().rstrip("="),
    "PUBLIC_BASE_URL": "https://ui.example.gov.cn",
}


def test_a_safe_production_configuration_loads() -> None:
    settings = Settings.load(environ=SAFE_PRODUCTION)
    assert settings.is_production and not settings.celery_eager


@pytest.mark.parametrize(
    ("setting", "value", "complaint"),
    [
        ("DATABASE_URL", "sqlite:///x.db", "SQLite"),
        ("REDIS_URL", "memory://", "stand-in"),
        ("SECRET_KEY", None, "SECRET_KEY"),
        ("PII_ENCRYPTION_KEY", None, "PII_ENCRYPTION_KEY"),
        ("PII_HASH_KEY", None, "PII_HASH_KEY"),
        ("CELERY_ALWAYS_EAGER", "true", "eager"),
        ("SMS_ALIYUN_ENDPOINT", "embedded", "stand-in"),
        ("WECHAT_API_BASE_URL", None, "stand-in"),
        ("SMS_RECEIPT_TOKEN", None, "SMS_RECEIPT_TOKEN"),
        ("WECHAT_PUSH_TOKEN", None, "WECHAT_PUSH_TOKEN"),
        ("WECHAT_PUSH_AES_KEY", None, "WECHAT_PUSH_AES_KEY"),
        ("PUBLIC_BASE_URL", None, "PUBLIC_BASE_URL"),
    ],
)
def test_production_refuses_to_start_with_an_embedded_default(setting: str, value: str | None, complaint: str) -> None:
    environ = dict(SAFE_PRODUCTION)
    if value is None:
        environ.pop(setting)
    else:
        environ[setting] = value
    with pytest.raises(ConfigError, match=complaint):
        Settings.load(environ=environ)


def test_development_runs_on_embedded_defaults() -> None:
    settings = Settings.load(environ={})
    assert settings.DATABASE_URL.startswith("sqlite") and settings.uses_memory_redis and settings.celery_eager


def test_environment_values_are_typed_and_a_bad_one_is_named() -> None:
    assert Settings.load(environ={"MAX_CONTENT_LENGTH": "2048", "LOG_JSON": "no"}).MAX_CONTENT_LENGTH == 2048
    with pytest.raises(ConfigError, match="MAX_CONTENT_LENGTH"):
        Settings.load(environ={"MAX_CONTENT_LENGTH": "lots"})


def test_an_unknown_override_is_an_error_not_silently_ignored() -> None:
    with pytest.raises(ConfigError, match="DATABSE_URL"):
        Settings.load(environ={}, overrides={"DATABSE_URL": "x"})


def test_an_unknown_environment_name_is_refused() -> None:
    with pytest.raises(ConfigError, match="MINIAPP_ENV"):
        Settings.load(environ={"MINIAPP_ENV": "staging"})


@pytest.mark.parametrize(
    ("value", "complaint"),
    [("not base64!", "not valid base64"), (base64.b64encode(b"short").decode(), "exactly 32 bytes")],
)
def test_a_malformed_encryption_key_is_refused_with_its_name(value: str, complaint: str) -> None:
    with pytest.raises(ConfigError, match=complaint):
        Settings.load(environ={"PII_ENCRYPTION_KEY": value})
