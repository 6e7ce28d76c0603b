"""The mobile pages' WeChat moments in a real browser, with the page's stand-in for WeChat's own
sheets: an employer contact binds WeChat, allows the reminders and is then reminded on WeChat,
and signs in with WeChat alone or with the phone WeChat verified; a claimant fills the form's
phone from WeChat; and a deployment on WeChat's 人脸核身 checks a face with no reference photo."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from sqlalchemy import select

from miniapp_api.db import unit_of_work
from notifications.models import Message
from notifications.standins.sms_server import SmsStandIn
from tests.browser.conftest import SCREENSHOTS, answer_wechat_sheet, axe_violations, click, wait_for
from tests.claims_helpers import claimant
from tests.employers_helpers import CONTACT_PHONE, employer_with_workers, form_rows, xlsx


def _sms_login(browser: Any, live_server: str, credit_code: str) -> None:
    browser.get(f"{live_server}/m/#/employer")
    wait_for(browser).until(seen.presence_of_element_located((By.ID, "emp-credit"))).send_keys(credit_code)
    browser.find_element(By.ID, "emp-phone").send_keys(CONTACT_PHONE)
    click(browser, "获取验证码")
    code = wait_for(browser).until(seen.visibility_of_element_located((By.ID, "dev-code"))).text.rsplit(" ", 1)[1]
    browser.find_element(By.ID, "emp-code").send_keys(code)
    click(browser, "登录")


def test_an_employer_contact_binds_wechat_allows_reminders_and_is_reminded_on_wechat(
    app: Any, live_server: str, browser: Any, sms_standin: SmsStandIn, tmp_path: Path
) -> None:
    firm = employer_with_workers(1)
    _sms_login(browser, live_server, firm["credit_code"])
    click(browser, "绑定微信：以后用微信登录、在微信接收提醒")
    assert answer_wechat_sheet(browser, "允许") == "允许本小程序向您发送以下消息？"
    wait_for(browser).until(seen.text_to_be_present_in_element((By.ID, "app"), "已绑定微信"))
    assert axe_violations(browser) == []
    form = tmp_path / "备案表.xlsx"
    form.write_bytes(xlsx(form_rows(firm["workers"], separated_on="2026-11-13")))
    click(browser, "上传备案表（Excel 或 CSV）")
    wait_for(browser).until(seen.presence_of_element_located((By.ID, "form-file"))).send_keys(str(form))
    click(browser, "上传备案表")
    wait_for(browser).until(seen.text_to_be_present_in_element((By.ID, "app"), "已导入1人"))
    with unit_of_work() as session:
        reminder = session.scalars(select(Message).where(Message.kind == "employer_notice_reminder")).one()
        assert (reminder.channel, reminder.status) == ("wechat_subscribe", "delivered")
    browser.get(f"{live_server}/m/#/employer")
    click(browser, "我的消息")
    reminder_card = wait_for(browser).until(
        seen.visibility_of_element_located((By.XPATH, "//h2[.='请送达申领告知书']/.."))
    )
    assert "微信 · 已送达" in reminder_card.text
    assert axe_violations(browser) == []
    browser.execute_script("sessionStorage.clear()")  # the mini-program opened again: back in with WeChat alone
    browser.get(f"{live_server}/m/#/employer")
    wait_for(browser).until(seen.presence_of_element_located((By.ID, "emp-credit")))
    click(browser, "微信登录（已绑定微信的联系人）")
    wait_for(browser).until(seen.presence_of_element_located((By.CSS_SELECTOR, "[data-duty]")))


def test_an_employer_contact_signs_in_with_the_phone_wechat_verified(app: Any, live_server: str, browser: Any) -> None:
    firm = employer_with_workers(1)
    browser.get(f"{live_server}/m/#/employer")
    wait_for(browser).until(seen.presence_of_element_located((By.ID, "emp-credit"))).send_keys(firm["credit_code"])
    click(browser, "使用微信手机号登录")
    wait_for(browser).until(seen.visibility_of_element_located((By.ID, "sheet-phone"))).send_keys(CONTACT_PHONE)
    assert answer_wechat_sheet(browser, "允许") == "微信将向本小程序提供您的手机号"
    wait_for(browser).until(seen.text_to_be_present_in_element((By.ID, "app"), "告知义务"))
    assert "绑定微信" not in browser.find_element(By.ID, "app").text  # bound already by WeChat's phone


def test_a_claimant_fills_the_forms_phone_from_wechat(
    app: Any, client: Any, wechat_standin: Any, live_server: str, browser: Any
) -> None:
    tokens = {**claimant(client, wechat_standin), "kind": "claimant", "level": "face_verified"}
    browser.get(f"{live_server}/m/")
    browser.execute_script("sessionStorage.setItem('miniapp.tokens', JSON.stringify(arguments[0]))", tokens)
    browser.get(f"{live_server}/m/#/claimant")
    click(browser, "使用微信手机号")
    wait_for(browser).until(seen.visibility_of_element_located((By.ID, "sheet-phone"))).send_keys("13600001234")
    answer_wechat_sheet(browser, "允许")
    phone = browser.find_element(By.ID, "form-phone")
    wait_for(browser).until(lambda _: "136****1234" in (phone.get_attribute("placeholder") or ""))
    assert "微信验证" in phone.get_attribute("placeholder")


@pytest.fixture
def wechat_face_provider(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """This deployment checks faces with WeChat's 人脸核身 (the live server's own settings)."""
    current = app.extensions["miniapp_settings"]
    monkeypatch.setitem(app.extensions, "miniapp_settings", dataclasses.replace(current, FACE_PROVIDER="wechat"))


def test_a_claimant_without_a_reference_photo_passes_wechats_face_verification_in_the_page(
    app: Any, client: Any, wechat_standin: Any, live_server: str, browser: Any, wechat_face_provider: None
) -> None:
    tokens = {**claimant(client, wechat_standin, verified=False), "kind": "claimant", "level": "bound"}
    browser.get(f"{live_server}/m/")
    browser.execute_script("sessionStorage.setItem('miniapp.tokens', JSON.stringify(arguments[0]))", tokens)
    browser.get(f"{live_server}/m/#/claimant/face")
    wait_for(browser).until(seen.presence_of_element_located((By.ID, "face-consent"))).click()
    click(browser, "同意并开始刷脸")
    wait_for(browser).until(seen.visibility_of_element_located((By.CSS_SELECTOR, "[role=dialog]")))
    browser.save_screenshot(str(SCREENSHOTS / "18-wechat-face.png"))
    assert answer_wechat_sheet(browser, "退出核身") == "微信人脸核身"
    refused = wait_for(browser).until(seen.visibility_of_element_located((By.XPATH, "//*[@role='alert']")))
    assert "您退出了微信人脸核身" in refused.text
    click(browser, "同意并开始刷脸")
    answer_wechat_sheet(browser, "完成核身")
    wait_for(browser).until(seen.text_to_be_present_in_element((By.ID, "notice"), "刷脸核验通过"))
