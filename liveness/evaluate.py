"""The labelled evaluation set built from the face fixtures, and its figures in ISO/IEC 30107-3
terms: APCER per attack species, BPCER over the bona fide presentations, the match error rates of
the face comparison at the chosen tolerance, and the time per verification.

Bona fide presentations are stretches of the real clip where the person in the reference photo
does the asked actions (as clips, and as stills sampled from them). Attacks are built from the
same real pixels: a photo held still or tilted, other people, a cut to another person, the
actions in the wrong order, no face and two faces. Replays, expired and reused challenges are
refused by the API before any image is looked at, and are tested there.
"""

from __future__ import annotations

import itertools
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from liveness.actions import Action
from liveness.check import Thresholds, Verdict, reference_encoding, verify
from liveness.faces import DlibFaces, Image, distance
from liveness.fingerprint import recording_hashes, sampled, seen_before
from liveness.frames import Frame, decode_clip, load_still

L, R = Action.TURN_LEFT, Action.TURN_RIGHT
BONA_FIDE = "bona fide"


@dataclass(frozen=True)
class Presentation:
    species: str  # BONA_FIDE or the attack's name
    label: str
    reference: str  # file name of the reference photo
    actions: tuple[Action, ...]
    frames: Callable[[], list[Frame]]


def held_photo(image: Image, count: int, seed: int, *, tilt_degrees: float = 0.0) -> list[Frame]:
    """A photo shown to the camera at 30 fps: shaken by a pixel or two with sensor noise, or
    (with a tilt) turned back and forth about its vertical axis like a print in a hand."""
    rng = np.random.default_rng(seed)
    height, width = image.shape[:2]
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    frames = []
    for i in range(count):
        if tilt_degrees:
            theta = np.radians(tilt_degrees) * np.sin(i / count * 2 * np.pi + seed)
            narrow, taper = width / 2 * (1 - np.cos(theta)), height * 0.12 * np.sin(theta)
            moved = np.array(
                [[narrow, -taper], [width - narrow, taper], [width - narrow, height - taper], [narrow, height + taper]],
                dtype=np.float32,
            )
            shown = cv2.warpPerspective(image, cv2.getPerspectiveTransform(corners, moved), (width, height))
        else:
            dy, dx = (int(v) for v in rng.integers(-2, 3, size=2))
            shown = np.roll(image, (dy, dx), axis=(0, 1))
        noisy = np.clip(shown.astype(np.int16) + rng.normal(0, 3, shown.shape), 0, 255).astype(np.uint8)
        frames.append(Frame(i + 1, i * 33.4, noisy))
    return frames


def presentations(fixtures: Path) -> Iterator[Presentation]:
    clip = fixtures / "head_turns_clip.mp4"

    def segment(first: int, last: int, every: int = 1) -> Callable[[], list[Frame]]:
        def frames() -> list[Frame]:
            return decode_clip(clip, max_seconds=5, first=first, last=last)[::every]

        return frames

    bona_fide: tuple[tuple[int, int, tuple[Action, ...]], ...] = (
        (83, 162, (R, L)),
        (90, 170, (R, L)),
        (136, 205, (L, R)),
        (120, 205, (L, R)),
        (83, 205, (R, L, R)),
        (95, 200, (R, L, R)),
    )
    for first, last, actions in bona_fide:
        names = ",".join(a.value for a in actions)
        yield Presentation(BONA_FIDE, f"clip {first}–{last} {names}", "miranda_1.png", actions, segment(first, last))
        yield Presentation(
            BONA_FIDE, f"stills every 3rd {first}–{last} {names}", "miranda_1.png", actions, segment(first, last, 3)
        )

    def photo(name: str, count: int, seed: int, tilt: float = 0.0) -> Callable[[], list[Frame]]:
        return lambda: held_photo(load_still(fixtures / name), count, seed, tilt_degrees=tilt)

    asked: tuple[tuple[Action, ...], ...] = ((L, R), (R, L), (L, R, L))
    for seed, actions in enumerate(asked):
        yield Presentation(
            "still photo", f"miranda_1 held, seed {seed}", "miranda_1.png", actions, photo("miranda_1.png", 40, seed)
        )
    for seed, tilt in enumerate((25.0, 40.0, 55.0)):
        yield Presentation(
            "tilted photo",
            f"miranda_1 tilted ±{tilt:g}°",
            "miranda_1.png",
            (L, R),
            photo("miranda_1.png", 45, seed, tilt),
        )
    for other in ("obama_1.jpg", "biden_1.jpg", "leslie_1.jpg", "harington_1.jpg"):
        yield Presentation("impostor", f"clip 136–205 against {other}", other, (L, R), segment(136, 205))
    yield Presentation(
        "identity swap", "clip 150–240 (cut to another person)", "miranda_1.png", (L, R), segment(150, 240)
    )
    yield Presentation(
        "identity swap", "clip 170–250 (cut to another person)", "miranda_1.png", (R, L), segment(170, 250)
    )
    yield Presentation("wrong order", "clip 83–162 asked left, right", "miranda_1.png", (L, R), segment(83, 162))
    yield Presentation("wrong order", "clip 136–205 asked right, left", "miranda_1.png", (R, L), segment(136, 205))
    blank = np.full((360, 640, 3), 128, np.uint8)
    yield Presentation(
        "no face", "grey frames", "miranda_1.png", (L, R), lambda: [Frame(i + 1, i * 33.4, blank) for i in range(20)]
    )
    yield Presentation("several faces", "two_people held", "miranda_1.png", (L, R), photo("two_people.jpg", 10, 0))


