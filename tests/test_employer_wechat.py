"""Employer contacts on WeChat: a contact signed in by SMS code binds the mini-program's WeChat,
then signs in with WeChat alone (for every employer the phone is a contact of); reminders go by
WeChat while the contact allows them, by SMS once the allowed sends are spent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from miniapp_api.db import unit_of_work
from notifications.models import Message
from notifications.standins.sms_server import SmsStandIn
from notifications.standins.wechat_server import WeChatStandIn
from tests import factories
from tests.auth_helpers import bearer, employer_login
from tests.employers_helpers import CONTACT_PHONE, employer_with_workers
from tests.notify_helpers import allow

CONTACT_OPENID = "o_contact_wang_hr"
DUTY = "employer-duty-subscribe"


def _wechat_signed_in(client: Any, wechat: WeChatStandIn, sms: SmsStandIn, firm: dict[str, Any]) -> dict[str, Any]:
    by_sms = employer_login(client, sms, firm["credit_code"], CONTACT_PHONE)
    bound = client.post(
        "/api/v1/auth/employer/wechat", json={"code": wechat.issue_code(CONTACT_OPENID)}, headers=bearer(by_sms)
    )
    assert bound.status_code == 200, bound.get_json()
    signed_in = client.post(
        "/api/v1/auth/employer/wechat/login",
        json={"code": wechat.issue_code(CONTACT_OPENID), "credit_code": firm["credit_code"]},
    )
    assert signed_in.status_code == 200, signed_in.get_json()
    tokens: dict[str, Any] = signed_in.get_json()
    return tokens


def _file(client: Any, tokens: dict[str, Any], worker: dict[str, Any]) -> None:
    filed = client.post(
        "/api/v1/employer/filings",
        json={"name": worker["name"], "id_number": worker["id_number"], "separation_date": "2026-10-30",
              "reason": "contract_expired", "sex": "男" if worker["sex"] == "M" else "女"},
        headers=bearer(tokens),
    )  # fmt: skip
    assert filed.status_code == 201, filed.get_json()


def _reminders() -> list[Message]:
    with unit_of_work() as session:
        found = session.scalars(
            select(Message).where(Message.kind == "employer_notice_reminder").order_by(Message.created_at)
        ).all()
        session.expunge_all()
        return list(found)


def test_a_contact_is_reminded_on_wechat_and_by_sms_once_the_allowed_send_is_spent(
    client: Any, wechat_standin: WeChatStandIn, sms_standin: SmsStandIn
) -> None:
    firm = employer_with_workers(2)
    tokens = _wechat_signed_in(client, wechat_standin, sms_standin, firm)
    moments = client.get("/api/v1/wechat/subscriptions", headers=bearer(tokens)).get_json()["moments"]
    assert moments["employer_wechat_bound"] == [DUTY]
    allow(client, wechat_standin, CONTACT_OPENID, {DUTY: "accept"})
    _file(client, tokens, firm["workers"][0])
    _file(client, tokens, firm["workers"][1])
    first, second = _reminders()
    assert (first.channel, first.status, first.wechat_openid) == ("wechat_subscribe", "delivered", CONTACT_OPENID)
    assert second.channel == "sms"
    sent = wechat_standin.sent[0]
    assert sent["touser"] == CONTACT_OPENID and sent["page"] == "pages/employer/duties"
    assert sent["data"]["thing1"]["value"].startswith("唐山示范机械")


def test_one_phone_that_is_the_contact_of_two_employers_signs_in_to_either_with_wechat(
    client: Any, wechat_standin: WeChatStandIn, sms_standin: SmsStandIn
) -> None:
    firm = employer_with_workers(1)
    with unit_of_work() as session:
        other = factories.employer(session, name="唐山第二制造有限公司")
        factories.contact(session, other, phone=CONTACT_PHONE)
        other_code = other.credit_code
    _wechat_signed_in(client, wechat_standin, sms_standin, firm)
    second = client.post(
        "/api/v1/auth/employer/wechat/login",
        json={"code": wechat_standin.issue_code(CONTACT_OPENID), "credit_code": other_code},
    )
    assert second.status_code == 200
    me = client.get("/api/v1/auth/me", headers=bearer(second.get_json())).get_json()
    assert me["employer"]["credit_code"] == other_code


def test_a_wechat_user_who_never_proved_the_phone_cannot_sign_in_as_the_contact(
    client: Any, wechat_standin: WeChatStandIn, sms_standin: SmsStandIn
) -> None:
    firm = employer_with_workers(1)
    refused = client.post(
        "/api/v1/auth/employer/wechat/login",
        json={"code": wechat_standin.issue_code("o_stranger"), "credit_code": firm["credit_code"]},
    )
    assert (refused.status_code, refused.get_json()["code"]) == (401, "WECHAT_NOT_BOUND")
    by_sms = employer_login(client, sms_standin, firm["credit_code"], CONTACT_PHONE)
    no_wechat = client.get("/api/v1/wechat/subscriptions", headers=bearer(by_sms))
    assert (no_wechat.status_code, no_wechat.get_json()["code"]) == (403, "WECHAT_LOGIN_REQUIRED")
    _file(client, by_sms, firm["workers"][0])
    (reminder,) = _reminders()
    assert reminder.channel == "sms" and wechat_standin.sent == []  # nobody allowed WeChat reminders


def test_a_contact_whose_phone_wechat_verifies_signs_in_without_an_sms_code(
    client: Any, wechat_standin: WeChatStandIn, sms_standin: SmsStandIn
) -> None:
    firm = employer_with_workers(1)
    phone_code = wechat_standin.issue_phone_code(CONTACT_PHONE)
    signed_in = client.post(
        "/api/v1/auth/employer/wechat/phone-login",
        json={"code": wechat_standin.issue_code(CONTACT_OPENID), "phone_code": phone_code,
              "credit_code": firm["credit_code"]},
    )  # fmt: skip
    assert signed_in.status_code == 200, signed_in.get_json()
    assert sms_standin.accepted == []  # no code was texted
    again = client.post(
        "/api/v1/auth/employer/wechat/login",
        json={"code": wechat_standin.issue_code(CONTACT_OPENID), "credit_code": firm["credit_code"]},
    )
    assert again.status_code == 200  # the WeChat user is bound to the phone now
    reused = client.post(
        "/api/v1/auth/employer/wechat/phone-login",
        json={"code": wechat_standin.issue_code(CONTACT_OPENID), "phone_code": phone_code,
              "credit_code": firm["credit_code"]},
    )  # fmt: skip
    assert (reused.status_code, reused.get_json()["code"]) == (422, "PHONE_CODE_INVALID")  # works once
    stranger = client.post(
        "/api/v1/auth/employer/wechat/phone-login",
        json={"code": wechat_standin.issue_code("o_other"),
              "phone_code": wechat_standin.issue_phone_code("13911112222"), "credit_code": firm["credit_code"]},
    )  # fmt: skip
    assert (stranger.status_code, stranger.get_json()["code"]) == (401, "NOT_A_CONTACT")
    assert "139****2222" in stranger.get_json()["message"]


def test_a_claimant_fills_the_forms_phone_with_the_number_wechat_verified(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    from tests.claims_helpers import claimant

    tokens = claimant(client, wechat_standin)
    saved = client.put(
        "/api/v1/claims/draft",
        json={"phone_code": wechat_standin.issue_phone_code("13600001234")},
        headers=bearer(tokens),
    )
    assert saved.status_code == 200, saved.get_json()
    assert "136****1234" in str(saved.get_json())
    forged = client.put("/api/v1/claims/draft", json={"phone_code": "made-up"}, headers=bearer(tokens))
    assert (forged.status_code, forged.get_json()["code"]) == (422, "PHONE_CODE_INVALID")


def test_a_member_of_staff_binds_wechat_and_gets_the_alerts_there_while_allowed(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    from miniapp_api.db import unit_of_work as uow
    from miniapp_api.objections.staff_notices import tell
    from miniapp_api.records.demo import seed_regions
    from tests.auth_helpers import staff_login

    with uow() as session:
        seed_regions(session)
    staff_openid = "o_staff_zhang"
    tokens = staff_login(client, "wx.handler", "handler", region="130200")
    with uow() as session:
        from auth.models import StaffUser

        member = session.scalars(select(StaffUser).filter_by(username="wx.handler")).one()
        member.phone = "13700001111"
    bound = client.post(
        "/api/v1/auth/staff/wechat", json={"code": wechat_standin.issue_code(staff_openid)}, headers=bearer(tokens)
    )
    assert bound.status_code == 200, bound.get_json()
    allow(client, wechat_standin, staff_openid, {"staff-task-subscribe": "accept"})
    with uow() as session:
        member = session.scalars(select(StaffUser).filter_by(username="wx.handler")).one()
        values = {"objection_no": "YY1", "due_on": "2026-12-10"}
        assert tell(session, member, "staff_objection_due_soon", values, "t:1")
        assert tell(session, member, "staff_objection_due_soon", {**values, "objection_no": "YY2"}, "t:2")
    with uow() as session:
        sent = session.scalars(
            select(Message.channel).where(Message.kind == "staff_objection_due_soon").order_by(Message.created_at)
        ).all()
    assert sorted(sent) == ["sms", "wechat_subscribe"]  # the one allowed send, and the work phone for the other
    assert wechat_standin.sent[0]["touser"] == staff_openid
