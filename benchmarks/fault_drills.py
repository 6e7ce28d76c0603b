"""Fault drills against the running stack: PostgreSQL restarted under load, Redis stopped.

    PROXY_FIX_X_FOR=1 ./scripts/stack.sh start
    set -a; . instance/stack/stack.env; set +a
    .venv/bin/python -m benchmarks.load.prepare          # the people (once)
    .venv/bin/python -m benchmarks.fault_drills postgres  # restarts this machine's PostgreSQL
    .venv/bin/python -m benchmarks.fault_drills redis     # stops and restarts this machine's Redis

These touch the machine's own servers (pg_ctlcluster, redis-cli): run them on a machine of your
own, never while the test suite runs. The API, worker and beat are never restarted.
postgres: 8 logged-in claimants read GET /api/v1/claims and GET /api/v1/regions without pause;
  after 5 s PostgreSQL is restarted. Reported: answers by status before, during and after, whether
  every failure was a 503 in the error envelope with Retry-After, and how long until all answered.
redis: with Redis stopped, what health, logins, rate-limited endpoints and plain reads answer;
  then Redis is started again (its documented command) and the same is asked once more.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests

from benchmarks.load.signin import WECHAT, sign_in

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = ROOT / "instance" / "load" / "people.json"
SMS = "http://127.0.0.1:5092"
REDIS_START = [
    "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "",
    "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log",
]  # fmt: skip


def claimant_session(api: str, person: dict[str, str], address: str) -> requests.Session:
    http = requests.Session()
    http.headers["X-Forwarded-For"] = address
    sign_in(http, api, person)
    return http


def outcome(answer: requests.Response) -> str:
    """`200`, or the status and the envelope's code, `!` marking a refusal outside the envelope."""
    if answer.status_code < 400:
        return str(answer.status_code)
    try:
        body = answer.json()
    except ValueError:
        return f"{answer.status_code}!"
    enveloped = {"code", "message", "details", "request_id"} <= set(body)
    retry = "+Retry-After" if answer.headers.get("Retry-After") else ""
    return f"{answer.status_code} {body.get('code')}{retry}" if enveloped else f"{answer.status_code}!"


def drill_postgres(api: str, people: list[dict[str, str]]) -> None:
    sessions = [claimant_session(api, person, f"10.77.0.{n + 1}") for n, person in enumerate(people[:8])]
    log: list[tuple[float, str]] = []
    stop = threading.Event()

    def read(http: requests.Session) -> None:
        paths = ("/api/v1/claims", "/api/v1/regions")
        n = 0
        while not stop.is_set():
            try:
                answer = http.get(f"{api}{paths[n % 2]}", timeout=30)
                log.append((time.monotonic(), outcome(answer)))
            except requests.RequestException as error:
                log.append((time.monotonic(), f"connection {type(error).__name__}"))
            n += 1

    threads = [threading.Thread(target=read, args=(http,), daemon=True) for http in sessions]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(5)
    version = subprocess.check_output(["ls", "/etc/postgresql"], text=True).split()[0]  # noqa: S607
    restart_began = time.monotonic()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True)  # noqa: S603, S607
    restart_done = time.monotonic()
    time.sleep(20)
    stop.set()
    for thread in threads:
        thread.join()
    phases = {
        "before": [o for t, o in log if t < restart_began],
        "during restart": [o for t, o in log if restart_began <= t < restart_done],
        "after": [o for t, o in log if t >= restart_done],
    }
    print(f"PostgreSQL restart took {restart_done - restart_began:.1f} s (at {restart_began - started:.1f} s)")
    for phase, outcomes in phases.items():
        print(f"  {phase:15} {len(outcomes):5} answers: {dict(Counter(outcomes))}")
    failures = [(t, o) for t, o in log if o != "200"]
    if failures:
        last_failure = max(t for t, _o in failures)
        print(f"  last failure {last_failure - restart_done:.1f} s after the restart finished; "
              f"failures outside 503 SERVICE_UNAVAILABLE+Retry-After: "
              f"{sum(1 for _t, o in failures if o != '503 SERVICE_UNAVAILABLE+Retry-After')}")  # fmt: skip
    tail = [o for t, o in log if t >= restart_done + 5]
    print(f"  from 5 s after the restart: {len(tail)} answers, {sum(1 for o in tail if o == '200')} of them 200")


