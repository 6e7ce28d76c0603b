"""Who may open which console page: every console route, for every role, for staff of another
region, and for nobody signed in. Signing in is the console's own: password, then the code."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from auth.models import StaffUser
from miniapp_api.db import unit_of_work
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import STAFF_PASSWORD, staff_account
from tests.claims_helpers import claimant, submit
from tests.console_refunds_helpers import refund_world
from tests.objections_helpers import objection

ROLES = ("handler", "reviewer", "supervisor", "finance", "auditor", "admin")
# Staff of 兴安盟 (152200) in the roles whose pages name 唐山's (130200) records.
ELSEWHERE = ("handler@elsewhere", "reviewer@elsewhere", "supervisor@elsewhere", "admin@elsewhere", "finance@elsewhere")
EVERYONE = dict.fromkeys((*ROLES, *ELSEWHERE), 200)
# 稳岗返还: the business roles read (as the API's _READERS), reviewers act, finance alone pays.
REFUND_READERS = ("handler", "reviewer", "supervisor", "auditor", "admin")
REFUND_REVIEWERS = ("reviewer", "supervisor", "admin")
# What the matrix names when no refund records exist (the routes' list only needs their shapes).
NO_REFUNDS = {"refund": 999999, "notice": 999999, "batch": 999999}


def only(*allowed: str, ok: int = 200, others: int = 403) -> dict[str, int]:
    return {caller: ok if caller.split("@")[0] in allowed else others for caller in EVERYONE}


def _token(page: bytes) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.decode())
    assert found, "every console form carries its CSRF token"
    return found.group(1)


def console_client(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    token = _token(client.get("/console/login").data)
    client.post("/console/login", data={"csrf_token": token, "username": username, "password": STAFF_PASSWORD})
    page = client.get("/console/second-factor").data
    with unit_of_work() as session:
        staff = session.query(StaffUser).filter_by(username=username).one()
        secret = staff.totp_secret
    assert secret
    answer = client.post("/console/second-factor", data={"csrf_token": _token(page), "code": pyotp.TOTP(secret).now()})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/console/"), answer.data[:300]
    return client


@pytest.fixture
def world(app: Flask, client: Any, wechat_standin: WeChatStandIn) -> dict[str, Any]:
    tokens = claimant(client, wechat_standin, reason="resigned")
    submit(client, tokens)
    filed = objection(client, tokens).get_json()
    clients = {}
    for role in ROLES:
        staff_account(f"console.{role}", role, region="130200")
        clients[role] = console_client(app, f"console.{role}")
    staff_account("console.elsewhere", "handler", region="152200")
    clients["handler@elsewhere"] = console_client(app, "console.elsewhere")
    for caller in ELSEWHERE[1:]:
        role = caller.split("@")[0]
        staff_account(f"elsewhere.{role}", role, region="152200")
        clients[caller] = console_client(app, f"elsewhere.{role}")
    refunds = refund_world("130200", "console.reviewer", "console.finance")
    return {"clients": clients, "objection": filed["id"], "refunds": refunds}


def matrix(objection_id: int, refunds: dict[str, int] = NO_REFUNDS) -> list[tuple[str, str, str, dict[str, int]]]:
    elsewhere_readers = dict.fromkeys(
        (f"{role}@elsewhere" for role in REFUND_READERS if f"{role}@elsewhere" in EVERYONE), 404
    )
    return [
        ("GET", "/console/", "/console/", EVERYONE),
        ("GET", "/console/objections", "/console/objections", only("handler", "supervisor")),
        (
            "GET",
            "/console/objections/<int:objection_id>",
            f"/console/objections/{objection_id}",
            {**only("handler", "supervisor", "reviewer"), **dict.fromkeys(ELSEWHERE[:3], 404)},
        ),
        (
            "POST",
            "/console/objections/<int:objection_id>/<action>",
            f"/console/objections/{objection_id}/assign",
            {**only("handler", "supervisor", ok=302), "handler@elsewhere": 302},  # refused: told on the page
        ),
        (
            "GET",
            "/console/objections/<int:objection_id>/images/<int:attachment_id>",
            f"/console/objections/{objection_id}/images/999999",
            {**only("handler", "supervisor", "reviewer", ok=404), "handler@elsewhere": 404},
        ),
        ("GET", "/console/corrections", "/console/corrections", only("reviewer", "supervisor")),
        (
            "POST",
            "/console/corrections/<int:correction_id>/<verdict>",
            "/console/corrections/999999/approve",
            only("reviewer", "supervisor", ok=302),
        ),
        ("GET", "/console/payment-runs", "/console/payment-runs", only("finance")),
        ("GET", "/console/staff", "/console/staff", only("admin")),
        ("GET", "/console/claims", "/console/claims", only("reviewer", "supervisor")),
        ("GET", "/console/claims/<int:claim_id>", "/console/claims/999999", only("reviewer", "supervisor", ok=404)),
        (
            "POST",
            "/console/claims/<int:claim_id>/<verdict>",
            "/console/claims/999999/approve",
            only("reviewer", "supervisor", ok=302),
        ),
        ("GET", "/console/checks", "/console/checks", only("handler", "reviewer", "supervisor", "auditor", "admin")),
        (
            "POST",
            "/console/checks/<int:item_id>/decision",
            "/console/checks/999999/decision",
            only("reviewer", "supervisor", ok=302),
        ),
        (
            "POST",
            "/console/checks/<int:item_id>/hold",
            "/console/checks/999999/hold",
            only("reviewer", "supervisor", ok=302),
        ),
        ("GET", "/console/employer-duties", "/console/employer-duties", only("handler", "supervisor", "admin")),
        (
            "POST",
            "/console/employer-duties/<int:duty_id>/calls",
            "/console/employer-duties/999999/calls",
            only("handler", "supervisor", ok=302),
        ),
        ("GET", "/console/alerts", "/console/alerts", EVERYONE),
        (
            "POST",
            "/console/alerts/<int:alert_id>/close",
            "/console/alerts/999999/close",
            {**only("handler", "supervisor", "admin", ok=302), "handler@elsewhere": 302},
        ),
        ("GET", "/console/regions", "/console/regions", EVERYONE),
        (
            "GET",
            "/console/regions/<code>/parameters",
            "/console/regions/130200/parameters",
            {**EVERYONE, **dict.fromkeys(ELSEWHERE, 404)},
        ),
        (
            "POST",
            "/console/regions/<code>/parameters",
            "/console/regions/130200/parameters",
            only("admin", ok=302, others=403),  # refused before the region is looked at
        ),
        (
            "POST",
            "/console/parameter-changes/<int:change_id>/<verdict>",
            "/console/parameter-changes/999999/approve",
            only("admin", "supervisor", ok=302),
        ),
        (
            "GET",
            "/console/staff/<username>",
            "/console/staff/console.handler",
            {**only("admin"), "admin@elsewhere": 404},
        ),
        ("GET", "/console/calendar", "/console/calendar", EVERYONE),
        ("POST", "/console/calendar/years", "/console/calendar/years", only("admin", ok=302)),
        (
            "GET",
            "/console/calendar/years/<int:record_id>",
            "/console/calendar/years/999999",
            {**EVERYONE, **dict.fromkeys(EVERYONE, 404)},
        ),
        (
            "POST",
            "/console/calendar/years/<int:record_id>/<verdict>",
            "/console/calendar/years/999999/approve",
            only("admin", "supervisor", ok=302),
        ),
        ("GET", "/console/dashboard", "/console/dashboard", only("supervisor", "admin", "auditor", "finance")),
        (
            "GET",
            "/console/recoveries",
            "/console/recoveries",
            only("reviewer", "supervisor", "finance", "auditor", "admin"),
        ),
        (
            "POST",
            "/console/recoveries/<int:item_id>/settlement",
            "/console/recoveries/999999/settlement",
            only("finance", "supervisor", ok=302),
        ),
        # The trail spans every region: regional auditors and admins are told so (403 from the service).
        ("GET", "/console/audit", "/console/audit", only("auditor", "admin", ok=403)),
        ("POST", "/console/audit/verify", "/console/audit/verify", only("auditor", "admin", ok=403)),
        ("POST", "/console/staff/<username>/<action>", "/console/staff/nobody.here/disable", only("admin", ok=302)),
        ("GET", "/console/payment-runs/<int:run_id>", "/console/payment-runs/999999", only("finance", ok=404)),
        (
            "GET",
            "/console/payment-runs/<int:run_id>/<kind>.csv",
            "/console/payment-runs/999999/bank-file.csv",
            only("finance", ok=404),
        ),
        (
            "POST",
            "/console/payment-runs/<int:run_id>/confirmation",
            "/console/payment-runs/999999/confirmation",
            only("finance", ok=302),
        ),
        ("GET", "/console/refunds", "/console/refunds", only(*REFUND_READERS)),
        (
            "GET",
            "/console/refunds/<int:refund_id>",
            f"/console/refunds/{refunds['refund']}",
            {**only(*REFUND_READERS), **elsewhere_readers},  # another region's refund is not found
        ),
        (
            "POST",
            "/console/refunds/<int:refund_id>/decision",
            f"/console/refunds/{refunds['refund']}/decision",
            only(*REFUND_REVIEWERS, ok=302),  # refused (another region's, not ticked): told on the page
        ),
        (
            "POST",
            "/console/refunds/<int:refund_id>/hold",
            f"/console/refunds/{refunds['refund']}/hold",
            only(*REFUND_REVIEWERS, ok=302),
        ),
        ("GET", "/console/refund-screenings", "/console/refund-screenings", only(*REFUND_READERS)),
        ("POST", "/console/refund-screenings", "/console/refund-screenings", only(*REFUND_REVIEWERS, ok=302)),
        ("GET", "/console/refund-notices", "/console/refund-notices", only(*REFUND_READERS)),
        ("POST", "/console/refund-notices", "/console/refund-notices", only(*REFUND_REVIEWERS, ok=302)),
        (
            "GET",
            "/console/refund-notices/<int:notice_id>",
            f"/console/refund-notices/{refunds['notice']}",
            {**only(*REFUND_READERS), **elsewhere_readers},
        ),
        ("GET", "/console/refund-batches", "/console/refund-batches", only("finance", "auditor")),
        ("POST", "/console/refund-batches", "/console/refund-batches", only("finance", ok=302)),
        (
            "GET",
            "/console/refund-batches/<int:batch_id>",
            f"/console/refund-batches/{refunds['batch']}",
            {**only("finance", "auditor"), "finance@elsewhere": 404},
        ),
        (
            "GET",
            "/console/refund-batches/<int:batch_id>/bank-file.csv",
            f"/console/refund-batches/{refunds['batch']}/bank-file.csv",
            {**only("finance"), "finance@elsewhere": 404},
        ),
        (
            "POST",
            "/console/refund-batches/<int:batch_id>/confirmation",
            f"/console/refund-batches/{refunds['batch']}/confirmation",
            only("finance", ok=302),
        ),
    ]


PUBLIC = {"/console/login", "/console/second-factor", "/console/logout"}


def test_every_console_route_is_in_the_matrix(app: Flask) -> None:
    routes = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/console")}
    assert routes - PUBLIC == {rule for _m, rule, _p, _e in matrix(1)}


def test_each_role_and_region_gets_what_the_matrix_says(world: dict[str, Any]) -> None:
    failures = []
    for method, _rule, path, expected in matrix(world["objection"], world["refunds"]):
        for caller, status in expected.items():
            client = world["clients"][caller]
            if method == "GET":
                answer = client.get(path)
            else:
                token = _token(client.get("/console/").data)
                answer = client.post(path, data={"csrf_token": token})
            if answer.status_code != status:
                failures.append(f"{caller} {method} {path}: {answer.status_code}, expected {status}")
    assert failures == []


def test_nobody_signed_in_is_sent_to_sign_in(app: Flask) -> None:
    anonymous = app.test_client()
    for _method, _rule, path, _expected in matrix(1):
        if _method == "GET":
            answer = anonymous.get(path)
            assert answer.status_code == 302 and answer.headers["Location"].endswith("/console/login"), path


def test_the_elsewhere_handler_learns_nothing_of_another_regions_objection(world: dict[str, Any]) -> None:
    page = world["clients"]["handler@elsewhere"].get(f"/console/objections/{world['objection']}")
    assert page.status_code == 404
    queue = world["clients"]["handler@elsewhere"].get("/console/objections").data.decode()
    assert "没有待办的异议" in queue


def test_an_admin_manages_only_their_own_regions_accounts(world: dict[str, Any], app: Flask) -> None:
    admin = world["clients"]["admin"]  # 唐山's admin
    listing = admin.get("/console/staff").data.decode()
    assert "console.handler" in listing and "console.elsewhere" not in listing  # 兴安盟's handler
    token = _token(admin.get("/console/staff").data)
    refused = admin.post(
        "/console/staff/console.elsewhere/disable", data={"csrf_token": token, "confirmed": "1"}, follow_redirects=True
    )
    assert "本地区没有用户名为 console.elsewhere 的工作人员" in refused.data.decode()
    created = admin.post(
        "/console/staff",
        data={"csrf_token": token, "username": "new.finance", "display_name": "新财务",
              "password": "correct horse 2026", "roles": ["finance"], "region": "152200"},
        follow_redirects=True,
    )  # fmt: skip
    assert "只能设置本地区（130200）的账号" in created.data.decode()
    reset = admin.post(
        "/console/staff/console.handler/reset-second-factor", data={"csrf_token": token}, follow_redirects=True
    )
    assert "已重置 console.handler 的身份验证器" in reset.data.decode()
    with unit_of_work() as session:
        handler = session.query(StaffUser).filter_by(username="console.handler").one()
        assert handler.totp_secret is None and handler.totp_confirmed_at is None


def test_a_refusal_sends_the_form_back_to_a_console_page_never_to_a_site_the_referer_names(
    world: dict[str, Any],
) -> None:
    handler = world["clients"]["handler"]
    token = _token(handler.get("/console/").data)
    refused = handler.post(
        "/console/corrections/999999/approve",  # not a handler's page: refused before the referer matters
        data={"csrf_token": token},
    )
    assert refused.status_code == 403
    bounced = handler.post(
        f"/console/objections/{world['objection']}/reject",
        data={"csrf_token": token, "reason_code": "NOPE", "answer": ""},
        headers={"Referer": "https://evil.example/phish"},
    )
    assert bounced.status_code == 302 and bounced.headers["Location"].endswith("/console/")


def test_no_console_route_fails_on_an_id_too_large_for_the_database(world: dict[str, Any]) -> None:
    huge = "99999999999999999999"
    failures = []
    for method, rule, _path, _expected in matrix(world["objection"]):
        if "<int:" not in rule:
            continue
        path = re.sub(r"<int:[a-z_]+>", huge, rule).replace("<action>", "assign").replace("<verdict>", "approve")
        path = path.replace("<kind>", "bank-file")
        for caller in ("supervisor", "admin", "finance", "reviewer"):
            client = world["clients"][caller]
            if method == "GET":
                answer = client.get(path)
            else:
                answer = client.post(path, data={"csrf_token": _token(client.get("/console/").data), "confirmed": "1"})
            if answer.status_code >= 500:
                failures.append(f"{caller} {method} {path}: {answer.status_code}")
    assert failures == []
    audit = world["clients"]["admin"].get(f"/console/audit?before_id={huge}")
    assert audit.status_code < 500
    for listing in ("/console/objections", "/console/alerts", "/console/employer-duties"):
        assert world["clients"]["supervisor"].get(f"{listing}?page={huge}").status_code == 200, listing


def test_another_regions_staff_learn_nothing_of_a_regions_refunds_and_cannot_act_on_them(
    world: dict[str, Any],
) -> None:
    from miniapp_api.refunds.models import Assessment, PaymentBatch

    refunds, clients = world["refunds"], world["clients"]
    reviewer, finance = clients["reviewer@elsewhere"], clients["finance@elsewhere"]
    refused = reviewer.get(f"/console/refunds/{refunds['refund']}")
    assert refused.status_code == 404 and "没有找到这笔稳岗返还" in refused.data.decode()
    assert "没有这一状态的稳岗返还" in reviewer.get("/console/refunds?policy_year=2026&status=applied").data.decode()
    assert "还没有发布公示" in reviewer.get("/console/refund-notices").data.decode()
    token = _token(reviewer.get("/console/refund-screenings").data)
    for action, form in (("decision", {"decision": "approve"}), ("hold", {"reason": "来电反映"})):
        told = reviewer.post(
            f"/console/refunds/{refunds['refund']}/{action}",
            data={"csrf_token": token, "confirmed": "1", **form},
            follow_redirects=True,
        ).data.decode()
        assert "没有找到这笔稳岗返还" in told, action
    for path in ("/console/refund-screenings", "/console/refund-notices"):
        told = reviewer.post(
            path, data={"csrf_token": token, "policy_year": "2026", "region": "130200", "confirmed": "1"},
            follow_redirects=True,
        ).data.decode()  # fmt: skip
        assert "只能处理本地区（152200）的稳岗返还" in told, path
    assert finance.get(f"/console/refund-batches/{refunds['batch']}").status_code == 404
    assert finance.get(f"/console/refund-batches/{refunds['batch']}/bank-file.csv").status_code == 404
    assert "还没有拨付批次" in finance.get("/console/refund-batches").data.decode()
    token = _token(finance.get("/console/refund-batches").data)
    told = finance.post(
        "/console/refund-batches",
        data={"csrf_token": token, "policy_year": "2026", "region": "130200", "confirmed": "1"},
        follow_redirects=True,
    ).data.decode()
    assert "只能处理本地区（152200）的稳岗返还" in told
    with unit_of_work() as session:
        refund = session.get(Assessment, refunds["refund"])
        batch = session.get(PaymentBatch, refunds["batch"])
        assert refund is not None and (refund.status, refund.decided_at) == ("applied", None)
        assert batch is not None and (batch.status, batch.exported_at) == ("prepared", None)
