"""Test setup: the suite runs on the embedded defaults (SQLite + in-process Redis) or, when
DATABASE_URL / REDIS_URL are set (as .ci/run does), on real PostgreSQL and Redis.

The schema comes from the migrations, once per run; each test starts from empty tables and an
empty Redis database.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import create_engine, delete, make_url, text
from werkzeug.serving import make_server

from auth.limits import reset_limits
from miniapp_api import create_app
from miniapp_api.config import MEMORY_REDIS_URL
from miniapp_api.db import Base, unit_of_work
from miniapp_api.extensions import database, redis_store, settings
from miniapp_api.migrations_runner import upgrade
from miniapp_api.models import load_all_models
from notifications.providers import configure_push
from notifications.standins.sms_server import SmsStandIn
from notifications.standins.wechat_server import WeChatStandIn

FIXTURES = Path(__file__).parent / "fixtures"
RECEIPT_TOKEN = "test-receipt-token"


def _database_url(tmp_root: Path) -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_root / 'test.sqlite3'}"


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


# The suite empties the database and the Redis database it is given. So that a shell that sourced
# a deployment's environment (instance/stack/stack.env) cannot wipe that deployment by running the
# tests, it refuses a PostgreSQL database whose name does not say "test", and a Redis database that
# holds keys but not the mark an earlier test run left there.
_TEST_REDIS_MARK = "miniapp-test-suite:owns-this-db"


def refuse_unless_a_test_database(url: str) -> None:
    name = make_url(url).database or ""
    if "test" not in name.lower():
        pytest.exit(
            f"DATABASE_URL 指向的数据库 {name!r} 名称中没有 test：测试会清空它，已拒绝运行。"
            "请为测试另建数据库（如 test 或 miniapp_test）",
            returncode=4,
        )


def refuse_unless_a_test_redis(client: redis.Redis[bytes]) -> None:
    if client.dbsize() and not client.exists(_TEST_REDIS_MARK):
        pytest.exit(
            "REDIS_URL 指向的 Redis 数据库里有数据且不是测试用的：测试会清空它，已拒绝运行。"
            "请换一个空的 Redis 数据库（如 redis://127.0.0.1:6379/15）",
            returncode=4,
        )


def reset_postgres(url: str) -> None:
    refuse_unless_a_test_database(url)
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
    url = os.environ.get("REDIS_URL") or MEMORY_REDIS_URL
    if url != MEMORY_REDIS_URL:
        # Start from an empty database: an interrupted earlier run may have left limits and locks.
        client = redis.Redis.from_url(url)
        refuse_unless_a_test_redis(client)
        client.flushdb()
        client.set(_TEST_REDIS_MARK, "1")
        client.close()
    return url


@pytest.fixture(scope="session")
def wechat_standin() -> Iterator[WeChatStandIn]:
    server = WeChatStandIn().start()
    yield server  # type: ignore[misc]
    server.stop()


@pytest.fixture(scope="session")
def sms_standin() -> Iterator[SmsStandIn]:
    server = SmsStandIn(receipt_token=RECEIPT_TOKEN).start()
    yield server  # type: ignore[misc]
    server.stop()


@pytest.fixture(scope="session")
def base_settings(
    database_url: str,
    redis_url: str,
    wechat_standin: WeChatStandIn,
    sms_standin: SmsStandIn,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    return {
        "OBJECTION_FILES_DIR": str(tmp_path_factory.mktemp("objection_files")),
        "MINIAPP_ENV": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_ALWAYS_EAGER": True,
        "WECHAT_API_BASE_URL": wechat_standin.url,
        "SMS_ALIYUN_ENDPOINT": sms_standin.address,
        "SMS_TENCENT_ENDPOINT": sms_standin.address,
        "SMS_RECEIPT_TOKEN": RECEIPT_TOKEN,
        "SMS_QUIET_HOURS": "",
    }


@pytest.fixture(scope="session")
def _shared_app(base_settings: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(base_settings)
    yield app
    with app.app_context():
        database().dispose()


@pytest.fixture(scope="session")
def live_server(_shared_app: Flask, sms_standin: SmsStandIn, wechat_standin: WeChatStandIn) -> Iterator[str]:
    """The shared app served over HTTP on loopback, where the SMS stand-in posts receipts and
    the WeChat stand-in its pushes."""
    server = make_server("127.0.0.1", 0, _shared_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    sms_standin.receipt_url = f"{url}/api/v1/notifications/receipts"
    with _shared_app.app_context():
        configure_push(wechat_standin, settings(), f"{url}/api/v1/wechat/push")
    yield url
    server.shutdown()


@pytest.fixture
def app(_shared_app: Flask, wechat_standin: WeChatStandIn, sms_standin: SmsStandIn) -> Iterator[Flask]:
    with _shared_app.app_context():
        yield _shared_app
        _empty_everything(_shared_app)
        wechat_standin.reset()
        sms_standin.reset()


@pytest.fixture
def make_app(
    base_settings: dict[str, Any], wechat_standin: WeChatStandIn, sms_standin: SmsStandIn
) -> Iterator[Callable[..., Flask]]:
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
    wechat_standin.reset()
    sms_standin.reset()


def _empty_everything(app: Flask) -> None:
    load_all_models()
    with app.app_context(), unit_of_work() as session:
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            # Append-only tables refuse DELETE by trigger; the suite's superuser switches
            # triggers off for its own cleanup (TRUNCATE would wait on every idle reader).
            session.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(Base.metadata.sorted_tables):
            # Read versions only ever grow, as in production: an answer or parameters cached
            # under a version in one test can never be taken for another test's.
            if table.name != "read_versions":
                session.execute(delete(table))
    # A test that pointed Redis at a dead port has nothing to clean.
    with app.app_context(), contextlib.suppress(redis.ConnectionError):
        reset_limits(app)
        redis_store().client.flushdb()
        redis_store().client.set(_TEST_REDIS_MARK, "1")


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()


@pytest.fixture
def session(app: Flask) -> Iterator[Any]:
    with unit_of_work() as session:
        yield session


def needs_postgres(url: str) -> Any:
    return pytest.mark.skipif(not is_postgres(url), reason="needs PostgreSQL (set DATABASE_URL)")
