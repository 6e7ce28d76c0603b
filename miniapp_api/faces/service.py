"""The use cases of face verification: consent and a challenge, the response and its verdict,
and declining (the law requires another way: the agency's counter)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select, update

from auth import lockout
from auth.binding import claimed_for_face_check, stamp_face_check, take_binding
from auth.caller import Caller
from auth.models import WeChatAccount
from auth.sessions import mark_face_verified
from liveness.actions import Action, pick_actions
from liveness.check import REASON_MESSAGES, reference_encoding, verify_against
from liveness.faces import DlibFaces
from liveness.fingerprint import recording_hashes
from liveness.fingerprint import replayed as replayed_by_content
from liveness.frames import OversizedMedia, UnusableMedia, decode_clip, load_still, stills_as_frames
from miniapp_api.audit.service import record, record_regardless
from miniapp_api.db import current_session, utcnow
from miniapp_api.errors import AppError, ConflictError, NotFoundError, ValidationFailed
from miniapp_api.extensions import settings
from miniapp_api.faces import wechat_face
from miniapp_api.faces.capacity import face_check_slot
from miniapp_api.faces.models import FaceCheck, LivenessChallenge
from miniapp_api.records.models import Person, PersonPhoto, Region

INSTRUCTIONS = {
    Action.TURN_LEFT: "请向左转头",
    Action.TURN_RIGHT: "请向右转头",
    Action.BLINK: "请眨眼",
    Action.OPEN_MOUTH: "请张嘴",
}
PURPOSE = (
    "人脸信息仅用于核验您是否为本人（失业保险金申领、变更银行账户等），"
    "比对完成后不保存您的视频或照片，只保存核验结果及其记录，保存期限与业务档案相同。"
    "如不同意，可携带身份证到经办机构窗口办理。"
)
REPLAYED = "MEDIA_REPLAYED"
_EXTRA_MESSAGES = {REPLAYED: "请按本次要求的动作重新拍摄，不要上传以前拍摄的视频或照片"}


@dataclass(frozen=True)
class Upload:
    kind: str  # "video" | "frames"
    parts: list[bytes]
    timestamps_ms: list[float]

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        for part in self.parts:
            digest.update(hashlib.sha256(part).digest())
        return digest.hexdigest()


@functools.cache
def face_model() -> DlibFaces:
    return DlibFaces()


def _face_policy() -> lockout.Policy:
    config = settings()
    return lockout.Policy(config.FACE_LOCKOUT_FAILURES, config.FACE_LOCKOUT_WINDOW_S, config.FACE_LOCKOUT_S)


def _photo(person_id: int) -> PersonPhoto:
    photo = current_session().get(PersonPhoto, person_id)
    if photo is None:
        raise ConflictError(
            "您的登记照片缺失，暂不能进行人脸核验；请携带身份证到经办机构窗口办理", code="NO_REFERENCE_PHOTO"
        )
    return photo


def issue_challenge(caller: Caller, consent: bool) -> LivenessChallenge:
    """A check of the caller's own bound person."""
    assert caller.person_id is not None
    return _new_challenge(caller, caller.person_id, consent, "verify")


def issue_binding_challenge(
    caller: Caller, id_number: str, name: str, consent: bool, address: str
) -> LivenessChallenge:
    """A check of an identity the caller claims but cannot bind directly (someone else holds it,
    or wrong names locked it): a pass binds it to the caller's account. The answer for a wrong
    name is the binding's own, so nothing here tells who is bound."""
    if not consent:
        raise _consent_required()
    person = claimed_for_face_check(caller, id_number, name, address)
    return _new_challenge(caller, person.id, consent, "bind")


def _lock_key(caller: Caller, person_id: int, purpose: str) -> tuple[str, str]:
    """Failed checks lock the person's own face checks; failed attempts to bind an identity lock
    only the account trying (a stranger's failures must not lock the real person out)."""
    if purpose == "bind":
        return "face_bind", f"{caller.wechat_account_id}:{person_id}"
    return "face", str(person_id)


def _consent_required() -> ValidationFailed:
    return ValidationFailed("人脸核验需要您单独同意；不同意时可到经办机构窗口办理", code="CONSENT_REQUIRED")


def _new_challenge(caller: Caller, person_id: int, consent: bool, purpose: str) -> LivenessChallenge:
    """A check by this deployment's provider: `local` (liveness and a match with the agency's
    photo) or `wechat` (WeChat's 人脸核身 against the public-security photo)."""
    if not consent:
        raise _consent_required()
    lockout.check_not_locked(*_lock_key(caller, person_id, purpose))
    config = settings()
    now = utcnow()
    challenge = LivenessChallenge(
        id=uuid.uuid4().hex,
        session_id=caller.session_id,
        person_id=person_id,
        actions=[],
        purpose=purpose,
        provider=config.FACE_PROVIDER,
        issued_at=now,
        expires_at=now + dt.timedelta(seconds=config.LIVENESS_CHALLENGE_TTL_S),
    )
    if config.FACE_PROVIDER == "wechat":
        person, openid = _person_and_openid(caller, person_id)
        challenge.verify_id = wechat_face.verify_id(
            out_seq_no=challenge.id, name=person.name, id_number=person.id_number, openid=openid
        )
        # WeChat's screens take longer than three actions: the user reads, allows, turns.
        challenge.expires_at = now + dt.timedelta(seconds=max(config.LIVENESS_CHALLENGE_TTL_S, 600))
    else:
        _photo(person_id)
        challenge.actions = [action.value for action in pick_actions()]
    current_session().add(challenge)
    record(
        "face.challenge",
        actor=caller.audit_actor,
        subject=("person", person_id),
        detail={"consent": True, "purpose": purpose, "provider": challenge.provider},
    )
    return challenge


