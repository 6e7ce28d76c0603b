"""Benefit estimates per second, in process on one core, against a baseline in the same run.

    .venv/bin/python benchmarks/rules_estimate.py [--facts 2000] [--rounds 5]

Measured: `rules.estimate.estimate()` alone (eligibility, entitlement, retirement date,
continued payment, the monthly schedule with parameters looked up by date, the trace) over a
fixed mix of generated facts across the five demo regions; parameters are loaded once, as a
long-running process holds them. Baseline: the bare arithmetic of the same schedules (months
× a Decimal amount, rounded to the fen) with no lookups, no eligibility and no trace — the
floor any rules engine in Python pays. Also reported: the estimator endpoint through Flask's
test client on an embedded database, to show what HTTP and JSON add.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from statistics import median

from miniapp_api import create_app
from miniapp_api.db import unit_of_work
from miniapp_api.migrations_runner import upgrade
from miniapp_api.records.demo import demo_parameters, seed_regions
from miniapp_api.rules.estimate import estimate
from miniapp_api.rules.facts import ClaimFacts
from miniapp_api.rules.separation_reasons import SEPARATION_REASONS

REGIONS = ("130200", "152200", "371500", "220100", "130100")


def generated_facts(count: int, seed: int) -> list[tuple[str, ClaimFacts]]:
    rng = random.Random(seed)  # noqa: S311
    reasons = sorted(SEPARATION_REASONS)
    mix = []
    for _ in range(count):
        sex = rng.choice(("male", "female"))
        birth = dt.date(rng.randint(1962, 1995), rng.randint(1, 12), rng.randint(1, 28))
        separation = dt.date(rng.randint(2022, 2026), rng.randint(1, 12), rng.randint(1, 28))
        facts = ClaimFacts(
            birth_date=birth,
            sex=sex,
            female_original_retirement_age=rng.choice((50, 55)) if sex == "female" else None,
            contribution_months=rng.randint(6, (separation.year - birth.year - 17) * 12),
            separation_date=separation,
            separation_reason=rng.choice(reasons),
            application_date=separation + dt.timedelta(days=rng.randint(0, 120)),
            previous_unclaimed_months=rng.choice((0, 0, 0, 3, 12)),
        )
        mix.append((rng.choice(REGIONS), facts))
    return mix


def rate(function: object, mix: list[tuple[str, ClaimFacts]], rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        for region, facts in mix:
            function(region, facts)  # type: ignore[operator]
        timings.append(time.perf_counter() - started)
    return len(mix) / median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    parameters = {code: demo_parameters(code) for code in REGIONS}
    mix = generated_facts(args.facts, seed=7)
    results = [estimate(facts, parameters[region]) for region, facts in mix]
    eligible = sum(result.eligible for result in results)
    months = sum(len(result.schedule) for result in results)

    # The baseline pays each eligible case's months at one precomputed wage, rounded to the fen.
    wage = Decimal("1910.00")
    month_counts = {id(facts): len(result.schedule) for (_, facts), result in zip(mix, results, strict=True)}

    def bare(_region: str, facts: ClaimFacts) -> Decimal:
        total = Decimal(0)
        for _ in range(month_counts[id(facts)]):
            total += (wage * Decimal(90) / Decimal(100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return total

    baseline = rate(bare, mix, args.rounds)
    rules = rate(lambda region, facts: estimate(facts, parameters[region]), mix, args.rounds)

    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        upgrade(url)
        app = create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
        with app.app_context(), unit_of_work() as session:
            seed_regions(session)
        client = app.test_client()
        bodies = [
            {"region": region, **{key: value for key, value in facts.as_dict().items() if value is not None}}
            for region, facts in mix[:300]
        ]
        started = time.perf_counter()
        statuses = [client.post("/api/v1/benefits/estimate", json=body).status_code for body in bodies]
        http = len(bodies) / (time.perf_counter() - started)

    per_case = months / max(eligible, 1)
    print(f"facts: {len(mix)} ({eligible} eligible, {months} schedule months, {per_case:.1f} per eligible case)")
    print(f"baseline (bare Decimal schedule arithmetic): {baseline:,.0f} /s")
    print(f"rules.estimate (one core, in process):      {rules:,.0f} /s   ratio to baseline {rules / baseline:.2f}")
    print(f"POST /api/v1/benefits/estimate (test client, SQLite): {http:,.0f} /s   statuses {sorted(set(statuses))}")


if __name__ == "__main__":
    main()
