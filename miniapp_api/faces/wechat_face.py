"""WeChat's face verification (人脸核身) as the second face provider: WeChat compares the live
face with the public-security photo of the name and ID number, so no reference photo of the
agency's is needed. The server asks for a verify_id (getVerifyId) with the person's name and ID
number; the page calls wx.requestFacialVerify with it; the server then asks WeChat for the real
result (queryVerifyInfo) and never trusts what the page says. verify_ret 10000 is a pass.

Both calls go through the wechatpy client (its access-token handling), as wechatpy 1.8 has no
helpers for them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import requests
from wechatpy.exceptions import WeChatClientException

from miniapp_api.errors import ServiceUnavailable
from notifications.channels.base import TemporaryError
from notifications.providers import channels

PASSED = 10000
# queryVerifyInfo's verify_ret, in the words a claimant reads (WeChat's document lists them; a code
# not here gets the general message with its number).
VERIFY_RET_MESSAGES = {
    10001: "核身请求的信息有误，请重新开始",
    10002: "未能检测到清晰的人脸，请在光线充足处正对镜头重试",
    10003: "身份证号码与姓名不一致，请核对后重试",
    10004: "人脸与公安部门登记的照片不一致",
    90001: "这部手机不支持人脸核身，请换一部手机，或到经办机构窗口办理",
    90007: "网络不稳定，请稍后重试",
    90008: "请允许微信使用相机后重试",
    90009: "请允许微信使用麦克风后重试",
    90010: "请允许微信使用相机和麦克风后重试",
    90011: "人脸采集无效，请按提示重新核身",
    90012: "人脸数据上传失败，请稍后重试",
    90017: "核身超时，请重新开始",
    90018: "微信系统繁忙，请稍后重试",
}
_CANCELLED = range(90002, 90007)  # the user left the WeChat screen at one step or another
GENERAL_MESSAGE = "微信人脸核身未通过（结果码{code}），请重试，或到经办机构窗口办理"


@dataclass(frozen=True)
class Outcome:
    verify_ret: int

    @property
    def passed(self) -> bool:
        return self.verify_ret == PASSED

    @property
    def counts_as_failure(self) -> bool:
        """Only WeChat's verdict on the face counts towards the lockout; a cancelled screen, a
        camera refused or a network error is no failed face."""
        return 10000 < self.verify_ret < 90000

    @property
    def reason(self) -> str:
        return f"WECHAT_{self.verify_ret}"


def message_for(reason: str) -> str:
    code = int(reason.removeprefix("WECHAT_"))
    if code in _CANCELLED:
        return "您退出了微信人脸核身，可重新开始，或到经办机构窗口办理"
    return VERIFY_RET_MESSAGES.get(code) or GENERAL_MESSAGE.format(code=code)


def cert_hash(name: str, id_number: str) -> str:
    """The hash of the certificate details queryVerifyInfo asks for, as WeChat's guide builds it
    (confirm the exact form against WeChat's current document before going live)."""
    text = f"cert_type=IDENTITY_CARD&cert_name={name}&cert_no={id_number.upper()}"
    return hashlib.md5(text.encode("utf-8")).hexdigest()  # noqa: S324 - WeChat's format, not a secret


def _post(path: str, payload: dict[str, object]) -> dict[str, object]:
    client = channels().wechat.miniapp
    try:
        answer: dict[str, object] = client.post(f"{client.wxa.API_BASE_URL}{path}", data=payload)
    except WeChatClientException as error:
        raise ServiceUnavailable(
            f"微信人脸核身暂时无法使用（错误码{error.errcode}），请稍后再试或到经办机构窗口办理",
            code="WECHAT_FACE_UNAVAILABLE",
        ) from None
    except (requests.RequestException, OSError, TemporaryError):
        raise ServiceUnavailable("微信服务暂时无法访问，请稍后再试", code="WECHAT_UNAVAILABLE") from None
    return answer


def verify_id(*, out_seq_no: str, name: str, id_number: str, openid: str) -> str:
    answer = _post(
        "cityservice/face/identify/getverifyid",
        {
            "out_seq_no": out_seq_no,
            "cert_info": {"cert_type": "IDENTITY_CARD", "cert_name": name, "cert_no": id_number.upper()},
            "openid": openid,
        },
    )
    found = answer.get("verify_id")
    if not isinstance(found, str) or not found:
        raise ServiceUnavailable("微信未返回人脸核身会话，请稍后再试", code="WECHAT_FACE_UNAVAILABLE")
    return found


def result(*, verify_id: str, out_seq_no: str, name: str, id_number: str, openid: str) -> Outcome:
    answer = _post(
        "cityservice/face/identify/queryverifyinfo",
        {"verify_id": verify_id, "out_seq_no": out_seq_no, "cert_hash": cert_hash(name, id_number), "openid": openid},
    )
    ret = answer.get("verify_ret")
    if not isinstance(ret, int):
        raise ServiceUnavailable("微信未返回人脸核身结果，请稍后再试", code="WECHAT_FACE_UNAVAILABLE")
    return Outcome(ret)
