"""稳岗返还 in the console, as the agency does it: a reviewer screens the region, reads each
enterprise's conditions, approves (or rejects with a coded reason) what the enterprises applied
for, publishes the notice and holds the one an objection names; after the notice the finance
member prepares the batch, downloads the bank file and uploads the bank's answer. Business and
finance roles each see only their own work."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from miniapp_api.audit.models import AuditEvent
from miniapp_api.console import refunds as console_refunds
from miniapp_api.db import unit_of_work
from miniapp_api.refunds import routes as refund_routes
from miniapp_api.refunds.models import Assessment, Notice, PaymentBatch
from notifications.standins.sms_server import SmsStandIn
from tests.auth_helpers import bearer, employer_login, staff_account
from tests.console_refunds_helpers import (
    ACCOUNT_NUMBER,
    AFTER_THE_NOTICE,
    SCREENING_DAY,
    answer_upload,
    firms,
    statuses,
)
from tests.test_console_access import _token, console_client

LIAOCHENG = "371500"


def _post(client: FlaskClient, path: str, form: dict[str, Any], *, page: str | None = None) -> str:
    """Post a console form from the page it is on (`path` unless named: its token, and where a
    refusal is told) and read the page it leads to."""
    on = page or path
    token = _token(client.get(on).data)
    answer = client.post(
        path, data={"csrf_token": token, **form}, headers={"Referer": f"http://localhost{on}"}, follow_redirects=True
    )
    return answer.get_data(as_text=True)


def _apply(client: Any, sms: SmsStandIn, firm: dict[str, Any]) -> int:
    """The enterprise signs in and confirms its account: its application (the API, as the mini-program)."""
    tokens = employer_login(client, sms, firm["credit_code"], firm["phone"])
    refund = client.get("/api/v1/employer/refunds", headers=bearer(tokens)).get_json()[0]
    confirmed = client.post(f"/api/v1/employer/refunds/{refund['id']}/confirm", headers=bearer(tokens))
    assert confirmed.get_json()["status"] == "applied"
    return int(refund["id"])


def test_the_consoles_refund_roles_are_the_apis() -> None:
    assert console_refunds.READERS == refund_routes._READERS
    assert console_refunds.REVIEWERS == refund_routes._REVIEWERS
    assert console_refunds.FINANCE == refund_routes._FINANCE


def test_a_refund_goes_from_screening_to_the_banks_answer_in_the_console(
    app: Flask, client: Any, sms_standin: SmsStandIn
) -> None:
    with time_machine.travel(SCREENING_DAY, tick=True):
        steady, disputed, paid_late, refused = firms(
            "聊城市甲机械有限公司", "聊城市乙纺织有限公司", "聊城市丙食品有限公司", "聊城市丁建材有限公司"
        )
        staff_account("lc.reviewer", "reviewer", region=LIAOCHENG)
        staff_account("lc.finance", "finance", region=LIAOCHENG)
        reviewer = console_client(app, "lc.reviewer")
        home = reviewer.get("/console/").data.decode()
        assert "稳岗返还" in home and "稳岗返还拨付" not in home  # the business side, not finance's

        # The screening, and its counts and total shown after it.
        screened = _post(reviewer, "/console/refund-screenings", {"policy_year": "2026"})
        assert "371500 2026年度稳岗返还比对完成：参保企业4家，符合条件4家，返还金额合计28,800.00元" in screened
        assert re.search(r"<td>2026-03-02</td><td>4</td><td>4</td>\s*<td>28,800.00</td>", screened)

        ids = [_apply(client, sms_standin, firm) for firm in (steady, disputed, paid_late, refused)]
        queue = reviewer.get("/console/refunds?policy_year=2026&status=applied").data.decode()
        assert "2026年度 · 已确认申请，待经办机构审核：共4笔" in queue
        assert all(firm["name"] in queue and firm["credit_code"] in queue for firm in (steady, disputed, refused))
        assert "7,200.00" in queue

        # A refund's page: each condition with its values and basis, the account masked.
        detail = reviewer.get(f"/console/refunds/{ids[0]}").data.decode()
        assert "足额缴纳失业保险费满12个月" in detail and "足额缴费月数：24；规定月数：12" in detail
        assert "裁员人数口径：上年度新增领取失业保险金人数" in detail and "所在名单：无" in detail
        assert "**** 2345" in detail and ACCOUNT_NUMBER not in detail
        assert "中小微企业" in detail and "60%" in detail and "7,200.00元" in detail

        # Approve three; the fourth is rejected, and only with a coded reason.
        unticked = _post(
            reviewer,
            f"/console/refunds/{ids[0]}/decision",
            page=f"/console/refunds/{ids[0]}",
            form={"decision": "approve"},
        )
        assert "请先勾选确认，再提交审核决定" in unticked
        for refund_id in ids[:3]:
            approved = _post(
                reviewer,
                f"/console/refunds/{refund_id}/decision",
                page=f"/console/refunds/{refund_id}",
                form={"decision": "approve", "confirmed": "1"},
            )
            assert "已作出审核决定：审核通过，待公示" in approved
        uncoded = _post(
            reviewer,
            f"/console/refunds/{ids[3]}/decision",
            page=f"/console/refunds/{ids[3]}",
            form={"decision": "reject", "confirmed": "1"},
        )
        assert "不予通过须选择原因代码" in uncoded
        rejected = _post(
            reviewer,
            f"/console/refunds/{ids[3]}/decision",
            page=f"/console/refunds/{ids[3]}",
            form={"decision": "reject", "reason_code": "CREDIT_CHECK", "note": "存在涉税失信记录", "confirmed": "1"},
        )
        assert (
            "已作出审核决定：审核未通过" in rejected
            and "不予通过（征信核查未通过）；说明：存在涉税失信记录" in rejected
        )

        # The notice: its period in working days and the public page with its CSV.
        published = _post(reviewer, "/console/refund-notices", {"policy_year": "2026", "confirmed": "1"})
        assert "已发布公示：3家单位，返还金额合计21,600.00元，公示至2026年03月09日" in published
        assert "2026-03-02至2026-03-09（5个工作日）" in published
        with unit_of_work() as session:
            notice_id = session.scalars(select(Notice.id)).one()
        assert (
            f'href="/refund-notices/{notice_id}"' in published
            and f'href="/refund-notices/{notice_id}.csv"' in published
        )
        public = client.get(f"/refund-notices/{notice_id}").get_data(as_text=True)
        assert steady["name"] in public and refused["name"] not in public
        assert "公示第" in reviewer.get("/console/refund-notices").data.decode()

        # An objection during the notice holds that enterprise only.
        held = _post(
            reviewer,
            f"/console/refunds/{ids[1]}/hold",
            page=f"/console/refunds/{ids[1]}",
            form={"reason": "群众来电反映存在未参保用工", "confirmed": "1"},
        )
        assert "已暂缓该单位的拨付" in held and "暂缓拨付：群众来电反映存在未参保用工" in held
        assert statuses(ids) == ["in_notice", "held", "in_notice", "rejected"]
        assert reviewer.get("/console/refund-batches").status_code == 403  # paying is finance's alone

    with time_machine.travel(AFTER_THE_NOTICE, tick=True):
        finance = console_client(app, "lc.finance")
        home = finance.get("/console/").data.decode()
        assert "稳岗返还拨付" in home and "/console/refunds" not in home
        assert finance.get("/console/refunds").status_code == 403  # reviewing is the business roles'
        assert finance.get(f"/console/refunds/{ids[0]}").status_code == 403
        unticked = _post(finance, "/console/refund-batches", {"policy_year": "2026"})
        assert "请先勾选确认，再提交生成拨付批次" in unticked
        prepared = _post(finance, "/console/refund-batches", {"policy_year": "2026", "confirmed": "1"})
        assert "已生成拨付批次：2笔，合计14,400.00元" in prepared
        assert "已生成，待导出" in prepared and "**** 2345" in prepared and ACCOUNT_NUMBER not in prepared
        with unit_of_work() as session:
            batch_id = session.scalars(select(PaymentBatch.id)).one()
        assert statuses(ids) == ["paying", "held", "paying", "rejected"]

        # Uploading the answer before the file went to the bank is refused, on the batch's page.
        early = finance.post(
            f"/console/refund-batches/{batch_id}/confirmation",
            data={"csrf_token": _token(prepared.encode()), "confirmed": "1",
                  "file": answer_upload([("WG1", "成功", "")])},
            content_type="multipart/form-data",
            headers={"Referer": f"http://localhost/console/refund-batches/{batch_id}"},
            follow_redirects=True,
        ).data.decode()  # fmt: skip
        assert "请先导出银行文件，再导入银行回盘" in early

        bank_file = finance.get(f"/console/refund-batches/{batch_id}/bank-file.csv")
        assert bank_file.headers["Content-Disposition"] == f'attachment; filename="refund-batch-{batch_id}.csv"'
        rows = list(csv.reader(io.StringIO(bank_file.get_data(as_text=True).lstrip("\ufeff"))))
        assert rows[0] == ["业务编号", "单位名称", "开户银行", "账户名称", "对公账号", "金额"]
        references = {row[1]: row[0] for row in rows[1:]}
        assert set(references) == {steady["name"], paid_late["name"]} and rows[1][4] == ACCOUNT_NUMBER

        answered = finance.post(
            f"/console/refund-batches/{batch_id}/confirmation",
            data={
                "csrf_token": _token(finance.get(f"/console/refund-batches/{batch_id}").data),
                "confirmed": "1",
                "file": answer_upload(
                    [(references[steady["name"]], "成功", ""), (references[paid_late["name"]], "失败", "账户已销户")]
                ),
            },
            content_type="multipart/form-data",
            follow_redirects=True,
        ).data.decode()
        assert "回盘已导入：已拨付1笔，银行退回1笔，此前已处理0笔" in answered
        assert "已拨付1笔，银行退回1笔，待回盘0笔" in answered and "银行退回，待更正账户（账户已销户）" in answered
        assert statuses(ids) == ["paid", "held", "returned", "rejected"]
        with unit_of_work() as session:
            batch = session.get(PaymentBatch, batch_id)
            assert batch is not None and batch.status == "confirmed"
            paid = session.get(Assessment, ids[0])
            assert paid is not None and paid.paid_at is not None

        # The reviewer reads the paid refund's whole course.
        reviewer = console_client(app, "lc.reviewer")
        course = reviewer.get(f"/console/refunds/{ids[0]}").data.decode()
        assert "已拨付" in course and f"批次 {batch_id}" in course and references[steady["name"]] in course
        assert f"第{notice_id}期公示" in course and "，工作人员lc.reviewer：通过" in course

    with unit_of_work() as session:
        done = session.execute(
            select(AuditEvent.action, AuditEvent.actor_kind).where(AuditEvent.action.like("refund.%"))
        ).all()
    for step in ("refund.screened", "refund.approved", "refund.rejected", "refund.notice_published", "refund.held",
                 "refund.batch_prepared", "refund.bank_file_exported", "refund.batch_confirmed"):  # fmt: skip
        assert (step, "staff") in done, step


def test_a_province_wide_auditor_names_the_region_and_reads_without_any_action(
    app: Flask, client: Any, sms_standin: SmsStandIn
) -> None:
    staff_account("province.auditor", "auditor")
    with time_machine.travel(SCREENING_DAY, tick=True):
        firm = firms("聊城市戊五金有限公司")[0]
        staff_account("lc.checker", "reviewer", region=LIAOCHENG)
        _post(console_client(app, "lc.checker"), "/console/refund-screenings", {"policy_year": "2026"})
        refund_id = _apply(client, sms_standin, firm)
        auditor = console_client(app, "province.auditor")
        asked = auditor.get("/console/refunds").data.decode()
        assert "请先填写统筹地区代码" in asked
        listed = auditor.get(f"/console/refunds?policy_year=2026&status=applied&region={LIAOCHENG}").data.decode()
        assert firm["name"] in listed
        page = auditor.get(f"/console/refunds/{refund_id}").data.decode()
        assert "各项条件" in page and "审核通过" not in page and "暂缓拨付" not in page
        assert "生成拨付批次" not in auditor.get("/console/refund-batches").data.decode()
        refused = auditor.post(
            f"/console/refunds/{refund_id}/decision",
            data={"csrf_token": _token(page.encode()), "decision": "approve", "confirmed": "1"},
        )
        assert refused.status_code == 403
