"""Every command the README names (`miniapp calendar …`, `safety …`, `import`, `seed-demo`, the
sweeps, `audit verify`, `messages`…) run the way an operator runs them: as a process of its own,
on the same database, outside any test's application context."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from miniapp_api.db import unit_of_work
from miniapp_api.extensions import redis_store
from miniapp_api.holidays.service import official_calendar
from miniapp_api.reads.cache import cache_key
from notifications.service import Recipient, send
from tests.auth_helpers import STAFF_PASSWORD, staff_account
from tests.calendar_helpers import MADE_UP_2027
from tests.employers_helpers import employer_with_workers, form_rows, xlsx
from tests.notify_helpers import APPROVED

MINIAPP = [sys.executable, "-c", "from miniapp_api.cli import main; main()"]


def _miniapp(
    base_settings: dict[str, Any], *args: str, password: str = STAFF_PASSWORD
) -> subprocess.CompletedProcess[str]:
    return _miniapp_with(base_settings, {}, *args, password=password)


def _miniapp_with(
    base_settings: dict[str, Any], extra_env: dict[str, str], *args: str, password: str = STAFF_PASSWORD
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MINIAPP_ENV": "development",
        "DATABASE_URL": base_settings["DATABASE_URL"],
        "REDIS_URL": "memory://",
        "LOG_LEVEL": "WARNING",
        **extra_env,
    }
    return subprocess.run(
        [*MINIAPP, *args], env=env, input=f"{password}\n", capture_output=True, text=True, timeout=120, check=False
    )


def _calendar(
    base_settings: dict[str, Any], *args: str, password: str = STAFF_PASSWORD
) -> subprocess.CompletedProcess[str]:
    return _miniapp(base_settings, "calendar", *args, password=password)


def test_an_operator_enters_a_year_and_a_second_person_approves_it(app: Any, base_settings: dict[str, Any]) -> None:
    staff_account("wang.admin", "admin")
    staff_account("li.boss", "supervisor")
    status = _calendar(base_settings, "status")
    assert status.returncode == 0, status.stderr
    assert "工作日期限可计算到：2026-12-31" in status.stdout

    entered = _calendar(base_settings, "import", str(MADE_UP_2027), "--staff", "wang.admin", "--password-stdin")
    assert entered.returncode == 0, entered.stderr
    assert "春节：2月6日至2月14日放假调休，共9天；2月20日（周六）上班" in entered.stdout
    record_id = entered.stdout.split("编号 ")[1].split("：")[0]
    assert f"miniapp calendar approve {record_id} --staff" in entered.stdout

    own = _calendar(base_settings, "approve", record_id, "--staff", "wang.admin", "--password-stdin")
    assert own.returncode == 1
    assert "录入人不能审核自己录入的节假日安排" in own.stderr
    wrong = _calendar(base_settings, "approve", record_id, "--staff", "li.boss", "--password-stdin", password="nope")
    assert (wrong.returncode, "用户名或密码错误" in wrong.stderr) == (1, True)
    with unit_of_work() as session:
        assert not official_calendar(session).knows(2027)

    approved = _calendar(base_settings, "approve", record_id, "--staff", "li.boss", "--password-stdin")
    assert approved.returncode == 0, approved.stderr
    assert "2027年节假日安排已生效" in approved.stdout
    with unit_of_work() as session:
        assert official_calendar(session).knows(2027)
    after = _calendar(base_settings, "status")
    assert "工作日期限可计算到：2027-12-31" in after.stdout


def test_a_bad_file_is_refused_by_the_command_with_its_line_named(
    app: Any, base_settings: dict[str, Any], tmp_path: Path
) -> None:
    staff_account("wang.admin", "admin")
    bad = tmp_path / "2027.csv"
    bad.write_text(
        "类型,名称,开始日期,结束日期\n放假,元旦,2027-01-01,2027-01-03\n上班,春节,2027-02-17,\n", encoding="utf-8"
    )
    refused = _calendar(
        base_settings,
        "import", str(bad), "--staff", "wang.admin", "--password-stdin",
        "--year", "2027", "--document-no", "测试〔2026〕1号", "--published-on", "2026-11-20", "--source", "测试",
    )  # fmt: skip
    assert refused.returncode == 1
    assert "第3行：2月17日是周三，调休上班日应为周六或周日" in refused.stderr
    assert "CALENDAR_FILE_INVALID" in refused.stderr


def test_the_dating_pass_and_the_horizon_check_run_by_hand(app: Any, base_settings: dict[str, Any]) -> None:
    dated = _calendar(base_settings, "date-waiting")
    assert dated.returncode == 0, dated.stderr
    assert "确定答复期限的异议 0 件" in dated.stdout
    horizon = _calendar(base_settings, "check-horizon", "--today", "2026-06-01")
    assert (horizon.returncode, horizon.stdout.strip()) == (0, "节假日日历可计算到2026-12-31，无需提醒")
    near = _calendar(base_settings, "check-horizon", "--today", "2026-12-06")
    assert near.returncode == 0, near.stderr
    assert "节假日日历只到2026-12-31" in near.stdout


def test_the_safety_commands_run_as_an_operator_runs_them(
    app: Any, base_settings: dict[str, Any], tmp_path: Path
) -> None:
    """Each once crashed outside the tests' application context."""
    for command in (["crosscheck"], ["signals"], ["continued"]):
        ran = _miniapp(base_settings, "safety", *command)
        assert ran.returncode == 0, ran.stderr
        assert "Traceback" not in ran.stderr
    listed = tmp_path / "疑点.csv"
    listed.write_text("身份证号码,疑点类型\n11010519491231002X,领取期间就业\n", encoding="utf-8")
    imported = _miniapp(base_settings, "safety", "import-suspects", str(listed))
    assert imported.returncode == 0, imported.stderr
    assert "名单 1 行" in imported.stdout and "本地无记录 1 行" in imported.stdout


