"""python -m liveness verify --reference PHOTO (--video CLIP [--from-frame N --to-frame M] |
--frames FILE...) --actions turn_right,turn_left

Prints one JSON object {"passed", "reasons", "match_distance", "timings_ms"} and exits 0
whether the check passed or not; 2 when the input cannot be used.

python -m liveness evaluate [--fixtures DIR] prints the evaluation report (liveness/EVALUATION.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from liveness.actions import Action
from liveness.check import verify
from liveness.faces import DlibFaces
from liveness.frames import UnusableMedia, decode_clip, load_still, stills_as_frames

UNUSABLE = 2
_FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "faces"
_FRAME_INTERVAL_MS = 100.0  # stills given on the command line are taken as 10 a second


def _actions(text: str) -> list[Action]:
    try:
        return [Action(name.strip()) for name in text.split(",") if name.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"actions are {', '.join(a.value for a in Action)}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m liveness")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("verify", help="check one response against a reference photo")
    check.add_argument("--reference", type=Path, required=True)
    media = check.add_mutually_exclusive_group(required=True)
    media.add_argument("--video", type=Path)
    media.add_argument("--frames", type=Path, nargs="+")
    check.add_argument("--from-frame", type=int, default=None)
    check.add_argument("--to-frame", type=int, default=None)
    check.add_argument("--actions", type=_actions, required=True)
    check.add_argument("--max-seconds", type=float, default=10.0)
    evaluate = commands.add_parser("evaluate", help="APCER/BPCER and match error rates on the face fixtures")
    evaluate.add_argument("--fixtures", type=Path, default=_FIXTURES)
    args = parser.parse_args(argv)
    if args.command == "evaluate":
        from liveness.evaluate import report

        print(report(args.fixtures), end="")
        return 0

    try:
        reference = load_still(args.reference)
        if args.video:
            frames = decode_clip(args.video, max_seconds=args.max_seconds, first=args.from_frame, last=args.to_frame)
        else:
            frames = stills_as_frames(args.frames, [i * _FRAME_INTERVAL_MS for i in range(len(args.frames))])
    except (UnusableMedia, OSError) as error:
        print(
            json.dumps({"error": getattr(error, "code", "MEDIA_UNREADABLE"), "message": str(error)}, ensure_ascii=False)
        )
        return UNUSABLE
    verdict = verify(reference, frames, args.actions, DlibFaces())
    print(
        json.dumps(
            {
                "passed": verdict.passed,
                "reasons": verdict.reasons,
                "match_distance": verdict.match_distance,
                "timings_ms": verdict.timings_ms,
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
