"""Face verification under concurrency against the running stack, and what it leaves for others.

    PROXY_FIX_X_FOR=1 ./scripts/stack.sh start
    set -a; . instance/stack/stack.env; set +a
    .venv/bin/python -m benchmarks.load.prepare          # the people (once)
    .venv/bin/python -m benchmarks.face_concurrency [--claimants 30] [--seconds 90]

Each simulated claimant (own address, own WeChat account) asks for challenges until one matches a
cut of the fixture clip, uploads that cut (with a few random bytes after it, so no upload is a
replay and every one is computed in full), and does it again, within the per-phone limits
(RATE_LIMIT_LIVENESS). A 503 LIVENESS_BUSY is answered again after Retry-After: the challenge
keeps its place in the queue.
Meanwhile a probe reads GET /api/v1/claims every 100 ms as a light request; its latency is
measured first with nothing else running (the baseline), then under the face load.
Reported: verifications per minute, queue waits, completions per claimant (fairness), probe
latency p50/p95/p99 alone and under load.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests

from benchmarks.load.signin import sign_in
from liveness.evaluate import write_segment

ROOT = Path(__file__).resolve().parent.parent
FACES = ROOT / "tests" / "fixtures" / "faces"
PEOPLE = ROOT / "instance" / "load" / "people.json"
# Which frames of the fixture clip show which turns (tests/fixtures/faces/README.md).
CUTS = {
    ("turn_right", "turn_left"): (83, 162),
    ("turn_left", "turn_right"): (136, 205),
    ("turn_right", "turn_left", "turn_right"): (83, 205),
}
# Stay inside RATE_LIMIT_LIVENESS (10 challenges a minute per phone); answers have their own,
# wider limit (RATE_LIMIT_LIVENESS_ANSWER), which a retry every 1–5 s stays inside.
SECONDS_PER_LIVENESS_CALL = 6.5
RUN = random.randrange(1, 250)  # noqa: S311  # fresh addresses each run: the hourly limit is per address too


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


class Claimant(threading.Thread):
    def __init__(self, api: str, person: dict[str, str], index: int, clips: dict[tuple[str, ...], bytes]) -> None:
        super().__init__(daemon=True)
        self.api, self.person, self.clips = api, person, clips
        self.http = requests.Session()
        self.http.headers["X-Forwarded-For"] = f"10.{RUN}.{index // 256}.{index % 256}"
        self.done: list[dict[str, float]] = []
        self.busy_answers = 0
        self.refused: Counter[str] = Counter()
        self.stop_at = 0.0
        self.last_call = 0.0

    def sign_in(self) -> None:
        sign_in(self.http, self.api, self.person)

    def paced(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        wait = self.last_call + SECONDS_PER_LIVENESS_CALL - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self.last_call = time.monotonic()
        return self.http.request(method, url, timeout=120, **kwargs)

    def run(self) -> None:
        while time.monotonic() < self.stop_at:
            issued = self.paced("POST", f"{self.api}/api/v1/liveness/challenges", json={"consent": True})
            if issued.status_code != 201:
                self.refused[f"challenge {issued.status_code} {issued.json().get('code')}"] += 1
                continue
            clip = self.clips.get(tuple(issued.json()["actions"]))
            if clip is None:
                continue
            self.answer(issued.json()["challenge_id"], clip + os.urandom(16))

    def answer(self, challenge_id: str, clip: bytes) -> None:
        url = f"{self.api}/api/v1/liveness/challenges/{challenge_id}/response"
        asked = time.monotonic()
        while True:
            started = time.monotonic()
            answer = self.http.post(url, files={"video": ("clip.mp4", clip, "video/mp4")}, timeout=120)
            if answer.status_code == 503 and answer.json().get("code") == "LIVENESS_BUSY":
                self.busy_answers += 1  # the challenge keeps its place in the queue
                time.sleep(int(answer.headers.get("Retry-After", "1")))
                continue
            if answer.status_code != 200 or not answer.json().get("passed"):
                self.refused[f"answer {answer.status_code} {answer.text[:80]}"] += 1
                return
            finished = time.monotonic()
            self.done.append({"at": finished, "wait_s": started - asked, "compute_s": finished - started})
            return


def probe(api: str, headers: dict[str, str], seconds: float) -> list[float]:
    """Latencies (ms) of a light authenticated read, every 100 ms."""
    latencies, session = [], requests.Session()
    session.headers.update(headers)
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        started = time.perf_counter()
        try:
            answer = session.get(f"{api}/api/v1/claims", timeout=30)
            ok = answer.status_code == 200
        except requests.RequestException:  # no answer within 30 s counts as failed
            ok = False
        latencies.append((time.perf_counter() - started) * 1000 if ok else float("inf"))
        time.sleep(0.1)
    return latencies


def register_photos(people: list[dict[str, str]]) -> None:
    work = Path(tempfile.mkdtemp(prefix="face-bench-"))
    try:
        for person in people:
            shutil.copy(FACES / "miranda_1.png", work / f"{person['id_number']}.png")
        subprocess.run([str(ROOT / ".venv" / "bin" / "miniapp"), "import-photos", str(work)], check=True)  # noqa: S603
    finally:
        shutil.rmtree(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", default="http://127.0.0.1:8000")
    parser.add_argument("--claimants", type=int, default=30)
    parser.add_argument("--seconds", type=int, default=90)
    args = parser.parse_args()
    people = json.loads(PEOPLE.read_text(encoding="utf-8"))["claimants"][-args.claimants - 1 :]
    register_photos(people)
    work = Path(tempfile.mkdtemp(prefix="face-clips-"))
    clips = {
        actions: write_segment(FACES / "head_turns_clip.mp4", first, last, work / f"{'-'.join(actions)}.mp4")
        for actions, (first, last) in CUTS.items()
    }
    shutil.rmtree(work)
    prober, *claimants = [Claimant(args.api, person, index, clips) for index, person in enumerate(people)]
    for claimant in [prober, *claimants]:
        claimant.sign_in()
    probe_headers = {key: value for key, value in prober.http.headers.items() if key in ("Authorization",)}
    probe_headers["X-Forwarded-For"] = prober.http.headers["X-Forwarded-For"]
    alone = probe(args.api, probe_headers, 20)
    started = time.monotonic()
    for claimant in claimants:
        claimant.stop_at = started + args.seconds
        claimant.start()
    under_load = probe(args.api, probe_headers, args.seconds)
    for claimant in claimants:
        claimant.join()
    elapsed = time.monotonic() - started
    done = [entry for claimant in claimants for entry in claimant.done]
    per_claimant = sorted(len(claimant.done) for claimant in claimants)
    print(f"claimants {len(claimants)}, {elapsed:.0f} s: {len(done)} verifications passed, "
          f"{len(done) / elapsed * 60:.1f} per minute; answers told to wait (LIVENESS_BUSY): "
          f"{sum(c.busy_answers for c in claimants)}")  # fmt: skip
    if done:
        waits = [entry["wait_s"] for entry in done]
        computes = [entry["compute_s"] for entry in done]
        print(f"queue wait s: p50 {statistics.median(waits):.1f}, p95 {percentile(waits, 0.95):.1f}, "
              f"max {max(waits):.1f}; answer time s: p50 {statistics.median(computes):.2f}, "
              f"p95 {percentile(computes, 0.95):.2f}")  # fmt: skip
    print(f"per claimant: min {per_claimant[0]}, median {statistics.median(per_claimant)}, max {per_claimant[-1]}")
    refusals = Counter[str]()
    for claimant in claimants:
        refusals.update(claimant.refused)
    print(f"other refusals: {dict(refusals) or 'none'}")
    for label, latencies in (("alone", alone), ("under face load", under_load)):
        failed = sum(1 for value in latencies if value == float("inf"))
        ok = [value for value in latencies if value != float("inf")]
        print(f"probe GET /api/v1/claims {label}: n {len(latencies)}, failed {failed}, "
              f"p50 {percentile(ok, 0.5):.0f} ms, "
              f"p95 {percentile(ok, 0.95):.0f} ms, p99 {percentile(ok, 0.99):.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
