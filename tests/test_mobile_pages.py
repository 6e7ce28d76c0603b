"""The mobile pages as served, without a browser: their own security policy, every module they
import present, and the development helpers absent in production."""

from __future__ import annotations

import posixpath
import re
from types import SimpleNamespace
from typing import Any

import pytest

from miniapp_api.mobile import routes as mobile_routes


def test_the_pages_get_a_policy_of_their_own_with_the_camera_for_this_origin_only(client: Any) -> None:
    page = client.get("/m/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "camera=(self)" in page.headers["Permissions-Policy"]
    api = client.get("/api/v1/regions")
    assert "camera=()" in api.headers["Permissions-Policy"]  # the API keeps the strict one


def test_every_module_the_pages_import_is_served(client: Any) -> None:
    pending, seen = ["app.js"], set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        answer = client.get(f"/m/{name}")
        assert answer.status_code == 200, name
        folder = posixpath.dirname(name)
        for imported in re.findall(r'from "(\.\.?/[^"]+)"', answer.data.decode()):
            pending.append(posixpath.normpath(posixpath.join(folder, imported)))
    assert {"api.js", "ui.js", "pages/claimant.js", "pages/face.js", "pages/employer.js"} <= seen


def test_nothing_outside_the_pages_folder_is_served(client: Any) -> None:
    for path in ("/m/../config.py", "/m/%2e%2e/config.py", "/m/dev/", "/m/routes.py"):
        assert client.get(path).status_code == 404, path


def test_the_development_helpers_do_not_exist_in_production(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mobile_routes, "settings", lambda: SimpleNamespace(is_production=True))
    assert client.post("/m/dev/wx-login", json={}).status_code == 404
    assert client.get("/m/dev/inbox?phone=13900139000").status_code == 404
    for helper, body in (("subscribe", {"results": {}}), ("phone-code", {"phone": "13900139000"}),
                         ("facial-outcome", {"verify_ret": 10000})):  # fmt: skip
        assert client.post(f"/m/dev/{helper}", json=body).status_code == 404, helper


def test_the_development_helpers_answer_this_machine_under_its_own_name_only(client: Any) -> None:
    """A hostile page whose name is re-pointed at 127.0.0.1 (DNS rebinding) once read them."""
    rebound = {"Host": "attacker.example"}
    assert client.post("/m/dev/wx-login", json={}, headers=rebound).status_code == 404
    assert client.get("/m/dev/inbox?phone=13900139000", headers=rebound).status_code == 404
    remote = client.post("/m/dev/wx-login", json={}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert remote.status_code == 404
    for helper in ("phone-code", "facial-outcome"):
        far = client.post(f"/m/dev/{helper}", json={"phone": "13900139000", "verify_ret": 10000}, headers=rebound)
        assert far.status_code == 404, helper
    here = client.post("/m/dev/wx-login", json={}, headers={"Host": "127.0.0.1:5000"})
    assert here.status_code == 200 and here.headers["Cache-Control"] == "no-store"


def test_the_employer_page_lists_the_filing_forms_columns_as_the_service_reads_them(client: Any) -> None:
    from miniapp_api.employers.spreadsheet import COLUMNS

    page = client.get("/m/pages/employer.js").data.decode()
    listed = re.search(r"const COLUMNS = \[([^\]]+)\]", page)
    assert listed and [item.strip().strip('"') for item in listed.group(1).split(",")] == list(COLUMNS)
