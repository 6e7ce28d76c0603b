"""`miniapp serve` (the README's run command ends with it) really answers HTTP."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from typing import Any

import pytest

from tests.conftest import is_postgres


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serving(env: dict[str, str], *args: str) -> tuple[subprocess.Popen[bytes], int, dict[str, Any]]:
    """`miniapp serve` started and answering /healthz (its process, port and health)."""
    port = _free_port()
    command = [sys.executable, "-c", "from miniapp_api.cli import main; main()", "serve", "--port", str(port), *args]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90  # a fresh virtualenv compiles every import first
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                return server, port, json.load(response)
        except OSError:
            time.sleep(0.2)
    server.terminate()
    output = server.communicate(timeout=10)[0].decode(errors="replace")
    raise AssertionError(f"the server never answered:\n{output[-3000:]}")


def test_serve_answers_healthz_and_docs_over_http(base_settings: dict[str, Any]) -> None:
    env = {
        **os.environ,
        "MINIAPP_ENV": "development",
        "DATABASE_URL": base_settings["DATABASE_URL"],
        "REDIS_URL": "memory://",
    }
    server, port, health = _serving(env)
    try:
        assert health["status"] == "ok"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/docs", timeout=5) as response:
            assert response.status == 200
    finally:
        server.terminate()
        server.communicate(timeout=10)


def test_in_production_serve_runs_gunicorn_with_its_workers_and_hsts(base_settings: dict[str, Any]) -> None:
    if not is_postgres(base_settings["DATABASE_URL"]) or base_settings["REDIS_URL"] == "memory://":
        pytest.skip("production needs PostgreSQL and Redis (set DATABASE_URL and REDIS_URL)")
    secret = "s" * 40
    key = base64.b64encode(os.urandom(32)).decode()
    production = {
        "MINIAPP_ENV": "production",
        "DATABASE_URL": base_settings["DATABASE_URL"],
        "REDIS_URL": base_settings["REDIS_URL"],
        "SECRET_KEY": secret,
        "PII_ENCRYPTION_KEY": key,
        "PII_HASH_KEY": key,
        "WECHAT_API_BASE_URL": "http://127.0.0.1:9",
        "SMS_ALIYUN_ENDPOINT": "127.0.0.1:9",
        "SMS_TENCENT_ENDPOINT": "127.0.0.1:9",
        "PUBLIC_BASE_URL": "https://ui.example.gov.cn",
        "WECHAT_PUSH_AES_KEY": key.rstrip("="),  # WeChat's 43-character EncodingAESKey
        **dict.fromkeys(
            ("WECHAT_MINIAPP_SECRET", "WECHAT_OFFICIAL_SECRET", "SMS_ALIYUN_ACCESS_KEY_SECRET",
             "SMS_TENCENT_SECRET_KEY", "SMS_RECEIPT_TOKEN", "WECHAT_PUSH_TOKEN"),
            secret,
        ),
    }  # fmt: skip
    server, port, health = _serving({**os.environ, **production}, "--workers", "2")
    try:
        assert health["status"] == "ok"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True, check=False)
        assert len(workers.stdout.split()) == 2  # gunicorn's master is the process serve became
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_the_demo_says_when_quiet_hours_hold_the_sms(base_settings: dict[str, Any]) -> None:
    """At 21:30 a newcomer once saw no SMS arrive and nothing say why."""
    env = {
        **os.environ,
        "MINIAPP_ENV": "development",
        "DATABASE_URL": base_settings["DATABASE_URL"],
        "REDIS_URL": "memory://",
        "SMS_QUIET_HOURS": "00:00-23:59",  # quiet whenever the test runs
    }
    server, _port, _health = _serving(env)
    server.terminate()
    output = server.communicate(timeout=10)[0].decode(errors="replace")
    assert "现在是短信免打扰时段（00:00-23:59，北京时间）" in output
    assert "SMS_QUIET_HOURS= 关闭" in output
