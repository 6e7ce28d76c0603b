"""稳岗返还 on the employer's mobile pages in a real browser: an eligible enterprise (a dispatch
agency, which sees its user employer's refund too) reads its conditions and amount, is refused an
account in another name, enters its own and confirms with one more tap; one whose payment the bank
returned corrects its account; an enterprise that laid off too many reads which condition failed
with its own figures, objects to it, supplies what the agency asks for and reads the answer."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import time_machine
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from sqlalchemy import select, update

from miniapp_api.db import unit_of_work
from miniapp_api.objections.models import Objection
from miniapp_api.records.models import Employer
from miniapp_api.refunds.models import Assessment, DispatchRelation
from miniapp_api.refunds.screening import screen
from notifications.standins.sms_server import SmsStandIn
from tests.browser.conftest import axe_violations, click, employer_sms_login_filled, snapshot, wait_for
from tests.objections_helpers import act, staff
from tests.refunds_helpers import POLICY_YEAR, enterprise_with_contact, laid_off_workers

# Monday 7 December 2026, 10:00 in China: the 2026 refunds screened, waiting for the enterprises.
NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)
REFUNDS = "/m/#/employer/refunds"


def _audit(driver: Any, name: str) -> None:
    assert axe_violations(driver) == [], name
    snapshot(driver, name)


def _screened() -> None:
    with unit_of_work() as session:
        screen(session, "371500", POLICY_YEAR, today=NOW.date(), started_by="test")


def _refund_of(firm: dict[str, Any]) -> int:
    with unit_of_work() as session:
        found = session.scalar(select(Assessment.id).where(Assessment.employer_id == firm["id"]))
        assert found is not None
        return found


def _text(driver: Any, css: str = "#app") -> str:
    return str(driver.find_element(By.CSS_SELECTOR, css).text)


def _signed_in(driver: Any, url: str, firm: dict[str, Any], sms: SmsStandIn) -> None:
    employer_sms_login_filled(driver, url, firm["credit_code"], firm["phone"], sms)
    click(driver, "登录")


def _laid_off_too_many() -> dict[str, Any]:
    """50 insured, 5 of whom became benefit recipients last year: 10 %, over the 5.5 % limit."""
    firm = enterprise_with_contact(name="聊城市裁员较多有限公司", headcount=50)
    with unit_of_work() as session:
        laid_off_workers(session, session.get(Employer, firm["id"]), 5)  # type: ignore[arg-type]
    _screened()
    return firm


def _condition(driver: Any, code: str) -> Any:
    return wait_for(driver).until(seen.visibility_of_element_located((By.CSS_SELECTOR, f"[data-condition={code}]")))


def test_an_eligible_enterprise_enters_its_own_account_and_confirms_with_one_more_tap(
    app: Any, live_server: str, browser: Any, sms_standin: SmsStandIn
) -> None:
    firm = enterprise_with_contact(name="聊城市人力资源服务有限公司", account=False)
    user = enterprise_with_contact(name="聊城市用工单位有限公司")
    with unit_of_work() as session:
        session.add(DispatchRelation(agency_id=firm["id"], user_employer_id=user["id"], from_month=dt.date(2024, 1, 1)))
    with time_machine.travel(NOW, tick=True):
        _screened()
        browser.get(f"{live_server}/m/#/")
        click(browser, "用人单位：稳岗返还")  # from the home page, through the sign-in, on to the refunds
        _signed_in(browser, browser.current_url, firm, sms_standin)
        cards = wait_for(browser).until(seen.visibility_of_all_elements_located((By.CSS_SELECTOR, "[data-refund]")))
        assert len(cards) == 2
        own = next(card for card in cards if firm["name"] in card.text)
        theirs = next(card for card in cards if user["name"] in card.text)
        assert "待确认" in own.text and "7200.00元" in own.text and "符合条件，待确认对公账户" in own.text
        assert "用工单位，由本派遣机构代为申领" in theirs.text and "用工单位" not in own.text  # whose each is
        _audit(browser, "40-refund-list")

        click(browser, f"{POLICY_YEAR}年度稳岗返还：{firm['name']}")
        months = _condition(browser, "MONTHS_PAID")
        assert "足额缴纳失业保险费满12个月" in months.text and "符合" in months.text
        assert "足额缴费月数\n24个月" in months.text and "依据：人社部发〔2024〕40号" in months.text
        layoffs = _condition(browser, "LAYOFF_RATE").text
        assert "上年度裁员率\n0%" in layoffs and "裁员率标准\n不高于" in layoffs
        page = _text(browser)
        assert "返还比例\n60%" in page and "返还金额\n7200.00元" in page
        assert "未登记银行对公账户" in page and "确认对公账户并申请" not in page  # the account comes first
        # All met, and each may still be objected to (a met condition may rest on wrong figures).
        assert len(browser.find_elements(By.XPATH, "//button[normalize-space()='对此项有异议']")) == 6
        _audit(browser, "41-refund-detail")

        holder = browser.find_element(By.ID, "acct-name")
        assert holder.get_attribute("value") == firm["name"]  # prefilled with the enterprise's name
        browser.find_element(By.ID, "acct-bank").send_keys("中国工商银行聊城分行")
        holder.clear()
        holder.send_keys("张三")
        browser.find_element(By.ID, "acct-number").send_keys("1611 0001 0900 0067 890")  # as people type it
        click(browser, "保存对公账户")
        refused = wait_for(browser).until(
            seen.visibility_of_element_located((By.CSS_SELECTOR, "[data-code=ACCOUNT_NAME_MISMATCH]"))
        )
        assert f"账户名称须与单位名称“{firm['name']}”一致" in refused.text
        _audit(browser, "42-refund-account-refused")
        holder = browser.find_element(By.ID, "acct-name")
        holder.clear()
        holder.send_keys(firm["name"])
        click(browser, "保存对公账户")
        wait_for(browser).until(seen.text_to_be_present_in_element((By.ID, "app"), "已保存对公账户"))
        assert "**** 7890" in _text(browser) and "未登记银行对公账户" not in _text(browser)

        click(browser, "确认对公账户并申请")
        what = wait_for(browser).until(
            seen.visibility_of_element_located((By.XPATH, "//p[contains(., '确认后即完成')]"))
        )
        assert f"{POLICY_YEAR}年度稳岗返还申请" in what.text and "7200.00元" in what.text
        assert _refund_status(firm) == "eligible"  # the first tap only asks
        click(browser, "确认：提交稳岗返还申请")
        wait_for(browser).until(seen.text_to_be_present_in_element((By.ID, "app"), "已确认申请"))
        status = browser.find_element(By.CSS_SELECTOR, "[data-status]")
        assert status.get_attribute("data-status") == "applied" and "已确认申请，待经办机构审核" in status.text
        assert not browser.find_elements(By.ID, "acct-number")  # the account is fixed once applied
        assert _refund_status(firm) == "applied"
        _audit(browser, "43-refund-applied")


def _refund_status(firm: dict[str, Any]) -> str:
    with unit_of_work() as session:
        return str(session.scalar(select(Assessment.status).where(Assessment.employer_id == firm["id"])))


def test_a_refund_the_bank_returned_asks_for_the_account_again(
    app: Any, live_server: str, browser: Any, sms_standin: SmsStandIn
) -> None:
    firm = enterprise_with_contact()
    with time_machine.travel(NOW, tick=True):
        _screened()
        with unit_of_work() as session:  # applied, approved, noticed and paid out, but the account was closed
            session.execute(
                update(Assessment)
                .where(Assessment.employer_id == firm["id"])
                .values(status="returned", failure_reason="账户已销户")
            )
        _signed_in(browser, f"{live_server}{REFUNDS}", firm, sms_standin)
        card = wait_for(browser).until(seen.visibility_of_element_located((By.CSS_SELECTOR, "[data-refund]")))
        assert "待更正：银行退回，请更正对公账户" in card.text
        click(browser, f"{POLICY_YEAR}年度稳岗返还：{firm['name']}")
        status = wait_for(browser).until(seen.visibility_of_element_located((By.CSS_SELECTOR, "[data-status]")))
        assert "银行退回，待更正账户" in status.text and "银行退回原因\n账户已销户" in status.text
        assert browser.find_element(By.ID, "acct-bank").get_attribute("value") == "中国工商银行"  # the old one
        _audit(browser, "49-refund-returned")
        bank = browser.find_element(By.ID, "acct-bank")
        bank.clear()
        bank.send_keys("中国银行聊城分行")
        browser.find_element(By.ID, "acct-number").send_keys("213456789012")
        click(browser, "保存对公账户")
        wait_for(browser).until(seen.text_to_be_present_in_element((By.ID, "app"), "将在下一拨付批次拨付"))
        assert "公示无异议，待拨付" in _text(browser, "[data-status]") and "**** 9012" in _text(browser)
        assert _refund_status(firm) == "payable"


def test_an_enterprise_that_laid_off_too_many_reads_which_condition_failed_with_its_figures(
    app: Any, live_server: str, browser: Any, sms_standin: SmsStandIn
) -> None:
    with time_machine.travel(NOW, tick=True):
        firm = _laid_off_too_many()
        _signed_in(browser, f"{live_server}{REFUNDS}/{_refund_of(firm)}", firm, sms_standin)
        failed = _condition(browser, "LAYOFF_RATE")
        assert "上年度裁员率不高于规定标准" in failed.text and "不符合" in failed.text
        for figure in (
            "上年度裁员人数\n5人",
            "上年度月平均参保人数\n50人",
            "上年度裁员率\n10%",
            "裁员率标准\n不高于5.5%",
        ):
            assert figure in failed.text, figure
        assert "依据：" in failed.text
        assert "不符合" not in _condition(browser, "MONTHS_PAID").text
        status = browser.find_element(By.CSS_SELECTOR, "[data-status]")
        assert status.get_attribute("data-status") == "ineligible" and "不符合条件" in status.text
        assert "未满足的条件：上年度裁员率不高于规定标准" in status.text
        first = browser.find_element(By.CSS_SELECTOR, "[data-condition]")
        assert first.get_attribute("data-condition") == "LAYOFF_RATE"  # the failed one first
        page = _text(browser)
        assert "返还金额" not in page and "确认对公账户并申请" not in page
        assert not browser.find_elements(By.ID, "acct-number")
        _audit(browser, "44-refund-ineligible")


def test_an_enterprise_objects_to_the_failed_condition_supplements_and_reads_the_answer(
    app: Any, live_server: str, browser: Any, sms_standin: SmsStandIn
) -> None:
    with time_machine.travel(NOW, tick=True):
        firm = _laid_off_too_many()
        _signed_in(browser, f"{live_server}{REFUNDS}/{_refund_of(firm)}", firm, sms_standin)
        failed = _condition(browser, "LAYOFF_RATE")
        opener = failed.find_element(By.XPATH, ".//button[normalize-space()='对此项有异议']")
        opener.click()
        assert opener.get_attribute("aria-expanded") == "true"
        failed.find_element(By.ID, "obj-layoff_rate-claimed").send_keys("上年度裁员人数应为2人")
        description = failed.find_element(By.ID, "obj-layoff_rate-description")
        description.send_keys("不对")
        _audit(browser, "45-refund-objection-form")
        click(browser, "提交异议")
        wait_for(browser).until(seen.text_to_be_present_in_element((By.ID, "app"), "异议说明请至少写5个字"))
        description.send_keys("，其中三人是合同期满终止，不是裁员，有劳动合同为证")
        click(browser, "提交异议")
        done = wait_for(browser).until(seen.visibility_of_element_located((By.CSS_SELECTOR, "p.success[role=status]")))
        said = re.search(r"已提交异议（编号(YY\w+)），经办机构将于(\d{4}-\d{2}-\d{2})前答复", done.text)
        assert said, done.text
        number, due_on = said.groups()
        filed = browser.find_element(By.CSS_SELECTOR, f"[data-objection={number}]")
        assert "上年度裁员率" in filed.text and f"答复期限\n{due_on}前答复" in filed.text
        assert "已对“上年度裁员率不高于规定标准”提出异议" in _condition(browser, "LAYOFF_RATE").text
        assert not _condition(browser, "LAYOFF_RATE").find_elements(By.XPATH, ".//button")  # one open at a time
        _audit(browser, "46-refund-objection-filed")

        # The region's handler asks for more; the enterprise answers on the page; then the reply.
        client = app.test_client()
        handler = staff(client, "refund-handler", "handler", region="371500")
        objection_id = _objection_id(number)
        asked = act(client, handler, objection_id, "request-info", request="请提供三人的劳动合同终止证明编号")
        assert asked.status_code == 200, asked.get_json()
        browser.refresh()
        filed = wait_for(browser).until(
            seen.visibility_of_element_located((By.CSS_SELECTOR, f"[data-objection={number}]"))
        )
        assert "经办机构请贵单位补充：请提供三人的劳动合同终止证明编号" in filed.text
        filed.find_element(By.TAG_NAME, "textarea").send_keys("终止证明编号 ZZ2025-011、ZZ2025-012、ZZ2025-013")
        _audit(browser, "47-refund-objection-asked")
        click(browser, "提交补充说明")
        wait_for(browser).until(seen.text_to_be_present_in_element((By.ID, "app"), "已提交补充说明"))
        answered = act(
            client,
            handler,
            objection_id,
            "reject",
            reason_code="REFUND_RECORDS_VERIFIED",
            answer="所列三人为经济性裁员",
        )
        assert answered.status_code == 200, answered.get_json()
        browser.refresh()
        filed = wait_for(browser).until(
            seen.visibility_of_element_located((By.CSS_SELECTOR, f"[data-objection={number}]"))
        )
        assert "答复（异议不成立）：" in filed.text and "依据：" in filed.text and "已办结" in filed.text
        assert "如仍有异议" in filed.text and "申请行政复议" in filed.text  # what it can do next
        again = browser.find_elements(By.XPATH, "//button[normalize-space()='对此项有异议']")
        assert again  # answered: the enterprise may object again
        _audit(browser, "48-refund-objection-answered")


def _objection_id(number: str) -> int:
    with unit_of_work() as session:
        found = session.scalar(select(Objection.id).where(Objection.objection_no == number))
        assert found is not None
        return found
