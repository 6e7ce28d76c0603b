"""Messages per second from the outbox to `delivered`, against the Celery ceiling, in one run.

    .venv/bin/python benchmarks/notify_throughput.py [--messages 2000] [--concurrency 4]

Needs the machine's PostgreSQL and Redis (a scratch database `miniapp_bench` and Redis db 14
are made and dropped here). Both legs use the same worker setup (prefork, `--concurrency`):
1. baseline: N empty tasks (`ops.ping`) through the broker until the queue is drained;
2. messages: N SMS written to the outbox in one transaction, then delivered by the workers
   through the real SDKs to the SMS stand-in, which posts receipts back to the API; timed
   until every message is `delivered`.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis
from sqlalchemy import create_engine, func, select, text
from werkzeug.serving import make_server

from miniapp_api import create_app
from miniapp_api.celery_app import task
from miniapp_api.db import after_commit, unit_of_work
from miniapp_api.migrations_runner import upgrade
from notifications import service
from notifications.models import Message
from tests.processes import Processes, settings_env, wait_until

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
DATABASE = "miniapp_bench"
REDIS_URL = "redis://127.0.0.1:6379/14"
VALUES = {"claim_no": "SY1", "months": 12, "monthly_amount": "1719.00", "start_month": "2026-11"}


def _scratch_database(create: bool) -> None:
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        if create:
            connection.execute(text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()


def _drained(client: redis.Redis[bytes]) -> bool:
    return client.llen("celery") == 0 and client.hlen("unacked") == 0


def _delivered() -> int:
    with unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(Message).where(Message.status == "delivered")) or 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    n = args.messages
    _scratch_database(create=True)
    url = f"{SERVER}/{DATABASE}"
    upgrade(url)
    broker = redis.Redis.from_url(REDIS_URL)
    broker.flushdb()
    settings = {
        "MINIAPP_ENV": "test", "DATABASE_URL": url, "REDIS_URL": REDIS_URL, "CELERY_ALWAYS_EAGER": False,
        "SMS_QUIET_HOURS": "", "LOG_LEVEL": "WARNING", "DATABASE_POOL_SIZE": 10,
    }  # fmt: skip
    processes = Processes(settings_env(settings))
    api = create_app(settings)
    server = make_server("127.0.0.1", 0, api, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        standin = processes.start_sms_standin(f"http://127.0.0.1:{server.server_port}/api/v1/notifications/receipts")
        endpoints = {"SMS_ALIYUN_ENDPOINT": standin, "SMS_TENCENT_ENDPOINT": standin}
        processes.env.update({k: str(v) for k, v in endpoints.items()})
        app = create_app({**settings, **endpoints})
        processes.start_worker(args.concurrency)
        with app.app_context():
            ping = task("ops.ping")
            for _ in range(20):  # warm up: workers started, connections open
                ping.delay()
            wait_until(lambda: _drained(broker), 60, 0.05)

            started = time.perf_counter()
            for _ in range(n):
                ping.delay()
            assert wait_until(lambda: _drained(broker), 600, 0.02), "the worker did not drain the queue"
            ceiling = n / (time.perf_counter() - started)

            started = time.perf_counter()
            committed: list[float] = []
            with unit_of_work():
                after_commit(lambda: committed.append(time.perf_counter()))  # runs before the enqueueing
                for index in range(n):
                    service.send("claim_approved", service.Recipient("person", index, f"139{index:08d}"), VALUES)
            assert wait_until(lambda: _delivered() == n, 900, 0.05), f"only {_delivered()} of {n} delivered"
            finished = time.perf_counter()
            end_to_end = n / (finished - started)
            from_outbox = n / (finished - committed[0])
            writing = committed[0] - started
    finally:
        processes.stop_all()
        server.shutdown()
        api.extensions["miniapp_db"].dispose()
        app.extensions["miniapp_db"].dispose()
        _scratch_database(create=False)
        broker.flushdb()
    print(f"messages: {n}, worker concurrency: {args.concurrency} (prefork), cores: 2")
    print(f"ceiling, empty Celery tasks:           {ceiling:7.1f} tasks/s")
    print(f"outbox -> delivered (SDK + receipts):  {from_outbox:7.1f} messages/s, from the commit of the outbox rows")
    print(
        f"  including writing them:              {end_to_end:7.1f} messages/s (writing {n} rows took {writing:.2f} s)"
    )
    ratio, with_writes = from_outbox / ceiling, end_to_end / ceiling
    print(f"ratio outbox -> delivered / ceiling: {ratio:.2f} (goal >= 0.5); with the writes {with_writes:.2f}")


if __name__ == "__main__":
    main()
