"""`miniapp`: the one command line of the service.

miniapp serve            run the API (development server, or gunicorn in production)
miniapp worker / beat    run Celery workers / the periodic-sweep scheduler
miniapp db upgrade       bring the schema to the newest migration
miniapp import PATH      import the provincial system's CSV/JSON exports
miniapp seed-demo        generate the synthetic demo population
miniapp objections sweep reminders and escalations of objection replies (also a beat task)
miniapp refunds …        稳岗返还: screen a region's enterprises, send reminders and waivers
miniapp calendar …       enter and approve a year's holiday arrangement; the calendar's state
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup
from sqlalchemy import select
from werkzeug.serving import run_simple

from miniapp_api import create_app
from miniapp_api import migrations_runner as migrations
from miniapp_api.audit.chain import seal, verify
from miniapp_api.celery_app import start_embedded_beat
from miniapp_api.claims.models import Claim
from miniapp_api.clock import CHINA, china_today
from miniapp_api.config import EMBEDDED, PROJECT_ROOT
from miniapp_api.db import unit_of_work, utcnow
from miniapp_api.employers.duties import open_for_records_feed
from miniapp_api.employers.models import EmployerDuty
from miniapp_api.employers.service import file_form
from miniapp_api.employers.sweeps import sweep as sweep_duties
from miniapp_api.errors import AppError, NotFoundError
from miniapp_api.extensions import redis_store, settings
from miniapp_api.faces.photos import PhotosRejected, import_photos
from miniapp_api.holidays.cli import calendar
from miniapp_api.objections.models import Objection
from miniapp_api.objections.sweeps import sweep
from miniapp_api.pii import mask_text
from miniapp_api.records import demo
from miniapp_api.records.importer import ImportRejected, import_path
from miniapp_api.records.models import Employer
from miniapp_api.refunds.commands import refunds
from miniapp_api.safety.cli import safety
from miniapp_api.staff_cli import staff
from notifications.limits import quiet_until
from notifications.providers import channels, configure_push, embedded_sms
from notifications.service import history_for_recipient
from notifications.standins.base import StandInServer
from notifications.standins.sms_server import SmsStandIn
from notifications.standins.wechat_server import WeChatStandIn


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False, load_dotenv=False)
def main() -> None:
    """失业保险金线上申领服务 / the unemployment-benefit mini-program service."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--workers", default=0, type=int, help="gunicorn workers (production); 0 = gunicorn.conf.py's 2 × CPUs + 1"
)
def serve(host: str, port: int, workers: int) -> None:
    """Run the API."""
    config = settings()
    click.echo(f"API: http://{host}:{port}/   接口文档 /docs: http://{host}:{port}/docs")
    if not config.is_production:
        if config.celery_eager:
            start_embedded_beat(current_app._get_current_object())  # type: ignore[attr-defined]
        if config.WECHAT_API_BASE_URL == EMBEDDED:
            # Up before the first login, so a newcomer can ask it for a wx.login code.
            click.echo(f"微信接口替身: {channels().wechat.miniapp.API_BASE_URL.removesuffix('/cgi-bin/')}")
        if EMBEDDED in (config.SMS_ALIYUN_ENDPOINT, config.SMS_TENCENT_ENDPOINT):
            click.echo(f"短信接口替身: {embedded_sms(config).url}（/__control__/inbox?phone=… 查看收到的短信）")
        held_until = quiet_until(utcnow(), config.quiet_hours)
        if held_until is not None:
            # A newcomer at night would otherwise see no SMS at all and think nothing works.
            click.echo(
                f"现在是短信免打扰时段（{config.SMS_QUIET_HOURS}，北京时间）：用人单位和职工的短信将在"
                f"{held_until.astimezone(CHINA):%H:%M}后发出（登录验证码不受影响）。演示时可用 SMS_QUIET_HOURS= 关闭"
            )
        # Flask refuses app.run() inside its own CLI; werkzeug's server is what it would use.
        run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)  # type: ignore[attr-defined]
        return
    # Replace this process with gunicorn, so signals from the supervisor reach it directly.
    argv = [sys.executable, "-m", "gunicorn", "--config", str(PROJECT_ROOT / "gunicorn.conf.py")]
    argv += ["--bind", f"{host}:{port}"] + (["--workers", str(workers)] if workers else [])
    os.execvp(sys.executable, [*argv, "miniapp_api.wsgi:app"])  # noqa: S606 - fixed argv, no shell


