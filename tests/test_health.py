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


def test_with_redis_down_every_limited_endpoint_refuses_with_503_and_plain_reads_still_answer(
    make_app: Callable[..., Flask],
) -> None:
    client = make_app(REDIS_URL="redis://127.0.0.1:9/0", REDIS_SOCKET_TIMEOUT_S=0.5).test_client()
    limited = [
        ("/api/v1/auth/wechat/login", {"code": "any"}),
        ("/api/v1/auth/employer/code", {"credit_code": "91350100M000100Y43", "phone": "13700000000"}),
        ("/api/v1/auth/employer/login", {"credit_code": "91350100M000100Y43", "phone": "13700000000", "code": "1"}),
        ("/api/v1/auth/staff/login", {"username": "someone", "password": "x", "code": "000000"}),
        ("/api/v1/auth/identity", {"id_number": "11010519491231002X", "name": "某"}),
        ("/api/v1/liveness/challenges", {"consent": True}),
    ]
    for path, body in limited:
        refused = client.post(path, json=body)
        assert (refused.status_code, refused.get_json()["code"]) == (503, "SERVICE_UNAVAILABLE"), path
        assert refused.get_json()["details"] == {"dependency": "redis"} and refused.headers["Retry-After"] == "5"
    assert client.get("/api/v1/regions").status_code == 200
    assert client.get("/api/v1/benefits/separation-reasons").status_code == 200
