"""The verdict on one response to a challenge: a live face, doing the actions in order, the
same person throughout, who matches the reference photo.

Work is spent where it decides something. Frames are sampled (about 11 a second: a head turn
takes most of a second); after the first face is found, the next frames are searched only near
it, with a full-frame search every few samples to catch a second face; landmarks are read on
every sampled face; the expensive encoder runs on a handful of frames spread over the clip and
on both sides of any jump in the face's position or size (where a cut to another person would
be). Every threshold is in `Thresholds`, with the measurements it rests on.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from liveness.actions import Action
from liveness.faces import Box, FaceModel, Image, distance
from liveness.frames import Frame, scaled
from liveness.geometry import Landmarks, eyes_aspect_ratio, mouth_aspect_ratio, outline_ratio, yaw_position


@dataclass(frozen=True)
class Thresholds:
    # Encoding distances (tests/fixtures/faces/README.md): photos of one person 0.25–0.53 apart,
    # of different people ≥ 0.69; frames of the test clip 0.35–0.64 from the reference photo.
    # The median over the sampled frames is compared, so one poor frame does not decide.
    match_tolerance: float = 0.60
    # Two sampled frames this far apart show two people (a cut mid-clip measured 0.70–0.88).
    swap_distance: float = 0.68
    # yaw_position on the clip: turns swing 0.14 ↔ 0.69; facing the camera 0.45–0.55.
    turn_swing: float = 0.15
    turn_left_reach: float = 0.60
    turn_right_reach: float = 0.40
    # A flat photo tilted in front of the camera: the outline ratio moves (a photo turned ±40°
    # measured 0.26), the nose does not (yaw range 0.07; real turns on the clip 0.5).
    planar_outline_range: float = 0.12
    planar_yaw_range: float = 0.12
    # Eyes: open 0.30–0.50 on the clip. Mouth: closed under 0.3.
    blink_ear: float = 0.20
    blink_drop: float = 0.10  # from the open level, so narrow eyes are not a blink
    open_mouth_mar: float = 0.50
    # Quality of the face crop: the clip's faces are 43–107 px wide at 640 px, mean brightness
    # 78–103, Laplacian variance (crop scaled to 100 px) ≥ 150; a dark, smeared face is 45 / under 30.
    min_face_px: int = 40
    min_brightness: float = 50.0
    max_brightness: float = 220.0
    min_sharpness: float = 30.0
    sample_every_ms: float = 90.0
    full_search_every: int = 5
    encodings: int = 5


REASON_MESSAGES = {
    "NO_FACE": "未检测到人脸，请正对镜头",
    "MULTIPLE_FACES": "检测到多张人脸，请确保画面中只有您本人",
    "FACE_TOO_SMALL": "请靠近一些，让面部占满取景框",
    "TOO_DARK": "光线太暗，请到明亮处再试",
    "TOO_BRIGHT": "光线过强，请避开强光",
    "BLURRY": "画面模糊，请保持手机稳定",
    "TURN_LEFT_NOT_SEEN": "请向左转头",
    "TURN_RIGHT_NOT_SEEN": "请向右转头",
    "BLINK_NOT_SEEN": "请眨眼",
    "MOUTH_NOT_OPENED": "请张嘴",
    "ACTIONS_OUT_OF_ORDER": "请按提示的顺序完成动作",
    "PLANAR_FACE": "未检测到真实人脸，请本人正对镜头完成动作",
    "FACE_CHANGED": "检测到画面中的人发生了变化，请本人完成全部动作",
    "FACE_MISMATCH": "人脸与登记照片不一致",
    "REFERENCE_UNUSABLE": "登记照片无法用于比对，请到经办机构更新照片",
}
_MISSING = {
    Action.TURN_LEFT: "TURN_LEFT_NOT_SEEN",
    Action.TURN_RIGHT: "TURN_RIGHT_NOT_SEEN",
    Action.BLINK: "BLINK_NOT_SEEN",
    Action.OPEN_MOUTH: "MOUTH_NOT_OPENED",
}


@dataclass(frozen=True, slots=True)
class Observation:
    frame: Frame
    box: Box
    face: Landmarks
    yaw: float
    ear: float
    mar: float
    outline: float


@dataclass
class Verdict:
    passed: bool
    reasons: list[str]
    match_distance: float | None
    timings_ms: dict[str, float] = field(default_factory=dict)
    frames_used: int = 0


class _Clock:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = round(self.timings.get(stage, 0.0) + (now - self._last) * 1000, 1)
        self._last = now


def reference_encoding(reference: Image, model: FaceModel) -> npt.NDArray[np.float64] | None:
    image = scaled(reference)
    boxes = model.locate(image, upsample=1)
    return model.encode(image, boxes[0]) if len(boxes) == 1 else None


def verify(
    reference: Image,
    frames: Sequence[Frame],
    actions: Sequence[Action],
    model: FaceModel,
    thresholds: Thresholds = Thresholds(),
) -> Verdict:
    clock = _Clock()
    known = reference_encoding(reference, model)
    clock.lap("reference")
    if known is None:
        return Verdict(False, ["REFERENCE_UNUSABLE"], None, clock.timings)
    return verify_against(known, frames, actions, model, thresholds, clock)


def verify_against(
    known: npt.NDArray[np.float64],
    frames: Sequence[Frame],
    actions: Sequence[Action],
    model: FaceModel,
    thresholds: Thresholds = Thresholds(),
    clock: _Clock | None = None,
) -> Verdict:
    """As `verify`, with the reference photo's encoding already computed (and kept)."""
    clock = clock or _Clock()
    observations, most_faces = _observe(frames, model, thresholds)
    clock.lap("detect_landmarks")
    if most_faces > 1:
        return Verdict(False, ["MULTIPLE_FACES"], None, clock.timings, len(observations))
    if not observations:
        return Verdict(False, ["NO_FACE"], None, clock.timings)

    reasons = _quality(observations, thresholds)
    reasons += _actions(observations, actions, thresholds)
    if _planar(observations, thresholds):
        reasons.append("PLANAR_FACE")
    clock.lap("actions")

    encodings = [model.encode(o.frame.image, o.box) for o in _frames_to_encode(observations, thresholds)]
    distances = [distance(encoding, known) for encoding in encodings]
    match = round(statistics.median(distances), 3)
    if any(distance(a, b) > thresholds.swap_distance for a, b in itertools.combinations(encodings, 2)):
        reasons.append("FACE_CHANGED")
    elif match > thresholds.match_tolerance:
        reasons.append("FACE_MISMATCH")
    clock.lap("match")
    return Verdict(not reasons, reasons, match, clock.timings, len(observations))


