"""The cross-check's detection query on 1,000,000 recipients and 10,000,000 contribution rows
(PostgreSQL): the goal is under 60 s on this 2-core machine.

    .venv/bin/python benchmarks/safety_crosscheck.py [--recipients 1000000] [--contributions 10]

A database of its own (`bench_safety`, recreated each run) is filled by set-based INSERT …
SELECT generate_series: `--recipients` persons, each with an approved claim separated on
2026-10-31 and `--contributions` contribution periods (the last ones ending at the separation);
1 % have a new employer's contributions from 2026-12 (re-employed), 0.1 % a pension start and
0.1 % a death after the separation. Timed: the service's own detection (`find_hits`: the
set-based query, and picking each claim's earliest event) — the part that reads every recipient;
stopping the few hits is per hit and measured by the tests. Baseline in the same run: a plain
count over the same join of recipients and contributions.
"""

from __future__ import annotations

import argparse
import time

from scratch_db import recreate
from sqlalchemy import create_engine, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from miniapp_api.safety.crosscheck import find_hits, hits_query

DATABASE = "bench_safety"


def generate(url: str, recipients: int, per_person: int) -> float:
    engine = create_engine(url)
    started = time.perf_counter()
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO regions (code, name, province, agency_name, agency_phone, agency_address)"
                " VALUES ('130200', '唐山市', '河北省', '唐山市失业保险经办机构', '0315-12333', '唐山市路北区')"
            )
        )
        c.execute(
            text(
                "INSERT INTO employers (id, credit_code, name, region_code)"
                " SELECT g, 'BENCH' || g, '单位' || g, '130200' FROM generate_series(1, 1000) AS g"
            )
        )
        c.execute(
            text(
                "INSERT INTO persons (id, id_number, id_number_hash, name, sex, birth_date, retirement_category,"
                " region_code) SELECT g, 'x'::bytea, md5(g::text), '基准', 'M', DATE '1980-01-01', 'male_60',"
                " '130200' FROM generate_series(1, :n) AS g"
            ),
            {"n": recipients},
        )
        # Earlier periods, two years each, the last ending at the separation (October 2026).
        c.execute(
            text(
                "INSERT INTO contribution_periods (person_id, employer_id, region_code, start_month, end_month)"
                " SELECT p, 1 + (p * 7 + k) % 1000, '130200',"
                " DATE '2026-10-01' - ((k + 1) * 24 - 1) * interval '1 month',"
                " DATE '2026-10-01' - (k * 24) * interval '1 month'"
                " FROM generate_series(1, :n) AS p, generate_series(0, :k - 1) AS k"
            ),
            {"n": recipients, "k": per_person},
        )
        c.execute(
            text(
                "INSERT INTO contribution_periods (person_id, employer_id, region_code, start_month)"
                " SELECT p, 1 + p % 1000, '130200', DATE '2026-12-01' FROM generate_series(1, :n, 100) AS p"
            ),
            {"n": recipients},
        )
        c.execute(
            text(
                "INSERT INTO person_events (person_id, kind, event_date, source, recorded_at)"
                " SELECT p, CASE WHEN p % 2000 = 7 THEN 'death' ELSE 'pension_start' END, DATE '2027-01-15', '基准',"
                " now()"
                " FROM generate_series(7, :n, 1000) AS p"
            ),
            {"n": recipients},
        )
        c.execute(
            text(
                "INSERT INTO claims (id, claim_no, person_id, region_code, status, idempotency_key, request_sha256,"
                " submitted_at, application_date, separation_date, refusals, review_reasons, commitment_version,"
                " bank_account_source, created_at, updated_at)"
                " SELECT g, 'C' || g, g, '130200', 'approved', 'k' || g, '0', now(), DATE '2026-11-16',"
                " DATE '2026-10-31', '[]', '[]', 1, 'ss_card', now(), now() FROM generate_series(1, :n) AS g"
            ),
            {"n": recipients},
        )
        c.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument("--contributions", type=int, default=10, help="contribution periods per recipient")
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    url = recreate(args.admin_url, DATABASE)
    seconds = generate(url, args.recipients, args.contributions)
    engine = create_engine(url, connect_args={"options": "-c statement_timeout=0"})
    with engine.connect() as c:
        periods = c.execute(text("SELECT count(*) FROM contribution_periods")).scalar_one()
        started = time.perf_counter()
        c.execute(
            text(
                "SELECT count(*) FROM claims c JOIN contribution_periods p ON p.person_id = c.person_id"
                " WHERE c.status = 'approved'"
            )
        ).scalar_one()
        baseline = time.perf_counter() - started
        sql = str(hits_query().compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
        plan = "\n".join(row[0] for row in c.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")))
    with Session(engine) as session:
        started = time.perf_counter()
        hits = find_hits(session)
        elapsed = time.perf_counter() - started
    by_reason: dict[str, int] = {}
    for hit in hits:
        by_reason[hit.reason] = by_reason.get(hit.reason, 0) + 1
    print(f"generated {args.recipients:,} recipients and {periods:,} contribution periods in {seconds:.0f} s")
    print("\n| step | seconds |")
    print("| --- | --- |")
    print(f"| baseline: count of the recipients × contributions join | {baseline:.1f} |")
    print(f"| detection (find_hits), goal < 60 s | {elapsed:.1f} |")
    print(f"\nhits: {len(hits):,} {by_reason}")
    print(f"\n-- EXPLAIN (ANALYZE, BUFFERS)\n{plan}")
    engine.dispose()


if __name__ == "__main__":
    main()
