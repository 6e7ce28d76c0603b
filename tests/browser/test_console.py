"""The staff console in a real browser: a password and a second factor; an objection handled by
two people (the handler proposes, the reviewer approves, the claim is decided again); a payment
run from creation to the bank's answer; another region's reviewer refused; a form without its
CSRF token refused; the second factor not skipped."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyotp
import requests
import time_machine
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import Select

from miniapp_api.claims.models import Claim
from miniapp_api.db import unit_of_work
from miniapp_api.rules.separation_reasons import SEPARATION_REASONS
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import STAFF_PASSWORD, staff_account
from tests.browser.conftest import SCREENSHOTS, axe_violations, click, wait_for
from tests.claims_helpers import claimant, submit
from tests.objections_helpers import objection

NOVEMBER = dt.datetime(2026, 11, 16, 2, 0, tzinfo=dt.UTC)
DECEMBER = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)


def _shot(driver: Any, name: str) -> None:
    assert axe_violations(driver) == [], name
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"console-{name}.png"))


def sign_in(driver: Any, base: str, username: str) -> None:
    """Password, then the authenticator's code (enrolled on the first sign-in from the secret shown)."""
    driver.delete_all_cookies()
    driver.get(f"{base}/console/login")
    wait_for(driver).until(seen.presence_of_element_located((By.ID, "username"))).send_keys(username)
    driver.find_element(By.ID, "password").send_keys(STAFF_PASSWORD)
    click(driver, "下一步")
    secret = wait_for(driver).until(seen.presence_of_element_located((By.ID, "totp-secret"))).text.replace(" ", "")
    driver.find_element(By.ID, "code").send_keys(pyotp.TOTP(secret).now())
    click(driver, "登录")
    wait_for(driver).until(seen.presence_of_element_located((By.XPATH, "//h1[starts-with(., '您好')]")))


def test_an_objection_is_handled_by_two_people_and_the_claim_decided_again(
    app: Any, client: Any, wechat_standin: WeChatStandIn, live_server: str, desktop: Any
) -> None:
    with time_machine.travel(NOVEMBER, tick=True):
        tokens = claimant(client, wechat_standin, reason="resigned")
        refused = submit(client, tokens).get_json()
        assert refused["status"] == "rejected"
        objection(client, tokens, claimed_value="用人单位提出协商一致解除", description="是单位先提出协商解除的")
    staff_account("zhang.handler", "handler", region="130200")
    staff_account("li.reviewer", "reviewer", region="130200")
    sign_in(desktop, live_server, "zhang.handler")
    _shot(desktop, "home")
    click(desktop, "异议")
    wait_for(desktop).until(seen.presence_of_element_located((By.CSS_SELECTOR, "tbody a"))).click()
    reason = wait_for(desktop).until(seen.presence_of_element_located((By.ID, "reason-code")))
    Select(reason).select_by_value("mutual_employer_proposed")
    desktop.find_element(By.ID, "accept-answer").send_keys("经核实，系单位提出协商解除，予以更正")
    desktop.find_element(By.XPATH, "//textarea[@id='accept-answer']/ancestor::form//input[@name='confirmed']").click()
    _shot(desktop, "objection")
    click(desktop, "答复：异议成立")
    wait_for(desktop).until(seen.text_to_be_present_in_element((By.TAG_NAME, "main"), "更正待复核"))
    sign_in(desktop, live_server, "li.reviewer")
    click(desktop, "更正复核")
    wait_for(desktop).until(
        seen.text_to_be_present_in_element(
            (By.TAG_NAME, "main"), "失业原因：" + SEPARATION_REASONS["mutual_employer_proposed"].label
        )
    )
    _shot(desktop, "corrections")
    desktop.find_element(By.XPATH, "//button[.='批准']/ancestor::form//input[@name='confirmed']").click()
    click(desktop, "批准")
    wait_for(desktop).until(seen.text_to_be_present_in_element((By.TAG_NAME, "main"), "已批准更正"))
    with unit_of_work() as session:
        claim = session.get(Claim, refused["id"])
        assert claim is not None and claim.status == "approved"  # decided again on the corrected record


