"""The liveness verdict on real frames (tests/fixtures/faces) and on attacks built from them."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from liveness.__main__ import main as liveness_cli
from liveness.actions import ISSUABLE, Action, pick_actions
from liveness.check import Verdict, verify
from liveness.evaluate import held_photo
from liveness.faces import DlibFaces, Image
from liveness.frames import Frame, decode_clip, load_still

FACES = Path(__file__).parent / "fixtures" / "faces"
CLIP = FACES / "head_turns_clip.mp4"
LEFT, RIGHT = Action.TURN_LEFT, Action.TURN_RIGHT


@pytest.fixture(scope="module")
def model() -> DlibFaces:
    return DlibFaces()


@pytest.fixture(scope="module")
def miranda() -> Image:
    return load_still(FACES / "miranda_1.png")


def clip(first: int, last: int) -> list[Frame]:
    return decode_clip(CLIP, max_seconds=5, first=first, last=last)


def stills(image: Image, count: int = 30, *, warp: bool = False) -> list[Frame]:
    """A still photo held to the camera at 30 fps; with `warp`, tilted ±40° like a print in a hand."""
    return held_photo(image, count, seed=7, tilt_degrees=40.0 if warp else 0.0)


def test_the_right_person_turning_right_then_left_passes(model: DlibFaces, miranda: Image) -> None:
    verdict = verify(miranda, clip(83, 162), [RIGHT, LEFT], model)
    assert (verdict.passed, verdict.reasons) == (True, [])
    assert verdict.match_distance is not None and verdict.match_distance <= 0.6
    assert set(verdict.timings_ms) == {"reference", "detect_landmarks", "actions", "match"}


def test_the_same_turns_in_the_wrong_order_fail(model: DlibFaces, miranda: Image) -> None:
    assert verify(miranda, clip(83, 162), [LEFT, RIGHT], model).reasons == ["ACTIONS_OUT_OF_ORDER"]


def test_a_turn_that_never_happens_is_named(model: DlibFaces, miranda: Image) -> None:
    assert verify(miranda, clip(1, 20), [LEFT, RIGHT], model).reasons == ["TURN_RIGHT_NOT_SEEN"]


def test_a_cut_to_another_person_mid_clip_is_caught(model: DlibFaces, miranda: Image) -> None:
    assert "FACE_CHANGED" in verify(miranda, clip(150, 240), [LEFT, RIGHT], model).reasons


def test_someone_else_doing_the_actions_does_not_match_the_reference(model: DlibFaces) -> None:
    verdict = verify(load_still(FACES / "obama_1.jpg"), clip(136, 205), [LEFT, RIGHT], model)
    assert verdict.reasons == ["FACE_MISMATCH"]
    assert verdict.match_distance is not None and verdict.match_distance > 0.6


def test_a_still_photo_held_to_the_camera_fails(model: DlibFaces, miranda: Image) -> None:
    verdict: Verdict = verify(miranda, stills(miranda), [LEFT, RIGHT], model)
    assert not verdict.passed
    assert verdict.reasons[0] == "TURN_LEFT_NOT_SEEN"


def test_a_printed_photo_tilted_back_and_forth_fails_as_flat(model: DlibFaces, miranda: Image) -> None:
    verdict = verify(miranda, stills(miranda, 45, warp=True), [LEFT, RIGHT], model)
    assert not verdict.passed
    assert "PLANAR_FACE" in verdict.reasons


def test_two_faces_in_the_frame_fail(model: DlibFaces, miranda: Image) -> None:
    verdict = verify(miranda, stills(load_still(FACES / "two_people.jpg"), 6), [LEFT, RIGHT], model)
    assert verdict.reasons == ["MULTIPLE_FACES"]


def test_no_face_at_all_fails(model: DlibFaces, miranda: Image) -> None:
    blank = [Frame(i + 1, i * 33.4, np.full((360, 640, 3), 128, np.uint8)) for i in range(10)]
    assert verify(miranda, blank, [LEFT, RIGHT], model).reasons == ["NO_FACE"]


def test_challenges_are_two_or_three_issuable_actions_never_one_twice_in_a_row() -> None:
    for _ in range(200):
        actions = pick_actions()
        assert 2 <= len(actions) <= 3
        assert set(actions) <= set(ISSUABLE)
        assert all(a != b for a, b in itertools.pairwise(actions))


def test_the_command_line_prints_one_json_verdict_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["verify", "--reference", str(FACES / "miranda_1.png"), "--video", str(CLIP)]
    code = liveness_cli([*argv, "--from-frame", "83", "--to-frame", "162", "--actions", "turn_right,turn_left"])
    printed = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (printed["passed"], printed["reasons"]) == (True, [])
    assert set(printed) == {"passed", "reasons", "match_distance", "timings_ms"}


def test_the_command_line_exits_2_for_unusable_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    code = liveness_cli(
        ["verify", "--reference", str(FACES / "miranda_1.png"), "--video", str(broken), "--actions", "turn_left"]
    )
    assert code == 2
    assert json.loads(capsys.readouterr().out)["error"] == "MEDIA_UNREADABLE"