@dataclass
class Outcome:
    presentation: Presentation
    verdict: Verdict
    seconds: float


def run(fixtures: Path, model: DlibFaces | None = None) -> list[Outcome]:
    model = model or DlibFaces()
    outcomes = []
    for item in presentations(fixtures):
        frames = item.frames()
        started = time.perf_counter()
        verdict = verify(load_still(fixtures / item.reference), frames, list(item.actions), model)
        outcomes.append(Outcome(item, verdict, time.perf_counter() - started))
    return outcomes


def match_error_rates(fixtures: Path, model: DlibFaces, tolerance: float) -> tuple[int, int, int, int, float, float]:
    """(same-person pairs, false non-matches, different-person pairs, false matches, the
    largest same-person distance, the smallest different-person distance) over the photos."""
    encodings = []
    for path in sorted(fixtures.glob("*_[0-9].*")):
        encoding = reference_encoding(load_still(path), model)
        if encoding is not None:
            encodings.append((path.name.split("_")[0], encoding))
    same: list[float] = []
    different: list[float] = []
    for (a, ea), (b, eb) in itertools.combinations(encodings, 2):
        (same if a == b else different).append(distance(ea, eb))
    false_non = sum(d > tolerance for d in same)
    false_match = sum(d <= tolerance for d in different)
    return len(same), false_non, len(different), false_match, max(same), min(different)


