"""Face verification over HTTP: consent, challenge, response, lockout, another way."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import cv2
import numpy as np
import pytest
import time_machine
from flask import Flask
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from liveness.actions import Action
from miniapp_api.audit.models import AuditEvent
from miniapp_api.db import unit_of_work
from miniapp_api.errors import ConflictError
from miniapp_api.faces import service as face_service
from miniapp_api.faces.capacity import LivenessBusy, face_check_slot
from miniapp_api.faces.models import FaceCheck
from miniapp_api.records.models import PersonPhoto
from notifications.standins.wechat_server import WeChatStandIn
from tests import factories
from tests.auth_helpers import bearer, bound_claimant
from tests.liveness_helpers import FACES, challenge, miranda_with_photo, respond, write_clip


@pytest.fixture(scope="module")
def turns(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return write_clip(tmp_path_factory.mktemp("clips") / "turns.mp4", 83, 162)


@pytest.fixture(scope="module")
def whole_clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return write_clip(tmp_path_factory.mktemp("clips") / "whole.mp4", 1, 275)


@pytest.fixture
def claimant(client: Any, wechat_standin: WeChatStandIn) -> dict[str, Any]:
    return _miranda(client, wechat_standin)


def _miranda(client: Any, wechat_standin: WeChatStandIn) -> dict[str, Any]:
    """Miranda's records, with his photo as the reference, logged in and bound."""
    miranda = miranda_with_photo()
    return bound_claimant(client, wechat_standin, miranda["id_number"], miranda["name"])


@pytest.fixture
def right_then_left(monkeypatch: pytest.MonkeyPatch) -> None:
    """The challenge asks for what the test clip shows (it is random otherwise)."""
    monkeypatch.setattr(face_service, "pick_actions", lambda: [Action.TURN_RIGHT, Action.TURN_LEFT])


def test_a_challenge_needs_separate_consent_and_states_its_purpose(client: Any, claimant: dict[str, Any]) -> None:
    refused = challenge(client, claimant, consent=False)
    assert (refused.status_code, refused.get_json()["code"]) == (422, "CONSENT_REQUIRED")
    issued = challenge(client, claimant).get_json()
    assert 2 <= len(issued["actions"]) <= 3
    assert set(issued["instructions"]) <= {"请向左转头", "请向右转头"}
    assert "窗口办理" in issued["purpose"]
    expires = dt.datetime.fromisoformat(issued["expires_at"])
    assert 100 <= (expires - dt.datetime.now(dt.UTC)).total_seconds() <= 121


def test_the_right_person_turning_as_asked_becomes_face_verified(
    client: Any, claimant: dict[str, Any], turns: bytes, right_then_left: None
) -> None:
    issued = challenge(client, claimant).get_json()
    answer = respond(client, claimant, issued["challenge_id"], turns)
    assert answer.status_code == 200
    assert answer.get_json() == {"passed": True, "reasons": [], "level": "face_verified"}
    assert client.get("/api/v1/auth/me", headers=bearer(claimant)).get_json()["level"] == "face_verified"
    with unit_of_work() as session:
        check = session.scalars(select(FaceCheck)).one()
        assert check.media_sha256 and check.passed and check.timings_ms


def test_a_challenge_works_once_and_the_same_upload_never_twice(
    client: Any, claimant: dict[str, Any], turns: bytes, right_then_left: None
) -> None:
    first = challenge(client, claimant).get_json()["challenge_id"]
    assert respond(client, claimant, first, turns).get_json()["passed"] is True
    reused = respond(client, claimant, first, turns)
    assert (reused.status_code, reused.get_json()["code"]) == (409, "CHALLENGE_USED")
    second = challenge(client, claimant).get_json()["challenge_id"]
    replayed = respond(client, claimant, second, turns).get_json()
    assert replayed["passed"] is False
    assert [reason["code"] for reason in replayed["reasons"]] == ["MEDIA_REPLAYED"]


def test_an_expired_or_someone_elses_challenge_is_refused(
    client: Any, claimant: dict[str, Any], wechat_standin: WeChatStandIn, turns: bytes
) -> None:
    issued = challenge(client, claimant).get_json()["challenge_id"]
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=121)):
        fresh = client.post("/api/v1/auth/refresh", json={"refresh_token": claimant["refresh_token"]}).get_json()
        late = respond(client, fresh, issued, turns)
    assert (late.status_code, late.get_json()["code"]) == (409, "CHALLENGE_EXPIRED")
    with unit_of_work() as session:
        other = factories.person(session, name="赵敏", sex="F", birth_date=dt.date(1985, 2, 3))
        other_number = other.id_number
    stranger = bound_claimant(client, wechat_standin, other_number, "赵敏")
    assert respond(client, stranger, issued, turns).status_code == 404


