"""A prepared claimant (benchmarks/load/prepare.py) logged in at the WeChat stand-in and bound,
as a requests session the drills and benchmarks share."""

from __future__ import annotations

import requests

WECHAT = "http://127.0.0.1:5091"


def sign_in(http: requests.Session, api: str, person: dict[str, str]) -> None:
    """Log `http` in as `person` (the same WeChat account every run) and bind the identity."""
    code = http.post(f"{WECHAT}/__control__/wx-login", json={"openid": f"o-load-{person['key']}"}, timeout=10)
    tokens = http.post(f"{api}/api/v1/auth/wechat/login", json={"code": code.json()["code"]}, timeout=10).json()
    http.headers["Authorization"] = f"Bearer {tokens['access_token']}"
    bound = http.post(
        f"{api}/api/v1/auth/identity", json={"id_number": person["id_number"], "name": person["name"]}, timeout=10
    )
    bound.raise_for_status()
