"""Soak: the claimant and employer journeys at moderate load for 30 minutes, watching memory.

    GUNICORN_MAX_REQUESTS=0 PROXY_FIX_X_FOR=1 ./scripts/stack.sh start   # no worker recycling
    set -a; . instance/stack/stack.env; set +a
    .venv/bin/python -m benchmarks.load.prepare          # the people (once)
    .venv/bin/python -m benchmarks.soak [--minutes 30] [--users 30]

Every 30 s the resident memory (RSS) of the API (gunicorn master and workers) and of the Celery
worker (with its pool) is sampled with psutil into instance/load/soak_memory.csv. Worker
recycling is off for the run (GUNICORN_MAX_REQUESTS=0), so growth is not hidden by restarts.
Reported: each group's RSS after the first 5 minutes (warm) and at the end, the change in per
cent (goal: within 10 %), and locust's per-endpoint figures for the whole run.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "instance" / "stack"
OUT = ROOT / "instance" / "load"
WARM_S = 300
INTERVAL_S = 30


def group_rss_mib(name: str) -> tuple[float, int]:
    """RSS of the process named in instance/stack/<name>.pid and all its descendants."""
    leader = psutil.Process(int((RUN / f"{name}.pid").read_text()))
    total = counted = 0
    for member in [leader, *leader.children(recursive=True)]:
        try:
            total += member.memory_info().rss
            counted += 1
        except psutil.NoSuchProcess:
            continue  # a worker replaced between listing and reading
    return total / 2**20, counted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", default="http://127.0.0.1:8000")
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--users", type=int, default=30)
    args = parser.parse_args()
    seconds = int(args.minutes * 60)
    locust = subprocess.Popen(  # noqa: S603
        [str(ROOT / ".venv" / "bin" / "locust"), "-f", str(ROOT / "benchmarks" / "load" / "locustfile.py"),
         "--headless", "--only-summary", "-u", str(args.users), "-r", "5", "-t", f"{seconds}s",
         "--host", args.api, "--csv", str(OUT / "soak"), "Claimant", "Employer"],
        cwd=ROOT, env={**os.environ, "LOAD_PEOPLE": str(OUT / "people.json")},
    )  # fmt: skip
    samples: list[dict[str, float]] = []
    started = time.monotonic()
    with open(OUT / "soak_memory.csv", "w", newline="", encoding="utf-8") as sink:
        writer = csv.writer(sink)
        writer.writerow(["elapsed_s", "api_rss_mib", "api_processes", "worker_rss_mib", "worker_processes"])
        while locust.poll() is None:
            api, api_n = group_rss_mib("api")
            worker, worker_n = group_rss_mib("worker")
            elapsed = time.monotonic() - started
            samples.append({"t": elapsed, "api": api, "worker": worker})
            writer.writerow([f"{elapsed:.0f}", f"{api:.1f}", api_n, f"{worker:.1f}", worker_n])
            sink.flush()
            time.sleep(INTERVAL_S)
    warm = [s for s in samples if s["t"] >= WARM_S]
    if len(warm) < 2:
        print("the run was too short to compare warm memory", file=sys.stderr)
        return 1
    for group in ("api", "worker"):
        first, last = warm[0][group], warm[-1][group]
        peak = max(s[group] for s in warm)
        print(f"{group:6} RSS at {warm[0]['t']:.0f} s: {first:.1f} MiB; at {warm[-1]['t']:.0f} s: {last:.1f} MiB "
              f"({(last - first) / first * 100:+.1f} %); peak {peak:.1f} MiB")  # fmt: skip
    return 0 if locust.returncode == 0 else locust.returncode


if __name__ == "__main__":
    sys.exit(main())
