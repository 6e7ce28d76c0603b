"""`miniapp calendar …`: entering a year's holiday arrangement from the State Council's notice,
approving it as a second person, and the calendar's state. Each command names the member of
staff acting and asks for their password: maker and checker are people, not shell users."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from auth.models import StaffUser
from auth.service import authenticate_staff
from miniapp_api.clock import china_today
from miniapp_api.db import unit_of_work
from miniapp_api.errors import AppError
from miniapp_api.holidays import service
from miniapp_api.holidays.dating import date_waiting, horizon_check

calendar = AppGroup("calendar", help="节假日安排：录入、审核、现状（国务院办公厅每年的节假日安排通知）")

_staff_option = click.option(
    "--staff", "username", required=True, help="操作的工作人员用户名（录入：管理员；审核：另一位管理员或主管）"
)
_password_option = click.option("--password-stdin", is_flag=True, help="从标准输入读取该工作人员的密码（用于脚本）")


def _password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("密码", hide_input=True))


def _fail(error: AppError) -> None:
    click.echo(f"{error.message}（{error.code}）", err=True)
    for problem in error.details.get("problems", []):
        where = f"第{problem['line']}行" if problem.get("line") else "文件"
        click.echo(f"  {where}：{problem['message']}", err=True)
    sys.exit(1)


def _show(described: dict[str, Any]) -> None:
    click.echo(f"编号 {described['id']}：{described['year']}年 {described['status_label']}")
    click.echo(f"{described['title']}（{described['document_no']}，{described['published_on']}）")
    click.echo(f"来源：{described['source']}")
    decider = "退回" if described["status"] == "rejected" else "审核"
    click.echo(
        f"录入：{described['entered_by']}"
        + (f"；{decider}：{described['decided_by']}" if described["decided_by"] else "")
    )
    if described["decision_note"]:
        click.echo(f"{decider}意见：{described['decision_note']}")
    click.echo(described["summary"])
    if described["compared_with"]:
        changes = described["differences"]
        verdict = f"不同 {len(changes)} 天" if changes else "完全一致"
        click.echo(f"与现行安排（{described['compared_with']}）相比：{verdict}")
        for change in changes:
            click.echo(f"  {change}")


@calendar.command("status")
def calendar_status() -> None:
    """Which years the calendar knows and from where, how far deadlines can be counted, what awaits approval."""
    with unit_of_work() as session:
        overview = service.overview(session)
    known = overview["known_through"]
    click.echo(f"工作日期限可计算到：{known.isoformat() if known else '（今年的安排也没有）'}")
    for year in overview["years"]:
        click.echo(f"  {year['year']}年：{year['source']}")
    for record in overview["records"]:
        click.echo(f"  录入编号 {record['id']}：{record['year']}年 {record['status_label']}（{record['document_no']}）")


@calendar.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_staff_option
@_password_option
@click.option("--year", type=int, default=None, help="年份（CSV 必填；YAML 可写在文件中）")
@click.option("--document-no", default=None, help="通知文号，如 国办发明电〔2026〕X号")
@click.option("--title", default=None, help="通知标题（默认：国务院办公厅关于YYYY年部分节假日安排的通知）")
@click.option("--published-on", default=None, help="通知发布日期 YYYY-MM-DD")
@click.option("--source", default=None, help="通知来源（网址或公报期号）")
def calendar_import(path: Path, username: str, password_stdin: bool, **given: Any) -> None:
    """Enter a year from FILE (YAML or CSV). It takes effect once another admin or supervisor approves it."""
    password = _password(password_stdin)
    try:
        with unit_of_work() as session:
            staff = authenticate_staff(username, password)
            record = service.submit(session, staff, path.name, path.read_bytes(), given, via="cli")
            described = service.describe(session, record)
    except AppError as error:
        _fail(error)
    _show(described)
    click.echo(f"已录入，待另一位管理员或主管审核：miniapp calendar approve {described['id']} --staff 用户名")


@calendar.command("show")
@click.argument("record_id", type=int)
def calendar_show(record_id: int) -> None:
    """Show one entered year: its summary and every day it changes."""
    try:
        with unit_of_work() as session:
            described = service.describe(session, service.get(session, record_id))
    except AppError as error:
        _fail(error)
    _show(described)


@calendar.command("approve")
@click.argument("record_id", type=int)
@_staff_option
@_password_option
@click.option("--note", default=None, help="审核意见")
def calendar_approve(record_id: int, username: str, password_stdin: bool, note: str | None) -> None:
    """Approve an entered year (not by the person who entered it); waiting deadlines are dated at once."""
    password = _password(password_stdin)
    try:
        with unit_of_work() as session:
            staff: StaffUser = authenticate_staff(username, password)
            described = service.describe(session, service.approve(session, staff, record_id, note))
    except AppError as error:
        _fail(error)
    _show(described)
    click.echo(
        f"{described['year']}年节假日安排已生效；等待该年的期限随即确定（miniapp calendar date-waiting 可再核对）"
    )


@calendar.command("reject")
@click.argument("record_id", type=int)
@_staff_option
@_password_option
@click.option("--note", required=True, help="退回原因")
def calendar_reject(record_id: int, username: str, password_stdin: bool, note: str) -> None:
    """Send an entered year back (its maker may withdraw it too)."""
    password = _password(password_stdin)
    try:
        with unit_of_work() as session:
            staff = authenticate_staff(username, password)
            described = service.describe(session, service.reject(session, staff, record_id, note))
    except AppError as error:
        _fail(error)
    click.echo(f"编号 {described['id']}（{described['year']}年）已退回：{note}")


@calendar.command("date-waiting")
def calendar_date_waiting() -> None:
    """Date every deadline that waited for a year the calendar now knows (runs by itself after an approval)."""
    result = date_waiting()
    click.echo(f"确定答复期限的异议 {result.objections} 件，确定期限的用人单位义务 {result.employer_duties} 项")


@calendar.command("check-horizon")
@click.option(
    "--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="count as this day (within a year of today)"
)
def calendar_check_horizon(today: dt.datetime | None) -> None:
    """Warn supervisors and admins when the calendar runs out soon (daily by itself; once a week per person)."""
    day = today.date() if today else None
    if day is not None and abs((day - china_today()).days) > 366:
        click.echo("--today 应在今天前后一年之内", err=True)
        sys.exit(2)
    result = horizon_check(day)
    through = result.known_through.isoformat() if result.known_through else "（今年的安排也没有）"
    if not result.near:
        click.echo(f"节假日日历可计算到{through}，无需提醒")
        return
    click.echo(f"节假日日历只到{through}：请尽快录入并审核下一年的安排")
    if result.told_this_week_already:
        click.echo("本周已提醒过主管和管理员，下周一起再次提醒")
    else:
        click.echo(f"已短信提醒主管和管理员 {result.told} 人")
    if result.without_phone:
        click.echo(
            f"没有工作手机、未能提醒：{'、'.join(result.without_phone)}（miniapp staff create … --phone）", err=True
        )
