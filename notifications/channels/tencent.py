"""Tencent Cloud SMS (2021-01-11) through its official SDK."""

from __future__ import annotations

import datetime as dt

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from notifications.channels.base import Accepted, Found, Outgoing, PermanentError, TemporaryError, transport_error

# Errors about this message itself (number, template, parameters): no retry can help.
_MESSAGE_LEVEL_PREFIXES = ("InvalidParameterValue", "InvalidParameter", "MissingParameter", "FailedOperation")
# …except account-level trouble, where retrying (and failing over meanwhile) is right.
_ACCOUNT_LEVEL = {"FailedOperation.InsufficientBalanceInSmsPackage"}


def classify(code: str, message: str) -> PermanentError | TemporaryError:
    # Anything else — outages, throttling, auth, a response the SDK could not read — is retried
    # a bounded number of times while the other provider takes the load.
    if code.startswith(_MESSAGE_LEVEL_PREFIXES) and code not in _ACCOUNT_LEVEL:
        return PermanentError(f"tencent:{code}", message)
    return TemporaryError(f"tencent:{code}", message)


class TencentSms:
    name = "tencent"

    def __init__(self, *, endpoint: str, secret_id: str, secret_key: str, app_id: str, timeout_s: float = 5.0) -> None:
        http = HttpProfile(endpoint=endpoint, reqTimeout=timeout_s)
        if endpoint.startswith(("127.", "localhost")):
            http.scheme = "http"
        self._client = sms_client.SmsClient(
            credential.Credential(secret_id, secret_key), "ap-guangzhou", ClientProfile(httpProfile=http)
        )
        self._app_id = app_id

    def send(self, outgoing: Outgoing, sign_name: str) -> Accepted:
        if not outgoing.phone:
            raise PermanentError("no_phone", "收件人没有手机号码")
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [f"+86{outgoing.phone}"]
        request.SmsSdkAppId = self._app_id
        request.SignName = sign_name
        request.TemplateId = outgoing.template.tencent_template_id
        request.TemplateParamSet = list(outgoing.rendered.sms_params)
        request.SessionContext = outgoing.message_id
        try:
            response = self._client.SendSms(request)
        except TencentCloudSDKException as error:
            if error.code == "ClientNetworkError":
                raise transport_error("tencent", error) from error
            raise classify(error.code or "ClientNetworkError", error.message or "") from error
        except Exception as error:
            raise transport_error("tencent", error) from error
        if not response.SendStatusSet:
            raise TemporaryError("tencent:empty_response", "SendStatusSet missing")
        status = response.SendStatusSet[0]
        if status.Code != "Ok":
            raise classify(status.Code, status.Message or "")
        return Accepted(self.name, status.SerialNo)

    def lookup(self, message_id: str, phone: str, since: dt.datetime) -> Found | None:
        offset = 0
        while True:
            request = models.PullSmsSendStatusByPhoneNumberRequest()
            request.BeginTime = int(since.timestamp()) - 60
            request.Offset = offset
            request.Limit = 100
            request.PhoneNumber = f"+86{phone}"
            request.SmsSdkAppId = self._app_id
            try:
                statuses = self._client.PullSmsSendStatusByPhoneNumber(request).PullSmsSendStatusSet or []
            except Exception as error:
                raise TemporaryError("tencent:lookup", type(error).__name__) from error
            for status in statuses:
                if status.SessionContext == message_id:
                    delivered = {"SUCCESS": True, "FAIL": False}.get(status.ReportStatus or "")
                    return Found(reference=status.SerialNo, delivered=delivered)
            if len(statuses) < 100:
                return None
            offset += 100