def test_a_payment_run_goes_from_creation_to_the_banks_answer(
    app: Any, client: Any, wechat_standin: WeChatStandIn, live_server: str, desktop: Any, tmp_path: Path
) -> None:
    with time_machine.travel(NOVEMBER, tick=True):
        tokens = claimant(client, wechat_standin, stop_date=dt.date(2026, 10, 31))
        assert submit(client, tokens).get_json()["status"] == "approved"
    staff_account("wang.finance", "finance", region="130200")
    with time_machine.travel(DECEMBER, tick=True):
        sign_in(desktop, live_server, "wang.finance")
        click(desktop, "发放批次")
        wait_for(desktop).until(seen.presence_of_element_located((By.ID, "period"))).send_keys("2026-11")
        desktop.find_element(By.NAME, "confirmed").click()
        click(desktop, "生成批次")
        wait_for(desktop).until(seen.text_to_be_present_in_element((By.TAG_NAME, "main"), "已生成批次：1笔"))
        reference = desktop.find_element(By.XPATH, "//caption[starts-with(., '前50笔')]/..//tbody/tr/td").text
        assert reference.startswith("BP")
        _shot(desktop, "run")
        answer = tmp_path / "回盘.csv"
        answer.write_text(f"业务编号,结果,原因\n{reference},成功,\n", encoding="utf-8")
        desktop.find_element(By.ID, "answer-file").send_keys(str(answer))
        desktop.find_element(By.NAME, "confirmed").click()
        click(desktop, "导入回盘")
        wait_for(desktop).until(seen.text_to_be_present_in_element((By.TAG_NAME, "main"), "回盘已导入：成功1笔"))
        assert desktop.find_element(By.ID, "run-results").text.startswith("已发放1笔")
        click(desktop, "统计")  # the run's total, as a chart and as its table
        chart = wait_for(desktop).until(seen.presence_of_element_located((By.CSS_SELECTOR, "svg[role=img]")))
        assert chart.get_attribute("aria-label")
        assert "2026-11" in desktop.find_element(By.XPATH, "//caption[.='最近的批次']/..").text
        _shot(desktop, "dashboard")


def test_another_regions_reviewer_the_second_factor_and_csrf_are_each_refused(
    app: Any, client: Any, wechat_standin: WeChatStandIn, live_server: str, desktop: Any
) -> None:
    with time_machine.travel(NOVEMBER, tick=True):
        tokens = claimant(client, wechat_standin, reason="resigned")
        submit(client, tokens)
        filed = objection(client, tokens).get_json()
    staff_account("zhao.handler", "handler", region="152200")  # 兴安盟: the objection is 唐山's
    sign_in(desktop, live_server, "zhao.handler")
    desktop.get(f"{live_server}/console/objections/{filed['id']}")
    refused = wait_for(desktop).until(seen.visibility_of_element_located((By.CSS_SELECTOR, "[role=alert]")))
    assert "没有找到" in refused.text or "不存在" in refused.text
    desktop.get(f"{live_server}/console/objections")
    assert "没有待办的异议" in desktop.find_element(By.TAG_NAME, "main").text  # 唐山's objection is not in his queue
    # A form posted without its token (as another site would) is refused, signed in or not.
    cookies = {c["name"]: c["value"] for c in desktop.get_cookies()}
    forged = requests.post(
        f"{live_server}/console/objections/{filed['id']}/assign",
        cookies=cookies,
        data={},
        timeout=10,
        allow_redirects=False,
    )
    assert forged.status_code == 400 and "不是从本系统页面提交的" in forged.text
    # The password alone opens nothing: the second factor cannot be skipped.
    staff_account("qian.handler", "handler", region="130200")
    desktop.delete_all_cookies()
    desktop.get(f"{live_server}/console/login")
    wait_for(desktop).until(seen.presence_of_element_located((By.ID, "username"))).send_keys("qian.handler")
    desktop.find_element(By.ID, "password").send_keys(STAFF_PASSWORD)
    click(desktop, "下一步")
    wait_for(desktop).until(seen.presence_of_element_located((By.ID, "code")))
    desktop.get(f"{live_server}/console/objections")
    wait_for(desktop).until(seen.presence_of_element_located((By.ID, "username")))  # back at the password
    assert "请先登录" in desktop.find_element(By.TAG_NAME, "main").text
