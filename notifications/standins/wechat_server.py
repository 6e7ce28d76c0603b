"""Stand-in for the WeChat APIs the service calls: access tokens, jscode2session, subscribe
and template messages. Tokens are real in the sense that matters: a new one invalidates the
old, and a request with a stale token gets 40001, as on WeChat."""

from __future__ import annotations

import secrets
import threading
from typing import Any

from notifications.standins.base import Request, StandInServer


class WeChatStandIn(StandInServer):
    def __init__(self, port: int = 0, *, apps: dict[str, str] | None = None) -> None:
        super().__init__(port)
        self.apps = dict(apps or {})  # appid -> secret; empty accepts any pair
        self.tokens: dict[str, str] = {}  # appid -> the one valid token
        self.token_fetches: dict[str, int] = {}
        self.sent: list[dict[str, Any]] = []
        self.sessions: dict[str, dict[str, str]] = {}  # js_code -> {openid, session_key[, unionid]}
        self._state = threading.Lock()

    def script_key(self, request: Request) -> str:
        return request.path

    def reset(self) -> None:
        super().reset()
        with self._state:
            self.tokens.clear()
            self.token_fetches.clear()
            self.sent.clear()
            self.sessions.clear()

    def answer(self, request: Request) -> tuple[int, Any]:
        if request.path == "/cgi-bin/token":
            return self._token(request)
        if request.path == "/sns/jscode2session":
            return self._code_to_session(request)
        if request.path in ("/cgi-bin/message/subscribe/send", "/cgi-bin/message/template/send"):
            return self._send(request)
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

    def control(self, request: Request) -> tuple[int, Any]:
        """Also POST /__control__/wx-login {"openid"?} → {"code"}, as wx.login would give the app."""
        if request.path == "/__control__/wx-login":
            data = request.json() or {}
            return 200, {"code": self.issue_code(data.get("openid"), data.get("unionid"))}
        return super().control(request)

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
            msgid = len(self.sent) + 1
            self.sent.append({"path": request.path, "msgid": msgid, **data})
        return 200, {"errcode": 0, "errmsg": "ok", "msgid": msgid}
