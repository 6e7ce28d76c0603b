"""Suspect lists and fraud signals open check items for staff and never stop a payment by
themselves; a reviewer closes each item, as cleared or by stopping payment for a legal reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import time_machine
from flask import Flask
from sqlalchemy import func, select

from auth.sessions import authenticate
from miniapp_api.audit.models import AuditEvent
from miniapp_api.claims.models import BenefitPayment, Claim, ClaimEvent
from miniapp_api.db import unit_of_work
from miniapp_api.faces.models import FaceCheck, LivenessChallenge
from miniapp_api.identifiers import make_id_number
from miniapp_api.records.models import Person, RegionParameter
from miniapp_api.safety.models import CheckItem, RecoveryItem
from miniapp_api.safety.signals import run as signals
from notifications.standins.wechat_server import WeChatStandIn
from tests import factories
from tests.auth_helpers import bearer, bind, face_verify, staff_login
from tests.claims_helpers import claimant, submit
from tests.cli_helpers import run_cli
from tests.employers_helpers import post_file

NOVEMBER = dt.datetime(2026, 11, 16, 2, 0, tzinfo=dt.UTC)
HEADER = "身份证号码,姓名,疑点类型,疑点说明,比对来源"


def _approved(client: Any, wechat: WeChatStandIn, **records: Any) -> dict[str, Any]:
    with time_machine.travel(NOVEMBER, tick=True):
        tokens = claimant(client, wechat, months=70, **records)
        claim = submit(client, tokens).get_json()
    assert claim["status"] == "approved"
    with unit_of_work() as session:
        person = session.get(Person, tokens["person_id"])
        assert person is not None
        return {"claim_id": claim["id"], "person_id": person.id, "id_number": person.id_number, "tokens": tokens}


def _statuses(claim_id: int) -> set[str]:
    with unit_of_work() as session:
        return set(session.scalars(select(BenefitPayment.status).where(BenefitPayment.claim_id == claim_id)))


def _items(kind: str) -> list[CheckItem]:
    with unit_of_work() as session:
        return list(session.scalars(select(CheckItem).where(CheckItem.kind == kind).order_by(CheckItem.person_id)))


def _suspect_list(*lines: str) -> bytes:
    return "\n".join([HEADER, *lines]).encode("utf-8-sig")


def test_a_suspect_list_opens_a_check_item_for_each_local_claimant_and_stops_nobody(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    paid = _approved(client, wechat_standin)
    with unit_of_work() as session:
        not_claiming = factories.person(session).id_number
    unknown = make_id_number("150700", dt.date(1975, 3, 3), 77)
    content = _suspect_list(
        f"{paid['id_number']},王建国,领取失业保险金期间参保缴费,2026年12月起在内蒙古参保,全国社保比对",
        f"{not_claiming},王建国,领取期间死亡,,全国社保比对",
        f"{unknown},李四,领取期间领取养老金,,全国社保比对",
        "110105194912310021,张三,领取期间死亡,,全国社保比对",
    )
    reviewer = staff_login(client, "reviewer1", "reviewer")
    answer = post_file(client, "/api/v1/staff/suspect-lists", reviewer, content, "疑点名单202611.csv")
    assert answer.status_code == 201, answer.get_json()
    result = answer.get_json()
    assert (result["rows"], result["matched"], result["opened"]) == (4, 2, 1)
    assert (result["not_claimants"], result["unknown_persons"]) == (1, 1)
    assert result["problems"][0]["row"] == 5 and "身份证号码" in result["problems"][0]["message"]
    (item,) = _items("suspect_list")
    assert (item.person_id, item.claim_id, item.status) == (paid["person_id"], paid["claim_id"], "open")
    assert item.evidence["suspicions"][0]["kind"] == "领取失业保险金期间参保缴费"
    assert _statuses(paid["claim_id"]) == {"scheduled"}
    again = post_file(client, "/api/v1/staff/suspect-lists", reviewer, content, "疑点名单202611.csv")
    assert (again.status_code, again.get_json()["code"]) == (409, "LIST_DUPLICATE")
    listed = client.get("/api/v1/staff/checks?kind=suspect_list", headers=bearer(reviewer)).get_json()
    assert [row["id"] for row in listed] == [item.id] and listed[0]["kind_label"] == "部级比对疑点"
    assert paid["id_number"] not in str(listed)


def test_a_suspect_list_that_cannot_be_read_is_refused_with_its_reason(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    reviewer = staff_login(client, "reviewer1", "reviewer")
    missing = post_file(client, "/api/v1/staff/suspect-lists", reviewer, "姓名,疑点说明\n张三,x\n".encode(), "a.csv")
    assert (missing.status_code, missing.get_json()["code"]) == (422, "LIST_COLUMNS")
    assert "身份证号码" in missing.get_json()["message"] and "疑点类型" in missing.get_json()["message"]
    excel = post_file(client, "/api/v1/staff/suspect-lists", reviewer, b"PK\x03\x04", "a.xlsx")
    assert (excel.status_code, excel.get_json()["code"]) == (422, "LIST_TYPE")
    empty = post_file(client, "/api/v1/staff/suspect-lists", reviewer, _suspect_list(), "b.csv")
    assert (empty.status_code, empty.get_json()["code"]) == (422, "LIST_EMPTY")
    with unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(CheckItem)) == 0


def test_a_reviewer_stops_payment_on_a_check_item_and_months_paid_since_become_recovery_items(
    client: Any, wechat_standin: WeChatStandIn, app: Flask, tmp_path: Path
) -> None:
    paid = _approved(client, wechat_standin)
    with unit_of_work() as session:
        november = session.scalars(
            select(BenefitPayment).where(
                BenefitPayment.claim_id == paid["claim_id"], BenefitPayment.period == dt.date(2026, 11, 1)
            )
        ).one()
        november.status = "paid"
    listing = tmp_path / "suspects.csv"
    listing.write_bytes(_suspect_list(f"{paid['id_number']},王建国,领取期间参保缴费,外省参保,全国社保比对"))
    imported = run_cli(app, "safety", "import-suspects", str(listing))
    assert imported.exit_code == 0, imported.output
    assert "新开核查事项 1 个" in imported.output
    (item,) = _items("suspect_list")
    reviewer = staff_login(client, "reviewer1", "reviewer")
    decision = f"/api/v1/staff/checks/{item.id}/decision"
    incomplete = client.post(decision, json={"outcome": "stop", "note": "外省已参保"}, headers=bearer(reviewer))
    assert incomplete.status_code == 422 and {"reason", "effective_on"} <= set(
        incomplete.get_json()["details"]["fields"]
    )
    before = client.post(
        decision,
        json={"outcome": "stop", "note": "外省已参保", "reason": "reemployed", "effective_on": "2026-10-01"},
        headers=bearer(reviewer),
    )
    assert (before.status_code, before.get_json()["code"]) == (422, "EFFECTIVE_DATE")
    stopped = client.post(
        decision,
        json={
            "outcome": "stop",
            "note": "经核实外省单位自11月起参保",
            "reason": "reemployed",
            "effective_on": "2026-11-03",
        },
        headers=bearer(reviewer),
    )
    assert stopped.status_code == 200, stopped.get_json()
    assert stopped.get_json()["status"] == "stopped"
    again = client.post(decision, json={"outcome": "cleared", "note": "重复"}, headers=bearer(reviewer))
    assert (again.status_code, again.get_json()["code"]) == (409, "CHECK_CLOSED")
    with unit_of_work() as session:
        claim = session.get(Claim, paid["claim_id"])
        assert claim is not None and claim.status == "stopped"
        (recovery,) = session.scalars(select(RecoveryItem)).all()
        assert (recovery.period, recovery.reason) == (dt.date(2026, 11, 1), "reemployed")
        decided = session.scalars(select(AuditEvent).where(AuditEvent.action == "check.decided")).one()
        assert decided.detail["outcome"] == "stopped" and decided.actor_kind == "staff"
    assert _statuses(paid["claim_id"]) == {"paid", "cancelled"}
    settle = f"/api/v1/staff/recoveries/{recovery.id}/settlement"
    finance = staff_login(client, "finance1", "finance")
    waive = client.post(settle, json={"outcome": "waived", "note": "无力偿还"}, headers=bearer(finance))
    assert (waive.status_code, waive.get_json()["code"]) == (403, "ROLE_REQUIRED")
    recovered = client.post(settle, json={"outcome": "recovered", "note": "已退回基金专户"}, headers=bearer(finance))
    assert recovered.status_code == 200 and recovered.get_json()["status"] == "recovered"
    assert client.get("/api/v1/staff/recoveries", headers=bearer(finance)).get_json() == []


def test_a_cleared_check_item_leaves_payment_as_it_was(client: Any, wechat_standin: WeChatStandIn) -> None:
    paid = _approved(client, wechat_standin)
    other = _approved(client, wechat_standin)  # the factory gives both the same bank account
    assert signals().opened["shared_bank_account"] == 2
    item = _items("shared_bank_account")[0]
    assert item.evidence["account"] == "**** 1383"
    supervisor = staff_login(client, "supervisor1", "supervisor")
    cleared = client.post(
        f"/api/v1/staff/checks/{item.id}/decision",
        json={"outcome": "cleared", "note": "夫妻二人共用一个账户，已核实"},
        headers=bearer(supervisor),
    )
    assert cleared.status_code == 200, cleared.get_json()
    assert cleared.get_json()["status"] == "cleared"
    assert _statuses(paid["claim_id"]) == _statuses(other["claim_id"]) == {"scheduled"}


def test_one_bank_account_behind_several_claimants_is_flagged_once_for_each(
    client: Any, wechat_standin: WeChatStandIn, app: Flask
) -> None:
    first = _approved(client, wechat_standin)
    second = _approved(client, wechat_standin)
    _approved(client, wechat_standin, bank_account="6222020000000000018")
    result = run_cli(app, "safety", "signals")
    assert result.exit_code == 0, result.output
    assert "多名申领人使用同一银行账户：新开核查事项 2 个" in result.output
    items = _items("shared_bank_account")
    assert [item.person_id for item in items] == sorted([first["person_id"], second["person_id"]])
    assert len(items[0].evidence["others"]) == 1 and "*" in items[0].evidence["others"][0]["name"]
    assert signals().opened["shared_bank_account"] == 0
    assert _statuses(first["claim_id"]) == {"scheduled"}


def test_one_wechat_user_behind_several_identities_is_flagged(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin)
    with unit_of_work() as session:
        someone = factories.laid_off(session, name="赵敏")
        someone_id, number, name = someone.id, someone.id_number, someone.name
    face_verify(tokens, someone_id)
    assert bind(client, tokens, number, name).status_code == 200
    assert signals().opened["shared_wechat"] == 2
    assert {item.person_id for item in _items("shared_wechat")} == {tokens["person_id"], someone_id}
    assert signals().opened["shared_wechat"] == 0


def test_many_failed_face_checks_of_one_person_are_flagged_once_per_window(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    with unit_of_work() as session:
        caller = authenticate(tokens["access_token"])
        now = dt.datetime.now(dt.UTC)
        for n in range(5):
            session.add(
                LivenessChallenge(
                    id=f"challenge{n}",
                    session_id=caller.session_id,
                    person_id=tokens["person_id"],
                    actions=["blink"],
                    expires_at=now,
                )
            )
        session.flush()
        for n in range(5):
            session.add(
                FaceCheck(
                    challenge_id=f"challenge{n}",
                    person_id=tokens["person_id"],
                    session_id=caller.session_id,
                    passed=False,
                    reasons=["face_mismatch"],
                    timings_ms={},
                    media_kind="video",
                    media_sha256=f"{n:064d}",
                    created_at=now - dt.timedelta(days=n),
                )
            )
    assert signals().opened["failed_face_checks"] == 1
    (item,) = _items("failed_face_checks")
    assert item.evidence["failures"] == 5
    assert signals(now + dt.timedelta(days=1)).opened["failed_face_checks"] == 0


def test_hidden_employment_stops_payment_only_where_the_regions_rule_is_in_force(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    paid = _approved(client, wechat_standin)
    content = _suspect_list(f"{paid['id_number']},王建国,隐性就业,个税记录显示连续4个月工资收入,税务比对")
    reviewer = staff_login(client, "reviewer1", "reviewer")
    assert post_file(client, "/api/v1/staff/suspect-lists", reviewer, content, "隐性就业.csv").status_code == 201
    (item,) = _items("suspect_list")
    body = {"outcome": "stop", "note": "核实在某超市连续工作4个月", "reason": "hidden_employment",
            "effective_on": "2026-11-10"}  # fmt: skip
    decision = f"/api/v1/staff/checks/{item.id}/decision"
    refused = client.post(decision, json=body, headers=bearer(reviewer))
    assert (refused.status_code, refused.get_json()["code"]) == (422, "REASON_NOT_IN_FORCE")
    assert _statuses(paid["claim_id"]) == {"scheduled"}
    with unit_of_work() as session:
        session.add(
            RegionParameter(
                region_code="130200",
                kind="hidden_employment",
                effective_from=dt.date(2003, 2, 9),
                value={"enabled": True, "min_months": 3},
                citation="吉政办发〔2003〕4号第八条（测试用）",
            )
        )
    stopped = client.post(decision, json=body, headers=bearer(reviewer))
    assert stopped.status_code == 200, stopped.get_json()
    assert _statuses(paid["claim_id"]) == {"cancelled"}
    with unit_of_work() as session:
        event = session.scalars(
            select(ClaimEvent).where(ClaimEvent.claim_id == paid["claim_id"], ClaimEvent.kind == "stopped")
        ).one()
        # The region's own rule: its months and its document, not another province's.
        assert event.detail["basis"] == "社会保险法第五十一条第（一）项；吉政办发〔2003〕4号第八条（测试用）"


def _open_item(person_id: int, region_code: str) -> int:
    with unit_of_work() as session:
        item = CheckItem(
            kind="shared_wechat",
            person_id=person_id,
            region_code=region_code,
            dedup_key=f"test:{person_id}:{region_code}",
            evidence={},
            status="open",
        )
        session.add(item)
        session.flush()
        return item.id


def test_a_check_item_cannot_stop_a_claim_paid_by_another_region_or_from_a_future_date(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    paid = _approved(client, wechat_standin)  # paid by 130200
    reviewer = staff_login(client, "reviewer1", "reviewer")
    body = {"outcome": "stop", "note": "核实", "reason": "reemployed"}
    elsewhere = _open_item(paid["person_id"], "152200")
    refused = client.post(
        f"/api/v1/staff/checks/{elsewhere}/decision",
        json={**body, "effective_on": "2026-11-10"},
        headers=bearer(reviewer),
    )
    assert (refused.status_code, refused.get_json()["code"]) == (409, "CLAIM_OTHER_REGION")
    here = _open_item(paid["person_id"], "130200")
    future = client.post(
        f"/api/v1/staff/checks/{here}/decision", json={**body, "effective_on": "2099-01-01"}, headers=bearer(reviewer)
    )
    assert (future.status_code, future.get_json()["code"]) == (422, "EFFECTIVE_DATE")
    assert _statuses(paid["claim_id"]) == {"scheduled"}
