"""Telling a recording seen before from a new one by its content, not its bytes: the same clip
re-encoded, trimmed or with bytes appended has another SHA-256 but the same frames.

Each sampled frame becomes a 256-bit difference hash (a 17×16 grey thumbnail, one bit per
horizontal brightness step). The hashes say nothing of the face: they are kept, never frames.
A new response whose sampled frames mostly lie within a few bits of one earlier recording's is
that recording again; a new recording of the same person, however similar the pose, moves
enough pixels to differ (checked on the real clip: liveness/EVALUATION.md, replay rows).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from liveness.frames import Frame

_WIDTH, _HEIGHT = 17, 16
SAMPLE_EVERY_MS = 150.0
# A frame re-encoded lies 0–4 bits from its original; frames of one recording 150 ms apart, or
# of two recordings, lie tens of bits apart.
MAX_BITS = 10
MIN_SHARE = 0.6  # of a response's sampled frames, matched in one earlier recording


def frame_hash(image: np.ndarray) -> int:
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    small = cv2.resize(grey, (_WIDTH, _HEIGHT), interpolation=cv2.INTER_AREA).astype(np.int16)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    return int("".join("1" if bit else "0" for bit in bits), 2)


def recording_hashes(frames: Sequence[Frame], every_ms: float = 0.0) -> list[str]:
    """Hex hashes of the frames (of those at least `every_ms` apart). A recording is kept with
    every frame's hash, so that a copy trimmed by a frame or two still meets its own frames."""
    hashes: list[str] = []
    last = -every_ms - 1
    for frame in frames:
        if frame.t_ms - last >= every_ms:
            hashes.append(f"{frame_hash(frame.image):064x}")
            last = frame.t_ms
    return hashes


def sampled(hashes: Sequence[str], frames: Sequence[Frame]) -> list[str]:
    """The hashes of frames SAMPLE_EVERY_MS apart, out of every frame's."""
    chosen: list[str] = []
    last = -SAMPLE_EVERY_MS
    for value, frame in zip(hashes, frames, strict=True):
        if frame.t_ms - last >= SAMPLE_EVERY_MS:
            chosen.append(value)
            last = frame.t_ms
    return chosen


def seen_before(new: Sequence[str], earlier: Sequence[Sequence[str]]) -> bool:
    """Whether `new` (sampled hashes) is mostly one of the `earlier` recordings (every frame's) again."""
    if not new:
        return False
    fresh = [int(value, 16) for value in new]
    for recording in earlier:
        known = [int(value, 16) for value in recording]
        if not known:
            continue
        matched = sum(1 for value in fresh if min((value ^ old).bit_count() for old in known) <= MAX_BITS)
        if matched >= MIN_SHARE * len(fresh):
            return True
    return False


def replayed(frames: Sequence[Frame], hashes: Sequence[str], earlier: Sequence[Sequence[str]]) -> bool:
    """Whether the frames (with every frame's `hashes`) are one of the `earlier` recordings again,
    as recorded or mirrored left to right: a flipped copy also swaps its turns, so one recording
    could otherwise answer both orders of a challenge."""
    if seen_before(sampled(hashes, frames), earlier):
        return True
    flipped = [Frame(frame.index, frame.t_ms, np.ascontiguousarray(frame.image[:, ::-1])) for frame in frames]
    return seen_before(sampled(recording_hashes(flipped), flipped), earlier)
