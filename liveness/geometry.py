"""Measures on the 68-point landmarks (iBUG 300-W layout, as dlib and face_recognition give them).

Directions are the claimant's own: in an un-mirrored camera image their left is the image's
right, so turning their head to their left moves the nose tip towards the image's right end of
the jaw line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Landmarks:
    """The named groups of one face's 68 points, in image coordinates."""

    chin: tuple[Point, ...]  # 17 points, image left to image right
    nose_tip: tuple[Point, ...]  # 5 points
    nose_bridge: tuple[Point, ...]  # 4 points, top to tip
    left_eye: tuple[Point, ...]  # 6 points, the eye on the image's left
    right_eye: tuple[Point, ...]
    top_lip: tuple[Point, ...]  # 12 points
    bottom_lip: tuple[Point, ...]  # 12 points


def _distance(a: Point, b: Point) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def eye_aspect_ratio(eye: tuple[Point, ...]) -> float:
    """Soukupová & Čech (2016): (|p2−p6| + |p3−p5|) / (2·|p1−p4|); about 0.3 open, under 0.2 shut."""
    p1, p2, p3, p4, p5, p6 = eye
    width = _distance(p1, p4)
    return (_distance(p2, p6) + _distance(p3, p5)) / (2 * width) if width else 0.0


def eyes_aspect_ratio(face: Landmarks) -> float:
    return (eye_aspect_ratio(face.left_eye) + eye_aspect_ratio(face.right_eye)) / 2


def mouth_aspect_ratio(face: Landmarks) -> float:
    """Inner-lip opening over mouth width: near 0 closed, above about 0.5 wide open."""
    # face_recognition's top_lip runs 48–54 then 64–60; bottom_lip 54–60 then 60–64 (inner).
    inner_top = face.top_lip[8:11]  # points 63, 62, 61
    inner_bottom = face.bottom_lip[8:11]  # points 65, 66, 67
    width = _distance(face.top_lip[0], face.top_lip[6])  # mouth corners 48 and 54
    opening = sum(_distance(a, b) for a, b in zip(inner_top, reversed(inner_bottom), strict=True)) / 3
    return opening / width if width else 0.0


def yaw_position(face: Landmarks) -> float:
    """Where the nose tip lies between the two ends of the jaw line: 0 at the image-left end,
    1 at the image-right end, about 0.5 facing the camera. Rises as the person turns to their left."""
    left, right = face.chin[0], face.chin[-1]
    tip = face.nose_bridge[-1]
    span = right[0] - left[0]
    return (tip[0] - left[0]) / span if span else 0.5


def outline_ratio(face: Landmarks) -> float:
    """Jaw width over face height (eyebrow line to chin): what a tilted flat photo changes."""
    width = _distance(face.chin[0], face.chin[-1])
    height = _distance(face.nose_bridge[0], face.chin[8])
    return width / height if height else 0.0
