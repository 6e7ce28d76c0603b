"""Staff of one region see and act on their own region only: payment runs and bank files, suspect
lists, the staff message look-up; the audit search, which spans regions, is for province-wide
accounts. Each attack here was observed working before runs and lists had a region."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import time_machine
from sqlalchemy import func, select

from miniapp_api.db import unit_of_work
from miniapp_api.records.demo import seed_regions
from miniapp_api.records.models import Person
from miniapp_api.safety.models import CheckItem
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer
from tests.claims_helpers import claimant, submit
from tests.objections_helpers import staff

NOVEMBER = dt.datetime(2026, 11, 16, 2, 0, tzinfo=dt.UTC)
DECEMBER = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)
TANGSHAN, XINGAN = "130200", "152200"


def _approved(client: Any, wechat: WeChatStandIn, region: str, name: str) -> dict[str, Any]:
    with time_machine.travel(NOVEMBER, tick=True):
        tokens = claimant(client, wechat, name=name, region_code=region, stop_date=dt.date(2026, 10, 31))
        claim = submit(client, tokens).get_json()
    assert claim["status"] == "approved", claim
    return {**claim, "tokens": tokens}


def _run(client: Any, tokens: dict[str, Any], **body: Any) -> Any:
    return client.post("/api/v1/finance/payment-runs", json={"period": "2026-12", **body}, headers=bearer(tokens))


def test_a_payment_run_and_its_bank_file_hold_one_regions_claimants(client: Any, wechat_standin: WeChatStandIn) -> None:
    _approved(client, wechat_standin, TANGSHAN, "唐山人")
    _approved(client, wechat_standin, XINGAN, "兴安人")
    with time_machine.travel(DECEMBER, tick=True):
        tangshan = staff(client, "finance.ts", "finance", region=TANGSHAN)
        xingan = staff(client, "finance.xa", "finance", region=XINGAN)
        ours = _run(client, tangshan)
        assert ours.status_code == 201, ours.get_json()
        assert (ours.get_json()["region_code"], ours.get_json()["instructions"]) == (TANGSHAN, 2)
        # Another region's month is theirs to run, and not blocked by ours.
        refused = _run(client, tangshan, region=XINGAN)
        assert (refused.status_code, refused.get_json()["code"]) == (403, "OTHER_REGION")
        theirs = _run(client, xingan)
        assert theirs.status_code == 201, theirs.get_json()
        run_id = theirs.get_json()["id"]
        for path in (f"/api/v1/finance/payment-runs/{run_id}", f"/api/v1/finance/payment-runs/{run_id}/bank-file.csv"):
            response = client.get(path, headers=bearer(tangshan))
            assert (response.status_code, response.get_json()["code"]) == (404, "RUN_NOT_FOUND")
            assert "兴安人" not in response.get_data(as_text=True)
        answer = client.post(
            f"/api/v1/finance/payment-runs/{run_id}/confirmation",
            data={"file": (io.BytesIO("业务编号,结果,原因\n".encode()), "回盘.csv")},
            headers=bearer(tangshan),
            content_type="multipart/form-data",
        )
        assert answer.status_code == 404
        bank_file = client.get(
            f"/api/v1/finance/payment-runs/{ours.get_json()['id']}/bank-file.csv", headers=bearer(tangshan)
        )
        assert "唐山人" in bank_file.data.decode("utf-8-sig") and "兴安人" not in bank_file.data.decode("utf-8-sig")
        province = staff(client, "finance.all", "finance")
        unnamed = _run(client, province)
        assert (unnamed.status_code, unnamed.get_json()["code"]) == (422, "REGION_REQUIRED")
        twice = _run(client, province, region=XINGAN)
        assert (twice.status_code, twice.get_json()["code"]) == (409, "RUN_EXISTS")


def test_a_suspect_list_opens_items_and_tells_numbers_for_the_uploaders_region_only(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    elsewhere = _approved(client, wechat_standin, XINGAN, "兴安人")
    with unit_of_work() as session:
        id_number = session.get(Person, elsewhere["tokens"]["person_id"]).id_number  # type: ignore[union-attr]
    listed = f"身份证号码,疑点类型\n{id_number},领取期间在外省就业\n".encode()

    def upload(tokens: dict[str, Any]) -> Any:
        return client.post(
            "/api/v1/staff/suspect-lists",
            data={"file": (io.BytesIO(listed), "疑点.csv")},
            headers=bearer(tokens),
            content_type="multipart/form-data",
        )

    tangshan = staff(client, "reviewer.ts", "reviewer", region=TANGSHAN)
    ours = upload(tangshan)
    assert ours.status_code == 201, ours.get_json()
    # Nothing says whether this person is on record in another region.
    assert {key: ours.get_json()[key] for key in ("matched", "opened", "not_claimants", "unknown_persons")} == {
        "matched": 0,
        "opened": 0,
        "not_claimants": 0,
        "unknown_persons": 1,
    }
    with unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(CheckItem)) == 0
    xingan = staff(client, "reviewer.xa", "reviewer", region=XINGAN)
    theirs = upload(xingan)  # the same file is theirs to read too
    assert theirs.status_code == 201, theirs.get_json()
    assert theirs.get_json()["opened"] == 1


def test_the_message_look_up_shows_only_the_regions_people(client: Any, wechat_standin: WeChatStandIn) -> None:
    person_id = _approved(client, wechat_standin, XINGAN, "兴安人")["tokens"]["person_id"]
    with unit_of_work() as session:
        phone = session.get(Person, person_id).phone  # type: ignore[union-attr]
    tangshan = staff(client, "handler.ts", "handler", region=TANGSHAN)
    xingan = staff(client, "handler.xa", "handler", region=XINGAN)
    ours = client.get("/api/v1/staff/messages", query_string={"phone": phone}, headers=bearer(tangshan))
    theirs = client.get("/api/v1/staff/messages", query_string={"phone": phone}, headers=bearer(xingan))
    assert ours.status_code == theirs.status_code == 200
    assert ours.get_json() == []
    assert theirs.get_json() != []


def test_the_audit_search_is_for_province_wide_accounts(client: Any) -> None:
    with unit_of_work() as session:
        seed_regions(session)
    regional = staff(client, "auditor.ts", "auditor", region=TANGSHAN)
    refused = client.get("/api/v1/staff/audit", headers=bearer(regional))
    assert (refused.status_code, refused.get_json()["code"]) == (403, "PROVINCE_WIDE_ROLE_REQUIRED")
    province = staff(client, "auditor.all", "auditor")
    assert client.get("/api/v1/staff/audit", headers=bearer(province)).status_code == 200
