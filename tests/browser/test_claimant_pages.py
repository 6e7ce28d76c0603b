"""The claimant's journey in a real browser, with the phone's camera played by Chromium's fake
device (the real test clip): sign in, bind the identity, read the auto-filled form, the face
check, submit, the decision and payments, the receipt."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
import time_machine
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from sqlalchemy import select

from liveness.actions import Action
from miniapp_api.db import unit_of_work
from miniapp_api.faces import service as face_service
from miniapp_api.records.demo import seed_regions
from miniapp_api.records.models import PersonPhoto, Region
from notifications.models import WeChatSubscription
from tests import factories
from tests.auth_helpers import bound_claimant
from tests.browser.conftest import (
    SCREENSHOTS,
    answer_wechat_sheet,
    axe_violations,
    click,
    large_text_problems,
    snapshot,
    wait_for,
)
from tests.liveness_helpers import FACES

NOW = dt.datetime(2026, 11, 16, 2, 0, tzinfo=dt.UTC)


def _laid_off_miranda() -> dict[str, str]:
    """Records of a man laid off at the end of October, his photo the face the fake camera shows."""
    photo = (FACES / "miranda_1.png").read_bytes()
    with unit_of_work() as session:
        if session.get(Region, "130200") is None:
            seed_regions(session)
        person = factories.laid_off(session, name="米兰达", months=70, stop_date=dt.date(2026, 10, 31))
        session.add(
            PersonPhoto(
                person_id=person.id, content=photo, content_type="image/png", sha256=hashlib.sha256(photo).hexdigest()
            )
        )
        return {"id_number": person.id_number, "name": person.name}


def _audit(driver: Any, name: str) -> None:
    assert axe_violations(driver) == [], name
    snapshot(driver, name)


@pytest.fixture
def turns_right_then_left(monkeypatch: pytest.MonkeyPatch) -> None:
    """The challenge asks for what the clip shows: a turn to the right, then to the left."""
    monkeypatch.setattr(face_service, "pick_actions", lambda: [Action.TURN_RIGHT, Action.TURN_LEFT])


def test_a_laid_off_worker_claims_from_sign_in_to_receipt_with_the_phone_camera(
    app: Any, client: Any, live_server: str, browser: Any, turns_right_then_left: None
) -> None:
    person = _laid_off_miranda()
    with time_machine.travel(NOW, tick=True):
        browser.get(f"{live_server}/m/#/claimant")
        click(browser, "微信登录")
        wait_for(browser).until(seen.presence_of_element_located((By.ID, "bind-id")))
        _audit(browser, "10-bind")
        browser.find_element(By.ID, "bind-id").send_keys(person["id_number"])
        browser.find_element(By.ID, "bind-name").send_keys(person["name"])
        click(browser, "确认身份")
        assert answer_wechat_sheet(browser, "取消") == "允许本小程序向您发送以下消息？"  # asked once bound
        wait_for(browser).until(seen.presence_of_element_located((By.CSS_SELECTOR, "[data-field]")))
        form_text = browser.find_element(By.ID, "app").text
        assert "来源：" in form_text and "有误？提出异议" in form_text
        _audit(browser, "11-form")
        browser.find_element(By.ID, "commitment").click()
        click(browser, "确认并提交申领")
        wait_for(browser).until(seen.presence_of_element_located((By.ID, "face-consent")))
        _audit(browser, "12-face-consent")
        browser.find_element(By.ID, "face-consent").click()
        click(browser, "同意并开始刷脸")
        wait_for(browser, 60).until(
            seen.presence_of_element_located((By.ID, "commitment"))
        )  # back at the form, verified
        # Face-verified, he may have it paid to another card of his: saved as a draft, used on submit.
        browser.find_element(By.ID, "bank-other").click()
        browser.find_element(By.ID, "bank-name").send_keys("中国建设银行")
        browser.find_element(By.ID, "bank-account").send_keys("6217000010001234569")
        browser.find_element(By.ID, "form-address").click()  # leaving the field saves it
        wait_for(browser).until(seen.text_to_be_present_in_element((By.ID, "payee"), "中国建设银行"))
        assert browser.find_element(By.ID, "commitment").is_selected()  # ticked once, still ticked after the face
        click(browser, "确认并提交申领")
        wait_for(browser).until(seen.visibility_of_element_located((By.CSS_SELECTOR, "[role=dialog]")))
        assert axe_violations(browser) == [] and large_text_problems(browser) == []
        browser.save_screenshot(str(SCREENSHOTS / "13-subscribe.png"))  # WeChat's popup, as the page draws it
        answer_wechat_sheet(browser, "允许")  # the progress messages, asked at the tap that submits
        wait_for(browser, 30).until(seen.text_to_be_present_in_element((By.ID, "app"), "受理号"))
        page = browser.find_element(By.ID, "app").text
        assert "已核准，按月发放" in page and "发放计划" in page
        assert "中国建设银行" in page  # the draft's account, not the card's
        _audit(browser, "13-claim")
        with unit_of_work() as session:  # what he allowed, pushed by WeChat and reported by the page: once
            allowed = dict(session.execute(select(WeChatSubscription.template_id, WeChatSubscription.credits)).all())
        assert allowed.get("benefit-change-subscribe") == 1
        click(browser, "下载回执（PDF）")
        wait_for(browser).until(seen.presence_of_element_located((By.LINK_TEXT, "回执已生成，点此保存")))
        assert "办理过程" in browser.find_element(By.ID, "app").text
        click(browser, "提交评价")
        wait_for(browser).until(seen.text_to_be_present_in_element((By.ID, "app"), "您已评价：5分"))
        click(browser, "我的消息")
        approved = wait_for(browser).until(seen.visibility_of_element_located((By.XPATH, "//h2[.='申领已核准']")))
        assert "已核准" in approved.find_element(By.XPATH, "..").text  # what the message said
        _audit(browser, "16-messages")
        browser.back()
        click(browser, "我的异议")
        wait_for(browser).until(seen.text_to_be_present_in_element((By.ID, "app"), "您还没有提出过异议"))
        _audit(browser, "17-objections")
        held = browser.execute_script("return JSON.parse(sessionStorage.getItem('miniapp.tokens'))")
        click(browser, "退出登录")
        wait_for(browser).until(seen.text_to_be_present_in_element((By.ID, "notice"), "已退出登录"))
        assert browser.execute_script("return sessionStorage.getItem('miniapp.tokens')") is None
        assert browser.execute_script("return localStorage.getItem('miniapp.device')")  # the same WeChat user
        # The session is over on the server too: its refresh token renews nothing.
        renewed = client.post("/api/v1/auth/refresh", json={"refresh_token": held["refresh_token"]})
        assert renewed.status_code == 401


def test_a_claimant_objects_to_a_field_with_a_photo_and_sees_the_answer_deadline(
    app: Any, live_server: str, browser: Any
) -> None:
    person = _laid_off_miranda()
    browser.get(f"{live_server}/m/#/claimant")
    click(browser, "微信登录")
    wait_for(browser).until(seen.presence_of_element_located((By.ID, "bind-id"))).send_keys(person["id_number"])
    browser.find_element(By.ID, "bind-name").send_keys(person["name"])
    click(browser, "确认身份")
    answer_wechat_sheet(browser, "允许")
    disputed = wait_for(browser).until(
        seen.element_to_be_clickable((By.CSS_SELECTOR, "[data-field=separation_reason] a"))
    )
    disputed.click()
    wait_for(browser).until(seen.presence_of_element_located((By.ID, "obj-description"))).send_keys("是单位提出解除的")
    browser.find_element(By.ID, "obj-claimed").send_keys("用人单位提出协商一致解除")
    browser.find_element(By.ID, "obj-photos").send_keys(str(FACES / "obama_1.jpg"))
    wait_for(browser).until(seen.text_to_be_present_in_element((By.ID, "app"), "已上传：obama_1.jpg"))
    _audit(browser, "20-objection")
    click(browser, "提交异议")
    answer_wechat_sheet(browser, "允许")
    wait_for(browser).until(seen.text_to_be_present_in_element((By.ID, "app"), "答复期限"))
    page = browser.find_element(By.ID, "app").text
    assert "已上传照片1张" in page and "前答复" in page, page
    _audit(browser, "21-objection-filed")


def test_a_face_that_is_not_the_records_photo_is_refused_with_its_reason_and_the_counter_offered(
    app: Any, live_server: str, browser: Any, turns_right_then_left: None
) -> None:
    person = _laid_off_miranda()
    with unit_of_work() as session:
        photo = session.query(PersonPhoto).one()
        photo.content = (FACES / "obama_1.jpg").read_bytes()
        photo.content_type = "image/jpeg"
        photo.sha256 = hashlib.sha256(photo.content).hexdigest()
        photo.encoding = None
    browser.get(f"{live_server}/m/#/claimant")
    click(browser, "微信登录")
    wait_for(browser).until(seen.presence_of_element_located((By.ID, "bind-id"))).send_keys(person["id_number"])
    browser.find_element(By.ID, "bind-name").send_keys(person["name"])
    click(browser, "确认身份")
    answer_wechat_sheet(browser, "取消")
    wait_for(browser).until(seen.presence_of_element_located((By.ID, "commitment"))).click()
    assert large_text_problems(browser) == []
    click(browser, "确认并提交申领")
    wait_for(browser).until(seen.presence_of_element_located((By.ID, "face-consent"))).click()
    assert large_text_problems(browser) == []
    click(browser, "同意并开始刷脸")
    refused = wait_for(browser, 60).until(seen.visibility_of_element_located((By.XPATH, "//*[@role='alert']")))
    assert refused.text.startswith("核验未通过") and len(refused.text) > len("核验未通过：")
    page = browser.find_element(By.ID, "app").text
    assert (
        "可以按提示调整后再试一次" in page and "到当地失业保险经办机构窗口办理" in page
    )  # the counter, always offered
    assert browser.find_element(By.XPATH, "//button[normalize-space()='同意并开始刷脸']").is_enabled()
    _audit(browser, "14-face-refused")


def test_an_identity_bound_to_someone_elses_wechat_is_recovered_by_face(
    app: Any, client: Any, wechat_standin: Any, live_server: str, browser: Any, turns_right_then_left: None
) -> None:
    person = _laid_off_miranda()
    bound_claimant(client, wechat_standin, person["id_number"], person["name"])  # a squatter got there first
    browser.get(f"{live_server}/m/#/claimant")
    click(browser, "微信登录")
    wait_for(browser).until(seen.presence_of_element_located((By.ID, "bind-id"))).send_keys(person["id_number"])
    browser.find_element(By.ID, "bind-name").send_keys(person["name"])
    click(browser, "确认身份")
    refused = wait_for(browser).until(seen.visibility_of_element_located((By.XPATH, "//*[@role='alert']")))
    assert refused.get_attribute("data-code") == "IDENTITY_UNCONFIRMED"
    _audit(browser, "15-bind-refused")
    click(browser, "刷脸证明是本人")
    wait_for(browser).until(seen.presence_of_element_located((By.ID, "face-consent"))).click()
    click(browser, "同意并开始刷脸")
    wait_for(browser, 60).until(seen.visibility_of_element_located((By.CSS_SELECTOR, "[role=dialog]")))
    answer_wechat_sheet(browser, "允许")  # his own WeChat now: the messages are asked for again
    wait_for(browser, 60).until(seen.presence_of_element_located((By.CSS_SELECTOR, "[data-field]")))  # his form
    assert person["name"] in browser.find_element(By.ID, "app").text


def test_a_lost_network_is_retried_and_then_said_plainly(app: Any, live_server: str, browser: Any) -> None:
    with unit_of_work() as session:
        seed_regions(session)
    browser.get(f"{live_server}/m/#/estimate")
    wait_for(browser).until(seen.presence_of_element_located((By.ID, "est-region")))
    for element_id, value in (("est-birth", "1975-06-15"), ("est-separated", "2026-10-31")):
        browser.execute_script("arguments[0].value = arguments[1]", browser.find_element(By.ID, element_id), value)
    browser.find_element(By.ID, "est-months").send_keys("70")
    browser.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
    try:
        click(browser, "开始测算")
        retrying = wait_for(browser, 5).until(seen.text_to_be_present_in_element((By.ID, "notice"), "网络不稳定"))
        assert retrying
        failed = wait_for(browser, 30).until(seen.visibility_of_element_located((By.CSS_SELECTOR, "[role=alert]")))
        assert "网络连接失败，请检查网络后再试" in failed.text
    finally:
        browser.set_network_conditions(offline=False, latency=0, download_throughput=-1, upload_throughput=-1)
