from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from miniapp_api.api import Schema
from miniapp_api.records import fields as f


class ChallengeIn(Schema):
    consent = ma.fields.Boolean(
        required=True,
        metadata={"label": "同意人脸核验", "description": "本人单独同意采集人脸信息用于核验（见 purpose）"},
    )


class IdentityChallengeIn(ChallengeIn):
    id_number = f.IdNumber(required=True, metadata={"label": "身份证号码"})
    name = f.Text(required=True, validate=validate.Length(max=50), metadata={"label": "姓名"})


class ChallengeOut(Schema):
    challenge_id = ma.fields.String(attribute="id")
    provider = ma.fields.String(
        metadata={"description": "local：录制动作视频上传；wechat：调用 wx.requestFacialVerify"}
    )
    verify_id = ma.fields.String(
        allow_none=True,
        metadata={"description": "微信人脸核身会话标识，传给 wx.requestFacialVerify（provider 为 wechat 时）"},
    )
    actions = ma.fields.List(ma.fields.String(), metadata={"description": "按顺序完成：turn_left / turn_right …"})
    instructions = ma.fields.List(ma.fields.String(), metadata={"description": "给用户看的提示，如“请向左转头”"})
    expires_at = ma.fields.DateTime()
    purpose = ma.fields.String(metadata={"description": "用途、保存与替代办理方式的告知"})


class ReasonOut(Schema):
    code = ma.fields.String()
    message = ma.fields.String()


class VerdictOut(Schema):
    passed = ma.fields.Boolean()
    reasons = ma.fields.List(ma.fields.Nested(ReasonOut))
    level = ma.fields.String(allow_none=True, metadata={"description": "通过后为 face_verified"})


class AgencyOut(Schema):
    name = ma.fields.String()
    address = ma.fields.String()
    phone = ma.fields.String()


class DeclineOut(Schema):
    message = ma.fields.String()
    agency = ma.fields.Nested(AgencyOut)


RESPONSE_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "video": {"type": "string", "format": "binary", "description": "MP4/WebM/MOV，5秒以内"},
                    "frames": {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                        "description": "或按时间顺序的 JPEG/PNG 照片",
                    },
                    "timestamps": {"type": "string", "description": "与 frames 对应的拍摄时间（毫秒，逗号分隔）"},
                },
            }
        }
    },
}
