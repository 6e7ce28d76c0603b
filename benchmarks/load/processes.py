"""The processes a load run owns and measures: gunicorn servers started, waited for and stopped,
and the CPU each group of processes (the API, PostgreSQL and the run's own backends, Redis, the
rest of the machine) spent between two samples."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "instance" / "load"
# A backend's process title: "postgres: 15/main: USER DATABASE HOST(PORT) STATE" (no cluster name: one part less).
BACKEND_TITLE = re.compile(r"^postgres: (?:\S+: )?\S+ (\S+) \S+\(\d+\) ")


class Refused(Exception):
    """The run cannot start (stack down, preparation missing): the message says what to do."""


# The servers this script owns.


@dataclass
class Server:
    name: str
    port: int
    process: psutil.Popen

    def processes(self) -> list[psutil.Process]:
        """The gunicorn master and its workers as they are now."""
        try:
            return [self.process, *self.process.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def start_server(name: str, port: int, target: str, env: dict[str, str]) -> Server:
    if not _port_free(port):
        raise Refused(f"port {port} is in use (a server left from an earlier run?); stop it first")
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")]
    command += ["--bind", f"127.0.0.1:{port}", target]
    with open(OUT / f"read_paths.{port}.log", "w", encoding="utf-8") as log:  # the server keeps its own copy
        process = psutil.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return Server(name, port, process)


def wait_idle(server: Server, quiet: float = 0.05, timeout: float = 60) -> None:
    """Until the server spends less than `quiet` of a core (its requests in flight are done)."""
    deadline = time.monotonic() + timeout
    last = cpu_seconds(server.processes())
    while time.monotonic() < deadline:
        time.sleep(1)
        now = cpu_seconds(server.processes())
        if now - last < quiet:
            return
        last = now


def wait_ready(server: Server, path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise Refused(
                f"the {server.name} server on :{server.port} exited; see instance/load/read_paths.{server.port}.log"
            )
        try:
            if requests.get(f"http://127.0.0.1:{server.port}{path}", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise Refused(f"the {server.name} server on :{server.port} was not ready within 60 s")


def stop_server(server: Server) -> None:
    """TERM to the master (gunicorn stops its workers), KILL to its group after 35 s."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(35)
        except psutil.TimeoutExpired:
            os.killpg(server.process.pid, 9)
            server.process.wait(5)


# CPU accounting.


def cpu_seconds(processes: Iterable[psutil.Process]) -> float:
    """User + system CPU of these processes and of their children that have exited (a recycled
    gunicorn worker, a closed PostgreSQL backend: the parent's reaped-children times)."""
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def _named(name: str) -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["name"]) if p.info["name"] == name]


def _machine_busy() -> float:
    times = psutil.cpu_times()  # all cores; guest time is already inside user
    return float(times.user + times.nice + times.system + times.irq + times.softirq + times.steal)


def _backends_of(database: str, postgres: list[psutil.Process]) -> dict[int, float]:
    """CPU so far of each backend connected to `database`, by process id."""
    found = {}
    for process in postgres:
        try:
            title = " ".join(process.cmdline())
            times = process.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        match = BACKEND_TITLE.match(title)
        if match and match.group(1) == database:
            found[process.pid] = times.user + times.system
    return found


@dataclass
class CpuSample:
    groups: dict[str, float]  # api, postgres, redis, machine: seconds so far
    backends: dict[int, float]  # the stack database's backends


def cpu_sample(server: Server, database: str) -> CpuSample:
    postgres = _named("postgres")
    groups = {
        "api": cpu_seconds(server.processes()),
        "postgres": cpu_seconds(postgres),
        "redis": cpu_seconds(_named("redis-server")),
        "machine": _machine_busy(),
    }
    return CpuSample(groups, _backends_of(database, postgres))


def cpu_spent(before: CpuSample, after: CpuSample, wrk: float) -> dict[str, float]:
    """CPU seconds per group between two samples (the groups: see the module's docstring)."""
    spent = {group: after.groups[group] - before.groups[group] for group in ("api", "postgres", "redis")}
    spent["wrk"] = wrk
    spent["rest"] = after.groups["machine"] - before.groups["machine"] - sum(spent.values())
    spent["pg_db"] = sum(cpu - before.backends.get(pid, 0.0) for pid, cpu in after.backends.items())
    return spent
