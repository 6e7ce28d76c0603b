"""稳岗返还 from screening to the bank's answer, as the enterprises, the agency's reviewers and its
finance staff do it; and 免申即享, where no enterprise applies at all."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import time_machine
from sqlalchemy import select

from miniapp_api.audit.models import AuditEvent
from miniapp_api.db import unit_of_work
from miniapp_api.records.models import RegionParameter
from miniapp_api.refunds.models import Assessment
from notifications.standins.sms_server import SmsStandIn
from tests.auth_helpers import bearer, employer_login, staff_login
from tests.objections_helpers import relogin
from tests.refunds_helpers import POLICY_YEAR, enterprise_with_contact

YEAR = {"policy_year": POLICY_YEAR}
# Monday 2 March 2026, 10:00 in China; five working days of notice end on Monday 9 March.
SCREENING_DAY = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
AFTER_THE_NOTICE = dt.datetime(2026, 3, 11, 2, 0, tzinfo=dt.UTC)


def _firms(*names: str, **fields: Any) -> list[dict[str, Any]]:
    return [enterprise_with_contact(name=name, **fields) for name in names]


def _refund_of(client: Any, tokens: dict[str, Any]) -> dict[str, Any]:
    return client.get("/api/v1/employer/refunds", headers=bearer(tokens)).get_json()[0]  # type: ignore[no-any-return]


def _bank_answer(rows: list[tuple[str, str, str]]) -> dict[str, Any]:
    text = "业务编号,结果,原因\n" + "".join(f"{ref},{result},{reason}\n" for ref, result, reason in rows)
    return {"file": (io.BytesIO(text.encode("utf-8")), "answer.csv")}


def _sent(sms: SmsStandIn, phone: str, templates: set[str]) -> list[str]:
    """The values of the messages of these templates (either provider's) a phone received."""
    return [str(r["params"]) for r in sms.accepted if phone in r["phone"] and r["template"] in templates]


def _statuses(ids: list[int]) -> list[str]:
    with unit_of_work() as session:
        return [session.get(Assessment, refund_id).status for refund_id in ids]  # type: ignore[union-attr]


def test_screening_to_the_banks_answer_with_an_objection_holding_one_enterprise(
    client: Any, sms_standin: SmsStandIn
) -> None:
    with time_machine.travel(SCREENING_DAY, tick=True):
        unaccounted, steady, disputed = _firms("聊城市甲机械有限公司", "聊城市乙纺织有限公司", "聊城市丙食品有限公司")
        with unit_of_work() as session:
            from miniapp_api.refunds.models import CorporateAccount

            session.query(CorporateAccount).filter(CorporateAccount.employer_id == unaccounted["id"]).delete()
        reviewer = staff_login(client, "lc_reviewer", "reviewer", region="371500")
        screened = client.post("/api/v1/staff/refunds/screenings", json=YEAR, headers=bearer(reviewer)).get_json()
        assert (screened["enterprises"], screened["eligible"]) == (3, 3)

        # Each enterprise sees its result; the one without an account enters it; each confirms.
        ids = []
        for firm in (unaccounted, steady, disputed):
            tokens = employer_login(client, sms_standin, firm["credit_code"], firm["phone"])
            refund = _refund_of(client, tokens)
            if firm is unaccounted:
                account = {
                    "bank_name": "中国农业银行聊城分行",
                    "account_name": firm["name"],
                    "account_number": "15500101040012345",
                }
                assert (
                    client.put(
                        f"/api/v1/employer/refunds/{refund['id']}/account", json=account, headers=bearer(tokens)
                    ).status_code
                    == 200
                )
            confirmed = client.post(f"/api/v1/employer/refunds/{refund['id']}/confirm", headers=bearer(tokens))
            assert confirmed.get_json()["status"] == "applied"
            ids.append(refund["id"])

        # The region's reviewer approves all three, then publishes the notice.
        for refund_id in ids:
            decided = client.post(
                f"/api/v1/staff/refunds/{refund_id}/decision", json={"decision": "approve"}, headers=bearer(reviewer)
            )
            assert decided.get_json()["status"] == "approved"
        notice = client.post("/api/v1/staff/refunds/notices", json=YEAR, headers=bearer(reviewer)).get_json()
        assert (notice["starts_on"], notice["ends_on"], notice["enterprises"]) == ("2026-03-02", "2026-03-09", 3)
        assert notice["total_amount"] == "21600.00"

        # The public page and its CSV: names, credit codes and amounts, nothing personal.
        page = client.get(notice["page_url"]).get_data(as_text=True)
        assert all(firm["name"] in page and firm["credit_code"] in page for firm in (unaccounted, steady, disputed))
        assert "公示期内对名单有异议的" in page and "15500101040012345" not in page
        listed = list(csv.reader(io.StringIO(client.get(notice["csv_url"]).get_data(as_text=True).lstrip("\ufeff"))))
        assert listed[0] == ["单位名称", "统一社会信用代码", "返还金额（元）"]
        assert sorted(row[2] for row in listed[1:]) == ["7200.00"] * 3
        assert not any(firm["phone"] in cell for row in listed for cell in row for firm in (steady, disputed))

        # An objection during the notice holds that enterprise only.
        held = client.post(
            f"/api/v1/staff/refunds/{ids[2]}/hold",
            json={"reason": "群众来电反映该单位存在未参保用工"},
            headers=bearer(reviewer),
        )
        assert held.get_json()["status"] == "held"
        early = client.post(
            "/api/v1/finance/refund-batches",
            json=YEAR,
            headers=bearer(staff_login(client, "lc_finance", "finance", region="371500")),
        )
        assert (early.status_code, early.get_json()["code"]) == (409, "NOTHING_TO_PAY")  # the notice runs on

    with time_machine.travel(AFTER_THE_NOTICE, tick=True):
        # The hourly sweep closes the ended notice: the enterprises read 待拨付 before any batch.
        from miniapp_api.refunds.reminders import sweep

        assert sweep().notices_closed == 2
        assert _statuses(ids) == ["payable", "payable", "held"]
        finance, reviewer = relogin(client, "lc_finance"), relogin(client, "lc_reviewer")
        not_for_business = client.post("/api/v1/finance/refund-batches", json=YEAR, headers=bearer(reviewer))
        assert not_for_business.status_code == 403  # business and finance roles kept apart
        batch = client.post("/api/v1/finance/refund-batches", json=YEAR, headers=bearer(finance)).get_json()
        assert (batch["instructions"], batch["total_amount"]) == (2, "14400.00")
        # Finance staff of another region see nothing of it and cannot pay this region.
        elsewhere = staff_login(client, "ts_finance", "finance", region="130200")
        for path in (
            f"/api/v1/finance/refund-batches/{batch['id']}",
            f"/api/v1/finance/refund-batches/{batch['id']}/bank-file.csv",
        ):
            assert client.get(path, headers=bearer(elsewhere)).status_code == 404
        other = client.post(
            "/api/v1/finance/refund-batches", json={**YEAR, "region": "371500"}, headers=bearer(elsewhere)
        )
        assert (other.status_code, other.get_json()["code"]) == (403, "OTHER_REGION")
        assert _statuses(ids) == ["paying", "paying", "held"]
        bank_file = client.get(f"/api/v1/finance/refund-batches/{batch['id']}/bank-file.csv", headers=bearer(finance))
        rows = list(csv.reader(io.StringIO(bank_file.get_data(as_text=True).lstrip("\ufeff"))))
        assert rows[0] == ["业务编号", "单位名称", "开户银行", "账户名称", "对公账号", "金额"]
        references = {row[1]: row[0] for row in rows[1:]}
        assert rows[1][4] == "15500101040012345"  # the bank needs the whole account; the file is the finance role's
        answer = _bank_answer(
            [(references[unaccounted["name"]], "成功", ""), (references[steady["name"]], "失败", "账户已销户")]
        )
        settled = client.post(
            f"/api/v1/finance/refund-batches/{batch['id']}/confirmation",
            data=answer,
            headers=bearer(finance),
            content_type="multipart/form-data",
        ).get_json()
        assert settled["settled"] == {"paid": 1, "returned": 1, "unchanged": 0}
        assert _statuses(ids) == ["paid", "returned", "held"]
        # Each is told: paid to its account (the tail only), or returned with the bank's reason.
        paid = _sent(sms_standin, unaccounted["phone"], {"SMS_REFUND_PAID_V1", "2100033"})
        assert len(paid) == 1 and "2345" in paid[0] and "12345" not in paid[0]
        returned = _sent(sms_standin, steady["phone"], {"SMS_REFUND_RETURNED_V1", "2100034"})
        assert len(returned) == 1 and "账户已销户" in returned[0]

        # The returned one corrects its account and is paid in the next batch.
        tokens = employer_login(client, sms_standin, steady["credit_code"], steady["phone"])
        corrected = client.put(
            f"/api/v1/employer/refunds/{ids[1]}/account",
            json={"bank_name": "中国银行聊城分行", "account_name": steady["name"], "account_number": "213456789012"},
            headers=bearer(tokens),
        )
        assert corrected.get_json()["status"] == "payable"
        second = client.post("/api/v1/finance/refund-batches", json=YEAR, headers=bearer(finance)).get_json()
        client.get(f"/api/v1/finance/refund-batches/{second['id']}/bank-file.csv", headers=bearer(finance))
        with unit_of_work() as session:
            reference = session.get(Assessment, ids[1]).payment_reference  # type: ignore[union-attr]
        client.post(
            f"/api/v1/finance/refund-batches/{second['id']}/confirmation",
            data=_bank_answer([(str(reference), "成功", "")]),
            headers=bearer(finance),
            content_type="multipart/form-data",
        )
        assert _statuses(ids) == ["paid", "paid", "held"]

    with unit_of_work() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("refund.%")).order_by(AuditEvent.id)
        ).all()
    for step in ("refund.screened", "refund.applied", "refund.approved", "refund.notice_published", "refund.held",
                 "refund.batch_prepared", "refund.bank_file_exported", "refund.batch_confirmed"):  # fmt: skip
        assert step in actions