def _refuse_embedded_broker(what: str) -> None:
    """On the embedded defaults jobs run inside the serving process: a separate worker or beat
    would listen on a broker of its own that nothing sends to."""
    if settings().uses_memory_redis:
        click.echo(
            f"REDIS_URL 未设置（使用进程内 Redis）：后台任务已在服务进程内执行，单独的 {what} 收不到任何任务。"
            "请设置 REDIS_URL 指向真实的 Redis 后再运行。",
            err=True,
        )
        sys.exit(2)


@main.command()
@click.option("--concurrency", default=0, type=int, help="processes; 0 = one per CPU")
@click.option("--queues", default="celery", show_default=True)
def worker(concurrency: int, queues: str) -> None:
    """Run a Celery worker on the Redis broker."""
    _refuse_embedded_broker("worker")
    celery = current_app.extensions["celery"]
    argv = ["worker", "--loglevel=INFO", f"--queues={queues}"]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    celery.worker_main(argv)


@main.command()
def beat() -> None:
    """Run Celery beat, which enqueues the periodic sweeps."""
    _refuse_embedded_broker("beat")
    celery = current_app.extensions["celery"]
    schedule = Path(current_app.instance_path) / "celerybeat-schedule"
    schedule.parent.mkdir(parents=True, exist_ok=True)
    celery.start(["beat", "--loglevel=INFO", f"--schedule={schedule}"])


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Upgrade the schema to REVISION (default: the newest)."""
    url = settings().DATABASE_URL
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    migrations.upgrade(url, revision)
    click.echo(f"schema at {revision}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Downgrade the schema to REVISION ("base" removes every table)."""
    migrations.downgrade(settings().DATABASE_URL, revision)
    click.echo(f"schema at {revision}")


@main.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--kind", default=None, help="record kind when the file name does not say it")
@click.option("--operator", default=None, help="who runs the import (recorded); default: the OS user")
@click.option(
    "--wait", default=5.0, show_default=True, type=click.FloatRange(0.1), help="seconds to wait for a running import"
)
def import_command(path: Path, kind: str | None, operator: str | None, wait: float) -> None:
    """Import records from a CSV/JSON file or a directory of them, all or nothing."""
    operator = operator or getpass.getuser()
    # One import at a time: two runs over the same people would race on the unique keys.
    lock = redis_store().lock("records-import", timeout_s=3600, blocking_timeout_s=wait)
    if not lock.acquire():
        click.echo("另一个导入正在进行，请等它结束后再试。", err=True)
        sys.exit(1)
    started = utcnow()
    try:
        with unit_of_work() as session:
            results = import_path(session, path, kind_name=kind, operator=operator)
            # New stop-contribution records from the feed: the employers' duties start now.
            opened = open_for_records_feed(session, started, china_today(), settings().EMPLOYER_DUTY_WINDOW_DAYS)
    except ImportRejected as rejected:
        click.echo(f"导入失败，未写入任何数据。{rejected.file_name} 有 {len(rejected.errors)} 处错误：", err=True)
        for error in rejected.errors:
            click.echo(f"  {mask_text(str(error))}", err=True)
        sys.exit(1)
    finally:
        lock.release()
    for result in results:
        click.echo(f"{result.file_name}: {result.kind} 新增 {result.inserted} 行，更新 {result.updated} 行")
    if opened:
        click.echo(f"新的停保记录 {opened} 条：已提醒用人单位送达告知书，并短信告知职工申领权利")


@main.command("import-photos")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--operator", default=None, help="who runs the import (recorded); default: the OS user")
def import_photos_command(directory: Path, operator: str | None) -> None:
    """Import reference photos named by ID number (JPEG/PNG), all or nothing."""
    try:
        with unit_of_work() as session:
            inserted, replaced = import_photos(session, directory, operator=operator or getpass.getuser())
    except PhotosRejected as rejected:
        click.echo(f"导入失败，未写入任何照片。{len(rejected.problems)} 个文件有问题：", err=True)
        for problem in rejected.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    click.echo(f"登记照片：新增 {inserted} 张，更新 {replaced} 张")


