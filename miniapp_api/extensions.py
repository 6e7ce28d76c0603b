"""Accessors for the per-app singletons the factory builds (database, Redis store)."""

from __future__ import annotations

from flask import current_app

from miniapp_api.config import Settings
from miniapp_api.db import Database
from miniapp_api.redis_store import RedisStore


def settings() -> Settings:
    value: Settings = current_app.extensions["miniapp_settings"]
    return value


def database() -> Database:
    value: Database = current_app.extensions["miniapp_db"]
    return value


def redis_store() -> RedisStore:
    value: RedisStore = current_app.extensions["miniapp_redis"]
    return value
