"""Test setup: the suite runs on the embedded defaults (SQLite + in-process Redis) or, when
DATABASE_URL / REDIS_URL are set (as .ci/run does), on real PostgreSQL and Redis.

The schema comes from the migrations, once per run; each test starts from empty tables and an
empty Redis database.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import create_engine, delete, text

from miniapp_api import create_app
from miniapp_api.config import MEMORY_REDIS_URL
from miniapp_api.db import Base, unit_of_work
from miniapp_api.extensions import database, redis_store
from miniapp_api.migrations_runner import upgrade
from miniapp_api.models import load_all_models

FIXTURES = Path(__file__).parent / "fixtures"


def _database_url(tmp_root: Path) -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_root / 'test.sqlite3'}"


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = _database_url(tmp_path_factory.mktemp("db"))
    if is_postgres(url):
        reset_postgres(url)
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    return os.environ.get("REDIS_URL") or MEMORY_REDIS_URL


@pytest.fixture(scope="session")
def base_settings(database_url: str, redis_url: str) -> dict[str, Any]:
    return {
        "MINIAPP_ENV": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_ALWAYS_EAGER": True,
    }


@pytest.fixture(scope="session")
def _shared_app(base_settings: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(base_settings)
    yield app
    with app.app_context():
        database().dispose()


@pytest.fixture
def app(_shared_app: Flask) -> Iterator[Flask]:
    with _shared_app.app_context():
        yield _shared_app
        _empty_everything(_shared_app)


@pytest.fixture
def make_app(base_settings: dict[str, Any]) -> Iterator[Callable[..., Flask]]:
    """A fresh app with extra settings, for tests that add routes or break a dependency."""
    made: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        built = create_app({**base_settings, **overrides})
        made.append(built)
        return built

    yield build
    for built in made:
        with built.app_context():
            if database().url == base_settings["DATABASE_URL"]:
                _empty_everything(built)
            database().dispose()


def _empty_everything(app: Flask) -> None:
    load_all_models()
    with app.app_context(), unit_of_work() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
    # A test that pointed Redis at a dead port has nothing to clean.
    with app.app_context(), contextlib.suppress(redis.ConnectionError):
        redis_store().client.flushdb()


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()


@pytest.fixture
def session(app: Flask) -> Iterator[Any]:
    with unit_of_work() as session:
        yield session


def needs_postgres(url: str) -> Any:
    return pytest.mark.skipif(not is_postgres(url), reason="needs PostgreSQL (set DATABASE_URL)")
