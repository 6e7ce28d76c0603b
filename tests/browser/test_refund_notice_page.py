"""The refund's public notice (公示) in a real browser, as anyone opens it: the region's title and
period, how to object, the list of enterprises and amounts, the CSV link, and nothing personal."""

from __future__ import annotations

import datetime as dt
from typing import Any

from selenium.webdriver.common.by import By
from sqlalchemy import update

from auth.caller import Caller
from auth.models import StaffUser
from miniapp_api.db import unit_of_work
from miniapp_api.refunds import notices
from miniapp_api.refunds.models import Assessment
from miniapp_api.refunds.screening import screen
from tests import factories
from tests.auth_helpers import staff_account
from tests.browser.conftest import axe_violations
from tests.refunds_helpers import POLICY_YEAR, demo_regions, enterprise


def test_anyone_reads_a_refund_notice_and_finds_its_list(app: Any, live_server: str, browser: Any) -> None:
    with unit_of_work() as session:
        demo_regions(session)
        firms = [enterprise(session, name=name) for name in ("聊城市公示甲有限公司", "聊城市公示乙有限公司")]
        contact = factories.contact(session, firms[0])
    staff_account("notice.publisher", "reviewer", region="371500")
    with unit_of_work() as session:
        screen(session, "371500", POLICY_YEAR, today=dt.date(POLICY_YEAR, 3, 2), started_by="test")
        session.execute(update(Assessment).values(status="approved"))
        publisher = session.query(StaffUser).filter_by(username="notice.publisher").one()
        reviewer = Caller(0, "staff", staff_user_id=publisher.id, roles=frozenset({"reviewer"}), staff_region="371500")
        published = notices.publish(session, reviewer, {"policy_year": POLICY_YEAR})
        codes, phone = sorted(firm.credit_code for firm in firms), contact.phone
    browser.get(f"{live_server}{published['page_url']}")
    page = browser.find_element(By.TAG_NAME, "body").text
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith(f"聊城市{POLICY_YEAR}年度失业保险稳岗返还公示（第")
    assert f"公示期{published['working_days']}个工作日" in page and "公示期内对名单有异议的" in page
    rows = browser.find_elements(By.CSS_SELECTOR, "table tr")[1:]
    assert [row.text.split()[1] for row in rows] == codes
    assert [row.text.split()[2] for row in rows] == ["7200.00", "7200.00"]
    assert phone not in page
    assert axe_violations(browser) == []
    link = browser.find_element(By.LINK_TEXT, "下载名单（CSV）")
    assert link.get_attribute("href").endswith(published["csv_url"])