def _person_and_openid(caller: Caller, person_id: int) -> tuple[Person, str]:
    db = current_session()
    person = db.get(Person, person_id)
    account = db.get(WeChatAccount, caller.wechat_account_id) if caller.wechat_account_id else None
    assert person is not None
    assert account is not None  # a claimant's session has its WeChat user
    return person, account.openid


def _open_challenge(caller: Caller, challenge_id: str) -> LivenessChallenge:
    """The caller's own unanswered, unexpired challenge: of its session, and for its bound person
    (or, to bind, for the identity it claimed)."""
    db = current_session()
    challenge = db.get(LivenessChallenge, challenge_id)
    mine = challenge is not None and challenge.session_id == caller.session_id
    if not mine or (challenge.purpose == "verify" and challenge.person_id != caller.person_id):  # type: ignore[union-attr]
        raise NotFoundError("核验任务不存在，请重新开始", code="CHALLENGE_NOT_FOUND")
    assert challenge is not None
    if challenge.answered_at is not None:
        raise ConflictError("该核验任务已使用，请重新开始", code="CHALLENGE_USED")
    if challenge.expires_at <= utcnow():
        raise ConflictError("核验任务已超时，请重新开始", code="CHALLENGE_EXPIRED")
    return challenge


def _mark_answered(challenge: LivenessChallenge) -> None:
    """A challenge works once: of two answers racing, the second is refused."""
    claimed = current_session().execute(
        update(LivenessChallenge)
        .where(LivenessChallenge.id == challenge.id, LivenessChallenge.answered_at.is_(None))
        .values(answered_at=utcnow())
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError("该核验任务已使用，请重新开始", code="CHALLENGE_USED")


def _known_encoding(photo: PersonPhoto) -> npt.NDArray[np.float64]:
    if photo.encoding is not None:
        return np.frombuffer(photo.encoding, dtype=np.float64)
    encoding = reference_encoding(load_still(photo.content), face_model())
    if encoding is None:
        raise ConflictError("登记照片无法用于比对，请到经办机构更新照片", code="REFERENCE_UNUSABLE")
    photo.encoding = encoding.astype(np.float64).tobytes()
    return encoding


def answer_wechat(caller: Caller, challenge_id: str) -> FaceCheck:
    """After wx.requestFacialVerify: WeChat's own record of the check decides, never the page."""
    challenge = _open_challenge(caller, challenge_id)
    if challenge.provider != "wechat" or not challenge.verify_id:
        raise ConflictError("这次核验不是微信人脸核身，请按页面提示录制动作视频", code="NOT_A_WECHAT_CHECK")
    _mark_answered(challenge)
    guess = lockout.attempt(*_lock_key(caller, challenge.person_id, challenge.purpose), _face_policy())
    person, openid = _person_and_openid(caller, challenge.person_id)
    outcome = wechat_face.result(
        verify_id=challenge.verify_id,
        out_seq_no=challenge.id,
        name=person.name,
        id_number=person.id_number,
        openid=openid,
    )
    if not outcome.passed and not outcome.counts_as_failure:
        guess.succeeded(forget_failures=False)  # a cancelled screen is not a failed face
    digest = hashlib.sha256(f"wechat:{challenge.verify_id}".encode()).hexdigest()
    return _settle(
        caller, challenge, guess, [] if outcome.passed else [outcome.reason], None, {}, "wechat", digest, None,
        count_failure=outcome.counts_as_failure,
    )  # fmt: skip


def answer_challenge(caller: Caller, challenge_id: str, read_upload: Callable[[], Upload]) -> FaceCheck:
    """`read_upload` is called once the challenge is known to be the caller's and open, and this
    host has a face-check slot for it (else 503 with the challenge's place in the queue, the
    upload unread)."""
    challenge = _open_challenge(caller, challenge_id)
    if challenge.provider == "wechat":
        raise ConflictError("这次核验使用微信人脸核身，请在微信中完成", code="WECHAT_CHECK_EXPECTED")
    with face_check_slot(f"person:{challenge.person_id}"):
        _mark_answered(challenge)
        return _check(caller, challenge, read_upload())


def _check(caller: Caller, challenge: LivenessChallenge, upload: Upload) -> FaceCheck:
    person_id = challenge.person_id  # the bound person, or the identity claimed
    guess = lockout.attempt(*_lock_key(caller, person_id, challenge.purpose), _face_policy())
    db = current_session()
    config = settings()
    try:
        if upload.kind == "video":
            frames = decode_clip(upload.parts[0], max_seconds=config.LIVENESS_MAX_SECONDS)
        else:
            frames = stills_as_frames(upload.parts, upload.timestamps_ms)
    except OversizedMedia as error:
        guess.failed()  # sent to tie up the server: an attempt like any other
        record_regardless(
            "face.check",
            actor=caller.audit_actor,
            subject=("person", person_id),
            detail={"refused": error.code, "media_sha256": upload.sha256},
            outcome="refused",
        )
        raise ValidationFailed(error.message, code=error.code) from None
    except UnusableMedia as error:
        guess.succeeded(forget_failures=False)  # an unreadable upload is not a failed face
        raise ValidationFailed(error.message, code=error.code) from None
    hashes = recording_hashes(frames)
    replayed = db.scalar(select(FaceCheck.id).where(FaceCheck.media_sha256 == upload.sha256).limit(1)) is not None
    replayed = replayed or replayed_by_content(frames, hashes, _recent_recordings(person_id))
    actions = [Action(name) for name in challenge.actions]
    if replayed:
        reasons, distance, timings = [REPLAYED], None, {}
    else:
        verdict = verify_against(_known_encoding(_photo(person_id)), frames, actions, face_model())
        reasons, distance, timings = verdict.reasons, verdict.match_distance, verdict.timings_ms
    frame_hashes = None if replayed else hashes  # a replay's frames are known already
    return _settle(caller, challenge, guess, reasons, distance, timings, upload.kind, upload.sha256, frame_hashes)


def _settle(
    caller: Caller,
    challenge: LivenessChallenge,
    guess: lockout.Attempt,
    reasons: list[str],
    distance: float | None,
    timings: dict[str, Any],
    media_kind: str,
    media_sha256: str,
    frame_hashes: list[str] | None,
    *,
    count_failure: bool = True,
) -> FaceCheck:
    """The verdict kept, the lockout told, and a pass giving the session its level (and, to
    bind, the identity): the same for either provider."""
    db = current_session()
    person_id = challenge.person_id
    passed = not reasons
    check = FaceCheck(
        challenge_id=challenge.id,
        person_id=person_id,
        session_id=caller.session_id,
        passed=passed,
        reasons=reasons,
        match_distance=distance,
        timings_ms=timings,
        media_kind=media_kind,
        media_sha256=media_sha256,
        frame_hashes=frame_hashes,
    )
    db.add(check)
    if passed:
        guess.succeeded()
        mark_face_verified(caller.session_id, person_id)
        if challenge.purpose == "bind":
            person = db.get(Person, person_id)
            assert person is not None
            take_binding(caller, person, face_checked=True)
        else:
            stamp_face_check(caller.session_id, person_id)
    elif count_failure:
        guess.failed()
    record(
        "face.check",
        actor=caller.audit_actor,
        subject=("person", person_id),
        outcome="success" if passed else "failure",
        detail={"reasons": reasons, "media_sha256": media_sha256, "provider": challenge.provider},
    )
    return check


def _recent_recordings(person_id: int) -> list[list[str]]:
    """The frame hashes of this person's recordings within LIVENESS_REPLAY_DAYS."""
    since = utcnow() - dt.timedelta(days=settings().LIVENESS_REPLAY_DAYS)
    rows = current_session().scalars(
        select(FaceCheck.frame_hashes).where(
            FaceCheck.person_id == person_id, FaceCheck.created_at >= since, FaceCheck.frame_hashes.is_not(None)
        )
    )
    return [list(row) for row in rows if row]


def forget_frame_hashes() -> int:
    """Past LIVENESS_REPLAY_DAYS a recording's hashes are not kept (only its SHA-256 stays)."""
    since = utcnow() - dt.timedelta(days=settings().LIVENESS_REPLAY_DAYS)
    forgotten = current_session().execute(
        update(FaceCheck)
        .where(FaceCheck.created_at < since, FaceCheck.frame_hashes.is_not(None))
        .values(frame_hashes=None)
    )
    return int(forgotten.rowcount or 0)  # type: ignore[attr-defined]


def reason_messages(codes: list[str]) -> list[dict[str, str]]:
    return [{"code": code, "message": _message(code)} for code in codes]


def _message(code: str) -> str:
    if code.startswith("WECHAT_"):
        return wechat_face.message_for(code)
    return REASON_MESSAGES.get(code) or _EXTRA_MESSAGES[code]


def decline(caller: Caller) -> dict[str, object]:
    """A claimant who will not use face verification is told where to go instead."""
    db = current_session()
    person = db.get(Person, caller.person_id) if caller.person_id else None
    region = db.get(Region, person.region_code) if person else None
    record("face.declined", actor=caller.audit_actor, subject=("person", caller.person_id))
    if region is None:
        raise AppError("请携带身份证到参保地经办机构窗口办理", code="USE_COUNTER_SERVICE", status=409)
    return {
        "message": (
            f"您可以不使用人脸核验，携带身份证到{region.agency_name}窗口办理"
            f"（{region.agency_address}，电话{region.agency_phone}）。"
        ),
        "agency": {"name": region.agency_name, "address": region.agency_address, "phone": region.agency_phone},
    }
