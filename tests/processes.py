"""Real processes for end-to-end runs on PostgreSQL and Redis: the SMS stand-in, Celery
workers. Used by the fault test and the throughput benchmark."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

CLI = [sys.executable, "-c", "from miniapp_api.cli import main; main()"]


def settings_env(settings: dict[str, Any]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
    env.update({name: str(value) for name, value in settings.items()})
    env["LOG_LEVEL"] = "WARNING"
    return env


class Processes:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.standin: subprocess.Popen[str] | None = None
        self.workers: list[subprocess.Popen[str]] = []

    def start_sms_standin(self, receipt_url: str, receipt_delay_s: float = 0.05) -> str:
        self.standin = subprocess.Popen(
            [*CLI, "standin", "sms", "--receipt-url", receipt_url, "--receipt-delay", str(receipt_delay_s)],
            env=self.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
        )  # fmt: skip
        assert self.standin.stdout is not None
        return self.standin.stdout.readline().strip()

    def start_worker(self, concurrency: int) -> subprocess.Popen[str]:
        worker = subprocess.Popen(
            [*CLI, "worker", "--concurrency", str(concurrency)],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
        )  # fmt: skip
        self.workers.append(worker)
        return worker

    @staticmethod
    def kill(process: subprocess.Popen[str], sig: int = signal.SIGKILL) -> None:
        """Kill the process and its children (a prefork worker's pool), as a crash would."""
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in [*self.workers, *([self.standin] if self.standin else [])]:
            if process.poll() is None:
                self.kill(process, signal.SIGTERM)
            if process.stdout:
                process.stdout.close()


def wait_until(predicate: Any, timeout_s: float, interval_s: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval_s)
    return bool(predicate())
