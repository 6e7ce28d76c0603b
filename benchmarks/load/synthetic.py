"""Synthetic claimants for the submission phase of benchmarks/read_paths.py, when the demo
population has no more people who never claimed.

Each made-up person has a social security card bank account, four years of contributions with
an employer of their region ending last month, and a separation (经济性裁员) at the end of last
month: a claim by them is decided at once. They enter the records the way the provincial
system's exports do, through `miniapp import` (persons.csv, contributions.csv, stop_events.csv),
so nothing here writes the records tables itself, and the import does what it does for any new
separation (reminds the employer of its notice duty, texts the worker). ID numbers use the county
code "99" of a region's prefecture (no demo person has it) and are checked against the records.
"""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapp_api.clock import china_today
from miniapp_api.identifiers import luhn_check_digit, make_id_number
from miniapp_api.records.models import Employer, Person
from miniapp_api.records.service import id_number_hash

ROOT = Path(__file__).resolve().parents[2]
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红"
FIRST_BIRTH = dt.date(1978, 1, 1)
PERSON_COLUMNS = [  # every column of the export, the optional ones (phone, card number) left empty
    "id_number", "name", "sex", "birth_date", "retirement_category", "phone", "region_code", "ss_card_number",
    "bank_name", "bank_account",
]  # fmt: skip


def import_people(session: Session, count: int) -> int:
    """Import `count` new synthetic people with a recent separation; returns how many."""
    employers = _one_employer_per_region(session)
    if not employers:
        raise RuntimeError("no employer in the records to attach synthetic people to")
    rows = list(_new_people(session, employers, count))
    with tempfile.TemporaryDirectory(prefix="read-paths-import-") as directory:
        _write_exports(Path(directory), rows)
        subprocess.run(  # noqa: S603 - fixed argv
            [str(ROOT / ".venv" / "bin" / "miniapp"), "import", directory, "--operator", "benchmark-read-paths"],
            cwd=ROOT,
            check=True,
        )
    return len(rows)


def _one_employer_per_region(session: Session) -> dict[str, str]:
    found: dict[str, str] = {}
    for region, credit_code in session.execute(
        select(Employer.region_code, Employer.credit_code).order_by(Employer.id)
    ):
        found.setdefault(region, credit_code)
    return found


def _new_people(session: Session, employers: dict[str, str], count: int) -> Iterator[dict[str, str]]:
    """People whose ID number the records do not hold yet, `count` of them."""
    regions = sorted(employers)
    made, index = 0, 0
    while made < count:
        batch = [_person(index + offset, regions[(index + offset) % len(regions)]) for offset in range(1000)]
        index += len(batch)
        hashes = [id_number_hash(person["id_number"]) for person in batch]
        known = set(session.scalars(select(Person.id_number_hash).where(Person.id_number_hash.in_(hashes))))
        for person, digest in zip(batch, hashes, strict=True):
            if digest not in known and made < count:
                made += 1
                yield {**person, "credit_code": employers[person["region_code"]]}


def _person(index: int, region: str) -> dict[str, str]:
    birth = FIRST_BIRTH + dt.timedelta(days=index // 1000)
    sequence = index % 1000
    sex = "M" if sequence % 2 else "F"
    given = GIVEN[index % len(GIVEN)] + GIVEN[index // len(GIVEN) % len(GIVEN)]
    card = "621700" + f"{index:012d}"
    return {
        "id_number": make_id_number(region[:4] + "99", birth, sequence),
        "name": "试" + given,
        "sex": "男" if sex == "M" else "女",
        "birth_date": birth.isoformat(),
        "retirement_category": "male_60" if sex == "M" else "female_55",
        "region_code": region,
        "bank_name": "中国建设银行",
        "bank_account": card + luhn_check_digit(card),
    }


def _write_exports(directory: Path, people: list[dict[str, str]]) -> None:
    today = china_today()
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    start = dt.date(last_month_end.year - 4, last_month_end.month, 1)
    _write(directory / "persons.csv", PERSON_COLUMNS, people)
    contributions = [
        {
            "id_number": p["id_number"],
            "credit_code": p["credit_code"],
            "region_code": p["region_code"],
            "start_month": f"{start:%Y-%m}",
            "end_month": f"{last_month_end:%Y-%m}",
        }
        for p in people
    ]
    _write(
        directory / "contributions.csv",
        ["id_number", "credit_code", "region_code", "start_month", "end_month"],
        contributions,
    )
    stops = [
        {
            "id_number": p["id_number"],
            "credit_code": p["credit_code"],
            "stop_date": last_month_end.isoformat(),
            "reason": "经济性裁员",
        }
        for p in people
    ]
    _write(directory / "stop_events.csv", ["id_number", "credit_code", "stop_date", "reason"], stops)


def _write(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
