"""Load test of the running stack with locust, against a bare Flask ceiling in the same run.

    PROXY_FIX_X_FOR=1 ./scripts/stack.sh start          # each simulated phone has its own address
    set -a; . instance/stack/stack.env; set +a
    .venv/bin/python -m benchmarks.load.prepare
    .venv/bin/python -m benchmarks.load_test [--users 20] [--seconds 60]

Phases, one after another, each headless and bounded in users and time, on loopback only:
  bare      gunicorn (gunicorn.conf.py, same workers) serving a bare Flask JSON endpoint: the ceiling
  prefill   GET /api/v1/claims/prefill as fast as it answers (logged-in, bound claimants)
  status    GET /api/v1/claims likewise
  journeys  claimants (estimate, WeChat login, bind, prefill, status, objections) and employers
            (SMS login, duties, acknowledge) with think time: latency and errors per endpoint
Figures per endpoint (requests/s, p50/p95/p99 ms, errors) go to stdout and instance/load/results.json,
with the CPU locust itself used in each phase (it runs on the same two cores as the service).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

try:
    import psutil
except ModuleNotFoundError:  # the load extras are not installed by default
    raise SystemExit("psutil is missing: run EXTRAS=dev,load ./scripts/bootstrap.sh first") from None
import requests

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "instance" / "load"
LOCUSTFILE = ROOT / "benchmarks" / "load" / "locustfile.py"
BARE_PORT = 8001


def _locust(phase: str, host: str, users: int, seconds: int, *classes: str) -> list[dict[str, Any]]:
    prefix = OUT / phase
    command = [
        str(ROOT / ".venv" / "bin" / "locust"), "-f", str(LOCUSTFILE), "--headless", "--only-summary",
        "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", host, "--csv", str(prefix),
        "--stop-timeout", "10", *classes,
    ]  # fmt: skip
    locust = psutil.Popen(command, cwd=ROOT, env={**os.environ, "LOAD_PEOPLE": str(OUT / "people.json")})
    started, cpu = time.monotonic(), 0.0
    while locust.poll() is None:
        try:  # locust shares the machine's cores with the service: how much it took tells
            cpu = sum(locust.cpu_times()[:2])
        except psutil.NoSuchProcess:
            break
        time.sleep(1)
    cores = cpu / (time.monotonic() - started)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
        return [
            {
                "phase": phase,
                "name": row["Name"],
                "method": row["Type"],
                "requests": int(row["Request Count"]),
                "errors": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50": float(row["50%"]),
                "p95": float(row["95%"]),
                "p99": float(row["99%"]),
                "locust_cores": round(cores, 2),
            }
            for row in csv.DictReader(stats)
            if row["Name"] != "Aggregated" and row["Name"] != "(stand-in)"
        ]


def _bare_ceiling() -> subprocess.Popen[bytes]:
    server = subprocess.Popen(  # noqa: S603
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{BARE_PORT}", "benchmarks.load.bare_app:app"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(50):
        try:
            requests.get(f"http://127.0.0.1:{BARE_PORT}/ping", timeout=1)
            return server
        except requests.ConnectionError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the bare ceiling did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", default="http://127.0.0.1:8000")
    parser.add_argument("--users", type=int, default=20, help="simulated phones in each saturation phase")
    parser.add_argument("--journey-users", type=int, default=60, help="claimants and employers with think time")
    parser.add_argument("--seconds", type=int, default=60, help="length of each phase")
    args = parser.parse_args()
    if not (OUT / "people.json").exists():
        print("run benchmarks.load.prepare first", file=sys.stderr)
        return 2
    requests.get(f"{args.api}/healthz", timeout=5).raise_for_status()
    bare = _bare_ceiling()
    try:
        rows = _locust("bare", f"http://127.0.0.1:{BARE_PORT}", args.users, args.seconds, "BarePing")
    finally:
        bare.terminate()
        bare.wait(30)
    rows += _locust("prefill", args.api, args.users, args.seconds, "PrefillOnly")
    rows += _locust("status", args.api, args.users, args.seconds, "StatusOnly")
    rows += _locust("journeys", args.api, args.journey_users, args.seconds, "Claimant", "Employer")
    ceiling = next(row["rps"] for row in rows if row["phase"] == "bare")
    header = ("phase", "endpoint", "req", "err", "rps", "p50", "p95", "p99", "÷bare", "locust CPU")
    print("\n{:9} {:48} {:>6} {:>4} {:>7} {:>5} {:>5} {:>5} {:>6} {:>10}".format(*header))
    for row in rows:
        ratio = row["rps"] / ceiling if row["phase"] in ("prefill", "status", "bare") else None
        row["ratio_to_bare"] = round(ratio, 3) if ratio is not None else None
        shown = "" if ratio is None else f"{ratio:6.2f}"
        print(
            f"{row['phase']:9} {row['method'] + ' ' + row['name']:48} {row['requests']:6} {row['errors']:4} "
            f"{row['rps']:7.1f} {row['p50']:5.0f} {row['p95']:5.0f} {row['p99']:5.0f} {shown:>6} "
            f"{row['locust_cores']:10.2f}"
        )
    (OUT / "results.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
