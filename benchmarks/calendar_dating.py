"""Approving a year dates every deadline that waited for it: how long that pass takes, and what
the calendar costs each request that counts working days (PostgreSQL + Redis).

    .venv/bin/python benchmarks/calendar_dating.py [--waiting 5000] \\
        [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--redis-url redis://127.0.0.1:6379/14]

A database of its own (`bench_calendar`, recreated each run) holds `--waiting` objections filed on
2026-12-28 whose reply clocks wait for 2027, and as many employer notice duties opened on
2026-12-30 waiting likewise; the demo regions carry their parameters. A 2027 (the test suite's
made-up one) is then approved and the dating pass runs as the approval's task would: each clock
dated, each claimant's message queued in the outbox (enqueued on Redis; no worker delivers it).
Baseline in the same run: the same pass again, with nothing left waiting. Then the calendar
itself: building it (package years plus the approved record) against the cached lookup every
request pays (one small query).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from pathlib import Path

import redis
from scratch_db import recreate
from sqlalchemy import text

from miniapp_api import create_app
from miniapp_api.db import unit_of_work
from miniapp_api.employers import undated
from miniapp_api.holidays import service as calendar_service
from miniapp_api.holidays.files import parse
from miniapp_api.holidays.models import CalendarLineRecord, CalendarYearRecord
from miniapp_api.objections import clock
from miniapp_api.pii import cipher
from miniapp_api.records.demo import seed_regions

DATABASE = "bench_calendar"
MADE_UP_2027 = Path(__file__).parents[1] / "tests" / "fixtures" / "calendar" / "2027-made-up.yaml"


def generate(waiting: int) -> float:
    started = time.perf_counter()
    # One real ciphertext each, shared by every row: the pass decrypts what it reads.
    id_number = cipher().encrypt("130203198001010015", "person.id_number")
    phone = cipher().encrypt("13900000001", "person.phone")
    description = cipher().encrypt("基准异议", "objection.description")
    with unit_of_work() as session:
        seed_regions(session)
        session.execute(
            text(
                "INSERT INTO persons (id, id_number, id_number_hash, name, sex, birth_date, retirement_category,"
                " region_code, phone) SELECT g, :id_number, md5(g::text), '基准', 'M', DATE '1980-01-01', 'male_60',"
                " '130200', :phone FROM generate_series(1, :n) AS g"
            ),
            {"n": waiting, "id_number": id_number, "phone": phone},
        )
        session.execute(
            text(
                "INSERT INTO objections (id, objection_no, person_id, region_code, category, field, subject_key,"
                " description, status, filed_at, filed_on)"
                " SELECT g, 'YY' || g, g, '130200', 'record', 'separation_reason', 'bench:' || g, :description,"
                " 'received', TIMESTAMPTZ '2026-12-28 02:00+00', DATE '2026-12-28' FROM generate_series(1, :n) AS g"
            ),
            {"n": waiting, "description": description},
        )
        session.execute(
            text(
                "INSERT INTO objection_deadlines (objection_id, region_code, category, state, working_days, basis,"
                " filed_on, pending_year, provisional_due_on)"
                " SELECT id, region_code, category, 'calendar_pending', 5, '基准', filed_on, 2027, DATE '2027-01-04'"
                " FROM objections"
            )
        )
        session.execute(
            text("INSERT INTO employers (id, credit_code, name, region_code) VALUES (1, 'BENCH', '基准单位', '130200')")
        )
        session.execute(
            text(
                "INSERT INTO stop_contribution_events (id, person_id, employer_id, stop_date, reason_code, source,"
                " recorded_at) SELECT g, g, 1, DATE '2026-12-25', 'economic_layoff', 'employer_filing', now()"
                " FROM generate_series(1, :n) AS g"
            ),
            {"n": waiting},
        )
        session.execute(
            text(
                "INSERT INTO employer_duties (kind, employer_id, person_id, stop_event_id, region_code,"
                " separation_date, basis, stage, stage_on, next_action_on, reminders_sent, late, pending_year,"
                " created_at) SELECT 'notice', 1, id, id, '130200', stop_date, '基准', 'reminded', DATE '2026-12-30',"
                " DATE '2026-12-30', 1, false, 2027, now() FROM stop_contribution_events"
            )
        )
        session.execute(
            text(
                "INSERT INTO staff_users (id, username, display_name, password_hash, roles, active) VALUES"
                " (1, 'maker', '录入', 'x', '[\"admin\"]', true), (2, 'checker', '审核', 'x', '[\"supervisor\"]', true)"
            )
        )
        session.execute(text("ANALYZE"))
    return time.perf_counter() - started


def approve_2027() -> None:
    """The record as approval leaves it (the pass is timed apart from the approval's bookkeeping)."""
    parsed = parse(MADE_UP_2027.name, MADE_UP_2027.read_bytes(), {})
    with unit_of_work() as session:
        session.add(
            CalendarYearRecord(
                year=2027, status="approved", document_no=parsed.meta["document_no"], title=parsed.meta["title"],
                published_on=parsed.meta["published_on"], source=parsed.meta["source"], summary="基准",
                differences=[], entered_by=1, entered_via="cli", decided_by=2,
                decided_at=dt.datetime.now(dt.UTC),
                lines=[
                    CalendarLineRecord(line_no=line.line_no, kind=line.kind, name=line.name,
                                       first_day=line.first, last_day=line.last)
                    for line in parsed.lines
                ],
            )
        )  # fmt: skip


def dating_pass(today: dt.date) -> tuple[float, int, int]:
    started = time.perf_counter()
    with unit_of_work() as session:
        objections = clock.date_waiting(session)
        employer_duties = undated.date_waiting(session, today)
    return time.perf_counter() - started, objections, employer_duties


def calendar_costs(repeats: int = 2000) -> tuple[float, float]:
    with unit_of_work() as session:
        calendar_service._built.clear()
        started = time.perf_counter()
        calendar_service.official_calendar(session)
        build = time.perf_counter() - started
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            calendar_service.official_calendar(session)
            timings.append(time.perf_counter() - started)
    return build, statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--waiting", type=int, default=5000)
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    url = recreate(args.admin_url, DATABASE)
    redis.Redis.from_url(args.redis_url).flushdb()
    app = create_app({"MINIAPP_ENV": "test", "DATABASE_URL": url, "REDIS_URL": args.redis_url, "LOG_LEVEL": "ERROR"})
    today = dt.date(2027, 1, 8)
    with app.app_context():
        seconds = generate(args.waiting)
        print(f"generated {args.waiting:,} waiting reply clocks and {args.waiting:,} waiting duties in {seconds:.1f} s")
        approve_2027()
        took, objections, employer_duties = dating_pass(today)
        again, nothing, none = dating_pass(today)
        build, lookup = calendar_costs()
        with unit_of_work() as session:
            queued = session.execute(text("SELECT count(*) FROM messages")).scalar_one()
    redis.Redis.from_url(args.redis_url).flushdb()
    dated = objections + employer_duties
    print("\n| step | items | seconds | ms per item |")
    print("| --- | --- | --- | --- |")
    print(f"| dating pass after approval | {dated:,} ({objections:,} clocks, {employer_duties:,} duties) "
          f"| {took:.2f} | {took * 1000 / max(dated, 1):.3f} |")  # fmt: skip
    print(f"| the same pass again, nothing waiting (baseline) | {nothing + none} | {again:.3f} | – |")
    print(f"\nclaimant messages queued: {queued:,}")
    print(f"calendar: built in {build * 1000:.1f} ms (package 2004–2026 + one record); "
          f"cached lookup {lookup * 1000:.3f} ms (median of 2000)")  # fmt: skip


if __name__ == "__main__":
    main()
