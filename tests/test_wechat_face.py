"""WeChat's face verification (人脸核身) as the deployment's face provider: no reference photo of
the agency's is needed; the server gets a verify_id, the page calls wx.requestFacialVerify, and
the server asks WeChat for the true result. Same consent, levels, lockout and audit as the local
provider; each of WeChat's results in Chinese."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from miniapp_api.audit.models import AuditEvent
from miniapp_api.db import unit_of_work
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer
from tests.claims_helpers import claimant


@pytest.fixture
def wechat_faces(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    app = make_app(FACE_PROVIDER="wechat", FACE_LOCKOUT_FAILURES=3)
    with app.app_context():
        yield app


def _start(client: Any, tokens: dict[str, Any]) -> dict[str, Any]:
    started = client.post("/api/v1/liveness/challenges", json={"consent": True}, headers=bearer(tokens))
    assert started.status_code == 201, started.get_json()
    challenge: dict[str, Any] = started.get_json()
    return challenge


def _result(client: Any, tokens: dict[str, Any], challenge: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/liveness/challenges/{challenge['challenge_id']}/wechat-result", headers=bearer(tokens))


def test_a_claimant_with_no_reference_photo_passes_through_wechat(
    wechat_faces: Flask, wechat_standin: WeChatStandIn
) -> None:
    client = wechat_faces.test_client()
    tokens = claimant(client, wechat_standin, verified=False)
    challenge = _start(client, tokens)
    assert challenge["provider"] == "wechat" and challenge["verify_id"].startswith("vid_")
    assert challenge["actions"] == [] and "微信人脸核身" in challenge["instructions"][0]
    passed = _result(client, tokens, challenge)
    assert passed.status_code == 200, passed.get_json()
    assert passed.get_json() == {"passed": True, "reasons": [], "level": "face_verified"}
    again = _result(client, tokens, challenge)
    assert (again.status_code, again.get_json()["code"]) == (409, "CHALLENGE_USED")
    with unit_of_work() as session:
        event = session.scalars(select(AuditEvent).filter_by(action="face.check")).one()
        assert event.detail["provider"] == "wechat" and event.outcome == "success"


@pytest.mark.parametrize(
    ("verify_ret", "message"),
    [
        (10004, "人脸与公安部门登记的照片不一致"),
        (10003, "身份证号码与姓名不一致，请核对后重试"),
        (10002, "未能检测到清晰的人脸，请在光线充足处正对镜头重试"),
        (90004, "您退出了微信人脸核身，可重新开始，或到经办机构窗口办理"),
        (90010, "请允许微信使用相机和麦克风后重试"),
        (90199, "微信人脸核身未通过（结果码90199），请重试，或到经办机构窗口办理"),
    ],
)
def test_each_of_wechats_results_is_told_in_chinese(
    wechat_faces: Flask, wechat_standin: WeChatStandIn, verify_ret: int, message: str
) -> None:
    client = wechat_faces.test_client()
    tokens = claimant(client, wechat_standin, verified=False)
    wechat_standin.face_outcomes.append(verify_ret)
    failed = _result(client, tokens, _start(client, tokens)).get_json()
    assert failed["passed"] is False
    assert failed["reasons"] == [{"code": f"WECHAT_{verify_ret}", "message": message}]
    assert failed["level"] == "bound"


def test_faces_wechat_rejects_lock_like_any_failure_but_a_cancelled_screen_does_not(
    wechat_faces: Flask, wechat_standin: WeChatStandIn
) -> None:
    client = wechat_faces.test_client()
    tokens = claimant(client, wechat_standin, verified=False)
    wechat_standin.face_outcomes.extend([90002, 90003, 90004, 90005])  # four cancelled screens
    for _ in range(4):
        assert _result(client, tokens, _start(client, tokens)).get_json()["passed"] is False
    wechat_standin.face_outcomes.extend([10004, 10004, 10004])
    for _ in range(3):
        _result(client, tokens, _start(client, tokens))
    locked = client.post("/api/v1/liveness/challenges", json={"consent": True}, headers=bearer(tokens))
    assert locked.status_code == 429


def test_the_page_cannot_claim_a_pass_and_the_two_providers_answers_do_not_mix(
    wechat_faces: Flask, wechat_standin: WeChatStandIn
) -> None:
    client = wechat_faces.test_client()
    tokens = claimant(client, wechat_standin, verified=False)
    challenge = _start(client, tokens)
    video = client.post(
        f"/api/v1/liveness/challenges/{challenge['challenge_id']}/response",
        data={"video": (b"not-a-video", "clip.webm")},
        headers=bearer(tokens),
        content_type="multipart/form-data",
    )
    assert (video.status_code, video.get_json()["code"]) == (409, "WECHAT_CHECK_EXPECTED")
    wechat_standin.face_sessions.clear()  # WeChat knows no such session: the page made it up
    unknown = _result(client, tokens, challenge)
    assert (unknown.status_code, unknown.get_json()["code"]) == (503, "WECHAT_FACE_UNAVAILABLE")
    no_consent = client.post("/api/v1/liveness/challenges", json={"consent": False}, headers=bearer(tokens))
    assert (no_consent.status_code, no_consent.get_json()["code"]) == (422, "CONSENT_REQUIRED")
