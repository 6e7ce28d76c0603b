"""Each role's remaining work in the console, in a real browser: the administrator's accounts,
parameters and calendar (with a supervisor approving); the reviewer's manual-review claim and
check items, and finance recovering a month paid after payment stopped; the supervisor's
reassignment, escalated duty, undelivered message and dashboard; the auditor's trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from auth.models import StaffUser
from miniapp_api.audit.chain import seal
from miniapp_api.claims.models import BenefitPayment, Claim
from miniapp_api.clock import china_today
from miniapp_api.db import unit_of_work
from miniapp_api.records.demo import seed_regions
from miniapp_api.records.models import RegionParameter
from miniapp_api.safety.checks import Signal, open_items
from miniapp_api.safety.models import RecoveryItem
from notifications import service as notify
from notifications.standins.wechat_server import WeChatStandIn
from tests import factories
from tests.auth_helpers import staff_account
from tests.browser.conftest import click, wait_for
from tests.browser.test_console import _shot, sign_in
from tests.calendar_helpers import MADE_UP_2027
from tests.claims_helpers import add_contribution, claimant, submit
from tests.notify_helpers import APPROVED
from tests.objections_helpers import objection

TANGSHAN = "130200"
NOVEMBER = dt.datetime(2026, 11, 16, 2, 0, tzinfo=dt.UTC)


def _told(driver: Any, text: str) -> None:
    """Wait until the page says `text` (a page being replaced mid-read is read again)."""

    def says(current: Any) -> bool:
        try:
            return text in current.find_element(By.TAG_NAME, "main").text
        except WebDriverException:
            return False

    wait_for(driver).until(says)


def _fill(driver: Any, element_id: str, text: str) -> None:
    field = wait_for(driver).until(seen.presence_of_element_located((By.ID, element_id)))
    field.clear()
    field.send_keys(text)


def _tick(driver: Any, xpath: str) -> None:
    box = driver.find_element(By.XPATH, xpath)
    if not box.is_selected():
        box.click()


def _submit_form_of(driver: Any, element_id: str) -> None:
    """The submit button of the form holding `element_id` (several forms share a button's words)."""
    driver.find_element(By.XPATH, f"//*[@id='{element_id}']/ancestor::form//button[@type='submit']").click()


def test_an_admin_manages_an_account_proposes_a_parameter_and_enters_a_calendar_a_supervisor_approves(
    app: Any, live_server: str, desktop: Any
) -> None:
    with unit_of_work() as session:
        seed_regions(session)
    staff_account("ts.admin", "admin", region=TANGSHAN)
    staff_account("ts.chief", "supervisor", region=TANGSHAN)
    staff_account("province.admin", "admin")
    staff_account("province.chief", "supervisor")
    sign_in(desktop, live_server, "ts.admin")
    click(desktop, "账号")
    _fill(desktop, "new-username", "ts.newhand")
    _fill(desktop, "new-name", "新经办")
    _fill(desktop, "new-password", "correct horse 2026")
    _tick(desktop, "//input[@name='roles' and @value='handler']")
    click(desktop, "创建账号")
    _told(desktop, "已创建账号 ts.newhand")
    click(desktop, "ts.newhand")
    _tick(desktop, "//input[@name='roles' and @value='reviewer']")
    click(desktop, "保存更改")
    _told(desktop, "已更改 ts.newhand 的岗位和地区")
    click(desktop, "重置身份验证器")
    _told(desktop, "已重置 ts.newhand 的身份验证器")
    _told(desktop, "须另一位管理员核对姓名、岗位、地区和工作手机后启用")  # not by the admin who made it
    _shot(desktop, "staff-member")

    click(desktop, "地区参数")
    desktop.find_element(By.XPATH, f"//td[.='{TANGSHAN}']/following-sibling::td/a").click()
    desktop.find_element(By.XPATH, "//textarea[@id='value-minimum_wage']/ancestor::details/summary").click()
    _fill(desktop, "value-minimum_wage", '{"monthly": "2100.00"}')
    desktop.execute_script(
        "arguments[0].value = arguments[1]", desktop.find_element(By.ID, "from-minimum_wage"), str(china_today())
    )
    _fill(desktop, "citation-minimum_wage", "冀政字〔2026〕99号")
    _fill(desktop, "reason-minimum_wage", "省政府调整最低工资标准")
    _submit_form_of(desktop, "value-minimum_wage")
    _told(desktop, "须另一位管理员或主管审核后生效")
    _shot(desktop, "parameters")

    sign_in(desktop, live_server, "province.admin")  # a second admin checks the new account and turns it on
    desktop.get(f"{live_server}/console/staff/ts.newhand")
    _tick(desktop, "//input[@name='confirmed']")
    click(desktop, "启用 ts.newhand")
    _told(desktop, "已启用 ts.newhand 的账号")
    _tick(desktop, "//input[@name='confirmed']")
    click(desktop, "停用 ts.newhand")
    _told(desktop, "已停用 ts.newhand")
    with unit_of_work() as session:
        member = session.scalars(select(StaffUser).filter_by(username="ts.newhand")).one()
        assert (member.roles, member.active, member.pending_by) == (["handler", "reviewer"], False, None)
    click(desktop, "节假日")  # the calendar is national: province-wide staff keep it
    desktop.find_element(By.ID, "calendar-file").send_keys(str(MADE_UP_2027))
    click(desktop, "录入，提交审核")
    _told(desktop, "已录入2027年安排")
    year_page = desktop.current_url

    sign_in(desktop, live_server, "ts.chief")
    click(desktop, "地区参数")
    desktop.find_element(By.XPATH, f"//td[.='{TANGSHAN}']/following-sibling::td/a").click()
    _tick(desktop, "//input[@name='confirmed']")
    click(desktop, "批准生效")
    _told(desktop, f"自 {china_today()} 起适用")
    sign_in(desktop, live_server, "province.chief")
    desktop.get(year_page)
    _tick(desktop, "//input[@name='confirmed']")
    click(desktop, "审核通过")
    _told(desktop, "已审核通过")
    with unit_of_work() as session:
        wage = session.scalars(
            select(RegionParameter).filter_by(region_code=TANGSHAN, kind="minimum_wage", effective_from=china_today())
        ).one()
        assert wage.value == {"monthly": "2100.00"} and wage.citation == "冀政字〔2026〕99号"


def test_a_reviewer_approves_a_claim_in_review_and_stops_a_paid_claim_finance_then_recovers_the_month(
    app: Any, client: Any, wechat_standin: WeChatStandIn, live_server: str, desktop: Any
) -> None:
    with time_machine.travel(NOVEMBER, tick=True):
        overlapping = claimant(client, wechat_standin, months=24)
        with unit_of_work() as session:
            add_contribution(session, overlapping["person_id"], factories.employer(session), 2025, 2025)
        in_review = submit(client, overlapping).get_json()
        assert in_review["status"] == "manual_review"
        paid = claimant(client, wechat_standin, months=70)
        approved = submit(client, paid).get_json()
        assert approved["status"] == "approved"
    with unit_of_work() as session:
        november = session.scalars(
            select(BenefitPayment).filter_by(claim_id=approved["id"], period=dt.date(2026, 11, 1))
        ).one()
        november.status = "paid"
        open_items(session, [Signal("suspect_list", paid["person_id"], "suspect:browser", {"来源": "全国社保比对"})])
        open_items(session, [Signal("failed_face_checks", overlapping["person_id"], "faces:browser", {"failures": 5})])
    staff_account("ts.reviewer", "reviewer", region=TANGSHAN)
    staff_account("ts.finance", "finance", region=TANGSHAN)

    sign_in(desktop, live_server, "ts.reviewer")
    click(desktop, "人工审核")
    wait_for(desktop).until(seen.presence_of_element_located((By.CSS_SELECTOR, "tbody a"))).click()
    _told(desktop, "规则计算过程")
    _fill(desktop, "approve-note", "两段缴费重叠系补缴，核实无误")
    _tick(desktop, "//textarea[@id='approve-note']/ancestor::form//input[@name='confirmed']")
    _shot(desktop, "claim-review")
    click(desktop, "核准")
    _told(desktop, "已核准")

    click(desktop, "核查事项")
    _told(desktop, "部级比对疑点")
    hold_form = desktop.find_element(By.XPATH, "//input[starts-with(@id, 'hold-note-')]/ancestor::form")
    hold_form.find_element(By.NAME, "note").send_keys("多次人脸核验失败，核实是否本人")
    hold_form.find_element(By.NAME, "confirmed").click()
    hold_form.find_element(By.XPATH, ".//button[@type='submit']").click()  # the claim just approved is held
    _told(desktop, "已暂停发放")
    item_form = desktop.find_element(By.XPATH, "//select[starts-with(@id, 'outcome-')]/ancestor::form")
    Select(item_form.find_element(By.NAME, "outcome")).select_by_value("stop")
    Select(item_form.find_element(By.NAME, "reason")).select_by_value("reemployed")
    desktop.execute_script("arguments[0].value = '2026-11-03'", item_form.find_element(By.NAME, "effective_on"))
    item_form.find_element(By.NAME, "note").send_keys("经核实外省单位自11月起参保")
    item_form.find_element(By.NAME, "confirmed").click()
    _shot(desktop, "checks")
    item_form.find_element(By.XPATH, ".//button[@type='submit']").click()
    _told(desktop, "已按法定事由停发")

    sign_in(desktop, live_server, "ts.finance")
    desktop.get(f"{live_server}/console/recoveries")
    _told(desktop, "2026-11")
    recovery_form = desktop.find_element(By.XPATH, "//select[starts-with(@id, 'outcome-')]/ancestor::form")
    recovery_form.find_element(By.NAME, "note").send_keys("已退回基金专户")
    recovery_form.find_element(By.NAME, "confirmed").click()
    recovery_form.find_element(By.XPATH, ".//button[@type='submit']").click()
    _told(desktop, "已")
    with unit_of_work() as session:
        assert session.get(Claim, in_review["id"]).status == "suspended"  # type: ignore[union-attr]  # held
        assert session.get(Claim, approved["id"]).status == "stopped"  # type: ignore[union-attr]
        assert session.scalars(select(RecoveryItem.status)).all() == ["recovered"]


def test_a_supervisor_moves_an_objection_logs_a_call_reports_a_message_delivered_by_phone_and_reads_the_figures(
    app: Any, client: Any, wechat_standin: WeChatStandIn, live_server: str, desktop: Any
) -> None:
    tokens = claimant(client, wechat_standin, reason="resigned")
    submit(client, tokens)
    filed = objection(client, tokens).get_json()
    with unit_of_work() as session:
        factories.notice_duty(session, "督办对象", escalated=True)
    with unit_of_work():
        notify.send("claim_approved", notify.Recipient("person", tokens["person_id"], phone="1380013800"), APPROVED)
    staff_account("ts.chief", "supervisor", region=TANGSHAN)
    staff_account("ts.wang", "handler", region=TANGSHAN)
    staff_account("ts.zhao", "handler", region=TANGSHAN)

    sign_in(desktop, live_server, "ts.chief")
    desktop.get(f"{live_server}/console/objections/{filed['id']}")
    Select(wait_for(desktop).until(seen.presence_of_element_located((By.ID, "assign-to")))).select_by_value("ts.wang")
    click(desktop, "分派")
    _told(desktop, "已交由工作人员ts.wang承办")
    Select(desktop.find_element(By.ID, "assign-to")).select_by_value("ts.zhao")
    click(desktop, "改派")
    _told(desktop, "已交由工作人员ts.zhao承办")
    _shot(desktop, "objection-reassigned")

    click(desktop, "督办")
    _told(desktop, "尚未致电")
    duty_form = desktop.find_element(By.XPATH, "//select[starts-with(@id, 'outcome-')]/ancestor::form")
    Select(duty_form.find_element(By.NAME, "outcome")).select_by_value("promised")
    duty_form.find_element(By.NAME, "note").send_keys("人事经理承诺明日送达")
    duty_form.find_element(By.XPATH, ".//button[@type='submit']").click()
    _told(desktop, "人事经理承诺明日送达")

    click(desktop, "提醒")
    _told(desktop, "申领审核通过通知")
    _fill(desktop, desktop.find_element(By.XPATH, "//input[starts-with(@id, 'close-note-')]").get_attribute("id"),
          "已电话告知本人")  # fmt: skip
    _shot(desktop, "alerts")
    click(desktop, "已告知，关闭")
    _told(desktop, "提醒已关闭")

    click(desktop, "统计")
    for caption in ("单位履行送达告知书义务", "审核决定", "异议按时答复率", "发放批次"):
        assert desktop.find_element(By.XPATH, f"//h2[.='{caption}']")
    assert len(desktop.find_elements(By.CSS_SELECTOR, "svg[role=img]")) == 5
    _shot(desktop, "dashboard-supervisor")


def test_an_auditor_searches_the_trail_and_has_the_chain_verified(app: Any, live_server: str, desktop: Any) -> None:
    staff_account("province.auditor", "auditor")
    sign_in(desktop, live_server, "province.auditor")
    with unit_of_work() as session:
        seal(session)
    click(desktop, "审计日志")
    _fill(desktop, "action", "auth.console_login")
    click(desktop, "查询")
    _told(desktop, "auth.console_login")
    click(desktop, "逐条核对审计链")
    _told(desktop, "审计链完整")
    _shot(desktop, "audit")