def _asks(api: str, claimant: requests.Session) -> dict[str, str]:
    """One of each: health, the logins, the rate-limited steps, plain reads."""
    answers: dict[str, str] = {}

    def ask(label: str, call: Any) -> None:
        try:
            answers[label] = outcome(call())
        except requests.RequestException as error:
            answers[label] = f"connection {type(error).__name__}"

    ask("GET /healthz", lambda: requests.get(f"{api}/healthz", timeout=15))
    code = requests.post(f"{WECHAT}/__control__/wx-login", json={"openid": "o-drill-redis"}, timeout=10).json()["code"]
    xff = {"X-Forwarded-For": "10.78.0.1"}
    ask("POST /auth/wechat/login", lambda: requests.post(
        f"{api}/api/v1/auth/wechat/login", json={"code": code}, headers=xff, timeout=15))  # fmt: skip
    ask("POST /auth/employer/code", lambda: requests.post(
        f"{api}/api/v1/auth/employer/code", json={"credit_code": "91130203MA0DEM0018", "phone": "13900139000"},
        headers=xff, timeout=15))  # fmt: skip
    ask("POST /auth/staff/login", lambda: requests.post(
        f"{api}/api/v1/auth/staff/login", json={"username": "nobody", "password": "wrong-password"},
        headers=xff, timeout=15))  # fmt: skip
    ask("POST /liveness/challenges", lambda: claimant.post(
        f"{api}/api/v1/liveness/challenges", json={"consent": True}, timeout=15))  # fmt: skip
    ask("GET /regions (public read)", lambda: requests.get(f"{api}/api/v1/regions", timeout=15))
    estimate = {
        "region": "130200", "birth_date": "1975-06-15", "sex": "male", "contribution_months": 96,
        "separation_date": "2026-09-30", "separation_reason": "contract_expired",
    }  # fmt: skip
    ask("POST /benefits/estimate", lambda: requests.post(
        f"{api}/api/v1/benefits/estimate", json=estimate, headers=xff, timeout=15))  # fmt: skip
    ask("GET /claims (logged in)", lambda: claimant.get(f"{api}/api/v1/claims", timeout=15))
    ask("GET /claims/prefill", lambda: claimant.get(f"{api}/api/v1/claims/prefill", timeout=15))
    return answers


def drill_redis(api: str, people: list[dict[str, str]]) -> None:
    claimant = claimant_session(api, people[-1], "10.78.0.2")
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], check=False)  # noqa: S607
    time.sleep(1)
    down = _asks(api, claimant)
    subprocess.run(REDIS_START, check=True)  # noqa: S603
    returned = time.monotonic()
    time.sleep(3)
    texts_before = len(_inbox("13900139000"))
    back = _asks(api, claimant)
    print(f"{'':28} {'Redis stopped':42} Redis started again")
    for label in down:
        print(f"{label:28} {down[label]:42} {back[label]}")
    # The queue lives in Redis too: a message asked for now must still be delivered, by the same
    # worker if it reconnected or by the one its supervisor started again.
    for _ in range(120):
        if len(_inbox("13900139000")) > texts_before:
            print(f"the login code asked for after the outage reached the phone "
                  f"{time.monotonic() - returned:.0f} s after Redis returned")  # fmt: skip
            return
        time.sleep(1)
    print("the login code asked for after the outage did not arrive within 120 s")


def _inbox(phone: str) -> list[dict[str, Any]]:
    texts: list[dict[str, Any]] = requests.get(f"{SMS}/__control__/inbox?phone={phone}", timeout=10).json()
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("drill", choices=["postgres", "redis"])
    parser.add_argument("--api", default="http://127.0.0.1:8000")
    args = parser.parse_args()
    people = json.loads(PEOPLE.read_text(encoding="utf-8"))["claimants"]
    {"postgres": drill_postgres, "redis": drill_redis}[args.drill](args.api, people)


if __name__ == "__main__":
    main()
