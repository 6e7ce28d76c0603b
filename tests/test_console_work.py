"""Each kind of console work done through the console's own sign-in: idle sign-out, accounts,
the audit trail, reviews, check items, duties and alerts, recoveries, photos, the calendar, and
the second factor's lockout."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from miniapp_api.db import unit_of_work
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import STAFF_PASSWORD, staff_account
from tests.claims_helpers import claimant, submit
from tests.objections_helpers import objection
from tests.test_console_access import _token, console_client


def test_a_console_left_idle_signs_out_and_signing_out_ends_the_session(
    app: Flask, wechat_standin: WeChatStandIn
) -> None:
    import datetime as dt

    import time_machine

    from auth.models import AuthSession

    staff_account("idle.handler", "handler")
    with time_machine.travel(dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC), tick=False) as clock:
        client = console_client(app, "idle.handler")
        assert client.get("/console/").status_code == 200
        clock.shift(dt.timedelta(minutes=16))
        idle = client.get("/console/")
        assert idle.status_code == 302 and idle.headers["Location"].endswith("/console/login")
        assert "长时间未操作" in client.get("/console/login").data.decode()
    staff_account("leaving.handler", "handler")  # another account: the first one's codes ran ahead in time
    client = console_client(app, "leaving.handler")
    token = _token(client.get("/console/").data)
    assert client.post("/console/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/console/").status_code == 302
    with unit_of_work() as session:
        latest = session.query(AuthSession).order_by(AuthSession.id.desc()).first()
        assert latest is not None and latest.revoked_reason == "console_logout"


def test_a_province_wide_auditor_searches_the_trail_and_has_the_chain_checked(app: Flask) -> None:
    from miniapp_api.audit.chain import seal

    staff_account("province.auditor", "auditor")  # no region: the trail spans the province
    auditor = console_client(app, "province.auditor")
    found = auditor.get("/console/audit?action=auth.console_login").data.decode()
    assert "auth.console_login" in found and "staff" in found
    with unit_of_work() as session:
        seal(session)
    token = _token(auditor.get("/console/audit").data)
    checked = auditor.post("/console/audit/verify", data={"csrf_token": token}, follow_redirects=True).data.decode()
    assert "审计链完整：逐条核对" in checked


def test_a_reviewer_reads_a_claim_in_review_with_its_reasons_and_refuses_it_with_coded_reasons(app: Flask) -> None:
    from miniapp_api.claims.models import Claim
    from miniapp_api.records.demo import seed_regions
    from tests import factories

    with unit_of_work() as session:
        seed_regions(session)
        person = factories.person(session, name="审核中")
        claim = factories.decided_claim(session, person, status="manual_review")
        claim.review_reasons = [{"code": "RECORDS_CONFLICT", "message": "缴费记录与停保记录不一致"}]
        claim_id = claim.id
    staff_account("review.one", "reviewer", region="130200")
    reviewer = console_client(app, "review.one")
    assert "缴费记录与停保记录不一致" in reviewer.get("/console/claims").data.decode()
    page = reviewer.get(f"/console/claims/{claim_id}").data.decode()
    assert "规则计算过程" in page and "不予核准" in page
    refused = reviewer.post(
        f"/console/claims/{claim_id}/reject",
        data={"csrf_token": _token(page.encode()), "reason_codes": ["VOLUNTARY_SEPARATION"], "note": "系本人辞职"},
        follow_redirects=True,
    ).data.decode()
    assert "请先勾选确认，再提交审核决定" in refused  # the tick is asked by the server too
    refused = reviewer.post(
        f"/console/claims/{claim_id}/reject",
        data={"csrf_token": _token(page.encode()), "reason_codes": ["VOLUNTARY_SEPARATION"], "note": "系本人辞职",
              "confirmed": "1"},
        follow_redirects=True,
    ).data.decode()  # fmt: skip
    assert "已作出不予核准决定" in refused
    with unit_of_work() as session:
        decided = session.get(Claim, claim_id)
        assert decided is not None and decided.status == "rejected"


def test_a_reviewer_clears_a_held_claims_check_item_and_payment_resumes(
    app: Flask, client: Any, wechat_standin: WeChatStandIn
) -> None:
    from miniapp_api.claims.models import Claim
    from miniapp_api.safety.checks import Signal, open_items

    tokens = claimant(client, wechat_standin)
    claim = submit(client, tokens).get_json()
    with unit_of_work() as session:
        open_items(session, [Signal("shared_face", tokens["person_id"], "shared_face:console", {"distance": 0.1})])
        from miniapp_api.safety import holds
        from miniapp_api.safety.models import CheckItem

        holds.hold_for(session, [session.query(CheckItem).one().id])
    staff_account("check.reviewer", "reviewer", region="130200")
    reviewer = console_client(app, "check.reviewer")
    page = reviewer.get("/console/checks").data.decode()
    assert "同一人脸" in page or "shared_face" in page or "人脸" in page
    item_id = int(re.search(r"/console/checks/(\d+)/decision", page).group(1))
    done = reviewer.post(
        f"/console/checks/{item_id}/decision",
        data={
            "csrf_token": _token(page.encode()),
            "outcome": "cleared",
            "note": "核实为同一人两张照片",
            "confirmed": "1",
        },
        follow_redirects=True,
    ).data.decode()
    assert "已核实无误" in done
    with unit_of_work() as session:
        held = session.get(Claim, claim["id"])
        assert held is not None and held.status == "approved"


def test_a_supervisor_logs_a_call_on_an_escalated_duty_and_reads_the_alerts(app: Flask) -> None:

    from miniapp_api.alerts.service import raise_alert
    from miniapp_api.records.demo import seed_regions
    from tests import factories

    with unit_of_work() as session:
        seed_regions(session)
        duty_id = factories.notice_duty(session, "督办人", escalated=True).id
        raise_alert(session, "calendar_horizon", "calendar_horizon:2027", "2027年节假日安排尚未录入")
    staff_account("duty.supervisor", "supervisor", region="130200")
    supervisor = console_client(app, "duty.supervisor")
    page = supervisor.get("/console/employer-duties").data.decode()
    assert "督办人"[0] in page and "尚未致电" in page
    logged = supervisor.post(
        f"/console/employer-duties/{duty_id}/calls",
        data={"csrf_token": _token(page.encode()), "outcome": "no_answer", "note": "无人接听"},
        follow_redirects=True,
    ).data.decode()
    assert "已记录电话督促" in logged and "无人接听" in logged
    assert "2027年节假日安排尚未录入" in supervisor.get("/console/alerts").data.decode()


def test_the_recoveries_page_shows_an_item_with_its_reason_and_basis(app: Flask) -> None:
    import datetime as dt
    from decimal import Decimal
    from types import SimpleNamespace

    from flask import render_template

    item = SimpleNamespace(
        id=7, region_code="130200", period=dt.date(2026, 11, 1), amount=Decimal("1980.00"),
        reason="death", basis="社会保险法第五十一条",
    )  # fmt: skip
    me = {"name": "财务", "roles": ["finance"], "region": "130200"}
    with app.test_request_context("/console/recoveries"):
        page = render_template("console/recoveries.html", me=me, items=[item], next_after=None)
    assert "2026-11" in page and "1980.00" in page and "社会保险法第五十一条" in page and "已追回到账" in page


def test_a_handler_views_an_objections_photo_and_the_viewing_is_audited(
    app: Flask, client: Any, wechat_standin: WeChatStandIn
) -> None:
    from miniapp_api.audit.models import AuditEvent
    from tests.objections_helpers import image_bytes, upload

    tokens = claimant(client, wechat_standin, reason="resigned")
    submit(client, tokens)
    photo = upload(client, tokens, image_bytes()).get_json()
    filed = objection(client, tokens, attachment_ids=[photo["id"]]).get_json()
    staff_account("photo.handler", "handler", region="130200")
    handler = console_client(app, "photo.handler")
    page = handler.get(f"/console/objections/{filed['id']}").data.decode()
    link = re.search(r'href="(/console/objections/\d+/images/\d+)"', page)
    assert link, page[:500]
    shown = handler.get(link.group(1))
    assert shown.status_code == 200 and shown.mimetype == "image/png"
    with unit_of_work() as session:
        assert session.query(AuditEvent).filter_by(action="objection.image_viewed").count() == 1


def test_a_calendar_year_is_entered_by_one_admin_and_approved_by_a_supervisor(app: Flask) -> None:
    import datetime as dt
    import io

    import time_machine

    from miniapp_api.records.demo import seed_regions
    from tests.calendar_helpers import MADE_UP_2027

    with unit_of_work() as session:
        seed_regions(session)
    staff_account("cal.admin", "admin")
    staff_account("cal.boss", "supervisor")
    with time_machine.travel(dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC), tick=True):
        admin = console_client(app, "cal.admin")
        page = admin.get("/console/calendar").data.decode()
        answer = admin.post(
            "/console/calendar/years",
            data={
                "csrf_token": _token(page.encode()),
                "file": (io.BytesIO(MADE_UP_2027.read_bytes()), MADE_UP_2027.name),
            },
            content_type="multipart/form-data",
            follow_redirects=True,
        )
        entered = answer.data.decode()
        assert "已录入2027年安排" in entered and "春节" in entered
        assert "由您录入，须另一位管理员或主管审核" in entered  # no approve button for the maker
        record_id = int(answer.request.path.rsplit("/", 1)[1])
        own = admin.post(
            f"/console/calendar/years/{record_id}/approve",
            data={"csrf_token": _token(entered.encode()), "confirmed": "1"},
            headers={"Referer": f"http://localhost/console/calendar/years/{record_id}"}, follow_redirects=True,
        ).data.decode()  # fmt: skip
        assert "flash-error" in own and "待审核" in own  # the maker cannot approve: told so, nothing changed
        boss = console_client(app, "cal.boss")
        shown = boss.get(f"/console/calendar/years/{record_id}").data.decode()
        approved = boss.post(
            f"/console/calendar/years/{record_id}/approve",
            data={"csrf_token": _token(shown.encode()), "confirmed": "1"},
            follow_redirects=True,
        ).data.decode()  # fmt: skip
        assert "已审核通过" in approved
        assert "2027-12-31" in boss.get("/console/calendar").data.decode()


def test_guessing_the_second_factor_locks_it_like_a_password(app: Flask) -> None:
    staff_account("guessed.handler", "handler")
    client = app.test_client()
    client.post(
        "/console/login",
        data={"csrf_token": _token(client.get("/console/login").data), "username": "guessed.handler",
              "password": STAFF_PASSWORD},
    )  # fmt: skip
    answers = []
    for guess in range(8):
        page = client.get("/console/second-factor").data
        if b'name="code"' not in page:
            break
        answers.append(client.post("/console/second-factor", data={"csrf_token": _token(page), "code": f"{guess:06d}"}))
    assert len(answers) == 5 and answers[-1].status_code == 302  # the fifth wrong code locks
    assert "已暂时锁定" in client.get("/console/login").data.decode()


def test_a_reviewer_holds_payment_while_checking_an_item_that_does_not_hold_by_itself_and_clearing_resumes(
    app: Flask, client: Any, wechat_standin: WeChatStandIn
) -> None:
    from miniapp_api.audit.models import AuditEvent
    from miniapp_api.claims.models import Claim
    from miniapp_api.safety.checks import Signal, open_items

    tokens = claimant(client, wechat_standin)
    claim = submit(client, tokens).get_json()
    with unit_of_work() as session:
        (item_id,) = open_items(session, [Signal("failed_face_checks", tokens["person_id"], "faces:hold", {"n": 5})])
        assert session.get(Claim, claim["id"]).status == "approved"  # type: ignore[union-attr]  # no hold by itself
    staff_account("hold.reviewer", "reviewer", region="130200")
    reviewer = console_client(app, "hold.reviewer")
    page = reviewer.get("/console/checks").data.decode()
    assert "照常发放" in page and "核实期间暂停发放" in page
    held = reviewer.post(
        f"/console/checks/{item_id}/hold",
        data={"csrf_token": _token(page.encode()), "note": "多次人脸核验失败，核实本人", "confirmed": "1"},
        follow_redirects=True,
    ).data.decode()
    assert "已暂停发放" in held and "已暂停" in held
    with unit_of_work() as session:
        assert session.get(Claim, claim["id"]).status == "suspended"  # type: ignore[union-attr]
        assert session.query(AuditEvent).filter_by(action="check.held").count() == 1
    again = reviewer.post(
        f"/console/checks/{item_id}/hold", data={"csrf_token": _token(held.encode()), "note": "再次", "confirmed": "1"},
        follow_redirects=True,
    ).data.decode()  # fmt: skip
    assert "已经暂停了发放" in again
    cleared = reviewer.post(
        f"/console/checks/{item_id}/decision",
        data={"csrf_token": _token(again.encode()), "outcome": "cleared", "note": "本人到场核实", "confirmed": "1"},
        follow_redirects=True,
    ).data.decode()
    assert "暂停的发放已恢复" in cleared
    with unit_of_work() as session:
        assert session.get(Claim, claim["id"]).status == "approved"  # type: ignore[union-attr]
