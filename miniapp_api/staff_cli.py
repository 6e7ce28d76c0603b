"""`miniapp staff …`: agency staff accounts from the operator's shell (create, disable, forget a
lost authenticator)."""

from __future__ import annotations

import getpass
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from auth import second_factor
from auth.models import STAFF_ROLES, StaffUser
from auth.staff import create_staff, disable_staff
from miniapp_api.audit.service import record
from miniapp_api.db import unit_of_work
from miniapp_api.errors import AppError

# An AppGroup: each command runs inside the application, as an operator's shell has none.
staff = AppGroup("staff", help="Agency staff accounts.")


@staff.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="姓名（显示用）")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(STAFF_ROLES), help="可重复")
@click.option("--region", "region_code", default=None, help="所属统筹地区代码（只处理本地区的事项）")
@click.option("--province-wide", is_flag=True, help="全省账号：不限地区（查看和处理各地区的事项）；与 --region 二选一")
@click.option("--phone", default=None, help="工作手机（接收到期提醒和督办）")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码（用于脚本）")
def staff_create(
    username: str,
    display_name: str,
    roles: tuple[str, ...],
    region_code: str | None,
    province_wide: bool,
    phone: str | None,
    password_stdin: bool,
) -> None:
    """Create a staff account; the password is asked for (never an argument, so not in shell history).
    Its reach is stated, never implied: one region (--region) or the whole province (--province-wide)."""
    if bool(region_code) == province_wide:
        click.echo("请指明账号范围：--region 统筹地区代码，或 --province-wide（全省）", err=True)
        sys.exit(2)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    try:
        with unit_of_work():
            created = create_staff(
                username,
                display_name,
                password,
                roles,
                region_code=region_code,
                operator=getpass.getuser(),
                phone=phone,
            )
            click.echo(
                f"已创建工作人员账号 {created.username}（{created.display_name}），岗位：{'、'.join(created.roles)}"
            )
    except AppError as error:
        click.echo(error.message, err=True)
        sys.exit(1)


@staff.command("disable")
@click.argument("username")
def staff_disable(username: str) -> None:
    """Disable a staff account and end its sessions."""
    try:
        with unit_of_work():
            disable_staff(username, operator=getpass.getuser())
    except AppError as error:
        click.echo(error.message, err=True)
        sys.exit(1)
    click.echo(f"已停用 {username}，其登录已全部失效")


@staff.command("reset-2fa")
@click.argument("username")
def staff_reset_second_factor(username: str) -> None:
    """Forget a staff member's authenticator (a lost phone): they enrol a new one at next sign-in."""
    with unit_of_work() as session:
        staff = session.scalar(select(StaffUser).where(StaffUser.username == username))
        if staff is None:
            click.echo(f"用户名 {username} 不存在", err=True)
            sys.exit(1)
        second_factor.reset(staff)
        record("staff.second_factor_reset", actor=("operator", getpass.getuser()), subject=("staff_user", staff.id))
    click.echo(f"已重置 {username} 的身份验证器，下次登录控制台时重新绑定")
