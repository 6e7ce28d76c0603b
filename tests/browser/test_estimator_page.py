"""The public benefit estimator (待遇测算) in a real browser: no login, the answer with its basis,
and no serious accessibility violation, in normal and large text."""

from __future__ import annotations

from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import Select, WebDriverWait

from miniapp_api.db import unit_of_work
from miniapp_api.records.demo import seed_regions
from tests.browser.conftest import axe_violations, snapshot


def _wait(driver: Any, seconds: float = 15) -> WebDriverWait:
    return WebDriverWait(driver, seconds)


def _type_date(driver: Any, element_id: str, iso: str) -> None:
    driver.execute_script("arguments[0].value = arguments[1]", driver.find_element(By.ID, element_id), iso)


def test_anyone_estimates_their_benefit_and_reads_why(app: Any, live_server: str, browser: Any) -> None:
    with unit_of_work() as session:
        seed_regions(session)
    browser.get(f"{live_server}/m/")
    _wait(browser).until(seen.element_to_be_clickable((By.LINK_TEXT, "待遇测算（无需登录）")))
    assert axe_violations(browser) == []
    snapshot(browser, "01-home")
    browser.find_element(By.LINK_TEXT, "待遇测算（无需登录）").click()
    _wait(browser).until(seen.presence_of_element_located((By.ID, "est-region")))
    Select(browser.find_element(By.ID, "est-region")).select_by_value("130200")
    _type_date(browser, "est-birth", "1975-06-15")
    browser.find_element(By.ID, "est-months").send_keys("70")
    _type_date(browser, "est-separated", "2026-10-31")
    Select(browser.find_element(By.ID, "est-reason")).select_by_value("economic_layoff")
    assert axe_violations(browser) == []
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    heading = _wait(browser).until(seen.visibility_of_element_located((By.XPATH, "//h2[contains(., '测算结果')]")))
    assert heading.text == "测算结果：符合领取条件"
    page = browser.find_element(By.ID, "app").text
    assert "18个月" in page and "由失业保险基金代缴" in page
    assert axe_violations(browser) == []
    snapshot(browser, "02-estimate")


def test_a_wrong_answer_shows_its_chinese_message_by_the_form(app: Any, live_server: str, browser: Any) -> None:
    with unit_of_work() as session:
        seed_regions(session)
    browser.get(f"{live_server}/m/#/estimate")
    _wait(browser).until(seen.presence_of_element_located((By.ID, "est-region")))
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()  # nothing filled in
    error = _wait(browser).until(seen.visibility_of_element_located((By.CSS_SELECTOR, "[role=alert]")))
    assert error.text == "请填写出生日期、累计缴费月数、失业日期", error.text
