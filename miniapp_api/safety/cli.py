"""`miniapp safety …`: the fund-safety sweeps by hand, and the ministry's suspect lists."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from miniapp_api.db import unit_of_work
from miniapp_api.errors import AppError
from miniapp_api.safety.continued import notify_started as notify_continued
from miniapp_api.safety.crosscheck import run as crosscheck
from miniapp_api.safety.models import CHECK_KINDS
from miniapp_api.safety.signals import run as fraud_signals
from miniapp_api.safety.suspects import import_list as import_suspects

# An AppGroup: each command runs inside the application, as an operator's shell has none.
safety = AppGroup("safety", help="Fund safety: cross-checks, fraud signals, continued-payment notices, suspect lists.")


@safety.command("crosscheck")
def safety_crosscheck() -> None:
    """Check every recipient against re-employment, pension, death and the other stop events now."""
    with click.progressbar(length=1, label="处理比对结果", file=sys.stderr) as bar:

        def advance(done: int, total: int) -> None:
            bar.length = total
            bar.update(done)

        result = crosscheck(progress=advance)
    click.echo(f"比对领取人 {result.recipients} 人：停止发放 {result.stopped} 人")
    click.echo(f"停发日之后已发放、待追回 {result.overpaid_months} 个月")


@safety.command("signals")
def safety_signals() -> None:
    """Look for shared bank accounts, WeChat users behind several identities and repeated failed face checks."""
    result = fraud_signals()
    for kind, opened in result.opened.items():
        click.echo(f"{CHECK_KINDS[kind]}：新开核查事项 {opened} 个")


@safety.command("continued")
@click.option(
    "--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="count as this day (default: today in China)"
)
def safety_continued(today: dt.datetime | None) -> None:
    """Tell recipients whose continued payment to retirement (续发) has begun."""
    told = notify_continued(today.date() if today else None)
    click.echo(f"已通知开始续发的领取人 {told} 人")


@safety.command("import-suspects")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def safety_import_suspects(path: Path) -> None:
    """Import the ministry's suspect list (CSV); each local claimant on it becomes a check item for staff."""
    try:
        with unit_of_work() as session:
            result = import_suspects(session, None, path.name, path.read_bytes())
    except AppError as error:
        click.echo(f"{error.message}（{error.code}）", err=True)
        sys.exit(1)
    for problem in result["problems"]:
        click.echo(f"第{problem['row']}行：{problem['message']}", err=True)
    click.echo(
        f"名单 {result['rows']} 行：本地有记录 {result['matched']} 人，新开核查事项 {result['opened']} 个，"
        f"未在本地申领 {result['not_claimants']} 人，本地无记录 {result['unknown_persons']} 行"
    )
