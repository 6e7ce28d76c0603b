"""How long seeding the demo population takes, against a baseline measured in the same run.

    .venv/bin/python benchmarks/seed_demo.py [--persons 10000] [--database-url URL]

Baseline: generating the same people in memory (names, valid ID numbers, histories, hashes)
without writing them. The difference is what the database and encryption cost. Default
database: a fresh SQLite file, as the embedded demo uses.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path
from statistics import median

from miniapp_api import create_app
from miniapp_api.db import unit_of_work
from miniapp_api.migrations_runner import upgrade
from miniapp_api.records import demo

AS_OF = dt.date(2026, 11, 1)


def generate_only(persons: int, seed: int) -> float:
    regions = demo._load("regions.json")["regions"]
    generator = demo._Generator(random.Random(seed), AS_OF, demo._load("names.json"), regions)  # noqa: S311
    started = time.perf_counter()
    employer_ids = list(range(50))
    for _ in range(persons):
        person = generator.person(generator.rng.choice(generator.regions))
        generator.history(person, employer_ids)
        generator.life_events(person)
    return time.perf_counter() - started


def seed_into(url: str, persons: int, seed: int) -> float:
    app = create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    with app.app_context():
        started = time.perf_counter()
        with unit_of_work() as session:
            demo.clear_records(session)
            demo.seed_demo(session, persons=persons, seed=seed, as_of=AS_OF)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20200601)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{Path(scratch) / 'bench.sqlite3'}"
        upgrade(url)
        create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})  # configures the cipher the hashes use
        baseline = [generate_only(args.persons, args.seed) for _ in range(args.repeat)]
        seeded = [seed_into(url, args.persons, args.seed) for _ in range(args.repeat)]
    print(f"persons: {args.persons}, database: {url.split(':')[0]}, runs: {args.repeat}")
    print(f"baseline, generate in memory only: best {min(baseline):.2f} s, median {median(baseline):.2f} s")
    print(f"seed-demo into the database:       best {min(seeded):.2f} s, median {median(seeded):.2f} s")
    verdict = "met" if max(seeded) < 60 else "MISSED"
    print(f"database + encryption share: {1 - min(baseline) / min(seeded):.0%}; goal < 60 s: {verdict}")


if __name__ == "__main__":
    main()
