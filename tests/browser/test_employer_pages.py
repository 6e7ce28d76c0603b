"""The employer's contact in a real browser: an SMS code login, the filing form with its row
errors shown as a table, then only the good rows, the duties that opened, an acknowledgement."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import time_machine
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen

from notifications.standins.sms_server import SmsStandIn
from tests.browser.conftest import axe_violations, click, employer_sms_login_filled, snapshot, wait_for
from tests.employers_helpers import CONTACT_PHONE, employer_with_workers, form_rows, xlsx

NOW = dt.datetime(2026, 11, 16, 2, 0, tzinfo=dt.UTC)


def _audit(driver: Any, name: str) -> None:
    assert axe_violations(driver) == [], name
    snapshot(driver, name)


def test_an_employer_uploads_a_form_reads_its_row_errors_and_acknowledges_a_notice(
    app: Any, live_server: str, browser: Any, sms_standin: SmsStandIn, tmp_path: Path
) -> None:
    firm = employer_with_workers(3)
    rows = form_rows(firm["workers"], separated_on="2026-11-13")
    rows[1][3] = "110105194912310021"  # a number that is nobody's, and whose check digit is wrong
    form = tmp_path / "备案表.xlsx"
    form.write_bytes(xlsx(rows))
    with time_machine.travel(NOW, tick=True):
        url = f"{live_server}/m/#/employer"
        employer_sms_login_filled(browser, url, firm["credit_code"], CONTACT_PHONE, sms_standin)
        _audit(browser, "30-employer-login")
        click(browser, "登录")
        wait_for(browser).until(seen.text_to_be_present_in_element((By.ID, "app"), "暂无需要送达的职工"))
        click(browser, "上传备案表（Excel 或 CSV）")
        wait_for(browser).until(seen.presence_of_element_located((By.ID, "form-file"))).send_keys(str(form))
        click(browser, "上传备案表")
        table = wait_for(browser).until(seen.visibility_of_element_located((By.CSS_SELECTOR, "table")))
        assert "第" not in table.text.split("\n")[0]  # a table of rows, not a paragraph
        assert "身份证" in table.text and "3" in table.text  # the second worker is row 3 of the sheet
        _audit(browser, "31-employer-row-errors")
        browser.find_element(By.ID, "good-rows-only").click()
        click(browser, "上传备案表")
        wait_for(browser).until(seen.text_to_be_present_in_element((By.ID, "app"), "已导入2人，未导入1行"))
        browser.get(f"{live_server}/m/#/employer")
        card = wait_for(browser).until(seen.presence_of_element_located((By.CSS_SELECTOR, "[data-duty]")))
        assert firm["workers"][0]["name"] in card.text and "请于" in card.text
        _audit(browser, "32-employer-duties")
        card.find_element(By.XPATH, ".//button[normalize-space()='已交给本人，确认送达']").click()
        worker = firm["workers"][0]["name"]
        click(browser, f"确认：已将告知书交给{worker}本人")  # a legal duty is confirmed on purpose
        wait_for(browser).until(seen.text_to_be_present_in_element((By.ID, "app"), "已确认送达："))
        click(browser, "已送达")
        wait_for(browser).until(seen.text_to_be_present_in_element((By.ID, "app"), "2026/11/16确认送达"))  # and when
        _audit(browser, "33-employer-acknowledged")
        click(browser, "备案一名职工")  # the worker the form left out, filed by hand with a corrected number
        wait_for(browser).until(seen.presence_of_element_located((By.ID, "file-name"))).send_keys(
            firm["workers"][1]["name"]
        )
        browser.find_element(By.ID, "file-id").send_keys(firm["workers"][1]["id_number"])
        browser.execute_script("document.getElementById('file-date').value = '2026-11-13'")
        _audit(browser, "34-employer-file-one")
        click(browser, "提交备案")
        wait_for(browser).until(
            seen.text_to_be_present_in_element((By.ID, "app"), f"已备案：{firm['workers'][1]['name']}")
        )
