"""The read paths and claim submission under wrk, each beside a bare Flask ceiling measured in
the same run, with the CPU every process spent per request.

    PROXY_FIX_X_FOR=1 ./scripts/stack.sh start
    set -a; . instance/stack/stack.env; set +a        # optional: read from the file if not set
    .venv/bin/python -m benchmarks.read_paths --setup  # once (and to top up the submission pool)
    .venv/bin/python -m benchmarks.read_paths [--seconds 10] [--connections 16] [--threads 2]

wrk (Debian's, C and LuaJIT) replaces locust, which on this 2-core machine spent more CPU per
request than the bare endpoint itself and so capped every ratio. The script owns the servers it
measures, so their CPU can be counted exactly; the stack (`scripts/stack.sh`) supplies the
database, Redis, the Celery worker and the stand-ins, and its API on :8000 is used for logins.

Servers started here, each under gunicorn.conf.py with the stack's environment:
  :8001  bare Flask JSON endpoint (benchmarks/load/bare_app.py): the ceiling
  :8002  the API as configured (the per-person read cache on)
  :8003  the API with READ_CACHE_TTL_S=0 (the read cache off)

Phases, one after another, each `wrk -t2 -c16 -d10s` after a short warm-up pass (--warmup):
  bare      GET /ping on :8001
  first     a read endpoint on :8003. With the cache off every read is computed, so this is what
            a read costs the first time after a change to the person's records (or of their
            employer's duties): the cache-miss price
  repeated  the same endpoint on :8002, the same users reading again and again: the price of a
            read whose answer has not changed since the last one (cache hits once warm)
  submit    POST /api/v1/claims on :8002, each fresh claimant of the pool once (never reused:
            a second submission would be a replay or a conflict, not a submission)
The read endpoints: GET /api/v1/claims/prefill, /api/v1/claims, /api/v1/claims/{id},
/api/v1/objections/{id} (200 bound claimants with a claim and an objection), and
/api/v1/employer/duties (40 employer contacts). Every request carries the next user's token
(benchmarks/load/per_user.lua); any answer but 2xx counts as an error.

Preparation (`--setup`, benchmarks/load/read_people.py): the claimants and employers log in
through the stand-ins; each claimant submits a claim and files an objection against it; a pool
of fresh claimants (default 3000) is logged in and bound, topped up from the demo population and,
when that runs dry, from synthetic people imported with `miniapp import`
(benchmarks/load/synthetic.py). No face is checked: before the submission phase the pool's
sessions are marked face-verified directly in the database (auth_sessions.face_verified_until
and face_verified_person_id, through auth.sessions.mark_face_verified, as a passed liveness
check does). Tokens are renewed with their refresh tokens before each phase that needs them.
The submission phase offers every unused pool member and takes one per request (about 20 a
second here, ~250 a run); when the pool is used up the run refuses and asks for --setup, which
tops it up. Setup takes about 2 minutes, a run about 3 (plus ~40 s to renew 3000 tokens when
the last run was more than 15 minutes ago).

Output: a Markdown table on stdout and instance/load/read_paths.json ({"meta", "phases"}). Per
phase: requests, errors (any non-2xx, by status, and socket errors), req/s, wrk's p50/p95/p99
latency in ms, ÷ bare (req/s over the bare phase's req/s of the same run), and CPU ms per request
(user + system, sampled right before and right after the measured pass):
  api       the phase's gunicorn: master and workers (recycled ones too, through the master's
            reaped-children times)
  postgres  every PostgreSQL server process, whatever the database
  pg_db     only the backends connected to the stack's database (other suites' queries on other
            databases left out; a backend that exits during the phase is missed)
  redis     the Redis server
  wrk       wrk itself (its rusage)
  rest      the machine's busy CPU less api, postgres, redis and wrk: the Celery worker (a submission's
            messages), the stack's own API, and whatever else runs on the machine. A large `rest`
            means a noisy run.
Exit status: 0; 1 if a phase had errors or the pool ran out; 2 if the stack is not running or the
preparation is missing (run --setup).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import psutil
except ModuleNotFoundError:  # the load extras are not installed by default
    raise SystemExit("psutil is missing: run EXTRAS=dev,load ./scripts/bootstrap.sh first") from None
import requests
from sqlalchemy.engine import make_url

from benchmarks.load import read_people as rp
from benchmarks.load.processes import (
    OUT,
    ROOT,
    Refused,
    Server,
    cpu_sample,
    cpu_spent,
    start_server,
    stop_server,
    wait_idle,
    wait_ready,
)
from miniapp_api import create_app
from miniapp_api.extensions import settings

STACK_ENV = ROOT / "instance" / "stack" / "stack.env"
LUA = ROOT / "benchmarks" / "load" / "per_user.lua"
RESULTS = OUT / "read_paths.json"
BARE_PORT, CACHED_PORT, UNCACHED_PORT = 8001, 8002, 8003
BARE = "GET /ping (bare Flask, same gunicorn)"
READS = (  # endpoint, who reads it, the path for one of them
    ("GET /api/v1/claims/prefill", "claimants", lambda user: "/api/v1/claims/prefill"),
    ("GET /api/v1/claims", "claimants", lambda user: "/api/v1/claims"),
    ("GET /api/v1/claims/{id}", "claimants", lambda user: f"/api/v1/claims/{user['claim_id']}"),
    ("GET /api/v1/objections/{id}", "claimants", lambda user: f"/api/v1/objections/{user['objection_id']}"),
    ("GET /api/v1/employer/duties", "employers", lambda user: "/api/v1/employer/duties"),
)
SUBMIT = "POST /api/v1/claims"
CPU_GROUPS = ("api", "postgres", "pg_db", "redis", "wrk", "rest")  # see cpu_spent


# The stack's environment.


def load_stack_env() -> None:
    """The stack's settings (instance/stack/stack.env), also put into this process's environment
    where the caller has not set them (the in-process app and the servers use them)."""
    if not STACK_ENV.exists():
        raise Refused(
            f"{STACK_ENV.relative_to(ROOT)} is missing: start the stack (PROXY_FIX_X_FOR=1 ./scripts/stack.sh start)"
        )
    for line in STACK_ENV.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            os.environ.setdefault(key.strip(), value.strip())


def check_stack(api: str) -> None:
    try:
        health = requests.get(f"{api}/healthz", timeout=5)
    except requests.ConnectionError:
        raise Refused(f"the stack's API does not answer at {api}: PROXY_FIX_X_FOR=1 ./scripts/stack.sh start") from None
    if health.status_code != 200:
        raise Refused(f"the stack is not healthy ({api}/healthz: {health.status_code} {health.text[:200]})")


# wrk.


@dataclass
class Phase:
    name: str  # bare, first, repeated, submit
    endpoint: str
    server: Server
    lines: list[str]  # per request: path TAB token [TAB idempotency key]
    method: str = "GET"
    once: bool = False  # each line at most once (submissions)
    body: str | None = None


@dataclass
class WrkRun:
    summary: dict[str, Any]
    wrk_cpu: float
    used: set[int] = field(default_factory=set)  # indexes of the lines handed out


def run_wrk(phase: Phase, seconds: int, args: argparse.Namespace) -> WrkRun:
    with tempfile.TemporaryDirectory(prefix="read-paths-") as directory:
        data = Path(directory) / "requests.tsv"  # the directory is this user's only (tokens)
        data.write_text("\n".join(phase.lines) + "\n", encoding="utf-8")
        extra = []
        if phase.body is not None:
            (Path(directory) / "body.json").write_text(phase.body, encoding="utf-8")
            extra = [str(Path(directory) / "body.json")]
        command = [
            "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "--timeout", "30s",
            "-s", str(LUA), f"http://127.0.0.1:{phase.server.port}",
            "--", str(data), phase.method, "once" if phase.once else "cycle", str(args.threads), *extra,
        ]  # fmt: skip
        with tempfile.TemporaryFile("w+", encoding="utf-8") as output:
            wrk = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
            # wait4 rather than wait: it also gives the CPU wrk used, exactly.
            _, status, usage = os.wait4(wrk.pid, 0)
            wrk.returncode = os.waitstatus_to_exitcode(status)
            output.seek(0)
            text = output.read()
    found = [line for line in text.splitlines() if line.startswith("WRK_SUMMARY ")]
    if wrk.returncode != 0 or not found:
        raise RuntimeError(f"wrk failed ({wrk.returncode}):\n{text[-2000:]}")
    summary = json.loads(found[-1].removeprefix("WRK_SUMMARY "))
    used = {index for start, end in summary["used_ranges"] for index in range(start, end)}
    return WrkRun(summary, usage.ru_utime + usage.ru_stime, used)


def measure(phase: Phase, args: argparse.Namespace) -> tuple[dict[str, Any], set[int]]:
    """Warm up, then the measured pass with CPU sampled right before and after it. Returns the
    row and, for a once-only phase, the indexes of the lines either pass used."""
    _progress(f"{phase.name:8} {phase.endpoint}: {len(phase.lines)} users, warm-up {args.warmup} s")
    warm = run_wrk(phase, args.warmup, args) if args.warmup > 0 else WrkRun({}, 0.0)
    lines = phase.lines
    if phase.once:
        lines = [line for index, line in enumerate(phase.lines) if index not in warm.used]
    measured = Phase(phase.name, phase.endpoint, phase.server, lines, phase.method, phase.once, phase.body)
    database = make_url(os.environ["DATABASE_URL"]).database or ""
    before = cpu_sample(phase.server, database)
    run = run_wrk(measured, args.seconds, args)
    after = cpu_sample(phase.server, database)
    row = _row(phase, run.summary, cpu_spent(before, after, run.wrk_cpu))
    if phase.once:
        remaining = [index for index in range(len(phase.lines)) if index not in warm.used]
        used = warm.used | {remaining[index] for index in run.used}
        # Taken: handed to wrk, so sent (or, one a pass, asked for by wrk's start-up check and dropped).
        row["pool"] = {"offered": len(phase.lines), "taken_in_warm_up": len(warm.used), "taken": len(run.used)}
        row["ran_out"] = bool(run.summary["ran_out"] or warm.summary.get("ran_out"))
        return row, used
    return row, set()


def _row(phase: Phase, summary: dict[str, Any], cpu: dict[str, float]) -> dict[str, Any]:
    requests_done = int(summary["requests"])
    seconds = summary["duration_us"] / 1e6
    statuses = {str(status): int(count) for status, count in summary["statuses"].items()}
    non_2xx = {status: count for status, count in statuses.items() if not status.startswith("2")}
    socket_errors = {kind: int(count) for kind, count in summary["socket_errors"].items() if count}
    per_request = {
        group: round(cpu[group] * 1000 / requests_done, 3) if requests_done else None for group in CPU_GROUPS
    }
    return {
        "phase": phase.name,
        "endpoint": phase.endpoint,
        "port": phase.server.port,
        "requests": requests_done,
        "errors": sum(non_2xx.values()) + sum(socket_errors.values()),
        "errors_by_status": non_2xx,
        "socket_errors": socket_errors,
        "seconds": round(seconds, 3),
        "rps": round(requests_done / seconds, 1) if seconds else 0.0,
        "p50_ms": round(summary["p50_us"] / 1000, 2),
        "p95_ms": round(summary["p95_us"] / 1000, 2),
        "p99_ms": round(summary["p99_us"] / 1000, 2),
        "cpu_seconds": {group: round(value, 3) for group, value in cpu.items()},
        "cpu_ms_per_request": per_request,
    }


def _progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# The run.


def _lines(users: list[dict[str, Any]], path_of: Any) -> list[str]:
    return [f"{path_of(user)}\t{user['access_token']}" for user in users]


def run_phases(args: argparse.Namespace, app: Any, servers: dict[int, Server]) -> list[dict[str, Any]]:
    people, pool = rp.load(rp.PEOPLE), rp.load(rp.POOL)
    phase_span = args.warmup + args.seconds + 60
    rows = [measure(Phase("bare", BARE, servers[BARE_PORT], ["/ping\t"]), args)[0]]
    for endpoint, who, path_of in READS:
        rp.ensure_fresh(args.api, people[who], 2 * phase_span, rp.PEOPLE, people)
        lines = _lines(people[who], path_of)
        for name, port in (("first", UNCACHED_PORT), ("repeated", CACHED_PORT)):
            rows.append(measure(Phase(name, endpoint, servers[port], lines), args)[0])
    rows.append(_submission(args, app, servers[CACHED_PORT], pool, phase_span))
    for row in rows:
        row["ratio_to_bare"] = round(row["rps"] / rows[0]["rps"], 3) if rows[0]["rps"] else None
    return rows


def _submission(
    args: argparse.Namespace, app: Any, server: Server, pool: dict[str, Any], phase_span: float
) -> dict[str, Any]:
    fresh = [entry for entry in pool["pool"] if not entry.get("used")]
    claimed = rp.persons_with_claims(app, [entry["person_id"] for entry in fresh]) if fresh else set()
    for entry in fresh:  # claimed since setup (another benchmark?): not fresh any more
        entry["used"] = entry.get("used", False) or entry["person_id"] in claimed
    fresh = [entry for entry in fresh if not entry["used"]]
    if not fresh:
        raise rp.NotPrepared("the submission pool is used up")
    rp.ensure_fresh(args.api, fresh, phase_span, rp.POOL, pool)
    rp.face_verify(app, fresh)
    stamp = f"rp{int(time.time())}"
    lines = [f"/api/v1/claims\t{entry['access_token']}\t{stamp}-{entry['person_id']}" for entry in fresh]
    body = json.dumps(rp.CONFIRMATION)
    phase = Phase("submit", SUBMIT, server, lines, method="POST", once=True, body=body)
    row, used = measure(phase, args)
    for index in used:
        fresh[index]["used"] = True
    rp.save(rp.POOL, pool)
    submitted = [fresh[index]["person_id"] for index in sorted(used)]
    row["pool"]["left"] = len(fresh) - len(used)
    wait_idle(server)  # the submissions still in flight when wrk stopped
    row["claim_statuses"] = rp.claim_outcomes(app, submitted) if submitted else {}
    return row


Row = dict[str, Any]
# Title, the cell of a row; the first two columns left-aligned, the rest right.
TABLE: tuple[tuple[str, Callable[[Row], str]], ...] = (
    ("phase", lambda r: r["phase"] + (" (ran out)" if r.get("ran_out") else "")),
    ("endpoint", lambda r: f"`{r['endpoint']}`"),
    ("requests", lambda r: f"{r['requests']:,}"),
    ("errors", lambda r: f"{r['errors']:,}"),
    ("req/s", lambda r: f"{r['rps']:,.1f}"),
    ("p50 ms", lambda r: f"{r['p50_ms']:.1f}"),
    ("p95 ms", lambda r: f"{r['p95_ms']:.1f}"),
    ("p99 ms", lambda r: f"{r['p99_ms']:.1f}"),
    ("÷ bare", lambda r: f"{r['ratio_to_bare']:.2f}"),
    *((f"CPU {group}", lambda r, g=group: _ms(r["cpu_ms_per_request"][g])) for group in CPU_GROUPS),
)


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def print_table(rows: list[dict[str, Any]]) -> None:
    """A Markdown table (CPU in ms per request), then the errors and the pool, if any."""
    cells = [[cell(row) for _, cell in TABLE] for row in rows]
    widths = [max(len(title), *(len(line[n]) for line in cells)) for n, (title, _) in enumerate(TABLE)]

    def line(values: list[str]) -> str:
        aligned = [f"{v:{w}}" if n < 2 else f"{v:>{w}}" for n, (v, w) in enumerate(zip(values, widths, strict=True))]
        return "| " + " | ".join(aligned) + " |"

    print("\n" + line([title for title, _ in TABLE]))
    print(line(["-" * w if n < 2 else "-" * (w - 1) + ":" for n, w in enumerate(widths)]))
    for values in cells:
        print(line(values))
    for row in rows:
        if row["errors"]:
            print(f"  {row['phase']} {row['endpoint']}: errors {row['errors_by_status']} {row['socket_errors']}")
    submit = next((row for row in rows if row["phase"] == "submit"), None)
    if submit:
        print(f"  submit: pool {submit['pool']}; those claimants' claims now {submit['claim_statuses']}")
        if submit["ran_out"]:
            print("  THE SUBMISSION POOL RAN OUT: its figures are not a full phase. Top it up with --setup (--pool N)")


def _git(*command: str) -> str:
    return subprocess.run(["git", *command], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()  # noqa: S603, S607


def _meta(args: argparse.Namespace, app: Any, started: float) -> dict[str, Any]:
    with app.app_context():
        configured = getattr(settings(), "READ_CACHE_TTL_S", None)  # as :8002 reads the same environment
    return {
        "started_at": dt.datetime.fromtimestamp(started, dt.UTC).isoformat(timespec="seconds"),
        "minutes": round((time.time() - started) / 60, 1),
        "commit": _git("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "wrk": {
            "threads": args.threads,
            "connections": args.connections,
            "seconds": args.seconds,
            "warmup": args.warmup,
        },
        "cpus": psutil.cpu_count(),
        "read_cache_ttl_s": {
            str(CACHED_PORT): configured,
            str(UNCACHED_PORT): 0,
        },
    }


def start_servers() -> dict[int, Server]:
    """The three servers, with the stack's environment (and its PROXY_FIX_X_FOR=1)."""
    env = {**os.environ, "PROXY_FIX_X_FOR": os.environ.get("PROXY_FIX_X_FOR", "1")}
    api = "miniapp_api.wsgi:app"
    servers = {
        BARE_PORT: start_server("bare", BARE_PORT, "benchmarks.load.bare_app:app", env),
        CACHED_PORT: start_server("API", CACHED_PORT, api, env),
        UNCACHED_PORT: start_server("API, no read cache", UNCACHED_PORT, api, {**env, "READ_CACHE_TTL_S": "0"}),
    }
    try:
        wait_ready(servers[BARE_PORT], "/ping")
        wait_ready(servers[CACHED_PORT], "/healthz")
        wait_ready(servers[UNCACHED_PORT], "/healthz")
    except BaseException:
        for server in servers.values():
            stop_server(server)
        raise
    return servers


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setup", action="store_true", help="prepare the people (once), then exit")
    parser.add_argument("--claimants", type=int, default=200, help="--setup: bound claimants who read")
    parser.add_argument("--employers", type=int, default=40, help="--setup: employer contacts who read")
    parser.add_argument("--pool", type=int, default=3000, help="--setup: fresh claimants for the submission phase")
    parser.add_argument("--seconds", type=int, default=10, help="length of each measured phase")
    parser.add_argument("--warmup", type=int, default=2, help="length of the warm-up pass before each phase")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--api", default="http://127.0.0.1:8000", help="the stack's API (logins, token renewal)")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    started = time.time()
    try:
        load_stack_env()
        check_stack(args.api)
        app = create_app()  # after the stack's environment is in place
        if args.setup:
            rp.setup(args.api, app, args.claimants, args.employers, args.pool)
            _progress(f"setup done in {time.time() - started:.0f} s")
            return 0
        rp.load(rp.PEOPLE), rp.load(rp.POOL)  # refuse before starting anything (NotPrepared)
        servers = start_servers()
        try:
            rows = run_phases(args, app, servers)
        finally:
            for server in servers.values():
                stop_server(server)
    except Refused as refused:
        print(f"read_paths: {refused}", file=sys.stderr)
        return 2
    except rp.NotPrepared as missing:
        print(f"read_paths: {missing}: run .venv/bin/python -m benchmarks.read_paths --setup", file=sys.stderr)
        return 2
    print_table(rows)
    RESULTS.write_text(json.dumps({"meta": _meta(args, app, started), "phases": rows}, ensure_ascii=False, indent=1))
    os.chmod(RESULTS, 0o600)
    print(f"\n→ {RESULTS.relative_to(ROOT)} ({(time.time() - started) / 60:.1f} min)")
    return 1 if any(row["errors"] or row.get("ran_out") for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
