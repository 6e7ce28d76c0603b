"""Turning what the phone sent into frames: a short clip decoded with OpenCV, or still images
(EXIF orientation applied) with their timestamps. Nothing is written anywhere but a temporary
file in memory-backed storage while OpenCV reads a clip, deleted at once."""

from __future__ import annotations

import io
import os
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

from liveness.faces import Image

# Faces are found on frames at most this wide: phones send 720p–1080p, and the detector's
# cost grows with the pixel count while a face filling the screen needs far fewer.
ANALYSIS_WIDTH = 640
# What a phone sends: a 12-megapixel photo, a 1080p clip. Read from the header, before a pixel
# is decoded: 29 frames of 9400×9400 (2.5 MB of JPEG) once took 20–55 s of a server's time.
MAX_FRAME_PIXELS = 4096 * 4096
MAX_CLIP_FRAME_PIXELS = 1920 * 1920
MAX_UPLOAD_PIXELS = 150_000_000  # 30 stills of 5 MP, or 5 s of 1080p at 30 fps
MAX_FPS = 60.0  # phones record at 24–60; a clip claiming thousands is made to tie up a server


class UnusableMedia(ValueError):
    """The upload cannot be read as the frames asked for; `code` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class OversizedMedia(UnusableMedia):
    """More pixels than a phone sends: refused before decoding, and counted as an attempt."""

    def __init__(self, message: str) -> None:
        super().__init__("MEDIA_TOO_LARGE", message)


@dataclass(frozen=True, slots=True)
class Frame:
    index: int  # 1-based position in the clip or the upload
    t_ms: float
    image: Image  # RGB, at most ANALYSIS_WIDTH wide


def scaled(image: Image, width: int = ANALYSIS_WIDTH) -> Image:
    height, current = image.shape[:2]
    if current <= width:
        return image
    factor = width / current
    resized = cv2.resize(image, (width, round(height * factor)), interpolation=cv2.INTER_AREA)
    return np.asarray(resized, dtype=np.uint8)


def _scratch_dir() -> str | None:
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None  # noqa: S108


def decode_clip(
    data: bytes | Path, *, max_seconds: float, first: int | None = None, last: int | None = None
) -> list[Frame]:
    """Every frame of a clip (or frames first..last, 1-based), scaled for analysis."""
    if isinstance(data, Path):
        return _read_clip(str(data), max_seconds, first, last)
    with tempfile.NamedTemporaryFile(dir=_scratch_dir(), suffix=".clip") as scratch:
        scratch.write(data)
        scratch.flush()
        return _read_clip(scratch.name, max_seconds, first, last)


def _read_clip(path: str, max_seconds: float, first: int | None, last: int | None) -> list[Frame]:
    capture = cv2.VideoCapture(path)
    try:
        if not capture.isOpened():
            raise UnusableMedia("MEDIA_UNREADABLE", "视频无法读取，请重新拍摄")
        width, height = capture.get(cv2.CAP_PROP_FRAME_WIDTH), capture.get(cv2.CAP_PROP_FRAME_HEIGHT)
        if width * height > MAX_CLIP_FRAME_PIXELS:
            raise OversizedMedia(f"视频分辨率过高（{width:.0f}×{height:.0f}），请用手机前置摄像头以1080p以内拍摄")
        fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
        if fps > MAX_FPS:
            raise OversizedMedia(f"视频帧率异常（{fps:.0f}帧/秒），请用手机摄像头重新拍摄")
        most_frames = int(max_seconds * MAX_FPS)
        decoded = 0
        frames: list[Frame] = []
        index = 0
        while True:
            ok, bgr = capture.read()
            if not ok:
                break
            index += 1
            if index > most_frames:
                raise OversizedMedia(f"视频帧数过多，请拍摄{max_seconds:g}秒以内")
            decoded += bgr.shape[0] * bgr.shape[1]
            if bgr.shape[0] * bgr.shape[1] > MAX_CLIP_FRAME_PIXELS or decoded > MAX_UPLOAD_PIXELS:
                # The header may lie; the frames themselves are counted as they come.
                raise OversizedMedia("视频画面过大或帧数过多，请用手机前置摄像头以1080p以内拍摄5秒以内")
            if first is not None and index < first:
                continue
            if last is not None and index > last:
                break
            t_ms = index * 1000.0 / fps
            if (t_ms - (frames[0].t_ms if frames else t_ms)) > max_seconds * 1000:
                raise UnusableMedia("CLIP_TOO_LONG", f"视频过长，请拍摄{max_seconds:g}秒以内")
            rgb = np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), dtype=np.uint8)
            frames.append(Frame(index, t_ms, scaled(rgb)))
    finally:
        capture.release()
    if not frames:
        raise UnusableMedia("MEDIA_UNREADABLE", "视频中没有可用的画面，请重新拍摄")
    return frames


def still_pixels(data: bytes | Path) -> int:
    """Width × height from the image's header alone (nothing decoded)."""
    try:
        raw = data.read_bytes() if isinstance(data, Path) else data
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(io.BytesIO(raw)) as opened:
                width, height = opened.size
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise OversizedMedia("照片像素过高，请上传手机拍摄的照片（1600万像素以内）") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise UnusableMedia("MEDIA_UNREADABLE", "图片无法读取，请上传 JPEG 或 PNG 照片") from None
    if width * height > MAX_FRAME_PIXELS:
        raise OversizedMedia(f"照片像素过高（{width}×{height}），请上传手机拍摄的照片（1600万像素以内）")
    return int(width * height)


def load_still(data: bytes | Path) -> Image:
    """A JPEG/PNG as RGB, turned upright by its EXIF orientation, scaled for analysis."""
    still_pixels(data)
    try:
        raw = data.read_bytes() if isinstance(data, Path) else data
        with PILImage.open(io.BytesIO(raw)) as opened:
            upright = ImageOps.exif_transpose(opened).convert("RGB")
            return scaled(np.asarray(upright, dtype=np.uint8))
    except (UnidentifiedImageError, OSError, ValueError, PILImage.DecompressionBombError):
        raise UnusableMedia("MEDIA_UNREADABLE", "图片无法读取，请上传 JPEG 或 PNG 照片") from None


def stills_as_frames(images: Sequence[bytes | Path], timestamps_ms: Sequence[float]) -> list[Frame]:
    if len(images) != len(timestamps_ms):
        raise UnusableMedia("MEDIA_UNREADABLE", "每张图片都需要一个拍摄时间")
    if list(timestamps_ms) != sorted(timestamps_ms):
        raise UnusableMedia("MEDIA_UNREADABLE", "图片的拍摄时间应按先后顺序排列")
    if sum(still_pixels(image) for image in images) > MAX_UPLOAD_PIXELS:  # every header before any decoding
        raise OversizedMedia("照片总像素过高，请上传手机拍摄的照片")
    return [
        Frame(i + 1, float(t), load_still(image))
        for i, (image, t) in enumerate(zip(images, timestamps_ms, strict=True))
    ]
