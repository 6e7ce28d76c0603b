"""刷脸核验: consent and a challenge, the response, or another way."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView

from auth.caller import Caller, Level
from auth.guard import requires
from auth.limits import rate_limited
from auth.service import session_level
from liveness.actions import Action
from miniapp_api.api import Blueprint, ErrorEnvelope, accepts, body_limit
from miniapp_api.errors import ValidationFailed
from miniapp_api.extensions import settings
from miniapp_api.faces import schemas, service

blp = Blueprint("faces", __name__, url_prefix="/api/v1/liveness", description="人脸核验（活体检测与人像比对）")
_VIDEO_TYPES = {"video/mp4", "video/webm", "video/quicktime"}
_IMAGE_TYPES = {"image/jpeg", "image/png"}


def read_upload() -> service.Upload:
    video = request.files.get("video")
    frames = request.files.getlist("frames")
    if bool(video) == bool(frames):
        raise ValidationFailed("请上传一段视频（video），或一组照片（frames）及其拍摄时间", code="MEDIA_REQUIRED")
    if video:
        if video.mimetype not in _VIDEO_TYPES:
            raise ValidationFailed("视频应为 MP4、WebM 或 MOV 格式", code="MEDIA_TYPE")
        return service.Upload("video", [video.read()], [])
    if len(frames) > settings().LIVENESS_MAX_FRAMES:
        raise ValidationFailed(f"照片最多{settings().LIVENESS_MAX_FRAMES}张", code="TOO_MANY_FRAMES")
    if any(frame.mimetype not in _IMAGE_TYPES for frame in frames):
        raise ValidationFailed("照片应为 JPEG 或 PNG 格式", code="MEDIA_TYPE")
    try:
        stamps = [float(part) for part in request.form.get("timestamps", "").split(",") if part.strip()]
    except ValueError:
        raise ValidationFailed("拍摄时间（timestamps）应为逗号分隔的毫秒数", code="BAD_TIMESTAMPS") from None
    return service.Upload("frames", [frame.read() for frame in frames], stamps)


@blp.route("/challenges")
class Challenges(MethodView):
    @rate_limited("RATE_LIMIT_LIVENESS")
    @requires(blp, "claimant", level=Level.BOUND)
    @blp.arguments(schemas.ChallengeIn)
    @blp.response(201, schemas.ChallengeOut)
    @blp.alt_response(409, schema=ErrorEnvelope, description="缺少登记照片（NO_REFERENCE_PHOTO）")
    @blp.alt_response(429, schema=ErrorEnvelope, description="核验失败次数过多，暂时锁定")
    def post(self, body: dict[str, Any], caller: Caller) -> Any:
        """开始一次人脸核验：同意后，按顺序完成随机给出的2–3个动作（120秒内）"""
        return _challenge_out(service.issue_challenge(caller, body["consent"]))


def _challenge_out(challenge: Any) -> dict[str, Any]:
    instructions = [service.INSTRUCTIONS[Action(name)] for name in challenge.actions]
    return {
        "id": challenge.id,
        "provider": challenge.provider,
        "verify_id": challenge.verify_id,
        "actions": challenge.actions,
        "instructions": instructions or ["请在微信人脸核身页面按提示完成，完成后回到本页"],
        "expires_at": challenge.expires_at,
        "purpose": service.PURPOSE,
    }


@blp.route("/identity-challenges")
class IdentityChallenges(MethodView):
    @rate_limited("RATE_LIMIT_LIVENESS")
    @requires(blp, "claimant", level=Level.WECHAT)
    @blp.arguments(schemas.IdentityChallengeIn)
    @blp.response(201, schemas.ChallengeOut)
    @blp.alt_response(409, schema=ErrorEnvelope, description="缺少登记照片（NO_REFERENCE_PHOTO）")
    @blp.alt_response(422, schema=ErrorEnvelope, description="身份证号码与姓名不一致（IDENTITY_UNCONFIRMED）")
    @blp.alt_response(429, schema=ErrorEnvelope, description="核验失败次数过多，暂时锁定")
    def post(self, body: dict[str, Any], caller: Caller) -> Any:
        """以人脸核验绑定身份：身份已被他人绑定或无法直接绑定时，证明是本人后即绑定到本微信账号（原绑定解除）"""
        address = request.remote_addr or "unknown"
        challenge = service.issue_binding_challenge(caller, body["id_number"], body["name"], body["consent"], address)
        return _challenge_out(challenge)


@blp.route("/challenges/<string:challenge_id>/response")
class ChallengeResponse(MethodView):
    @rate_limited("RATE_LIMIT_LIVENESS_ANSWER")
    @body_limit(lambda: settings().LIVENESS_MAX_UPLOAD_BYTES)
    @requires(blp, "claimant", level=Level.WECHAT)  # a binding challenge is answered before binding
    @accepts("multipart/form-data")
    @blp.doc(requestBody=schemas.RESPONSE_BODY)
    @blp.response(200, schemas.VerdictOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="核验任务不存在")
    @blp.alt_response(409, schema=ErrorEnvelope, description="核验任务已使用、已超时或正在核验中")
    @blp.alt_response(413, schema=ErrorEnvelope, description="上传内容过大")
    @blp.alt_response(422, schema=ErrorEnvelope, description="视频或照片无法使用（过长、格式不对）")
    @blp.alt_response(
        503, schema=ErrorEnvelope, description="核验排队中（LIVENESS_BUSY）：按 Retry-After 再次提交，排队位置保留"
    )
    def post(self, challenge_id: str, caller: Caller) -> Any:
        """提交动作视频或照片，得到是否通过及可操作的原因（不返回比对分数）"""
        check = service.answer_challenge(caller, challenge_id, read_upload)
        level = session_level(caller.session_id)
        return {
            "passed": check.passed,
            "reasons": service.reason_messages(check.reasons),
            "level": level.label if level else None,
        }


@blp.route("/challenges/<string:challenge_id>/wechat-result")
class WeChatResult(MethodView):
    @rate_limited("RATE_LIMIT_LIVENESS_ANSWER")
    @requires(blp, "claimant", level=Level.WECHAT)
    @blp.response(200, schemas.VerdictOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="核验任务不存在")
    @blp.alt_response(409, schema=ErrorEnvelope, description="核验任务已使用、已超时，或不是微信人脸核身")
    @blp.alt_response(503, schema=ErrorEnvelope, description="微信服务暂时无法访问")
    def post(self, challenge_id: str, caller: Caller) -> Any:
        """wx.requestFacialVerify 完成后：服务端向微信查询真实核身结果（不采信页面传来的结果）"""
        check = service.answer_wechat(caller, challenge_id)
        level = session_level(caller.session_id)
        return {
            "passed": check.passed,
            "reasons": service.reason_messages(check.reasons),
            "level": level.label if level else None,
        }


@blp.route("/decline")
class Decline(MethodView):
    @requires(blp, "claimant", level=Level.BOUND)
    @blp.response(200, schemas.DeclineOut)
    def post(self, caller: Caller) -> Any:
        """不使用人脸核验：告知到经办机构窗口办理的地址和电话"""
        return service.decline(caller)
