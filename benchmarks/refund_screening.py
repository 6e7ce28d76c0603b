"""稳岗返还 screening at a province's scale (PostgreSQL): 200,000 enterprises, 24 months of ledger
each (4,800,000 rows), 5,000,000 contribution periods and 1,000,000 people beside them.

    .venv/bin/python benchmarks/refund_screening.py [--enterprises 200000] [--people 1000000] \\
        [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

A database of its own (`bench_refunds`, recreated each run) is filled set-based with synthetic
records: sizes (10 % large, 1 % unknown), a public body in ~200, arrears in ~2 %, ~1 % on the
abnormal-operations list, ~90 % with an account, 5 contribution periods a person, and 60,000 people
newly drawing benefit last year, each from one of the enterprises (the layoff rate's numerator).
Measured in the same run, against the same ledger:
- the screening as the service runs it (`refunds.screening.screen`, one INSERT … SELECT … ON
  CONFLICT with its aggregates and joins, writing every enterprise's conditions and amount);
- the reminder sweep's first pass, telling every eligible enterprise it may confirm;
- the baseline: a plain aggregate of the ledger by enterprise (sum paid, months), written to a
  temporary table so that both write their answer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from scratch_db import recreate
from sqlalchemy import text

from miniapp_api import create_app
from miniapp_api.db import unit_of_work
from miniapp_api.records.demo import seed_regions
from miniapp_api.refunds.reminders import sweep
from miniapp_api.refunds.screening import screen

DATABASE = "bench_refunds"
REGION = "371500"
POLICY_YEAR = 2026

_FILL = [
    (
        "enterprises",
        "INSERT INTO employers (credit_code, name, region_code) SELECT '91371500' || lpad(g::text, 10, '0'),"
        " '聊城基准企业' || g, :region FROM generate_series(1, :enterprises) AS g",
    ),
    (
        "size classes",
        "INSERT INTO employer_profiles (employer_id, size_class, public_body, updated_at) SELECT id,"
        " CASE WHEN id % 100 = 7 THEN NULL WHEN id % 10 = 0 THEN 'large' ELSE 'small_micro' END,"
        " id % 211 = 0, now() FROM employers",
    ),
    (
        "ledger (24 months each)",
        "INSERT INTO employer_ledger (employer_id, month, amount_due, amount_paid, arrears, insured_headcount)"
        " SELECT e.id, (DATE '2024-01-01' + make_interval(months => m))::date, d.due,"
        " CASE WHEN e.id % 53 = 0 AND m = 23 THEN 0 ELSE d.due END,"
        " CASE WHEN e.id % 53 = 0 AND m = 23 THEN d.due ELSE 0 END, 5 + e.id % 300"
        " FROM employers e CROSS JOIN generate_series(0, 23) AS m"
        " CROSS JOIN LATERAL (SELECT round((100 + e.id * 37 % 500000 / 100.0)::numeric, 2) AS due) AS d",
    ),
    (
        "credit listings",
        "INSERT INTO credit_listings (credit_code, list_kind, listed_on, source) SELECT credit_code,"
        " 'abnormal_operations', DATE '2025-03-01', '基准数据' FROM employers WHERE id % 101 = 0",
    ),
    (
        "corporate accounts",
        "INSERT INTO corporate_accounts (employer_id, bank_name, account_name, account_number, account_hash,"
        " source, updated_at) SELECT id, '中国工商银行', name, 'x'::bytea, md5(id::text), 'records', now()"
        " FROM employers WHERE id % 10 <> 3",
    ),
    (
        "people",
        "INSERT INTO persons (id_number, id_number_hash, name, sex, birth_date, retirement_category, region_code)"
        " SELECT 'x'::bytea, md5('p' || g), '基准', 'M', DATE '1980-01-01', 'male_60', :region"
        " FROM generate_series(1, :people) AS g",
    ),
    (
        "contribution periods (5 a person)",
        "INSERT INTO contribution_periods (person_id, employer_id, region_code, start_month, end_month)"
        " SELECT p.id, 1 + (p.id * 7 + k * 13) % :enterprises, :region,"
        " (DATE '2000-01-01' + make_interval(years => k * 4))::date,"
        " (DATE '2003-12-01' + make_interval(years => k * 4))::date"
        " FROM persons p CROSS JOIN generate_series(0, 4) AS k",
    ),
    (
        "people newly drawing benefit last year",
        "INSERT INTO claims (claim_no, person_id, region_code, status, idempotency_key, request_sha256, submitted_at,"
        " application_date, review_reasons, refusals, commitment_version, bank_account_source, employer_id)"
        " SELECT 'B' || p.id, p.id, :region, 'approved', 'bench-' || p.id, md5(p.id::text), now(),"
        " DATE '2025-06-01' + (p.id % 200), '[]', '[]', 1, 'ss_card', 1 + p.id * 31 % :enterprises"
        " FROM persons p WHERE p.id <= 60000",
    ),
]


def fill(enterprises: int, people: int) -> None:
    values = {"region": REGION, "enterprises": enterprises, "people": people}
    with unit_of_work() as session:
        seed_regions(session)
    for what, statement in _FILL:
        started = time.perf_counter()
        with unit_of_work() as session:
            count = session.execute(text(statement), values).rowcount  # type: ignore[attr-defined]
        print(f"  {what}: {count:,} rows in {time.perf_counter() - started:.1f} s", flush=True)


def analyze(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def plain_aggregate() -> float:
    started = time.perf_counter()
    with unit_of_work() as session:
        session.execute(
            text(
                "CREATE TEMPORARY TABLE ledger_totals ON COMMIT DROP AS SELECT employer_id, sum(amount_paid) AS paid,"
                " count(*) AS months FROM employer_ledger GROUP BY employer_id"
            )
        )
    return time.perf_counter() - started


def screening() -> tuple[float, object]:
    started = time.perf_counter()
    with unit_of_work() as session:
        found = screen(session, REGION, POLICY_YEAR, today=dt.date(POLICY_YEAR, 3, 2), started_by="benchmark")
        outcome = (found.enterprises, found.eligible, found.total_amount)
    return time.perf_counter() - started, outcome


def told() -> tuple[float, int]:
    """The reminder sweep's first pass over every eligible enterprise (no contacts here: the cost
    of the sweep itself, not of the messages, which go through the outbox like any other)."""
    started = time.perf_counter()
    result = sweep(dt.date(POLICY_YEAR, 3, 2))
    return time.perf_counter() - started, result.told


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--enterprises", type=int, default=200_000)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    url = recreate(args.admin_url, DATABASE)
    settings = {"MINIAPP_ENV": "test", "DATABASE_URL": url, "REDIS_URL": "memory://", "LOG_LEVEL": "ERROR"}
    app = create_app({**settings, "DATABASE_STATEMENT_TIMEOUT_MS": 1_800_000})
    with app.app_context():
        print("filling", flush=True)
        fill(args.enterprises, args.people)
        analyze(url)
        baseline = plain_aggregate()
        first, outcome = screening()
        again, _ = screening()  # every row exists now: the ON CONFLICT update path
        swept, told_count = told()
    enterprises, eligible, total = outcome  # type: ignore[misc]
    print(f"\n| {args.enterprises:,} enterprises, {args.enterprises * 24:,} ledger rows | seconds | ÷ baseline |")
    print("| --- | ---: | ---: |")
    print(f"| plain aggregate of the ledger by enterprise (baseline) | {baseline:.1f} | 1.0 |")
    print(f"| screening, first (every assessment inserted) | {first:.1f} | {first / baseline:.1f} |")
    print(f"| screening, again (every assessment updated) | {again:.1f} | {again / baseline:.1f} |")
    print(f"| reminder sweep, first pass ({told_count:,} enterprises told, batches of 500) | {swept:.1f} | "
          f"{swept / baseline:.1f} |")  # fmt: skip
    print(f"\nscreened {enterprises:,} enterprises: {eligible:,} eligible, refunds {total:,} yuan in all")


if __name__ == "__main__":
    main()
