"""Finding faces, their landmarks and their encodings, behind one interface.

`DlibFaces` uses face_recognition (dlib's HOG detector, its 68-point shape predictor and its
ResNet encoder). The 68-point predictor was trained on the iBUG 300-W data, licensed for
non-commercial use only: a deployment replaces it by implementing `FaceModel` with another
landmark model, and nothing else changes.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from liveness.geometry import Landmarks

Image = npt.NDArray[np.uint8]  # H×W×3 RGB


@dataclass(frozen=True, slots=True)
class Box:
    top: int
    right: int
    bottom: int
    left: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def grown(self, factor: float, shape: tuple[int, ...]) -> Box:
        """This box enlarged by `factor` of its size on every side, kept inside the image."""
        dx, dy = int(self.width * factor), int(self.height * factor)
        return Box(
            max(0, self.top - dy),
            min(shape[1], self.right + dx),
            min(shape[0], self.bottom + dy),
            max(0, self.left - dx),
        )

    def shifted(self, dy: int, dx: int) -> Box:
        return Box(self.top + dy, self.right + dx, self.bottom + dy, self.left + dx)


class FaceModel(Protocol):
    def locate(self, image: Image, upsample: int = 1) -> list[Box]: ...

    def landmarks(self, image: Image, box: Box) -> Landmarks: ...

    def encode(self, image: Image, box: Box) -> npt.NDArray[np.float64]: ...


class DlibFaces:
    def __init__(self) -> None:
        with warnings.catch_warnings():
            # face_recognition_models still imports pkg_resources to find its model files.
            warnings.simplefilter("ignore", UserWarning)
            import face_recognition

        self._fr = face_recognition

    def locate(self, image: Image, upsample: int = 1) -> list[Box]:
        found = self._fr.face_locations(image, number_of_times_to_upsample=upsample, model="hog")
        return [Box(*location) for location in found]

    def landmarks(self, image: Image, box: Box) -> Landmarks:
        groups = self._fr.face_landmarks(image, [(box.top, box.right, box.bottom, box.left)], model="large")[0]

        def points(name: str) -> tuple[tuple[float, float], ...]:
            return tuple((float(x), float(y)) for x, y in groups[name])

        return Landmarks(
            chin=points("chin"),
            nose_tip=points("nose_tip"),
            nose_bridge=points("nose_bridge"),
            left_eye=points("left_eye"),
            right_eye=points("right_eye"),
            top_lip=points("top_lip"),
            bottom_lip=points("bottom_lip"),
        )

    def encode(self, image: Image, box: Box) -> npt.NDArray[np.float64]:
        encodings = self._fr.face_encodings(image, [(box.top, box.right, box.bottom, box.left)], num_jitters=1)
        return np.asarray(encodings[0], dtype=np.float64)


def distance(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float:
    return float(np.linalg.norm(a - b))