def test_a_failed_check_answers_actionable_reasons_and_never_scores(
    client: Any, claimant: dict[str, Any], turns: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(face_service, "pick_actions", lambda: [Action.TURN_LEFT, Action.TURN_RIGHT])
    issued = challenge(client, claimant).get_json()
    answer = respond(client, claimant, issued["challenge_id"], turns).get_json()
    assert answer == {
        "passed": False,
        "reasons": [{"code": "ACTIONS_OUT_OF_ORDER", "message": "请按提示的顺序完成动作"}],
        "level": "bound",
    }


def test_five_failures_lock_face_verification(
    client: Any, claimant: dict[str, Any], turns: bytes, right_then_left: None
) -> None:
    respond(client, claimant, challenge(client, claimant).get_json()["challenge_id"], turns)  # passes
    for _ in range(5):  # the same clip again: refused at once as a replay, each a failure
        respond(client, claimant, challenge(client, claimant).get_json()["challenge_id"], turns)
    locked = challenge(client, claimant)
    assert (locked.status_code, locked.get_json()["code"]) == (429, "LOCKED_OUT")
    assert int(locked.headers["Retry-After"]) > 1500


def test_uploads_are_limited_in_size_type_and_length(
    make_app: Any, wechat_standin: WeChatStandIn, turns: bytes, whole_clip: bytes
) -> None:
    app: Flask = make_app(LIVENESS_MAX_UPLOAD_BYTES=len(turns) - 1)
    with app.app_context():
        client = app.test_client()
        photo = (FACES / "miranda_1.png").read_bytes()
        with unit_of_work() as session:
            person = factories.person(session, name="米兰达")
            session.add(PersonPhoto(person_id=person.id, content=photo, content_type="image/png", sha256="x" * 64))
            number = person.id_number
        tokens = bound_claimant(client, wechat_standin, number, "米兰达")
        too_big = respond(client, tokens, challenge(client, tokens).get_json()["challenge_id"], turns)
        wrong_type = respond(
            client, tokens, challenge(client, tokens).get_json()["challenge_id"], turns[:100], "text/plain"
        )
    assert (too_big.status_code, too_big.get_json()["code"]) == (413, "PAYLOAD_TOO_LARGE")
    assert (wrong_type.status_code, wrong_type.get_json()["code"]) == (422, "MEDIA_TYPE")


def test_a_clip_longer_than_five_seconds_is_refused(client: Any, claimant: dict[str, Any], whole_clip: bytes) -> None:
    answer = respond(client, claimant, challenge(client, claimant).get_json()["challenge_id"], whole_clip)
    assert (answer.status_code, answer.get_json()["code"]) == (422, "CLIP_TOO_LONG")
    assert "5秒" in answer.get_json()["message"]


def test_without_a_reference_photo_or_consent_there_is_the_counter(client: Any, wechat_standin: WeChatStandIn) -> None:
    with unit_of_work() as session:
        person = factories.person(session, name="王建国")
        number = person.id_number
    tokens = bound_claimant(client, wechat_standin, number, "王建国")
    missing = challenge(client, tokens)
    assert (missing.status_code, missing.get_json()["code"]) == (409, "NO_REFERENCE_PHOTO")
    declined = client.post("/api/v1/liveness/decline", headers=bearer(tokens)).get_json()
    assert "窗口办理" in declined["message"] and declined["agency"]["phone"]


def test_a_check_finding_every_slot_busy_keeps_its_challenge_and_its_place_in_the_queue(
    make_app: Any, wechat_standin: WeChatStandIn, turns: bytes, right_then_left: None
) -> None:
    app: Flask = make_app(LIVENESS_CONCURRENCY=1)
    with app.app_context():
        client = app.test_client()
        tokens = _miranda(client, wechat_standin)
        issued = challenge(client, tokens).get_json()["challenge_id"]
        with face_check_slot("person:another-claimant"):
            for _ in range(3):
                busy = respond(client, tokens, issued, turns)
                assert (busy.status_code, busy.get_json()["code"]) == (503, "LIVENESS_BUSY")
                assert busy.get_json()["details"] == {"position": 1}
                assert busy.headers["Retry-After"] == "2"  # one ahead at ~2 s a check, one slot
            assert "前面还有0人" in busy.get_json()["message"]
            # Refused before the upload is read: even an answer without any media is told to wait.
            empty = client.post(f"/api/v1/liveness/challenges/{issued}/response", headers=bearer(tokens))
            assert empty.status_code == 503
            # A new challenge keeps the claimant's place: the place is theirs, not the challenge's.
            again = challenge(client, tokens).get_json()["challenge_id"]
            assert respond(client, tokens, again, turns).get_json()["details"] == {"position": 1}
        answer = respond(client, tokens, issued, turns)
        assert answer.get_json() == {"passed": True, "reasons": [], "level": "face_verified"}


def test_the_queue_holds_no_more_claimants_than_can_be_served_while_a_challenge_is_open(make_app: Any) -> None:
    app: Flask = make_app(LIVENESS_CONCURRENCY=1, LIVENESS_CHALLENGE_TTL_S=6)  # 1 slot × 6 s ÷ 2 s a check
    with app.app_context(), face_check_slot("running"):
        for n in range(3):
            with pytest.raises(LivenessBusy) as queued, face_check_slot(f"waiting-{n}"):
                pass
            assert queued.value.details == {"position": n + 1}
        with pytest.raises(LivenessBusy) as full, face_check_slot("one-too-many"):
            pass
        assert full.value.details == {} and "已满" in full.value.message


def test_free_slots_go_to_claimants_in_the_order_they_first_asked(make_app: Any) -> None:
    app: Flask = make_app(LIVENESS_CONCURRENCY=1)
    with app.app_context():
        with face_check_slot("running"):
            for name, place in (("first", 1), ("second", 2), ("third", 3), ("first", 1)):
                with pytest.raises(LivenessBusy) as refused, face_check_slot(name):
                    pass
                assert refused.value.details == {"position": place}
        with pytest.raises(LivenessBusy) as later, face_check_slot("third"):
            pass  # the slot is free, but two asked before
        assert later.value.details == {"position": 3}
        with face_check_slot("first"):
            with pytest.raises(LivenessBusy) as newcomer, face_check_slot("fourth"):
                pass
            assert newcomer.value.details == {"position": 3}  # behind the two still waiting
            with pytest.raises(ConflictError) as twice, face_check_slot("first"):
                pass  # one claimant holds one slot at most
            assert twice.value.code == "FACE_CHECK_IN_PROGRESS"
        with face_check_slot("second"):
            pass
        with face_check_slot("third"):
            pass


def _blank_png(width: int, height: int) -> bytes:
    """A one-bit PNG of width × height: a few kilobytes that decode to as many pixels as it says."""
    blank = io.BytesIO()
    Image.new("1", (width, height)).save(blank, "PNG")
    return blank.getvalue()


def _black_clip(path: Any, *, side: int, fps: int, frames: int) -> bytes:
    """An MP4 of `frames` black side × side frames, claiming `fps` frames a second."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (side, side))
    for _ in range(frames):
        writer.write(np.zeros((side, side, 3), dtype=np.uint8))
    writer.release()
    data: bytes = path.read_bytes()
    return data


def _stills(client: Any, tokens: dict[str, Any], challenge_id: str, images: list[bytes]) -> Any:
    parts = [
        ("frames", FileStorage(io.BytesIO(image), f"{n}.png", content_type="image/png"))
        for n, image in enumerate(images)
    ]
    boundary, body = encode_multipart(
        MultiDict([*parts, ("timestamps", ",".join(str(n * 100) for n in range(len(images))))])
    )
    return client.post(
        f"/api/v1/liveness/challenges/{challenge_id}/response",
        data=body,
        headers=bearer(tokens),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_frames_of_more_pixels_than_a_phone_sends_are_refused_before_decoding_and_counted(
    client: Any, claimant: dict[str, Any]
) -> None:
    bomb = _blank_png(14000, 14000)  # 24 KB; once a 500 (DecompressionBombError)
    answer = _stills(client, claimant, challenge(client, claimant).get_json()["challenge_id"], [bomb])
    assert (answer.status_code, answer.get_json()["code"]) == (422, "MEDIA_TOO_LARGE")
    huge = _blank_png(9400, 9400)
    answer = _stills(client, claimant, challenge(client, claimant).get_json()["challenge_id"], [huge])
    assert (answer.status_code, answer.get_json()["code"]) == (422, "MEDIA_TOO_LARGE")
    assert "9400×9400" in answer.get_json()["message"]
    many = [_blank_png(3000, 3000)] * 20  # each within a photo's size, 180 MP in all
    answer = _stills(client, claimant, challenge(client, claimant).get_json()["challenge_id"], many)
    assert (answer.status_code, answer.get_json()["code"]) == (422, "MEDIA_TOO_LARGE")
    # Such uploads count toward the lockout, as failed checks do.
    for _ in range(2):
        _stills(client, claimant, challenge(client, claimant).get_json()["challenge_id"], [huge])
    locked = challenge(client, claimant)
    assert (locked.status_code, locked.get_json()["code"]) == (429, "LOCKED_OUT")
    with unit_of_work() as session:
        refused = session.scalars(select(AuditEvent).where(AuditEvent.outcome == "refused")).all()
        assert [event.detail["refused"] for event in refused] == ["MEDIA_TOO_LARGE"] * 5


def test_a_clip_of_more_pixels_a_frame_than_1080p_is_refused_before_its_frames_are_read(
    client: Any, claimant: dict[str, Any], tmp_path: Any
) -> None:
    clip = _black_clip(tmp_path / "large.mp4", side=2400, fps=30, frames=3)
    answer = respond(client, claimant, challenge(client, claimant).get_json()["challenge_id"], clip)
    assert (answer.status_code, answer.get_json()["code"]) == (422, "MEDIA_TOO_LARGE")
    assert "2400×2400" in answer.get_json()["message"]


def _mirrored(source: Any, target: Any) -> bytes:
    """The clip flipped left to right and re-encoded, a little brighter."""
    capture = cv2.VideoCapture(str(source))
    size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    writer = cv2.VideoWriter(str(target), cv2.VideoWriter.fourcc(*"mp4v"), capture.get(cv2.CAP_PROP_FPS), size)
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        writer.write(cv2.convertScaleAbs(cv2.flip(frame, 1), alpha=1.0, beta=12))
    writer.release()
    capture.release()
    return bytes(target.read_bytes())


def test_the_same_recording_with_bytes_appended_or_trimmed_is_refused_as_a_replay(
    client: Any, claimant: dict[str, Any], turns: bytes, right_then_left: None, tmp_path: Any
) -> None:
    """Before, only the exact bytes were refused: 24 bytes appended passed a new challenge; later a
    mirrored copy still passed."""
    assert respond(client, claimant, challenge(client, claimant).get_json()["challenge_id"], turns).get_json()["passed"]
    padded = turns + b"\x00" * 24
    again = respond(client, claimant, challenge(client, claimant).get_json()["challenge_id"], padded).get_json()
    assert (again["passed"], [r["code"] for r in again["reasons"]]) == (False, ["MEDIA_REPLAYED"])
    trimmed = write_clip(tmp_path / "trimmed.mp4", 85, 162)  # two frames cut, re-encoded
    again = respond(client, claimant, challenge(client, claimant).get_json()["challenge_id"], trimmed).get_json()
    assert (again["passed"], [r["code"] for r in again["reasons"]]) == (False, ["MEDIA_REPLAYED"])
    mirrored = _mirrored(tmp_path / "trimmed.mp4", tmp_path / "mirrored.mp4")  # flipped: its turns swap too
    again = respond(client, claimant, challenge(client, claimant).get_json()["challenge_id"], mirrored).get_json()
    assert (again["passed"], [r["code"] for r in again["reasons"]]) == (False, ["MEDIA_REPLAYED"])
    with unit_of_work() as session:
        kept = [hashes for hashes in session.scalars(select(FaceCheck.frame_hashes)) if hashes]
    (hashes,) = kept  # the first recording's, once: a replay adds nothing
    assert len(hashes) > 50 and all(len(h) == 64 for h in hashes)  # hashes, never frames


def test_frame_hashes_are_forgotten_after_the_replay_window(
    client: Any, claimant: dict[str, Any], turns: bytes, right_then_left: None
) -> None:
    respond(client, claimant, challenge(client, claimant).get_json()["challenge_id"], turns)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=31)), unit_of_work():
        assert face_service.forget_frame_hashes() == 1
    with unit_of_work() as session:
        assert session.scalars(select(FaceCheck.frame_hashes)).all() == [None]


def test_a_clip_claiming_thousands_of_frames_a_second_is_refused(
    client: Any, claimant: dict[str, Any], tmp_path: Any
) -> None:
    """300,000 frames of 16×16 at 60,000 fps once held a face-check slot for 16 s."""
    clip = _black_clip(tmp_path / "fast.mp4", side=16, fps=1000, frames=400)
    answer = respond(client, claimant, challenge(client, claimant).get_json()["challenge_id"], clip)
    assert (answer.status_code, answer.get_json()["code"]) == (422, "MEDIA_TOO_LARGE")