def test_an_entered_year_is_shown_and_sent_back_by_command(app: Any, base_settings: dict[str, Any]) -> None:
    staff_account("wang.admin", "admin")
    staff_account("li.boss", "supervisor")
    entered = _calendar(base_settings, "import", str(MADE_UP_2027), "--staff", "wang.admin", "--password-stdin")
    record_id = entered.stdout.split("编号 ")[1].split("：")[0]
    shown = _calendar(base_settings, "show", record_id)
    assert shown.returncode == 0, shown.stderr
    assert "2027年 待审核" in shown.stdout and "春节：2月6日至2月14日放假调休" in shown.stdout
    sent_back = _calendar(
        base_settings, "reject", record_id, "--staff", "li.boss", "--password-stdin", "--note", "与通知原文不符"
    )
    assert sent_back.returncode == 0, sent_back.stderr
    assert "已退回：与通知原文不符" in sent_back.stdout
    assert "退回意见：与通知原文不符" in _calendar(base_settings, "show", record_id).stdout
    missing = _calendar(base_settings, "show", "999999")
    assert (missing.returncode, "没有这份节假日安排" in missing.stderr) == (1, True)


def test_staff_accounts_are_created_and_disabled_by_command(app: Any, base_settings: dict[str, Any]) -> None:
    common = ["staff", "create", "zhao.liu", "--name", "赵六", "--role", "auditor", "--password-stdin"]
    unstated = _miniapp(base_settings, *common)
    assert unstated.returncode == 2
    assert "请指明账号范围" in unstated.stderr
    created = _miniapp(base_settings, *common, "--province-wide")
    assert created.returncode == 0, created.stderr
    assert "已创建工作人员账号 zhao.liu（赵六），岗位：auditor" in created.stdout
    reset = _miniapp(base_settings, "staff", "reset-2fa", "zhao.liu")
    assert reset.returncode == 0, reset.stderr
    assert "已重置 zhao.liu 的身份验证器" in reset.stdout
    disabled = _miniapp(base_settings, "staff", "disable", "zhao.liu")
    assert disabled.returncode == 0, disabled.stderr
    assert "已停用 zhao.liu" in disabled.stdout


def test_the_embedded_broker_starts_without_kombus_hostname_warning(base_settings: dict[str, Any]) -> None:
    """Every start and command on the embedded defaults once printed "No hostname was supplied"."""
    script = (
        "from miniapp_api import create_app; from miniapp_api.celery_app import task\n"
        f"app = create_app({{'MINIAPP_ENV': 'development', 'DATABASE_URL': {base_settings['DATABASE_URL']!r},"
        " 'REDIS_URL': 'memory://'})\n"
        "with app.app_context(): task('ops.heartbeat').delay()\n"
    )
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert ran.returncode == 0, ran.stderr
    assert "No hostname was supplied" not in ran.stderr + ran.stdout


FIXTURES = Path(__file__).parent / "fixtures"


def test_demo_data_is_seeded_by_command_and_kept_when_run_again(app: Any, base_settings: dict[str, Any]) -> None:
    seeded = _miniapp(base_settings, "seed-demo", "--persons", "30", "--as-of", "2026-11-01")
    assert seeded.returncode == 0, seeded.stderr
    assert "演示数据已生成" in seeded.stdout and "名人员" in seeded.stdout and "其中演示账号" in seeded.stdout
    again = _miniapp(base_settings, "seed-demo", "--persons", "30")
    assert again.returncode == 0, again.stderr
    assert "跳过生成演示数据" in again.stdout


