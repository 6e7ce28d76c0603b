"""/healthz tells a load balancer whether the database and Redis answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask


def test_health_is_ok_when_database_and_redis_answer(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]


def test_health_is_503_naming_the_database_when_it_is_down(make_app: Callable[..., Flask]) -> None:
    app = make_app(DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:9/none")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["code"] == "DEPENDENCY_DOWN" and "数据库" in body["message"]
    assert body["details"]["checks"]["database"]["ok"] is False
    assert body["details"]["checks"]["redis"]["ok"] is True


def test_health_is_503_naming_redis_when_it_is_down(make_app: Callable[..., Flask]) -> None:
    app = make_app(REDIS_URL="redis://127.0.0.1:9/0", REDIS_SOCKET_TIMEOUT_S=0.5)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert "Redis" in body["message"] and "数据库" not in body["message"]
    assert body["details"]["checks"]["database"]["ok"] is True
