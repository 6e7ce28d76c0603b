"""One face under two identities: comparing a newly imported reference photo's encoding with
every stored one, at 1,000,000 stored encodings (PostgreSQL).

    .venv/bin/python benchmarks/shared_faces.py [--stored 1000000] [--new 1] \\
        [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

A database of its own (`bench_faces`, recreated each run) holds `--stored` people, each with a
reference photo whose 128-number encoding is stored encrypted, as the service stores it (random
encodings: the time does not depend on the faces). Measured in the same run:
- the check as the import runs it (`faces.photos.shared_faces`): read and decrypt every stored
  encoding in chunks, one matrix product a chunk;
- the same comparison in memory alone (the encodings already decrypted), vectorised;
- the baseline: one distance at a time in Python, on a 20,000-encoding sample, scaled up.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scratch_db import recreate
from sqlalchemy import text

from miniapp_api import create_app
from miniapp_api.db import unit_of_work
from miniapp_api.faces.photos import SHARED_FACE_DISTANCE, shared_faces
from miniapp_api.pii import cipher
from miniapp_api.records.demo import seed_regions

DATABASE = "bench_faces"
BATCH = 20_000


def generate(stored: int, encodings: np.ndarray) -> float:
    started = time.perf_counter()
    with unit_of_work() as session:
        seed_regions(session)
        session.execute(
            text(
                "INSERT INTO persons (id, id_number, id_number_hash, name, sex, birth_date, retirement_category,"
                " region_code) SELECT g, 'x'::bytea, md5(g::text), '基准', 'M', DATE '1980-01-01', 'male_60',"
                " '130200' FROM generate_series(1, :n) AS g"
            ),
            {"n": stored},
        )
    content = cipher().encrypt_bytes(b"photo", "person_photo.content")
    connection_rows = []
    for start in range(0, stored, BATCH):
        connection_rows = [
            {
                "person_id": start + n + 1,
                "encoding": cipher().encrypt_bytes(encodings[start + n].tobytes(), "person_photo.encoding"),
            }
            for n in range(min(BATCH, stored - start))
        ]
        with unit_of_work() as session:
            session.execute(
                text(
                    "INSERT INTO person_photos (person_id, content, content_type, sha256, encoding, updated_at)"
                    " VALUES (:person_id, :content, 'image/png', 'x', :encoding, now())"
                ),
                [{**row, "content": content} for row in connection_rows],
            )
    with unit_of_work() as session:
        session.execute(text("ANALYZE"))
    return time.perf_counter() - started


def in_memory(new: np.ndarray, stored: np.ndarray) -> tuple[float, int]:
    started = time.perf_counter()
    near = 0
    for start in range(0, len(stored), 50_000):
        chunk = stored[start : start + 50_000]
        squared = (new**2).sum(axis=1)[:, None] + (chunk**2).sum(axis=1)[None, :] - 2 * new @ chunk.T
        near += int((np.sqrt(np.clip(squared, 0, None)) < SHARED_FACE_DISTANCE).sum())
    return time.perf_counter() - started, near


def one_at_a_time(new: np.ndarray, stored: np.ndarray, sample: int = 20_000) -> float:
    started = time.perf_counter()
    for encoding in new:
        for other in stored[:sample]:
            _ = float(np.linalg.norm(encoding - other)) < SHARED_FACE_DISTANCE
    return (time.perf_counter() - started) * len(stored) / sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=1)
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    url = recreate(args.admin_url, DATABASE)
    settings = {"MINIAPP_ENV": "test", "DATABASE_URL": url, "REDIS_URL": "memory://", "LOG_LEVEL": "ERROR"}
    app = create_app({**settings, "DATABASE_STATEMENT_TIMEOUT_MS": 600_000})  # a million rows at once
    rng = np.random.default_rng(20261206)
    stored = rng.normal(0, 0.1, size=(args.stored, 128))
    new = rng.normal(0, 0.1, size=(args.new, 128))
    with app.app_context():
        seconds = generate(args.stored, stored)
        print(f"stored {args.stored:,} encrypted encodings in {seconds:.0f} s")
        started = time.perf_counter()
        with unit_of_work() as session:
            found = shared_faces(session, [(args.stored + 1 + n, new[n]) for n in range(args.new)])
        as_imported = time.perf_counter() - started
    memory, near = in_memory(new, stored)
    baseline = one_at_a_time(new, stored)
    print(f"\n| {args.new} new against {args.stored:,} stored | seconds |")
    print("| --- | --- |")
    print(f"| as the import runs it (read, decrypt, compare; {len(found)} pairs found) | {as_imported:.2f} |")
    print(f"| comparison alone, vectorised in memory ({near} near) | {memory:.3f} |")
    print(f"| baseline: one distance at a time in Python (scaled from 20,000) | {baseline:.1f} |")


if __name__ == "__main__":
    main()