@main.command("standin")
@click.argument("kind", type=click.Choice(["sms", "wechat"]))
@click.option("--port", default=0, type=int, help="0 = any free port (printed)")
@click.option(
    "--receipt-url", default=None, help="SMS: where to post delivery receipts (…/api/v1/notifications/receipts)"
)
@click.option("--receipt-delay", default=0.05, show_default=True, type=float, help="SMS: seconds before a receipt")
@click.option("--push-url", default=None, help="WeChat: the service's message-push URL (…/api/v1/wechat/push)")
def standin_command(kind: str, port: int, receipt_url: str | None, receipt_delay: float, push_url: str | None) -> None:
    """Run the local WeChat or SMS stand-in server (loopback only) until interrupted."""
    config = settings()
    server: StandInServer
    if kind == "sms":
        server = SmsStandIn(
            port,
            receipt_url=receipt_url or config.SMS_RECEIPT_CALLBACK_URL,
            receipt_token=config.SMS_RECEIPT_TOKEN,
            receipt_delay_s=receipt_delay,
        )
    else:
        server = WeChatStandIn(port)
        configure_push(server, config, push_url or config.WECHAT_PUSH_CALLBACK_URL)
    server.start()
    click.echo(f"{kind} stand-in listening on {server.url}", err=True)
    click.echo(server.address)  # for scripts: the endpoint to configure
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


@main.group()
def audit() -> None:
    """The tamper-evident audit trail."""


@audit.command("verify")
def audit_verify() -> None:
    """Seal what is pending, then check every entry of the hash chain; exit 1 on any problem."""
    with unit_of_work() as session:
        while seal(session):
            pass
    with unit_of_work() as session:
        verdict = verify(session)
    for problem in verdict.problems:
        click.echo(problem, err=True)
    if not verdict.intact:
        click.echo(f"审计链校验未通过：检查 {verdict.checked} 条，发现 {len(verdict.problems)} 处问题", err=True)
        sys.exit(1)
    click.echo(f"审计链完整：{verdict.checked} 条记录逐条核对无误")


@main.group("read-cache")
def read_cache() -> None:
    """Claimants' and employers' cached answers (Redis)."""


@read_cache.command("clear")
def read_cache_clear() -> None:
    """Drop every cached answer: run it after restoring the database from a backup, whose read
    versions are older than the answers cached since."""
    import redis

    from miniapp_api.reads.cache import clear

    if settings().uses_memory_redis:
        click.echo("REDIS_URL 未设置（进程内 Redis）：缓存只在服务进程里，重启服务即清除，此命令无从清除")
        return
    try:
        removed = clear()
    except redis.RedisError as error:
        raise click.ClickException(f"无法连接 Redis（{error}），未清除任何缓存") from None
    click.echo(f"已清除缓存的查询结果 {removed} 条")


@main.group()
def objections() -> None:
    """Objection reply clocks."""


@objections.command("sweep")
@click.option(
    "--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="count as this day (default: today in China)"
)
def objections_sweep(today: dt.datetime | None) -> None:
    """Send due reminders, mark and escalate overdue replies, date clocks the calendar could not
    (what the beat task does every 15 minutes)."""
    result = sweep(today.date() if today else None)
    click.echo(f"提醒 {result.reminded} 件，逾期督办 {result.overdue} 件，补定答复期限 {result.dated} 件")
    if result.reminded_provisional:
        click.echo(f"按暂定期限（节假日安排未公布，仅扣除周末）提醒 {result.reminded_provisional} 件")


@main.group()
def employers() -> None:
    """Employers' filings and duties."""


@employers.command("file-form")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--credit-code", required=True, help="the employer's unified social credit code")
@click.option("--good-rows-only", is_flag=True, help="import the good rows even when some are bad")
@click.option("--operator", default=None, help="who runs it (recorded); default: the OS user")
def employers_file_form(path: Path, credit_code: str, good_rows_only: bool, operator: str | None) -> None:
    """File an employer's filing form (.xlsx/.csv) on its behalf, with progress."""
    content = path.read_bytes()
    try:
        with unit_of_work() as session:
            employer = session.scalar(select(Employer).where(Employer.credit_code == credit_code))
            if employer is None:
                raise NotFoundError(f"没有统一社会信用代码为 {credit_code} 的单位")
            with click.progressbar(length=1, label="导入备案", file=sys.stderr) as bar:

                def advance(done: int, total: int) -> None:
                    bar.length = total
                    bar.update(done)

                result = file_form(
                    session,
                    employer,
                    path.name,
                    content,
                    good_rows_only=good_rows_only,
                    who={"operator": operator or getpass.getuser()},
                    progress=advance,
                )
    except AppError as error:
        click.echo(mask_text(error.message), err=True)
        for problem in error.details.get("problems", [])[:50]:
            click.echo(f"  第{problem['row']}行 {problem['column']}：{problem['message']}", err=True)
        sys.exit(1)
    click.echo(f"已导入 {result['rows_imported']} 人，未导入 {result['rows_refused']} 行")
    for problem in result.get("problems", [])[:50]:  # the rows left out, and why
        click.echo(f"  未导入 第{problem['row']}行 {problem['column']}：{problem['message']}")


