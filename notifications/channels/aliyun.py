"""Alibaba Cloud SMS (dysmsapi 2017-05-25) through its official SDK."""

from __future__ import annotations

import datetime as dt
import json

from alibabacloud_dysmsapi20170525 import models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.models import Config
from darabonba.runtime import RuntimeOptions

from miniapp_api.clock import CHINA
from notifications.channels.base import Accepted, Found, Outgoing, PermanentError, TemporaryError, transport_error

# Throttling and account-level trouble: retry, and let the other provider take the load.
_THROTTLED = {
    "isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "Throttling.User", "isv.OUT_OF_SERVICE",
    "isv.AMOUNT_NOT_ENOUGH", "isv.ACCOUNT_ABNORMAL", "isv.ACCOUNT_NOT_EXISTS", "InvalidAccessKeyId.NotFound",
    "SignatureDoesNotMatch",
}  # fmt: skip
_DELIVERED, _FAILED = 3, 2


def classify(code: str, message: str) -> PermanentError | TemporaryError:
    # isv.* is about our request (number, template, signature), except throttling and account
    # trouble; isp.* and anything unrecognised is the platform's, worth retrying.
    if code.startswith("isv.") and code not in _THROTTLED:
        return PermanentError(f"aliyun:{code}", message)
    return TemporaryError(f"aliyun:{code}", message)


class AliyunSms:
    name = "aliyun"

    def __init__(self, *, endpoint: str, access_key_id: str, access_key_secret: str, timeout_s: float = 5.0) -> None:
        timeout_ms = int(timeout_s * 1000)
        local = endpoint.startswith(("127.", "localhost"))
        config = Config(
            access_key_id=access_key_id,
            access_key_secret=access_key_secret,
            endpoint=endpoint,
            protocol="http" if local else "https",
            connect_timeout=timeout_ms,
            read_timeout=timeout_ms,
        )
        self._client = Client(config)
        self._runtime = RuntimeOptions(autoretry=False, connect_timeout=timeout_ms, read_timeout=timeout_ms)

    def send(self, outgoing: Outgoing, sign_name: str) -> Accepted:
        if not outgoing.phone:
            raise PermanentError("no_phone", "收件人没有手机号码")
        names = outgoing.template.sms_placeholders
        request = models.SendSmsRequest(
            phone_numbers=outgoing.phone,
            sign_name=sign_name,
            template_code=outgoing.template.aliyun_template_code,
            template_param=json.dumps(dict(zip(names, outgoing.rendered.sms_params, strict=True)), ensure_ascii=False),
            out_id=outgoing.message_id,
        )
        try:
            body = self._client.send_sms_with_options(request, self._runtime).body
        except Exception as error:  # the SDK raises for transport and HTTP errors alike
            code = getattr(error, "code", None)
            if code:
                raise classify(str(code), str(getattr(error, "message", ""))) from error
            raise transport_error("aliyun", error) from error
        if body.code != "OK":
            raise classify(body.code or "unknown", body.message or "")
        return Accepted(self.name, body.biz_id)

    def lookup(self, message_id: str, phone: str, since: dt.datetime) -> Found | None:
        day = since.astimezone(CHINA).date()
        for offset in range((dt.datetime.now(CHINA).date() - day).days + 1):
            found = self._lookup_day(message_id, phone, day + dt.timedelta(days=offset))
            if found:
                return found
        return None

    def _lookup_day(self, message_id: str, phone: str, day: dt.date) -> Found | None:
        page = 1
        while True:
            request = models.QuerySendDetailsRequest(
                phone_number=phone, send_date=f"{day:%Y%m%d}", page_size=50, current_page=page
            )
            try:
                body = self._client.query_send_details_with_options(request, self._runtime).body
            except Exception as error:
                raise TemporaryError("aliyun:lookup", type(error).__name__) from error
            details = body.sms_send_detail_dtos.sms_send_detail_dto if body.sms_send_detail_dtos else []
            for detail in details or []:
                if detail.out_id == message_id:
                    delivered = {_DELIVERED: True, _FAILED: False}.get(int(detail.send_status or 1))
                    return Found(reference=detail.out_id, delivered=delivered)
            if len(details or []) < 50:
                return None
            page += 1
