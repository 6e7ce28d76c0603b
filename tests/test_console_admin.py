"""An administrator's console work beyond creating accounts: changing a member's roles and region
(which ends their sessions), disabling and restoring, and regional parameters changed by two
people, never retroactively, within the administrator's region."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from auth.models import AuthSession, StaffUser
from miniapp_api.audit.models import AuditEvent
from miniapp_api.clock import china_today
from miniapp_api.db import unit_of_work
from miniapp_api.records.demo import seed_regions
from miniapp_api.records.models import ParameterChange, RegionParameter
from tests.auth_helpers import staff_account
from tests.test_console_access import _token, console_client

TANGSHAN = "130200"


@pytest.fixture(autouse=True)
def regions(app: Flask) -> None:
    with unit_of_work() as session:
        seed_regions(session)


def _post(client: FlaskClient, path: str, **form: Any) -> str:
    token = _token(client.get("/console/").data)
    return client.post(path, data={"csrf_token": token, **form}, follow_redirects=True).data.decode()


def test_an_admin_changes_a_members_roles_and_the_members_open_sessions_end(app: Flask) -> None:
    staff_account("ts.admin", "admin", region=TANGSHAN)
    staff_account("ts.clerk", "handler", region=TANGSHAN)
    admin, clerk = console_client(app, "ts.admin"), console_client(app, "ts.clerk")
    page = _post(admin, "/console/staff/ts.clerk/change", roles=["handler", "reviewer"], region=TANGSHAN)
    assert "已更改 ts.clerk 的岗位和地区" in page
    with unit_of_work() as session:
        clerk_row = session.scalars(select(StaffUser).filter_by(username="ts.clerk")).one()
        assert clerk_row.roles == ["handler", "reviewer"]
        open_sessions = session.scalars(
            select(AuthSession).where(AuthSession.staff_user_id == clerk_row.id, AuthSession.revoked_at.is_(None))
        ).all()
        assert open_sessions == []
        change = session.scalars(select(AuditEvent).filter_by(action="staff.change")).one()
        assert change.detail["before"]["roles"] == ["handler"] and change.actor_kind == "staff"
    assert clerk.get("/console/").status_code == 302  # signed out: the new roles apply at the next sign-in


def test_a_regional_admin_cannot_move_a_member_out_of_the_region_nor_change_their_own_account(app: Flask) -> None:
    staff_account("ts.admin", "admin", region=TANGSHAN)
    staff_account("ts.clerk", "handler", region=TANGSHAN)
    admin = console_client(app, "ts.admin")
    moved = _post(admin, "/console/staff/ts.clerk/change", roles=["handler"], region="152200")
    assert "只能设置本地区（130200）的账号" in moved
    widened = _post(admin, "/console/staff/ts.clerk/change", roles=["handler"], province_wide="1")
    assert "只能设置本地区（130200）的账号" in widened
    own = _post(admin, "/console/staff/ts.admin/change", roles=["admin", "auditor"], region=TANGSHAN)
    assert "不能更改自己的账号" in own
    with unit_of_work() as session:
        assert session.scalars(select(StaffUser.region_code).filter_by(username="ts.clerk")).one() == TANGSHAN


def test_a_disabled_account_is_restored_by_an_admin_and_can_sign_in_again(app: Flask) -> None:
    staff_account("ts.admin", "admin", region=TANGSHAN)
    staff_account("ts.clerk", "handler", region=TANGSHAN)
    admin = console_client(app, "ts.admin")
    assert "确认停用" in admin.get("/console/staff/ts.clerk").data.decode()
    assert "请先勾选确认，再提交停用" in _post(admin, "/console/staff/ts.clerk/disable")  # the tick, asked again
    assert "已停用 ts.clerk" in _post(admin, "/console/staff/ts.clerk/disable", confirmed="1")
    assert "已启用 ts.clerk 的账号" in _post(admin, "/console/staff/ts.clerk/enable")
    assert console_client(app, "ts.clerk").get("/console/").status_code == 200


def _minimum_wage_form(effective_from: dt.date, monthly: str = "2100.00") -> dict[str, str]:
    return {
        "kind": "minimum_wage",
        "value": json.dumps({"monthly": monthly}),
        "effective_from": effective_from.isoformat(),
        "citation": "冀政字〔2026〕99号",
        "reason": "省政府调整最低工资标准",
    }


def test_a_parameter_change_takes_effect_only_when_another_person_approves_it(app: Flask, client: Any) -> None:
    staff_account("ts.admin", "admin", region=TANGSHAN)
    staff_account("ts.chief", "supervisor", region=TANGSHAN)
    admin, chief = console_client(app, "ts.admin"), console_client(app, "ts.chief")
    today = china_today()
    proposed = _post(admin, f"/console/regions/{TANGSHAN}/parameters", **_minimum_wage_form(today))
    assert "须另一位管理员或主管审核后生效" in proposed
    with unit_of_work() as session:
        change = session.scalars(select(ParameterChange)).one()
    own = _post(admin, f"/console/parameter-changes/{change.id}/approve", note="自己批准", confirmed="1")
    assert "提出人不能审核自己提出的参数调整" in own
    before = client.get(f"/api/v1/regions/{TANGSHAN}/parameters").get_json()["parameters"]
    assert all(p["value"] != {"monthly": "2100.00"} for p in before if p["kind"] == "minimum_wage")
    approved = _post(chief, f"/console/parameter-changes/{change.id}/approve", note="已核对", confirmed="1")
    assert f"自 {today} 起适用" in approved
    after = client.get(f"/api/v1/regions/{TANGSHAN}/parameters").get_json()["parameters"]
    wage = next(p for p in after if p["kind"] == "minimum_wage")
    assert wage["value"] == {"monthly": "2100.00"} and wage["citation"] == "冀政字〔2026〕99号"
    with unit_of_work() as session:
        event = session.scalars(select(AuditEvent).filter_by(action="region_parameter.approved")).one()
        assert event.detail["before"] is None and event.detail["after"]["value"] == {"monthly": "2100.00"}
        assert event.actor_kind == "staff"


def test_a_parameter_change_is_never_retroactive_and_its_value_is_checked_like_an_import(app: Flask) -> None:
    staff_account("ts.admin", "admin", region=TANGSHAN)
    admin = console_client(app, "ts.admin")
    path = f"/console/regions/{TANGSHAN}/parameters"
    yesterday = china_today() - dt.timedelta(days=1)
    assert "生效日期不能早于今天" in _post(admin, path, **_minimum_wage_form(yesterday))
    assert "参数值不符合要求" in _post(admin, path, **_minimum_wage_form(china_today(), monthly="-5"))
    not_json = {**_minimum_wage_form(china_today()), "value": "两千一百元"}
    assert "参数值应按现行值的格式填写" in _post(admin, path, **not_json)
    scale = {
        **_minimum_wage_form(china_today()),
        "kind": "duration_scale",
        "value": json.dumps({"steps": [{"min_contribution_months": 12, "entitlement_months": 13}]}),
    }
    assert "超过法定上限" in _post(admin, path, **scale)
    with unit_of_work() as session:
        assert session.scalars(select(ParameterChange)).all() == []


def test_a_parameter_change_cannot_be_approved_once_its_date_has_passed(app: Flask) -> None:
    import time_machine

    staff_account("ts.admin", "admin", region=TANGSHAN)
    staff_account("ts.chief", "supervisor", region=TANGSHAN)
    today = china_today()
    _post(console_client(app, "ts.admin"), f"/console/regions/{TANGSHAN}/parameters", **_minimum_wage_form(today))
    with unit_of_work() as session:
        change_id = session.scalars(select(ParameterChange.id)).one()
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=2), tick=True):
        late = _post(
            console_client(app, "ts.chief"),
            f"/console/parameter-changes/{change_id}/approve",
            note="迟了",
            confirmed="1",
        )
    assert "生效日期已过，不能再批准" in late
    with unit_of_work() as session:
        assert session.scalars(select(RegionParameter).filter_by(effective_from=today, kind="minimum_wage")).all() == []


def test_staff_of_another_region_neither_see_nor_decide_a_regions_parameters(app: Flask) -> None:
    staff_account("ts.admin", "admin", region=TANGSHAN)
    staff_account("xam.chief", "supervisor", region="152200")
    _post(
        console_client(app, "ts.admin"),
        f"/console/regions/{TANGSHAN}/parameters",
        **_minimum_wage_form(china_today() + dt.timedelta(days=30)),
    )
    with unit_of_work() as session:
        change_id = session.scalars(select(ParameterChange.id)).one()
    elsewhere = console_client(app, "xam.chief")
    assert elsewhere.get(f"/console/regions/{TANGSHAN}/parameters").status_code == 404
    assert "没有这项参数调整" in _post(
        elsewhere, f"/console/parameter-changes/{change_id}/approve", note="越权", confirmed="1"
    )
    listing = elsewhere.get("/console/regions").data.decode()
    assert "152200" in listing and TANGSHAN not in listing
    with unit_of_work() as session:
        assert session.get(ParameterChange, change_id).status == "pending"  # type: ignore[union-attr]


def test_an_account_an_admin_made_or_changed_is_turned_on_only_by_another_admin(app: Flask) -> None:
    staff_account("xa.admin", "admin", region="152200")
    staff_account("xa.admin2", "admin", region="152200")
    maker = console_client(app, "xa.admin")
    made = _post(
        maker, "/console/staff",
        username="xa.helper", display_name="帮手", password="correct horse 2026", roles=["admin"], region="152200",
    )  # fmt: skip
    assert "须另一位管理员核对后启用" in made
    own = _post(maker, "/console/staff/xa.helper/enable", confirmed="1")
    assert "这个账号由您创建或更改，须另一位管理员核对后启用" in own
    with unit_of_work() as session:
        assert session.scalars(select(StaffUser.active).filter_by(username="xa.helper")).one() is False
    checker = console_client(app, "xa.admin2")
    assert "请先勾选确认，再提交启用" in _post(checker, "/console/staff/xa.helper/enable")
    assert "已启用 xa.helper 的账号" in _post(checker, "/console/staff/xa.helper/enable", confirmed="1")
    _post(maker, "/console/staff/xa.helper/change", roles=["admin", "reviewer"], region="152200")
    with unit_of_work() as session:
        helper = session.scalars(select(StaffUser).filter_by(username="xa.helper")).one()
        assert (helper.active, helper.roles) == (False, ["admin", "reviewer"])  # off again until checked
    assert "不能重置自己的账号" in _post(checker, "/console/staff/xa.admin2/reset-second-factor")


def test_every_kind_of_parameter_starts_the_administrator_from_a_value_that_passes_the_checks() -> None:
    from miniapp_api.console.parameters import EXAMPLES, national_defaults, starting_value
    from miniapp_api.records.parameters import PARAMETER_KINDS, validate_parameter_value

    national = national_defaults()
    for kind in PARAMETER_KINDS:
        start = starting_value(kind, None, national.get(kind))
        assert start, kind
        validate_parameter_value(kind, start)  # raises if the example is not a value the rules accept
    assert set(EXAMPLES) | set(national) == set(PARAMETER_KINDS)


def test_every_key_of_a_refund_parameter_is_shown_in_words() -> None:
    from miniapp_api.console.parameters import EXAMPLES, VALUE_WORDS
    from miniapp_api.rules.parameters import NATIONAL_DEFAULTS

    values = [dict(v.value) for v in NATIONAL_DEFAULTS if v.kind.startswith("refund")]
    values += [value for kind, value in EXAMPLES.items() if kind.startswith("refund")]
    assert sorted({key for value in values for key in value} - set(VALUE_WORDS)) == []
