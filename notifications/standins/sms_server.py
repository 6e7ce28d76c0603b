"""Stand-in for Alibaba Cloud's and Tencent Cloud's SMS APIs, enough of each for the
official SDKs' calls to succeed: send, look up by number, and delivery receipts posted back
to the service's receipt endpoint after a delay, as the real providers do."""

from __future__ import annotations

import datetime as dt
import heapq
import json
import threading
import time
import urllib.request
from collections import Counter
from typing import Any

from miniapp_api.clock import CHINA
from notifications.standins.base import Request, StandInServer

RECEIPT_BATCH = 100


class SmsStandIn(StandInServer):
    def __init__(
        self,
        port: int = 0,
        *,
        receipt_url: str | None = None,
        receipt_token: str = "",
        receipt_delay_s: float = 0.05,
        response_delay_s: float = 0.0,
    ) -> None:
        super().__init__(port)
        self.receipt_url = receipt_url
        self.receipt_token = receipt_token
        self.receipt_delay_s = receipt_delay_s
        self.response_delay_s = response_delay_s
        self.accepted: list[dict[str, Any]] = []
        self.sends_by_reference: Counter[str] = Counter()
        self.receipt_outcomes: list[str] = []  # next receipts: "delivered" or "failed:<code>"
        self.receipts_posted = 0
        self.receipt_failures = 0
        self._state = threading.Lock()
        self._due: list[tuple[float, int, str, dict[str, Any]]] = []
        self._wake = threading.Condition(self._state)
        threading.Thread(target=self._post_receipts, name="sms-standin-receipts", daemon=True).start()

    def reset(self) -> None:
        super().reset()
        with self._state:
            self.accepted.clear()
            self.sends_by_reference.clear()
            self.receipt_outcomes.clear()
            self._due.clear()
            self.receipts_posted = self.receipt_failures = 0

    # -- routing ---------------------------------------------------------------------------
    def script_key(self, request: Request) -> str:
        if "x-tc-action" in request.headers:
            return f"tencent:{request.headers['x-tc-action']}"
        return f"aliyun:{request.headers.get('x-acs-action') or request.query.get('Action', '')}"

    def answer(self, request: Request) -> tuple[int, Any]:
        if self.response_delay_s:
            time.sleep(self.response_delay_s)
        key = self.script_key(request)
        handlers = {
            "aliyun:SendSms": self._aliyun_send,
            "aliyun:QuerySendDetails": self._aliyun_query,
            "tencent:SendSms": self._tencent_send,
            "tencent:PullSmsSendStatusByPhoneNumber": self._tencent_pull,
        }
        handler = handlers.get(key)
        if handler is None:
            return 400, {"Code": "InvalidAction", "Message": key}
        return handler(request)

    def control(self, request: Request) -> tuple[int, Any]:
        if request.path == "/__control__/stats":
            with self._state:
                return 200, {
                    "accepted": len(self.accepted),
                    "by_reference": dict(self.sends_by_reference),
                    "receipts_posted": self.receipts_posted,
                    "receipt_failures": self.receipt_failures,
                }
        if request.path == "/__control__/inbox":
            # The texts a phone would have received (GET /__control__/inbox?phone=139…), newest first.
            phone = request.query.get("phone", "")
            with self._state:
                texts = [
                    {key: record[key] for key in ("at", "provider", "template", "params")}
                    for record in reversed(self.accepted)
                    if record["phone"].endswith(phone)
                ]
            return 200, texts
        return super().control(request)

    # -- Alibaba Cloud ---------------------------------------------------------------------
    def _aliyun_send(self, request: Request) -> tuple[int, Any]:
        q = request.query
        phone = q.get("PhoneNumbers", "")
        if not phone.isdigit() or len(phone) != 11:
            return 200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": "r"}
        record = self._accept(
            "aliyun", q.get("OutId", ""), phone, q.get("TemplateCode", ""), q.get("TemplateParam", "")
        )
        return 200, {"Code": "OK", "Message": "OK", "BizId": record["serial"], "RequestId": record["serial"]}

    def _aliyun_query(self, request: Request) -> tuple[int, Any]:
        q = request.query
        phone, day = q.get("PhoneNumber", ""), q.get("SendDate", "")
        size, page = int(q.get("PageSize", 10)), int(q.get("CurrentPage", 1))
        with self._state:
            rows = [r for r in self.accepted if r["provider"] == "aliyun" and r["phone"] == phone and r["day"] == day]
        chunk = rows[(page - 1) * size : page * size]
        details = [
            {
                "OutId": r["reference"],
                "PhoneNum": r["phone"],
                "SendStatus": {None: 1, True: 3, False: 2}[r["delivered"]],
                "ErrCode": "DELIVERED" if r["delivered"] else "",
                "TemplateCode": r["template"],
                "Content": r["params"],
                "SendDate": r["at"],
                "ReceiveDate": r["at"],
            }
            for r in chunk
        ]
        return 200, {
            "Code": "OK",
            "Message": "OK",
            "TotalCount": len(rows),
            "SmsSendDetailDTOs": {"SmsSendDetailDTO": details},
        }

    # -- Tencent Cloud ---------------------------------------------------------------------
    def _tencent_send(self, request: Request) -> tuple[int, Any]:
        body = request.json() or {}
        phone = (body.get("PhoneNumberSet") or [""])[0].removeprefix("+86")
        if not phone.isdigit() or len(phone) != 11:
            refused = {
                "Code": "InvalidParameterValue.IncorrectPhoneNumber",
                "Message": "手机号格式错误",
                "SerialNo": "",
            }
            return 200, {"Response": {"SendStatusSet": [refused], "RequestId": "r"}}
        params = json.dumps(body.get("TemplateParamSet", []), ensure_ascii=False)
        record = self._accept("tencent", body.get("SessionContext", ""), phone, str(body.get("TemplateId", "")), params)
        status: dict[str, Any] = {
            "SerialNo": record["serial"], "PhoneNumber": f"+86{phone}", "Fee": 1, "SessionContext": record["reference"],
            "Code": "Ok", "Message": "send success", "IsoCode": "CN",
        }  # fmt: skip
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": record["serial"]}}

    def _tencent_pull(self, request: Request) -> tuple[int, Any]:
        body = request.json() or {}
        phone = str(body.get("PhoneNumber", "")).removeprefix("+86")
        offset, limit = int(body.get("Offset", 0)), int(body.get("Limit", 100))
        with self._state:
            rows = [r for r in self.accepted if r["provider"] == "tencent" and r["phone"] == phone]
        statuses = [
            {
                "UserReceiveTime": None,
                "CountryCode": "86",
                "SubscriberNumber": r["phone"],
                "PhoneNumber": f"+86{r['phone']}",
                "SerialNo": r["serial"],
                "ReportStatus": {None: None, True: "SUCCESS", False: "FAIL"}[r["delivered"]],
                "Description": "",
                "SessionContext": r["reference"],
            }
            for r in rows[offset : offset + limit]
        ]
        return 200, {"Response": {"PullSmsSendStatusSet": statuses, "RequestId": "r"}}

    # -- records and receipts --------------------------------------------------------------
    def _accept(self, provider: str, reference: str, phone: str, template: str, params: str) -> dict[str, Any]:
        now = dt.datetime.now(CHINA)
        with self._state:
            serial = f"{provider[:2]}{len(self.accepted) + 1:010d}"
            record = {
                "provider": provider, "reference": reference, "serial": serial, "phone": phone, "template": template,
                "params": params, "day": f"{now:%Y%m%d}", "at": f"{now:%Y-%m-%d %H:%M:%S}", "delivered": None,
            }  # fmt: skip
            self.accepted.append(record)
            self.sends_by_reference[reference] += 1
            if self.receipt_url:
                heapq.heappush(
                    self._due, (time.monotonic() + self.receipt_delay_s, len(self.accepted), provider, record)
                )
                self._wake.notify()
        return record

    def _receipt_body(self, provider: str, record: dict[str, Any], outcome: str) -> list[dict[str, Any]]:
        ok = outcome == "delivered"
        code = "DELIVERED" if ok else outcome.partition(":")[2] or "UNDELIV"
        now = f"{dt.datetime.now(CHINA):%Y-%m-%d %H:%M:%S}"
        if provider == "aliyun":
            return [{
                "phone_number": record["phone"], "send_time": record["at"], "report_time": now, "success": ok,
                "err_code": code, "err_msg": "用户接收成功" if ok else "用户接收失败", "sms_size": "1",
                "biz_id": record["serial"], "out_id": record["reference"],
            }]  # fmt: skip
        return [{
            "user_receive_time": now, "nationcode": "86", "mobile": record["phone"],
            "report_status": "SUCCESS" if ok else "FAIL", "errmsg": "DELIVRD" if ok else code,
            "description": "用户短信送达成功" if ok else "用户短信未送达", "sid": record["serial"],
        }]  # fmt: skip

    def _post_receipts(self) -> None:
        """Post due receipts, batched per provider as both providers' push APIs do."""
        while True:
            batches: dict[str, list[dict[str, Any]]] = {}
            with self._state:
                while not self._due or self._due[0][0] > time.monotonic():
                    self._wake.wait(timeout=0.05 if self._due else 1.0)
                while self._due and self._due[0][0] <= time.monotonic() and len(batches.get("all", [])) < RECEIPT_BATCH:
                    _, _, provider, record = heapq.heappop(self._due)
                    outcome = self.receipt_outcomes.pop(0) if self.receipt_outcomes else "delivered"
                    record["delivered"] = outcome == "delivered"
                    batches.setdefault(provider, []).extend(self._receipt_body(provider, record, outcome))
                    batches.setdefault("all", []).append(record)
            batches.pop("all", None)
            for provider, body in batches.items():
                # Each batch on its own thread: a callback that is slow or retrying must not
                # hold back the receipts behind it.
                threading.Thread(target=self._post, args=(provider, body), daemon=True).start()

    def _post(self, provider: str, body: list[dict[str, Any]]) -> None:
        url = f"{self.receipt_url}/{provider}?token={self.receipt_token}"
        request = urllib.request.Request(  # noqa: S310 - the service's own receipt URL
            url, data=json.dumps(body, ensure_ascii=False).encode(), headers={"Content-Type": "application/json"}
        )
        for attempt in range(5):  # providers retry failed callbacks too
            try:
                # The receipt URL comes from the service's own configuration (http on loopback).
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                    response.read()
                with self._state:
                    self.receipts_posted += len(body)
                return
            except OSError:
                time.sleep(0.2 * (attempt + 1))
        with self._state:
            self.receipt_failures += 1
