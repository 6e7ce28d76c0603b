"""Never silent: a deadline the calendar cannot date opens a staff alert the same day, and the
calendar running out is announced weeks ahead, by SMS through the outbox, once a week."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.models import StaffUser
from auth.staff_wechat import openid_of
from miniapp_api.alerts.service import raise_alert, resolve
from miniapp_api.holidays.service import official_calendar
from notifications import service as notify

log = logging.getLogger(__name__)
ALERTED_ROLES = ("supervisor", "admin")


def year_missing(session: Session, year: int, region_code: str) -> None:
    """A clock or duty in `region_code` could not be dated for want of `year`."""
    raise_alert(
        session,
        "calendar_year_missing",
        f"calendar_missing:{year}:{region_code}",
        f"系统缺少{year}年节假日安排，本地区有期限暂无法确定（异议答复、用人单位义务）。"
        f"请系统管理员按国务院办公厅通知录入{year}年安排，并由另一位管理员或主管审核。",
        region_code=region_code,
        detail={"year": year},
    )


@dataclass
class HorizonResult:
    known_through: dt.date | None
    near: bool  # the calendar ends within the warning period
    told: int = 0  # messages queued now (0 when this week's went out already)
    told_this_week_already: bool = False
    without_phone: list[str] = field(default_factory=list)  # who could not be told


def check_horizon(session: Session, today: dt.date, warn_days: int) -> HorizonResult:
    """When the calendar ends within `warn_days`, tell supervisors and admins — once an ISO week,
    until a later year is approved."""
    calendar = official_calendar(session)
    known = calendar.known_through(today)
    if known is not None and (known - today).days > warn_days:
        resolve(session, "calendar_horizon", f"节假日日历可计算到{known.isoformat()}，已无需提醒")
        return HorizonResult(known, near=False)
    missing = calendar.first_unknown_year(today)
    through = known.isoformat() if known else f"{today.year - 1}-12-31"
    alert, _new = raise_alert(
        session,
        "calendar_horizon",
        f"calendar_horizon:{missing}",
        f"节假日日历只到{through}：请尽快按国务院办公厅通知录入并审核{missing}年节假日安排，"
        f"否则此后的工作日期限将无法计算。",
        detail={"year": missing, "known_through": known.isoformat() if known else None},
    )
    iso_year, week, _ = today.isocalendar()
    this_week = f"{iso_year}-W{week:02d}"
    result = HorizonResult(known, near=True)
    if alert.detail.get("told_week") == this_week:
        result.told_this_week_already = True  # once a week is a reminder; daily would be noise
        return result
    values = {"known_through": through, "year": str(missing)}
    for member in _alerted_staff(session):
        if not member.phone:
            log.warning("staff %s has no work phone for the calendar horizon alert", member.id)
            result.without_phone.append(member.username)
            continue
        notify.send(
            "staff_calendar_horizon",
            notify.Recipient("staff", member.id, phone=member.phone, openid=openid_of(session, member.id)),
            values,
            dedup_key=f"calendar_horizon:{missing}:{this_week}:{member.id}",
        )
        result.told += 1
    if result.told:  # a week nobody could be told (no staff yet, no phones) is tried again tomorrow
        alert.detail = {**alert.detail, "told_week": this_week}
    return result


def _alerted_staff(session: Session) -> list[StaffUser]:
    staff = session.scalars(select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.id))
    return [member for member in staff if set(ALERTED_ROLES) & set(member.roles)]
