"""One face verification of the test clip's two-turn segment, against the naive pipeline in
the same run.

    .venv/bin/python benchmarks/liveness_verify.py [--rounds 3]

Measured: `liveness.check.verify()` on frames 83–162 of tests/fixtures/faces/head_turns_clip.mp4
(turn right, then left) against miranda_1.png, decoding excluded. Baseline: what a per-frame
pipeline costs — the detector, the 68 landmarks and the encoder on every frame at the decoded
size, plus the reference encoding. The figure that counts is the ratio (goal ≤ 0.5).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from statistics import median

from liveness.actions import Action
from liveness.check import reference_encoding, verify
from liveness.faces import DlibFaces
from liveness.frames import decode_clip, load_still

FACES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "faces"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    model = DlibFaces()
    reference = load_still(FACES / "miranda_1.png")
    frames = decode_clip(FACES / "head_turns_clip.mp4", max_seconds=5, first=83, last=162)

    def naive() -> None:
        reference_encoding(reference, model)
        for frame in frames:
            for box in model.locate(frame.image, upsample=1):
                model.landmarks(frame.image, box)
                model.encode(frame.image, box)

    def ours() -> None:
        verdict = verify(reference, frames, [Action.TURN_RIGHT, Action.TURN_LEFT], model)
        assert verdict.passed, verdict.reasons

    results = {}
    for name, run in (("naive", naive), ("verify", ours)):
        timings = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            run()
            timings.append(time.perf_counter() - started)
        results[name] = median(timings)
    print(f"frames: {len(frames)} (83–162 of the clip, {frames[0].image.shape[1]}×{frames[0].image.shape[0]})")
    print(f"naive per-frame pipeline: {results['naive'] * 1000:,.0f} ms")
    ratio = results["verify"] / results["naive"]
    print(f"liveness.check.verify:    {results['verify'] * 1000:,.0f} ms   ratio {ratio:.2f}")


if __name__ == "__main__":
    main()
