"""Stand-in for the WeChat APIs the service calls: access tokens, jscode2session, subscribe
and template messages. Tokens are real in the sense that matters: a new one invalidates the
old, and a request with a stale token gets 40001, as on WeChat.

Subscriptions follow WeChat's rules: a user's "accept" in the popup allows one subscribe message
of that template (a long-term template, until turned off); a send with nothing allowed gets
43101. Each popup's result is also pushed to the service's message-push URL, signed and
encrypted as WeChat does (safe mode), when one is configured."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import threading
import time
from typing import Any

import requests
import xmltodict
from wechatpy.crypto import WeChatCrypto

from notifications.standins.base import Request, StandInServer

NOT_ALLOWED = 43101


class WeChatStandIn(StandInServer):
    def __init__(self, port: int = 0, *, apps: dict[str, str] | None = None) -> None:
        super().__init__(port)
        self.apps = dict(apps or {})  # appid -> secret; empty accepts any pair
        self.tokens: dict[str, str] = {}  # appid -> the one valid token
        self.token_fetches: dict[str, int] = {}
        self.sent: list[dict[str, Any]] = []
        self.sessions: dict[str, dict[str, str]] = {}  # js_code -> {openid, session_key[, unionid]}
        self.allowed: dict[tuple[str, str], int] = {}  # (openid, template_id) -> sends allowed
        self.long_term: set[tuple[str, str]] = set()  # (openid, template_id) held until turned off
        self.long_term_templates: set[str] = set()
        self.push_to: dict[str, str] | None = None  # url, token, aes_key, appid
        self.calls: dict[str, int] = {}  # path -> requests received
        self._pushing: list[threading.Thread] = []
        self.phone_codes: dict[str, str] = {}  # getPhoneNumber code -> the phone it stands for
        self.face_sessions: dict[str, dict[str, str]] = {}  # verify_id -> openid, out_seq_no, cert_hash
        self.face_outcomes: list[int] = []  # the next 人脸核身 results (verify_ret); none: a pass
        self._state = threading.Lock()

    def script_key(self, request: Request) -> str:
        return request.path

    def scripted(self, request: Request) -> tuple[int, Any] | None:
        with self._state:  # every API request passes here first, scripted or not
            self.calls[request.path] = self.calls.get(request.path, 0) + 1
        return super().scripted(request)

    def requests_to(self, path: str) -> int:
        with self._state:
            return self.calls.get(path, 0)

    def reset(self) -> None:
        super().reset()
        with self._state:
            self.tokens.clear()
            self.token_fetches.clear()
            self.sent.clear()
            self.sessions.clear()
            self.allowed.clear()
            self.long_term.clear()
            self.calls.clear()
            self.phone_codes.clear()
            self.face_sessions.clear()
            self.face_outcomes.clear()

    def answer(self, request: Request) -> tuple[int, Any]:
        if request.path == "/cgi-bin/token":
            return self._token(request)
        if request.path == "/sns/jscode2session":
            return self._code_to_session(request)
        if request.path in ("/cgi-bin/message/subscribe/send", "/cgi-bin/message/template/send"):
            return self._send(request)
        if request.path == "/wxa/business/getuserphonenumber":
            return self._phone_number(request)
        if request.path == "/cityservice/face/identify/getverifyid":
            return self._face_session(request)
        if request.path == "/cityservice/face/identify/queryverifyinfo":
            return self._face_result(request)
        return 404, {"errcode": 404, "errmsg": "not found"}

    def _token(self, request: Request) -> tuple[int, Any]:
        appid, secret = request.query.get("appid", ""), request.query.get("secret", "")
        if self.apps and self.apps.get(appid) != secret:
            return 200, {"errcode": 40013, "errmsg": "invalid appid or secret"}
        with self._state:
            token = f"TOKEN-{appid}-{secrets.token_hex(8)}"
            self.tokens[appid] = token
            self.token_fetches[appid] = self.token_fetches.get(appid, 0) + 1
        return 200, {"access_token": token, "expires_in": 7200}

    def issue_code(self, openid: str | None = None, unionid: str | None = None) -> str:
        """What wx.login does on the phone: a one-time code for this user of the mini-program."""
        code = secrets.token_hex(16)
        session = {"openid": openid or f"o{secrets.token_hex(13)}", "session_key": secrets.token_hex(12)}
        if unionid:
            session["unionid"] = unionid
        with self._state:
            self.sessions[code] = session
        return code

    def issue_phone_code(self, phone: str) -> str:
        """What the getPhoneNumber button gives the page: a one-time code for the user's phone."""
        code = secrets.token_hex(16)
        with self._state:
            self.phone_codes[code] = phone
        return code

    def _phone_number(self, request: Request) -> tuple[int, Any]:
        token = request.query.get("access_token", "")
        with self._state:
            if token not in self.tokens.values():
                return 200, {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
            phone = self.phone_codes.pop(str((request.json() or {}).get("code")), None)  # works once
        if phone is None:
            return 200, {"errcode": 40029, "errmsg": "invalid code"}
        watermark = {"timestamp": int(time.time()), "appid": request.query.get("appid", "")}
        info = {"phoneNumber": phone, "purePhoneNumber": phone, "countryCode": "86", "watermark": watermark}
        return 200, {"errcode": 0, "errmsg": "ok", "phone_info": info}

    def _valid_token(self, request: Request) -> bool:
        return request.query.get("access_token", "") in self.tokens.values()

    def _face_session(self, request: Request) -> tuple[int, Any]:
        """getVerifyId: a 人脸核身 session for a name and ID number, for one WeChat user."""
        data = request.json() or {}
        given = data.get("cert_info")
        cert: dict[str, Any] = given if isinstance(given, dict) else {}
        if not (data.get("openid") and data.get("out_seq_no") and cert.get("cert_name") and cert.get("cert_no")):
            return 200, {"errcode": 40097, "errmsg": "invalid args"}
        with self._state:
            if not self._valid_token(request):
                return 200, {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
            verify_id = f"vid_{secrets.token_hex(24)}"
            self.face_sessions[verify_id] = {
                "openid": str(data["openid"]),
                "out_seq_no": str(data["out_seq_no"]),
                "cert_hash": _md5(f"cert_type=IDENTITY_CARD&cert_name={cert['cert_name']}&cert_no={cert['cert_no']}"),
            }
        return 200, {"errcode": 0, "errmsg": "ok", "verify_id": verify_id, "expires_in": 3600}

    def _face_result(self, request: Request) -> tuple[int, Any]:
        """queryVerifyInfo: the session's true result, for the same user, sequence and certificate."""
        data = request.json() or {}
        with self._state:
            if not self._valid_token(request):
                return 200, {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
            known = self.face_sessions.get(str(data.get("verify_id")))
            asked = {key: str(data.get(key)) for key in ("openid", "out_seq_no", "cert_hash")}
            if known is None or known != asked:
                return 200, {"errcode": 40097, "errmsg": "invalid args"}
            ret = self.face_outcomes.pop(0) if self.face_outcomes else 10000
        return 200, {"errcode": 0, "errmsg": "ok", "verify_ret": ret}

    def control(self, request: Request) -> tuple[int, Any]:
        """Also POST /__control__/wx-login {"openid"?} → {"code"}, as wx.login would give the app,
        and POST /__control__/subscribe {"openid", "results": {template_id: accept|reject}}, as
        the user answering wx.requestSubscribeMessage's popup."""
        if request.path == "/__control__/wx-login":
            data = request.json() or {}
            return 200, {"code": self.issue_code(data.get("openid"), data.get("unionid"))}
        if request.path == "/__control__/phone-code":
            data = request.json() or {}
            return 200, {"code": self.issue_phone_code(str(data.get("phone") or ""))}
        if request.path == "/__control__/face-outcome":
            data = request.json() or {}
            with self._state:
                self.face_outcomes.append(int(data.get("verify_ret") or 10000))
            return 200, {"ok": True}
        if request.path == "/__control__/subscribe":
            data = request.json() or {}
            given = data.get("results")
            results = {str(k): str(v) for k, v in given.items()} if isinstance(given, dict) else {}
            pushed = self.user_answers(str(data.get("openid") or ""), results)
            return 200, {"pushed": pushed}
        return super().control(request)

    # --- subscriptions ----------------------------------------------------------------------

    def configure_push(self, url: str, token: str, aes_key: str, appid: str) -> None:
        self.push_to = {"url": url, "token": token, "aes_key": aes_key, "appid": appid}

    def user_answers(self, openid: str, results: dict[str, str], *, push: bool = True) -> bool:
        """The user's answers in one popup; True when they were pushed to the service."""
        with self._state:
            for template_id, result in results.items():
                key = (openid, template_id)
                if result == "accept" and template_id in self.long_term_templates:
                    self.long_term.add(key)
                elif result == "accept":
                    self.allowed[key] = self.allowed.get(key, 0) + 1
                elif result == "ban":
                    self.allowed.pop(key, None)
                    self.long_term.discard(key)
        if not (push and self.push_to):
            return False
        # WeChat pushes on its own time, not within the page's request: a caller never waits for it.
        query, body = self.popup_push(openid, results)
        thread = threading.Thread(target=self._push, args=(self.push_to["url"], query, body), daemon=True)
        with self._state:
            self._pushing.append(thread)
        thread.start()
        return True

    def _push(self, url: str, query: dict[str, str], body: bytes) -> None:
        # The service not listening: WeChat's push is lost, and the page still reports the answers.
        with contextlib.suppress(requests.RequestException):
            requests.post(url, params=query, data=body, headers={"Content-Type": "text/xml"}, timeout=10)

    def wait_for_pushes(self, timeout_s: float = 10) -> None:
        """For tests: every push sent so far has been answered."""
        with self._state:
            pending, self._pushing = self._pushing, []
        for thread in pending:
            thread.join(timeout_s)

    def popup_push(
        self, openid: str, results: dict[str, str], *, timestamp: int | None = None
    ) -> tuple[dict[str, str], bytes]:
        """WeChat's subscribe_msg_popup_event for these answers, as query parameters and body."""
        assert self.push_to is not None, "configure_push first"
        when = str(timestamp if timestamp is not None else int(time.time()))
        items = "".join(
            f"<List><TemplateId><![CDATA[{template_id}]]></TemplateId>"
            f"<SubscribeStatusString><![CDATA[{result}]]></SubscribeStatusString>"
            "<PopupScene>0</PopupScene></List>"
            for template_id, result in results.items()
        )
        xml = (
            f"<xml><ToUserName><![CDATA[gh_standin]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{when}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[subscribe_msg_popup_event]]></Event>"
            f"<SubscribeMsgPopupEvent>{items}</SubscribeMsgPopupEvent></xml>"
        )
        return self.signed(xml, timestamp=when)

    def signed(self, xml: str, *, timestamp: str) -> tuple[dict[str, str], bytes]:
        """A push as WeChat sends it in safe mode: encrypted, with both signatures."""
        assert self.push_to is not None
        nonce = secrets.token_hex(8)
        crypto = WeChatCrypto(self.push_to["token"], self.push_to["aes_key"], self.push_to["appid"])
        envelope = crypto.encrypt_message(xml, nonce, timestamp)
        msg_signature = xmltodict.parse(envelope)["xml"]["MsgSignature"]
        plain_signature = _sha1(self.push_to["token"], timestamp, nonce)
        query = {
            "signature": plain_signature,
            "timestamp": timestamp,
            "nonce": nonce,
            "encrypt_type": "aes",
            "msg_signature": msg_signature,
        }
        return query, envelope.encode()

    def _code_to_session(self, request: Request) -> tuple[int, Any]:
        code = request.query.get("js_code", "")
        with self._state:
            session = self.sessions.pop(code, None)  # a code works once, as on WeChat
        if session is None:
            return 200, {"errcode": 40029, "errmsg": "invalid code"}
        return 200, {key: session[key] for key in ("session_key", "openid", "unionid") if key in session}

    def _send(self, request: Request) -> tuple[int, Any]:
        token = request.query.get("access_token", "")
        with self._state:
            if token not in self.tokens.values():
                return 200, {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
            data = request.json() or {}
            if request.path == "/cgi-bin/message/subscribe/send":
                key = (str(data.get("touser")), str(data.get("template_id")))
                if key not in self.long_term and self.allowed.get(key, 0) <= 0:
                    return 200, {"errcode": NOT_ALLOWED, "errmsg": "user refuse to accept the msg"}
                if key not in self.long_term:
                    self.allowed[key] -= 1
            msgid = len(self.sent) + 1
            self.sent.append({"path": request.path, "msgid": msgid, **data})
        return 200, {"errcode": 0, "errmsg": "ok", "msgid": msgid}


def _sha1(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324 - WeChat's scheme


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()  # noqa: S324 - WeChat's format
