"""`miniapp refunds …`: the operator's commands for 稳岗返还 (screening a region, the reminders)."""

from __future__ import annotations

import getpass

import click
from flask.cli import AppGroup

from miniapp_api.clock import china_today
from miniapp_api.db import unit_of_work

refunds = AppGroup("refunds", help="稳岗返还 (job-retention refund).")


@refunds.command("screen")
@click.option("--region", required=True, help="统筹地区代码，如 371500")
@click.option("--year", "policy_year", type=click.IntRange(2019, 2100), default=None, help="政策年度（默认今年）")
@click.option("--operator", default=None, help="who runs it (recorded); default: the OS user")
def refunds_screen(region: str, policy_year: int | None, operator: str | None) -> None:
    """Screen every insured enterprise of a region for a policy year (免申即享 and applications alike)."""
    from miniapp_api.audit.service import record as audit
    from miniapp_api.records.models import Region
    from miniapp_api.refunds.screening import screen
    from miniapp_api.rules.errors import RulesError

    year = policy_year or china_today().year
    who = operator or getpass.getuser()
    try:
        with unit_of_work() as session:
            if session.get(Region, region) is None:
                raise click.ClickException(f"统筹地区 {region} 不存在")
            done = screen(session, region, year, today=china_today(), started_by=f"operator:{who}")
            audit("refund.screened", actor=("operator", who), subject=("refund_screening", done.id))
            enterprises, eligible, total = done.enterprises, done.eligible, done.total_amount
    except RulesError as error:
        raise click.ClickException(error.message) from None
    click.echo(
        f"{region} {year}年度稳岗返还比对完成：参保企业 {enterprises} 家，"
        f"符合条件 {eligible} 家，返还金额合计 {total} 元"
    )
    click.echo("符合条件的企业将由 `miniapp refunds remind`（也是每小时的定时任务）通知确认。")


@refunds.command("remind")
def refunds_remind() -> None:
    """Tell eligible enterprises they may confirm, remind them, record waivers (the hourly beat task).

    Always as of today in China: another day would set confirm-by dates or waive refunds wrongly."""
    from miniapp_api.refunds.reminders import sweep as sweep_refunds

    result = sweep_refunds()
    click.echo(f"首次通知 {result.told} 家，再次提醒 {result.reminded} 家，逾期视为放弃 {result.waived} 家")