def _observe(frames: Sequence[Frame], model: FaceModel, thresholds: Thresholds) -> tuple[list[Observation], int]:
    observations: list[Observation] = []
    most_faces = 0
    last_t = -thresholds.sample_every_ms
    box: Box | None = None
    samples = []
    for frame in frames:
        if frame.t_ms - last_t >= thresholds.sample_every_ms:
            samples.append(frame)
            last_t = frame.t_ms
    for count, frame in enumerate(samples):
        image = frame.image
        found: list[Box] = []
        if box is not None and count % thresholds.full_search_every:
            region = box.grown(0.6, image.shape)
            crop = image[region.top : region.bottom, region.left : region.right]
            found = [b.shifted(region.top, region.left) for b in model.locate(crop, upsample=1)]
        if not found:
            found = model.locate(image, upsample=1)
            most_faces = max(most_faces, len(found))
        if len(found) != 1:
            box = None
            continue
        box = found[0]
        face = model.landmarks(image, box)
        observations.append(
            Observation(
                frame,
                box,
                face,
                yaw_position(face),
                eyes_aspect_ratio(face),
                mouth_aspect_ratio(face),
                outline_ratio(face),
            )
        )
    return observations, most_faces


def _quality(observations: Sequence[Observation], thresholds: Thresholds) -> list[str]:
    """Reasons a majority of the face crops fail (one poor frame in a clip is normal)."""
    small = dark = bright = blurry = 0
    for o in observations:
        if o.box.width < thresholds.min_face_px:
            small += 1
            continue
        crop = cv2.cvtColor(o.frame.image[o.box.top : o.box.bottom, o.box.left : o.box.right], cv2.COLOR_RGB2GRAY)
        brightness = float(crop.mean())
        dark += brightness < thresholds.min_brightness
        bright += brightness > thresholds.max_brightness
        sharp = cv2.resize(crop, (100, max(1, round(100 * crop.shape[0] / max(1, crop.shape[1])))))
        blurry += float(cv2.Laplacian(sharp, cv2.CV_64F).var()) < thresholds.min_sharpness
    half = len(observations) / 2
    return [
        code
        for code, count in (("FACE_TOO_SMALL", small), ("TOO_DARK", dark), ("TOO_BRIGHT", bright), ("BLURRY", blurry))
        if count > half
    ]


