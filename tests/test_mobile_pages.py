"""The mobile pages as served, without a browser: their own security policy, every module they
import present, and the development helpers absent in production."""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

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
    assert {"api.js", "ui.js", "pages/claimant.js", "pages/face.js", "pages/employer.js", "pages/refunds.js"} <= seen


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


def _keys(page: str, name: str) -> set[str]:
    """The keys of the object literal `const name = {…};` in a page module."""
    block = re.search(rf"const {name} = \{{(.*?)\}};\n", page, re.S)
    assert block, name
    return set(re.findall(r"(?:^|[\s{,])([A-Za-z_]+): ", block.group(1)))


def test_the_refund_page_words_every_status_figure_listing_reason_and_subject_the_service_has(client: Any) -> None:
    from miniapp_api.objections.vocabulary import OUTCOME_LABELS, REFUND_SUBJECTS
    from miniapp_api.records.import_rows import CreditListingRow
    from miniapp_api.refunds.presenting import STATUS_LABELS, conditions
    from miniapp_api.refunds.review import REJECTION_CODES
    from miniapp_api.rules.refund import BLOCKERS

    page = client.get("/m/pages/refunds.js").data.decode()
    assert _keys(page, "FOLLOW") == set(STATUS_LABELS)
    assert _keys(page, "TODO") <= set(STATUS_LABELS)
    assert _keys(page, "REJECTIONS") == set(REJECTION_CODES)
    assert _keys(page, "BLOCKER_STEPS") == set(BLOCKERS)
    assert _keys(page, "CLAIMED_HINTS") == set(REFUND_SUBJECTS)  # what an enterprise may object to
    assert _keys(page, "OUTCOMES") == set(OUTCOME_LABELS)
    list_kind = CreditListingRow().fields["list_kind"].validators[0]
    assert _keys(page, "LISTED") == set(cast(Any, list_kind).choices)
    found = SimpleNamespace(
        refusals="", credit_listings="", months_paid_in_full=24, arrears_months=0, arrears_amount=Decimal("0.00"),
        layoffs=0, average_headcount=Decimal("50.00"), layoff_rate=Decimal("0.00"), layoff_rate_limit=Decimal("5.5"),
    )  # fmt: skip
    parameters = {"months_paid_in_full": 12, "fund_reserve_met": True, "layoffs_counted_as": "separations"}
    screening = SimpleNamespace(parameters={**parameters, "citations": defaultdict(str)})
    reported = {key for condition in conditions(cast(Any, found), cast(Any, screening)) for key in condition["values"]}
    assert reported <= _keys(page, "VALUES"), reported - _keys(page, "VALUES")
