"""The reply-clock sweep's queries on 1,000,000 objections (PostgreSQL): they must cost what is
due, not the table's size.

    .venv/bin/python benchmarks/objections_sweep.py [--rows 1000000] \\
        [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

A fixture generator fills a database of its own (`bench_objections`, recreated each run) by
set-based INSERT … SELECT generate_series: 1,000 claimants, `--rows` objections each with its
clock. 97 % are answered and closed; 3 % are open with due dates spread over the 30 days
behind and the 60 ahead; of those, the ones past their reminder or due day were already swept,
except what fell due today (about 340 reminders for tomorrow's due dates and 340 replies
overdue since yesterday) — the steady state of a sweep every 15 minutes.

Measured in the same run: each sweep query as the service sends it (LIMIT 200, FOR UPDATE SKIP
LOCKED, rolled back), with EXPLAIN (ANALYZE, BUFFERS) and the median of 20 timings; then the
same query with index scans switched off — the cost of a table scan, the baseline the partial
indexes are there to avoid; and the staff report's live counts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from scratch_db import recreate
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.dialects import postgresql

from miniapp_api.clock import china_today
from miniapp_api.objections.sweeps import BATCH, overdue_due, reminders_due

DATABASE = "bench_objections"
PEOPLE = 1000


def generate(engine: Engine, rows: int, today: dt.date) -> float:
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO regions (code, name, province, agency_name, agency_phone, agency_address)"
                " VALUES ('130200', '唐山市', '河北省', '唐山市失业保险经办机构', '0315-12333', '唐山市路北区')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO persons (id, id_number, id_number_hash, name, sex, birth_date, retirement_category,"
                " region_code) SELECT g, 'x'::bytea, md5(g::text), '基准', 'M', DATE '1980-01-01', 'male_60',"
                " '130200' FROM generate_series(1, :people) AS g"
            ),
            {"people": PEOPLE},
        )
        # Every 33rd objection is open (3 %); dates spread over 90 days around today.
        connection.execute(
            text(
                "INSERT INTO objections (id, objection_no, person_id, region_code, category, field, subject_key,"
                " description, status, filed_at, filed_on, outcome, answered_at, closed_at)"
                " SELECT g, 'YY' || g, 1 + g % :people, '130200', (ARRAY['record','decision','suspension'])[1 + g % 3],"
                " 'separation_reason', 'bench:' || g, 'x'::bytea,"
                " CASE WHEN g % 33 = 0 THEN 'in_progress' ELSE 'answered' END,"
                " now() - (g % 400) * interval '1 day', :today - (g % 400),"
                " CASE WHEN g % 33 = 0 THEN NULL ELSE 'rejected' END,"
                " CASE WHEN g % 33 = 0 THEN NULL ELSE now() - (g % 400) * interval '1 day' END,"
                " CASE WHEN g % 33 = 0 THEN NULL ELSE now() - (g % 400) * interval '1 day' END"
                " FROM generate_series(1, :rows) AS g"
            ),
            {"people": PEOPLE, "rows": rows, "today": today},
        )
        connection.execute(
            text(
                "INSERT INTO objection_deadlines (objection_id, region_code, category, state, working_days, basis,"
                " filed_on, due_on, remind_on, reminded_at, overdue_at, closed_on, on_time)"
                " SELECT o.id, o.region_code, o.category, CASE WHEN o.closed_at IS NULL THEN 'running' ELSE 'closed'"
                " END, 5, '基准', o.filed_on, d.due, d.due - 1,"
                # Swept already, except what fell due today: reminders for tomorrow, overdue since yesterday.
                " CASE WHEN o.closed_at IS NOT NULL OR d.due - 1 < :today THEN now() END,"
                " CASE WHEN o.closed_at IS NULL AND d.due < :today - 1 THEN now() END,"
                " CASE WHEN o.closed_at IS NULL THEN NULL ELSE d.due - (o.id % 3) END,"
                " CASE WHEN o.closed_at IS NULL THEN NULL ELSE o.id % 10 <> 0 END"
                " FROM objections AS o"
                " CROSS JOIN LATERAL (SELECT :today - 30 + (o.id / 33) % 90 AS due) AS d"
            ),
            {"today": today},
        )
        connection.execute(text("ANALYZE"))
    return time.perf_counter() - started


def sql_of(query: object) -> str:
    return str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))  # type: ignore[attr-defined]


def measure(engine: Engine, sql: str, *, indexes: bool = True, repeats: int = 20) -> tuple[float, int, str]:
    timings = []
    found = 0
    with engine.connect() as connection:
        if not indexes:
            connection.execute(text("SET enable_indexscan = off; SET enable_bitmapscan = off"))
        plan = "\n".join(row[0] for row in connection.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")))
        connection.rollback()
        for _ in range(repeats):
            if not indexes:
                connection.execute(text("SET enable_indexscan = off; SET enable_bitmapscan = off"))
            started = time.perf_counter()
            found = len(connection.execute(text(sql)).all())
            timings.append(time.perf_counter() - started)
            connection.rollback()  # release the row locks, as the sweep's commit would
    return statistics.median(timings), found, plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    today = china_today()
    url = recreate(args.admin_url, DATABASE)
    engine = create_engine(url)
    seconds = generate(engine, args.rows, today)
    with engine.connect() as connection:
        total = connection.execute(text("SELECT count(*) FROM objection_deadlines")).scalar_one()
        running = connection.execute(
            text("SELECT count(*) FROM objection_deadlines WHERE state = 'running'")
        ).scalar_one()
    print(f"generated {total:,} objections with clocks ({running:,} open) in {seconds:.1f} s; today {today}")
    queries = {
        "reminders due": sql_of(reminders_due(today).limit(BATCH).with_for_update(skip_locked=True)),
        "overdue": sql_of(overdue_due(today).limit(BATCH).with_for_update(skip_locked=True)),
        "report live counts": (
            "SELECT count(*), sum(CASE WHEN state = 'running' AND due_on = CURRENT_DATE THEN 1 ELSE 0 END),"
            " sum(CASE WHEN state = 'running' AND due_on < CURRENT_DATE THEN 1 ELSE 0 END)"
            " FROM objection_deadlines WHERE state <> 'closed' AND region_code = '130200'"
        ),
    }
    print("\n| query | rows | median (ms), partial index | median (ms), table scan (baseline) | × |")
    print("| --- | --- | --- | --- | --- |")
    plans = {}
    for name, sql in queries.items():
        fast, found, plans[name] = measure(engine, sql)
        slow, _, _ = measure(engine, sql, indexes=False, repeats=5)
        print(f"| {name} | {found} | {fast * 1000:.2f} | {slow * 1000:.1f} | {slow / fast:.0f} |")
    for name, plan in plans.items():
        print(f"\n-- {name}: EXPLAIN (ANALYZE, BUFFERS)\n{plan}")
    engine.dispose()


if __name__ == "__main__":
    main()
