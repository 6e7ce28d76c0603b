"""`miniapp serve` (the README's run command ends with it) really answers HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from typing import Any


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_healthz_and_docs_over_http(base_settings: dict[str, Any]) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "MINIAPP_ENV": "development",
        "DATABASE_URL": base_settings["DATABASE_URL"],
        "REDIS_URL": "memory://",
    }
    command = [sys.executable, "-c", "from miniapp_api.cli import main; main()", "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90  # a fresh virtualenv compiles every import first
        health = None
        while time.monotonic() < deadline and health is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    health = json.load(response)
            except OSError:
                time.sleep(0.2)
        if health is None:
            server.terminate()
            output = server.communicate(timeout=10)[0].decode(errors="replace")
            raise AssertionError(f"the server never answered:\n{output[-3000:]}")
        assert health["status"] == "ok"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/docs", timeout=5) as response:
            assert response.status == 200
    finally:
        server.terminate()
        server.communicate(timeout=10)