def _seen_at(series: Sequence[float], start: int, action: Action, t: Thresholds) -> int | None:
    """The index from `start` on where `action` is complete in the series, or None."""
    lowest = highest = series[start] if start < len(series) else 0.0
    for i in range(start, len(series)):
        value = series[i]
        if action is Action.TURN_LEFT and value >= t.turn_left_reach and value - lowest >= t.turn_swing:
            return i
        if action is Action.TURN_RIGHT and value <= t.turn_right_reach and highest - value >= t.turn_swing:
            return i
        if action is Action.BLINK and value <= t.blink_ear and highest - value >= t.blink_drop:
            return i
        if action is Action.OPEN_MOUTH and value >= t.open_mouth_mar:
            return i
        lowest, highest = min(lowest, value), max(highest, value)
    return None


def _series(observations: Sequence[Observation], action: Action) -> list[float]:
    if action in (Action.TURN_LEFT, Action.TURN_RIGHT):
        return [o.yaw for o in observations]
    return [o.ear for o in observations] if action is Action.BLINK else [o.mar for o in observations]


def _actions(observations: Sequence[Observation], actions: Sequence[Action], t: Thresholds) -> list[str]:
    cursor = 0
    for action in actions:
        found = _seen_at(_series(observations, action), cursor, action, t)
        if found is None:
            anywhere = all(_seen_at(_series(observations, a), 0, a, t) is not None for a in actions)
            return ["ACTIONS_OUT_OF_ORDER"] if anywhere else [_MISSING[action]]
        cursor = found
    return []


def _planar(observations: Sequence[Observation], t: Thresholds) -> bool:
    """The outline changes shape while the nose keeps its place between the jaw ends: a flat
    picture turned in front of the lens, not a head (whose nose moves against the jaw)."""
    outlines = [o.outline for o in observations]
    yaws = [o.yaw for o in observations]
    return bool(max(outlines) - min(outlines) >= t.planar_outline_range and max(yaws) - min(yaws) < t.planar_yaw_range)


def _frames_to_encode(observations: Sequence[Observation], t: Thresholds) -> list[Observation]:
    """A few near-frontal frames spread over the clip, plus the frames on both sides of every
    jump of the face box. Encodings of a turned head drift (two profile frames of one person
    measured 0.7 apart), so frames nearer the camera axis stand for the stretch around them."""
    jumps: set[int] = set()
    for i in range(1, len(observations)):
        before, after = observations[i - 1].box, observations[i].box
        moved = abs((before.left + before.right) - (after.left + after.right)) / 2
        resized = max(before.width, after.width) / max(1, min(before.width, after.width))
        if moved > before.width * 0.5 or resized > 1.5:
            jumps.update((i - 1, i))
    stretch = max(1, len(observations) // t.encodings)
    chosen = set()
    for start in range(0, len(observations), stretch):
        window = range(start, min(start + stretch, len(observations)))
        chosen.add(min(window, key=lambda i: abs(observations[i].yaw - 0.5)))
    for i in jumps:
        # The most frontal frame among the three on that side of the jump.
        side = range(max(0, i - 1), min(len(observations), i + 2))
        chosen.add(min(side, key=lambda j: abs(observations[j].yaw - 0.5)))
    return [observations[i] for i in sorted(chosen)]
