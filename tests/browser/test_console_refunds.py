"""稳岗返还 in the staff console, in a real browser: a reviewer screens the region, reads an
enterprise's conditions, approves one and rejects another with a coded reason, and publishes the
notice, whose public page opens; after the notice the finance member prepares the batch, takes
the bank file and uploads the bank's answer. Each page passes the accessibility audit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
import time_machine
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from miniapp_api.db import unit_of_work
from miniapp_api.refunds.models import PaymentBatch
from notifications.standins.sms_server import SmsStandIn
from tests.auth_helpers import bearer, employer_login, staff_account
from tests.browser.conftest import click
from tests.browser.test_console import _shot, sign_in
from tests.browser.test_console_roles import _tick, _told
from tests.console_refunds_helpers import ACCOUNT_NUMBER, AFTER_THE_NOTICE, SCREENING_DAY, bank_answer, firms, statuses

LIAOCHENG = "371500"


def _apply(client: Any, sms: SmsStandIn, firm: dict[str, Any]) -> int:
    tokens = employer_login(client, sms, firm["credit_code"], firm["phone"])
    refund = client.get("/api/v1/employer/refunds", headers=bearer(tokens)).get_json()[0]
    assert client.post(f"/api/v1/employer/refunds/{refund['id']}/confirm", headers=bearer(tokens)).status_code == 200
    return int(refund["id"])


def _open_refund(driver: Any, name: str) -> None:
    click(driver, "审核队列")
    click(driver, name)
    _told(driver, "各项条件")


def test_a_reviewer_approves_and_publishes_and_finance_pays_after_the_notice(
    app: Any, client: Any, sms_standin: SmsStandIn, live_server: str, desktop: Any, tmp_path: Path
) -> None:
    with time_machine.travel(SCREENING_DAY, tick=True):
        approved, refused = firms("聊城市浏览器甲机械有限公司", "聊城市浏览器乙纺织有限公司")
        staff_account("lc.browser.reviewer", "reviewer", region=LIAOCHENG)
        staff_account("lc.browser.finance", "finance", region=LIAOCHENG)
        sign_in(desktop, live_server, "lc.browser.reviewer")
        click(desktop, "稳岗返还")
        click(desktop, "比对")
        click(desktop, "开始比对")
        _told(desktop, "2026年度稳岗返还比对完成：参保企业2家，符合条件2家，返还金额合计14,400.00元")
        _shot(desktop, "refund-screenings")

        ids = [_apply(client, sms_standin, firm) for firm in (approved, refused)]
        _open_refund(desktop, approved["name"])
        page = desktop.find_element(By.TAG_NAME, "main").text
        assert "足额缴费月数：24；规定月数：12" in page and "**** 2345" in page and ACCOUNT_NUMBER not in page
        _tick(desktop, "//button[.='审核通过']/ancestor::form//input[@name='confirmed']")
        _shot(desktop, "refund")
        click(desktop, "审核通过")
        _told(desktop, "已作出审核决定：审核通过，待公示")

        _open_refund(desktop, refused["name"])
        Select(desktop.find_element(By.ID, "reason-code")).select_by_value("CREDIT_CHECK")
        desktop.find_element(By.ID, "reject-note").send_keys("存在涉税失信记录")
        _tick(desktop, "//button[.='不予通过']/ancestor::form//input[@name='confirmed']")
        click(desktop, "不予通过")
        _told(desktop, "不予通过（征信核查未通过）；说明：存在涉税失信记录")

        click(desktop, "公示")
        _tick(desktop, "//button[.='发布公示']/ancestor::form//input[@name='confirmed']")
        click(desktop, "发布公示")
        _told(desktop, "已发布公示：1家单位，返还金额合计7,200.00元，公示至2026年03月09日")
        assert desktop.find_element(By.ID, "notice-period").text == "2026-03-02至2026-03-09（5个工作日）"
        _shot(desktop, "refund-notice")
        public = desktop.find_element(By.ID, "public-page").get_attribute("href")
        assert desktop.find_element(By.ID, "public-csv").get_attribute("href") == f"{public}.csv"
        desktop.get(public)
        assert desktop.find_element(By.TAG_NAME, "h1").text.startswith("聊城市2026年度失业保险稳岗返还公示（第")
        listed = desktop.find_element(By.TAG_NAME, "table").text
        assert approved["credit_code"] in listed and refused["name"] not in listed
        assert statuses(ids) == ["in_notice", "rejected"]

        # An objection to the notice holds the enterprise; looked into and unfounded, it goes back on.
        desktop.get(f"{live_server}/console/refunds/{ids[0]}")
        desktop.find_element(By.ID, "hold-reason").send_keys("来电反映该单位上年有裁员未申报")
        _tick(desktop, "//button[.='暂缓拨付']/ancestor::form//input[@name='confirmed']")
        click(desktop, "暂缓拨付")
        _told(desktop, "已暂缓该单位的拨付")
        assert statuses(ids) == ["held", "rejected"]
        _tick(desktop, "//button[.='审核通过']/ancestor::form//input[@name='confirmed']")
        click(desktop, "审核通过")
        _told(desktop, "已作出审核决定")
        assert statuses(ids) == ["in_notice", "rejected"]

    with time_machine.travel(AFTER_THE_NOTICE, tick=True):
        sign_in(desktop, live_server, "lc.browser.finance")
        assert "审核队列" not in desktop.find_element(By.TAG_NAME, "body").text  # not the business roles' work
        click(desktop, "稳岗返还拨付")
        _tick(desktop, "//button[.='生成拨付批次']/ancestor::form//input[@name='confirmed']")
        click(desktop, "生成拨付批次")
        _told(desktop, "已生成拨付批次：1笔，合计7,200.00元")
        reference = desktop.find_element(By.XPATH, "//caption[starts-with(., '本批次')]/..//tbody/tr/td").text
        assert reference.startswith("WG")
        # The bank file, as the link downloads it (with the browser's own session).
        link = desktop.find_element(By.LINK_TEXT, "下载银行代发文件").get_attribute("href")
        cookies = {cookie["name"]: cookie["value"] for cookie in desktop.get_cookies()}
        bank_file = requests.get(link, cookies=cookies, timeout=10)
        assert bank_file.status_code == 200 and ACCOUNT_NUMBER in bank_file.text and reference in bank_file.text
        answer = tmp_path / "回盘.csv"
        answer.write_bytes(bank_answer([(reference, "成功", "")]))
        desktop.find_element(By.ID, "answer-file").send_keys(str(answer))
        _tick(desktop, "//button[.='导入回盘']/ancestor::form//input[@name='confirmed']")
        click(desktop, "导入回盘")
        _told(desktop, "回盘已导入：已拨付1笔，银行退回0笔，此前已处理0笔")
        assert desktop.find_element(By.ID, "batch-results").text.startswith("已拨付1笔")
        assert desktop.find_element(By.ID, "batch-status").text == "已回盘"
        _shot(desktop, "refund-batch")
    assert statuses(ids) == ["paid", "rejected"]
    with unit_of_work() as session:
        assert session.scalars(select(PaymentBatch.status)).one() == "confirmed"