def test_records_and_photos_come_in_by_command(app: Any, base_settings: dict[str, Any], tmp_path: Path) -> None:
    imported = _miniapp(base_settings, "import", str(FIXTURES / "import_ok"), "--operator", "clerk")
    assert imported.returncode == 0, imported.stderr
    assert "persons.csv: persons 新增" in imported.stdout
    photos = tmp_path / "photos"
    photos.mkdir()
    shutil.copy(FIXTURES / "faces" / "miranda_1.png", photos / "130203196803090115.png")
    stored = _miniapp(base_settings, "import-photos", str(photos))
    assert stored.returncode == 0, stored.stderr
    assert "登记照片：新增 1 张" in stored.stdout
    not_records = tmp_path / "备案表.xlsx"
    not_records.write_bytes(b"PK\x03\x04 not a records export")
    refused = _miniapp(base_settings, "import", str(not_records))
    assert refused.returncode != 0 and "Traceback" not in refused.stderr


def test_an_employers_form_is_filed_by_command(app: Any, base_settings: dict[str, Any], tmp_path: Path) -> None:
    firm = employer_with_workers(2)
    form = tmp_path / "备案表.xlsx"
    form.write_bytes(xlsx(form_rows(firm["workers"])))
    filed = _miniapp(base_settings, "employers", "file-form", str(form), "--credit-code", firm["credit_code"])
    assert filed.returncode == 0, filed.stderr
    assert "已导入 2 人，未导入 0 行" in filed.stdout
    second = employer_with_workers(2)
    rows = form_rows(second["workers"])
    rows[1][3] = "110105194912310021"
    partly = tmp_path / "部分有误.xlsx"
    partly.write_bytes(xlsx(rows))
    good_only = _miniapp(
        base_settings, "employers", "file-form", str(partly), "--credit-code", second["credit_code"], "--good-rows-only"
    )
    assert "未导入 第3行" in good_only.stdout, good_only.stdout + good_only.stderr  # which row was left out, and why


def test_a_worker_or_beat_on_the_embedded_broker_refuses_to_start_and_says_why(base_settings: dict[str, Any]) -> None:
    for command in ("worker", "beat"):
        refused = _miniapp(base_settings, command)
        assert refused.returncode == 2
        assert "REDIS_URL" in refused.stderr and "收不到任何任务" in refused.stderr


def test_the_sweeps_the_audit_check_and_the_message_look_up_run_by_command(
    app: Any, base_settings: dict[str, Any]
) -> None:
    for command in (["objections", "sweep", "--today", "2026-12-07"], ["employers", "sweep", "--today", "2026-12-07"]):
        swept = _miniapp(base_settings, *command)
        assert swept.returncode == 0, swept.stderr
        assert "Traceback" not in swept.stderr
    assert "提醒 0 件" in _miniapp(base_settings, "objections", "sweep").stdout
    verified = _miniapp(base_settings, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "审计链完整" in verified.stdout
    with unit_of_work():
        send("claim_approved", Recipient("person", 1, phone="13900139000"), APPROVED)
    looked_up = _miniapp(base_settings, "messages", "--phone", "13900139000")
    assert looked_up.returncode == 0, looked_up.stderr
    assert "claim_approved" in looked_up.stdout and "13900139000" not in looked_up.stdout
    unnamed = _miniapp(base_settings, "messages")
    assert unnamed.returncode != 0 and "请提供 --phone 或 --openid" in unnamed.stderr


def test_the_read_cache_is_cleared_by_command_after_a_restore(app: Any, base_settings: dict[str, Any]) -> None:
    real_redis = base_settings["REDIS_URL"] != "memory://"
    if real_redis:
        with app.app_context():
            redis_store().client.set(cache_key("person:1", "claims"), "1.1.2026-12-07\n[]")
    env = {"REDIS_URL": base_settings["REDIS_URL"]} if real_redis else {}
    done = _miniapp_with(base_settings, env, "read-cache", "clear")
    assert done.returncode == 0, done.stderr
    assert ("已清除缓存的查询结果 1 条" if real_redis else "重启服务即清除") in done.stdout
    if real_redis:
        with app.app_context():
            assert redis_store().client.get(cache_key("person:1", "claims")) is None


def test_an_operator_screens_a_region_for_the_refund_by_command(app: Any, base_settings: dict[str, Any]) -> None:
    from tests.refunds_helpers import demo_regions, enterprise

    with unit_of_work() as session:
        demo_regions(session)
        enterprise(session)
        enterprise(session, unpaid_months=1)
    done = _miniapp(base_settings, "refunds", "screen", "--region", "371500", "--year", "2026")
    assert done.returncode == 0, done.stderr
    assert "371500 2026年度稳岗返还比对完成：参保企业 2 家，符合条件 1 家，返还金额合计 7200.00 元" in done.stdout
    unknown = _miniapp(base_settings, "refunds", "screen", "--region", "999999")
    assert (unknown.returncode, "统筹地区 999999 不存在" in unknown.stderr) == (1, True)
    # The eligible one is told by the reminder sweep, run here by hand as the hourly task would.
    told = _miniapp(base_settings, "refunds", "remind")
    assert told.returncode == 0, told.stderr
    assert "首次通知 1 家，再次提醒 0 家，逾期视为放弃 0 家" in told.stdout
    again = _miniapp(base_settings, "refunds", "remind")
    assert "首次通知 0 家" in again.stdout