@employers.command("sweep")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="count as this day")
def employers_sweep(today: dt.datetime | None) -> None:
    """Second reminders, escalations and overdue filings (what the beat task does hourly)."""
    result = sweep_duties(today.date() if today else None)
    click.echo(f"再次提醒 {result.re_reminded} 项，督办 {result.escalated} 项，逾期备案 {result.filing_overdue} 项")


@main.command("messages")
@click.option("--phone", default=None, help="the recipient's mobile number")
@click.option("--openid", default=None, help="the recipient's WeChat openid")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 500))
def messages_command(phone: str | None, openid: str | None, limit: int) -> None:
    """Staff look-up: a recipient's messages, newest first, with their status history."""
    if not phone and not openid:
        click.echo("请提供 --phone 或 --openid。", err=True)
        sys.exit(2)
    with unit_of_work() as session:
        found = history_for_recipient(session, phone=phone, openid=openid, limit=limit)
    if not found:
        click.echo("没有找到发给该收件人的消息。")
    for item in found:
        click.echo(
            f"{item['created_at'].astimezone(CHINA):%Y-%m-%d %H:%M:%S}（北京时间） "
            f"{item['kind']} v{item['template_version']} "
            f"{item['channel']} {item['phone']} → {item['status']} ({item['provider'] or '-'})"
        )
        for event in item["history"]:
            click.echo(f"    {event['at'].astimezone(CHINA):%H:%M:%S} {event['status']:<18} {event['detail'] or ''}")


@main.command("seed-demo")
@click.option("--persons", default=10_000, show_default=True, type=click.IntRange(1, 2_000_000))
@click.option("--seed", default=20200601, show_default=True, type=int)
@click.option("--as-of", "as_of", default=None, help="reference date YYYY-MM-DD (default: today)")
@click.option("--reset", is_flag=True, help="delete all internal records first")
def seed_demo_command(persons: int, seed: int, as_of: str | None, reset: bool) -> None:
    """Generate the deterministic synthetic population (skipped when records exist)."""
    reference = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    started = time.perf_counter()
    with unit_of_work() as session:
        if reset:
            if any(session.scalar(select(model.id).limit(1)) is not None for model in (Claim, Objection, EmployerDuty)):
                raise click.ClickException("已有申领、异议或用人单位义务记录引用这些参保人员，不能重置内部记录。")
            demo.clear_records(session)
        elif demo.has_records(session):
            click.echo("数据库中已有参保人员记录，跳过生成演示数据（用 --reset 重新生成）。")
            return
        with click.progressbar(length=persons, label="生成演示人口", file=sys.stderr) as bar:
            stats = demo.seed_demo(session, persons=persons, seed=seed, as_of=reference, progress=bar.update)
    elapsed = time.perf_counter() - started
    click.echo(
        f"演示数据已生成（种子 {seed}，基准日 {reference}）：{stats.regions} 个统筹地区、{stats.parameters} 项参数、"
        f"{stats.employers} 家单位、{stats.persons} 名人员、{stats.contributions} 段缴费、"
        f"{stats.stop_events} 条停保、{stats.person_events} 条其他事件、{stats.ledger_months} 个单位缴费月，"
        f"用时 {elapsed:.1f} 秒"
    )
    claimant, employer, contact = demo.WALKTHROUGH_CLAIMANT, demo.WALKTHROUGH_EMPLOYER, demo.WALKTHROUGH_CONTACT
    click.echo(
        f"其中演示账号（合成数据，见 README）：申领人 {claimant['name']} 身份证号码 {claimant['id_number']}；"
        f"单位 {employer['name']} 统一社会信用代码 {employer['credit_code']}，联系人手机 {contact['phone']}"
    )


main.add_command(safety)
main.add_command(calendar)
main.add_command(staff)
main.add_command(refunds)