def test_without_application_enterprises_with_their_records_complete_go_to_review_unasked(
    client: Any, sms_standin: SmsStandIn
) -> None:
    with time_machine.travel(SCREENING_DAY, tick=True):
        complete, unsized = _firms("聊城市丁五金有限公司", "聊城市戊建材有限公司")
        with unit_of_work() as session:
            from miniapp_api.refunds.models import EmployerProfile

            session.get(EmployerProfile, unsized["id"]).size_class = None  # type: ignore[union-attr]
            session.add(
                RegionParameter(
                    region_code="371500",
                    kind="refund_without_application",
                    effective_from=dt.date(2026, 1, 1),
                    value={"applies": True},
                    citation="测试：免申即享",
                )
            )
        reviewer = staff_login(client, "lc_reviewer", "reviewer", region="371500")
        client.post("/api/v1/staff/refunds/screenings", json=YEAR, headers=bearer(reviewer))
        queue = client.get(f"/api/v1/staff/refunds?policy_year={POLICY_YEAR}", headers=bearer(reviewer)).get_json()
        assert [item["enterprise"]["name"] for item in queue["items"]] == [complete["name"]]
        refund_id = queue["items"][0]["id"]
        client.post(
            f"/api/v1/staff/refunds/{refund_id}/decision", json={"decision": "approve"}, headers=bearer(reviewer)
        )
        client.post("/api/v1/staff/refunds/notices", json=YEAR, headers=bearer(reviewer))
        tokens = employer_login(client, sms_standin, unsized["credit_code"], unsized["phone"])
        waiting = _refund_of(client, tokens)
        assert (waiting["status"], [b["code"] for b in waiting["blockers"]]) == ("eligible", ["SIZE_MISSING"])
    with time_machine.travel(AFTER_THE_NOTICE, tick=True):
        finance = staff_login(client, "lc_finance", "finance", region="371500")
        batch = client.post("/api/v1/finance/refund-batches", json=YEAR, headers=bearer(finance)).get_json()
        client.get(f"/api/v1/finance/refund-batches/{batch['id']}/bank-file.csv", headers=bearer(finance))
        with unit_of_work() as session:
            found = session.get(Assessment, refund_id)
            assert found is not None
            assert (found.applied_by, found.status) == (None, "paying")  # nobody applied
            reference = found.payment_reference
        client.post(
            f"/api/v1/finance/refund-batches/{batch['id']}/confirmation",
            data=_bank_answer([(str(reference), "成功", "")]),
            headers=bearer(finance),
            content_type="multipart/form-data",
        )
        assert _statuses([refund_id]) == ["paid"]
