"""The claim endpoints' throughput through Flask's test client, one process, against a baseline
measured in the same run.

    .venv/bin/python benchmarks/claims_flow.py [--claimants 300]
    .venv/bin/python benchmarks/claims_flow.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        --redis-url redis://127.0.0.1:6379/15

Each claimant is a laid-off person with 70 months of contributions in Tangshan (demo parameters),
bound to a WeChat account in a face-verified session. Measured per endpoint, sequentially: the
prefilled form, the submission (registration, automatic review, 18 scheduled months, the
outbox message), the claim status, the timeline and the receipt PDF. Baseline: `GET
/api/v1/auth/me` on the same sessions — token check and one small read, the floor every
claimant endpoint pays. The database is emptied first (PostgreSQL: the schema is recreated).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text

from auth.models import WeChatAccount
from auth.sessions import authenticate, mark_face_verified, open_session
from miniapp_api import create_app
from miniapp_api.db import unit_of_work, utcnow
from miniapp_api.identifiers import make_credit_code, make_id_number
from miniapp_api.migrations_runner import upgrade
from miniapp_api.records.demo import seed_regions
from miniapp_api.records.models import ContributionPeriod, Employer, Person, StopContributionEvent
from miniapp_api.records.service import id_number_hash, phone_hash


def prepare(count: int) -> list[dict[str, str]]:
    headers = []
    with unit_of_work() as session:
        seed_regions(session)
        employer = Employer(
            credit_code=make_credit_code("130203", "MA0BENCH1"), name="基准测试公司", region_code="130200"
        )
        session.add(employer)
        session.flush()
        for index in range(count):
            id_number = make_id_number("130203", dt.date(1980, 1, 1) + dt.timedelta(days=index), 1 + 2 * (index % 400))
            phone = f"139{index:08d}"
            person = Person(
                id_number=id_number,
                id_number_hash=id_number_hash(id_number),
                name="基准",
                sex="M",
                birth_date=dt.date(1980, 1, 1) + dt.timedelta(days=index),
                retirement_category="male_60",
                phone=phone,
                phone_hash=phone_hash(phone),
                region_code="130200",
                bank_name="中国工商银行",
                bank_account="6212260000138001383",
            )
            session.add(person)
            session.flush()
            session.add_all(
                [
                    ContributionPeriod(
                        person_id=person.id,
                        employer_id=employer.id,
                        region_code="130200",
                        start_month=dt.date(2020, 9, 1),
                        end_month=dt.date(2026, 6, 1),
                    ),
                    StopContributionEvent(
                        person_id=person.id,
                        employer_id=employer.id,
                        stop_date=dt.date(2026, 6, 30),
                        reason_code="economic_layoff",
                        source="records_feed",
                    ),
                ]
            )
            account = WeChatAccount(appid="bench", openid=f"bench-{index}", person_id=person.id, bound_at=utcnow())
            session.add(account)
            session.flush()
            tokens = open_session("claimant", wechat_account=account)
            headers.append({"Authorization": f"Bearer {tokens.access_token}"})
            mark_face_verified(authenticate(tokens.access_token).session_id, person.id)
    return headers


def rate(name: str, call: Callable[[int], Any], count: int) -> float:
    started = time.perf_counter()
    for index in range(count):
        answer = call(index)
        if answer.status_code >= 400:
            raise SystemExit(f"{name}: {answer.status_code} {answer.get_data(as_text=True)[:300]}")
    per_second = count / (time.perf_counter() - started)
    return per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claimants", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default="memory://")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine

        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "REDIS_URL": args.redis_url, "MINIAPP_ENV": "test", "LOG_LEVEL": "WARNING"})
    client = app.test_client()
    with app.app_context():
        headers = prepare(args.claimants)
        claim_ids: list[int] = []

        def submit(index: int) -> Any:
            answer = client.post(
                "/api/v1/claims",
                json={"confirmation": {"accepted": True, "commitment_version": 1}},
                headers={**headers[index], "Idempotency-Key": uuid.uuid4().hex},
            )
            claim_ids.append(answer.get_json()["id"])
            return answer

        n = args.claimants
        figures = {
            "baseline GET /auth/me": rate("me", lambda i: client.get("/api/v1/auth/me", headers=headers[i]), n),
            "GET /claims/prefill": rate(
                "prefill", lambda i: client.get("/api/v1/claims/prefill", headers=headers[i]), n
            ),
            "POST /claims": rate("submit", submit, n),
            "GET /claims/{id}": rate(
                "status", lambda i: client.get(f"/api/v1/claims/{claim_ids[i]}", headers=headers[i]), n
            ),
            "GET /claims/{id}/events": rate(
                "events", lambda i: client.get(f"/api/v1/claims/{claim_ids[i]}/events", headers=headers[i]), n
            ),
            "GET /claims/{id}/receipt.pdf": rate(
                "receipt", lambda i: client.get(f"/api/v1/claims/{claim_ids[i]}/receipt.pdf", headers=headers[i]), n
            ),
        }
    baseline = figures["baseline GET /auth/me"]
    print(f"{n} claimants, database {url.split(':')[0]}, redis {args.redis_url.split(':')[0]}")
    for name, per_second in figures.items():
        print(f"  {name:<30} {per_second:8.1f} requests/s   {per_second / baseline:5.2f} × baseline")


if __name__ == "__main__":
    main()