def report(fixtures: Path) -> str:
    model = DlibFaces()
    outcomes = run(fixtures, model)
    tolerance = Thresholds().match_tolerance
    same, fnm, different, fm, worst_same, closest_other = match_error_rates(fixtures, model, tolerance)
    species = sorted({o.presentation.species for o in outcomes if o.presentation.species != BONA_FIDE})
    bona = [o for o in outcomes if o.presentation.species == BONA_FIDE]
    lines = [
        "# Liveness evaluation",
        "",
        "Generated by `python -m liveness evaluate` from `tests/fixtures/faces` (see `liveness/evaluate.py` for how",
        "each presentation is built). Terms of ISO/IEC 30107-3: APCER = attack presentations wrongly accepted,",
        "per species; BPCER = bona fide presentations wrongly rejected.",
        "",
        "| attack species | presentations | accepted | APCER | reasons given |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name in species:
        items = [o for o in outcomes if o.presentation.species == name]
        accepted = sum(o.verdict.passed for o in items)
        reasons = sorted({r for o in items for r in o.verdict.reasons})
        rate = accepted / len(items)
        lines.append(f"| {name} | {len(items)} | {accepted} | {rate:.0%} | {', '.join(reasons)} |")
    rejected = [o for o in bona if not o.verdict.passed]
    lines += [
        "",
        f"**BPCER**: {len(rejected)} of {len(bona)} bona fide presentations rejected = {len(rejected) / len(bona):.0%}"
        + (f" ({'; '.join(f'{o.presentation.label}: {o.verdict.reasons}' for o in rejected)})" if rejected else "."),
        "",
        f"**Face comparison** at tolerance {tolerance}: false non-match {fnm} of {same} same-person photo pairs "
        f"(FNMR {fnm / max(1, same):.0%}, largest distance {worst_same:.2f}); false match {fm} of {different} "
        f"different-person pairs (FMR {fm / max(1, different):.0%}, smallest distance {closest_other:.2f}).",
        "",
        f"**Time per verification** (bona fide, decoding excluded, one core): median "
        f"{statistics.median(o.seconds for o in bona) * 1000:,.0f} ms, "
        f"max {max(o.seconds for o in bona) * 1000:,.0f} ms.",
        "",
        "| presentation | species | passed | reasons | match distance |",
        "| --- | --- | --- | --- | --- |",
    ]
    for o in outcomes:
        distance_text = f"{o.verdict.match_distance:.3f}" if o.verdict.match_distance is not None else "–"
        lines.append(
            f"| {o.presentation.label} | {o.presentation.species} | {o.verdict.passed} | "
            f"{', '.join(o.verdict.reasons) or '–'} | {distance_text} |"
        )
    lines += ["", *replay_report(fixtures)]
    lines += [
        "",
        "Bona fide stretches end by frame 205. Frame 213, though listed as Miranda, already measures 0.86 from his",
        "photo (the first frame of the cut): a presentation that includes it is flagged FACE_CHANGED, rightly.",
        "",
        "Blink and open-mouth actions are measured (eye and mouth aspect ratios) but not issued: the real clip",
        "shows neither, so their thresholds could not be calibrated on real data; challenges use head turns only.",
    ]
    return "\n".join(lines) + "\n"


def replay_report(fixtures: Path) -> list[str]:
    """A recording answered once (clip 83–162), sent again in other bytes: each must be told by its
    content (liveness.fingerprint); a new stretch of the same person, same room, must not be."""
    clip = fixtures / "head_turns_clip.mp4"
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        seen = write_segment(clip, 83, 162, folder / "seen.mp4")
        cases = [
            ("the same file with 24 bytes appended", seen + b"\0" * 24, True),
            ("re-encoded, two frames cut from the start", write_segment(clip, 85, 162, folder / "cut.mp4"), True),
            ("re-encoded, a frame cut from each end", write_segment(clip, 84, 161, folder / "ends.mp4"), True),
            (
                "a later stretch of the same recording, 163–205",
                write_segment(clip, 163, 205, folder / "later.mp4"),
                False,
            ),
            ("another recording's opening, 1–60", write_segment(clip, 1, 60, folder / "other.mp4"), False),
        ]
        earlier = recording_hashes(decode_clip(seen, max_seconds=5))
        lines = [
            f"**Replays** (a recording answered once, sent again; only frame hashes are kept, {len(earlier)} for it):",
            "",
            "| sent again | a replay? | told as replay | right |",
            "| --- | --- | --- | --- |",
        ]
        for label, content, replay in cases:
            frames = decode_clip(content, max_seconds=5)
            told = seen_before(sampled(recording_hashes(frames), frames), [earlier])
            lines.append(f"| {label} | {'yes' if replay else 'no'} | {'yes' if told else 'no'} | {told == replay} |")
    lines += [
        "",
        "Challenges still ask for 2–3 head turns, never the same twice in a row: four orders in all, so one",
        "recording of a person turning right, left, right, left answers many; what stops it being used again is",
        "the content check above, kept for LIVENESS_REPLAY_DAYS. Wider challenges (blinks, open mouths, timed",
        "windows) wait for real clips to calibrate them on.",
    ]
    return lines


def write_segment(clip: Path, first: int, last: int, target: Path) -> bytes:
    """Frames first..last of `clip` as an MP4 of their own, as a phone would upload it."""
    source = cv2.VideoCapture(str(clip))
    size = (int(source.get(cv2.CAP_PROP_FRAME_WIDTH)), int(source.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    writer = cv2.VideoWriter(str(target), cv2.VideoWriter.fourcc(*"mp4v"), source.get(cv2.CAP_PROP_FPS), size)
    index = 0
    while index < last:
        ok, frame = source.read()
        if not ok:
            break
        index += 1
        if index >= first:
            writer.write(frame)
    writer.release()
    source.release()
    return target.read_bytes()


def write_y4m(clip: Path, first: int, last: int, target: Path) -> Path:
    """Frames first..last of `clip` as raw YUV4MPEG2 (4:2:0), the file Chromium's fake camera
    plays in a loop (--use-file-for-fake-video-capture): a browser's face check on real pixels."""
    source = cv2.VideoCapture(str(clip))
    fps = source.get(cv2.CAP_PROP_FPS) or 30.0
    index = 0
    with target.open("wb") as out:
        while index < last:
            ok, frame = source.read()
            if not ok:
                break
            index += 1
            if index < first:
                continue
            if index == first:
                height, width = frame.shape[:2]
                out.write(f"YUV4MPEG2 W{width} H{height} F{round(fps * 1000)}:1000 Ip A1:1 C420jpeg\n".encode())
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    source.release()
    return target
