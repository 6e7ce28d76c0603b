"""Serving the mobile pages, and in development the stand-in's wx.login.

Plain files, no build step: the pages are HTML, CSS and JavaScript modules under static/. They
get a policy of their own: scripts and styles from this service only, the camera for this origin
(the face check), and API calls to this origin only.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

import requests
from flask import Blueprint, Response, abort, jsonify, request
from werkzeug.security import safe_join

from miniapp_api.config import EMBEDDED
from miniapp_api.db import current_session
from miniapp_api.extensions import settings

STATIC = Path(__file__).parent / "static"
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
blp = Blueprint("mobile", __name__, url_prefix="/m")


_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]"}


@blp.after_request
def _page_policy(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=(), payment=()"
    # Pages are revalidated (a new release is seen at once); the development helpers' answers
    # (login codes) are kept nowhere.
    response.headers["Cache-Control"] = "no-store" if request.path.startswith("/m/dev/") else "no-cache"
    return response


def _development_only() -> None:
    """The helpers exist only in development, only for this machine, and only under its own name:
    a page elsewhere whose name is re-pointed at 127.0.0.1 (DNS rebinding) is not this machine."""
    config = settings()
    host = request.host.rsplit(":", 1)[0] if not request.host.startswith("[") else request.host.split("]")[0] + "]"
    if config.is_production or host not in _LOOPBACK_HOSTS or request.remote_addr not in ("127.0.0.1", "::1"):
        abort(404)


_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


def _file(name: str) -> Response:
    """A small file of the pages, read whole (no open file left to a client that never reads it),
    with an ETag so a phone revalidates instead of downloading again."""
    path = safe_join(str(STATIC), name)
    if path is None or not Path(path).is_file() or Path(path).suffix not in _TYPES:
        abort(404)
    response = Response(Path(path).read_bytes(), mimetype=_TYPES[Path(path).suffix])
    response.add_etag()
    response.make_conditional(request)  # a 304 when the phone already has this version
    response.headers.pop("Date", None)  # the server writes its own
    return response


@blp.get("/")
def index() -> Response:
    return _file("index.html")


@blp.get("/<path:asset>")
def asset(asset: str) -> Response:
    return _file(asset)


@blp.post("/dev/wx-login")
def dev_wx_login() -> Any:
    """Development only: what wx.login() gives the mini-program, from the WeChat stand-in. In
    production the pages run inside WeChat and this does not exist."""
    _development_only()
    # The browser keeps its own device id, so the same browser is the same WeChat user again.
    device = str((request.get_json(silent=True) or {}).get("device", ""))
    openid = f"o-h5-{device if re.fullmatch(r'[0-9a-f]{16}', device) else secrets.token_hex(8)}"
    code = _wechat_control("wx-login", {"openid": openid})["code"]
    return jsonify({"code": code})


def _wechat_control(path: str, payload: dict[str, Any]) -> Any:
    """Tell the WeChat stand-in what the user did on WeChat's own screens."""
    config = settings()
    if config.WECHAT_API_BASE_URL == EMBEDDED:
        from notifications.providers import embedded_wechat

        base = embedded_wechat(config).url
    else:
        base = config.WECHAT_API_BASE_URL.rstrip("/")
    return requests.post(f"{base}/__control__/{path}", json=payload, timeout=5).json()


@blp.post("/dev/subscribe")
def dev_subscribe() -> Any:
    """Development only: the user's answers in WeChat's subscribe popup (drawn by the page in a
    browser). The stand-in notes them for the signed-in WeChat user and pushes them to the
    service, as WeChat does; the page then reports them too, as the mini-program would."""
    _development_only()
    from auth.models import WeChatAccount
    from auth.sessions import authenticate

    caller = authenticate(request.headers.get("Authorization", "").removeprefix("Bearer ").strip())
    account = current_session().get(WeChatAccount, caller.wechat_account_id) if caller.wechat_account_id else None
    if account is None:
        abort(404)
    given = (request.get_json(silent=True) or {}).get("results")
    results = {str(k)[:64]: str(v) for k, v in given.items()} if isinstance(given, dict) else {}
    return jsonify(_wechat_control("subscribe", {"openid": account.openid, "results": results}))


@blp.post("/dev/phone-code")
def dev_phone_code() -> Any:
    """Development only: what the getPhoneNumber button gives the page for the phone the user lets
    WeChat share (typed into the page's stand-in for WeChat's sheet)."""
    _development_only()
    phone = str((request.get_json(silent=True) or {}).get("phone", ""))
    if not re.fullmatch(r"1[0-9]{10}", phone):
        abort(404)
    return jsonify(_wechat_control("phone-code", {"phone": phone}))


@blp.post("/dev/facial-outcome")
def dev_facial_outcome() -> Any:
    """Development only: how the user left WeChat's 人脸核身 screens (10000 done; 90004 cancelled)."""
    _development_only()
    outcome = (request.get_json(silent=True) or {}).get("verify_ret")
    if outcome not in (10000, 90004):
        abort(404)
    return jsonify(_wechat_control("face-outcome", {"verify_ret": outcome}))


@blp.get("/dev/inbox")
def dev_inbox() -> Any:
    """Development only: the texts the SMS stand-in "delivered" to a phone (it plays the phone),
    so a login code can be read without a real SMS."""
    _development_only()
    config = settings()
    phone = request.args.get("phone", "")
    if not re.fullmatch(r"1[0-9]{10}", phone):
        abort(404)
    from notifications.providers import sms_endpoint

    endpoint = sms_endpoint(config, config.SMS_ALIYUN_ENDPOINT)
    base = endpoint if endpoint.startswith("http") else f"http://{endpoint}"
    texts = requests.get(f"{base.rstrip('/')}/__control__/inbox", params={"phone": phone}, timeout=5).json()
    return jsonify(texts[:5])
