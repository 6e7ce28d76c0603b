"""A 5,000-row filing form validated and imported on PostgreSQL: the goal is under 10 s.

    .venv/bin/python benchmarks/employer_filings.py [--rows 5000] \\
        [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--redis-url redis://127.0.0.1:6379/14]

A database of its own (`bench_filings`, recreated each run) gets the demo regions, one employer
with a contact and `--rows` insured workers (set-based inserts, not timed). Then, timed, the
service's own `file_form` on an .xlsx form of those workers, in one transaction: reading the
sheet, checking every row against the records, writing the stop-contribution records, the
filings, 2 duties per worker, the employer's reminder and one SMS per worker into the outbox
(delivery is Celery's, after the commit: the tasks go to the Redis broker, not run here).
Baseline in the same run: reading and checking the same form without writing anything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import time

from openpyxl import Workbook
from scratch_db import recreate
from sqlalchemy import func, select, text

from miniapp_api import create_app
from miniapp_api.db import unit_of_work
from miniapp_api.employers import filings
from miniapp_api.employers.models import EmployerDuty
from miniapp_api.employers.service import file_form
from miniapp_api.employers.spreadsheet import COLUMNS, read_form
from miniapp_api.identifiers import make_credit_code, make_id_number
from miniapp_api.records.demo import seed_regions
from miniapp_api.records.models import Employer, EmployerContact
from miniapp_api.records.service import id_number_hash, phone_hash
from notifications.models import Message

DATABASE = "bench_filings"


def prepare(rows: int) -> tuple[Employer, bytes]:
    workers = []
    with unit_of_work() as session:
        seed_regions(session)
        employer = Employer(
            credit_code=make_credit_code("130203", "MA0BENCH2"), name="基准测试公司", region_code="130200"
        )
        session.add(employer)
        session.flush()
        session.add(
            EmployerContact(
                employer_id=employer.id, name="人事", phone="13800000001", phone_hash=phone_hash("13800000001")
            )
        )
        people = []
        for index in range(rows):
            birth = dt.date(1970, 1, 1) + dt.timedelta(days=index % 9000)
            number = make_id_number("130203", birth, 1 + 2 * (index // 9000 % 400))
            people.append(
                {"id_number": number, "id_number_hash": id_number_hash(number), "name": f"职工{index}", "birth": birth,
                 "phone": f"139{index:08d}"}
            )  # fmt: skip
        session.execute(
            text(
                "INSERT INTO persons (id_number, id_number_hash, name, sex, birth_date, retirement_category, phone,"
                " phone_hash, region_code) VALUES (:id_number, :id_number_hash, :name, 'M', :birth, 'male_60',"
                " :phone_blob, :phone_hash, '130200')"
            ),
            [
                {
                    **p,
                    "phone_blob": _encrypt(p["phone"], "person.phone"),
                    "id_number": _encrypt(p["id_number"], "person.id_number"),
                    "phone_hash": phone_hash(p["phone"]),
                }
                for p in people
            ],
        )
        session.execute(
            text(
                "INSERT INTO contribution_periods (person_id, employer_id, region_code, start_month)"
                " SELECT id, :employer, '130200', DATE '2018-03-01' FROM persons"
            ),
            {"employer": employer.id},
        )
        workers = people
        session.expunge(employer)
    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    for index, worker in enumerate(workers, start=1):
        sheet.append(
            [str(index), worker["name"], "男", worker["id_number"], "", "2018-03", "2026-11-13", "经济性裁员", ""]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return employer, buffer.getvalue()


def _encrypt(value: str, field: str) -> bytes:
    from miniapp_api.pii import cipher

    return cipher().encrypt(value, field)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    url = recreate(args.admin_url, DATABASE)
    app = create_app({"DATABASE_URL": url, "REDIS_URL": args.redis_url, "MINIAPP_ENV": "test"})
    with app.app_context():
        employer, content = prepare(args.rows)
        print(f"{args.rows:,} insured workers; form {len(content) / 1024:.0f} KB")
        with unit_of_work() as session:
            started = time.perf_counter()
            rows = read_form("备案表.xlsx", content, args.rows)
            checked = filings.check_rows(session, session.get(Employer, employer.id), rows, dt.date(2026, 11, 16))  # type: ignore[arg-type]
            baseline = time.perf_counter() - started
            assert not checked.problems, checked.problems[:3]
            session.rollback()
        started = time.perf_counter()
        with unit_of_work() as session:
            result = file_form(
                session,
                session.get(Employer, employer.id),  # type: ignore[arg-type]
                "备案表.xlsx",
                content,
                good_rows_only=False,
                who={"operator": "benchmark"},
            )
        elapsed = time.perf_counter() - started
        with unit_of_work() as session:
            duties = session.scalar(select(func.count()).select_from(EmployerDuty))
            messages = session.scalar(select(func.count()).select_from(Message))
        print(f"imported {result['rows_imported']:,} rows: {duties:,} duties, {messages:,} messages queued")
        print("\n| step | seconds | rows/s |")
        print("| --- | --- | --- |")
        print(f"| read + check only (baseline) | {baseline:.2f} | {args.rows / baseline:,.0f} |")
        print(f"| read + check + import (goal < 10 s) | {elapsed:.2f} | {args.rows / elapsed:,.0f} |")


if __name__ == "__main__":
    main()
