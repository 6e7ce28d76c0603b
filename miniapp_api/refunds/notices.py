"""The public notice (公示): the region's approved refunds listed for the notice period, in working
days counted with the official calendar; an objection received meanwhile holds that enterprise.
The public list holds no personal data: enterprise, unified credit code, amount."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from auth.caller import Caller
from miniapp_api.audit.service import record as audit
from miniapp_api.clock import china_today
from miniapp_api.db import MAX_ID, utcnow
from miniapp_api.documents.html import page
from miniapp_api.documents.tables import csv_bytes
from miniapp_api.errors import ConflictError, NotFoundError, ValidationFailed
from miniapp_api.holidays.service import official_calendar
from miniapp_api.pii import mask_text
from miniapp_api.records.models import Employer, Region
from miniapp_api.refunds import telling
from miniapp_api.refunds.models import Assessment, Notice
from miniapp_api.refunds.presenting import describe
from miniapp_api.refunds.review import region_for, staff_refund
from miniapp_api.refunds.screening import region_policy
from miniapp_api.rules.errors import RulesError
from miniapp_api.rules.working_days import add_working_days

PUBLIC_COLUMNS = ("单位名称", "统一社会信用代码", "返还金额（元）")


def publish(session: Session, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """List every approved refund of the region and year in a new notice."""
    region = region_for(caller, body.get("region"))
    today = china_today()
    try:
        policy = region_policy(session, region, today)
        ends_on = add_working_days(official_calendar(session), today, policy.notice_working_days)
    except RulesError as error:  # a parameter not set, or next year's holidays not yet published
        raise ValidationFailed(error.message, code=error.code) from None
    approved = [
        Assessment.region_code == region,
        Assessment.policy_year == body["policy_year"],
        Assessment.status == "approved",
    ]
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(Assessment.amount), 0)).where(*approved)
    ).one()
    if not count:
        raise ConflictError("没有审核通过、待公示的稳岗返还", code="NOTHING_TO_PUBLISH")
    notice = Notice(
        region_code=region,
        policy_year=body["policy_year"],
        starts_on=today,
        ends_on=ends_on,
        working_days=policy.notice_working_days,
        basis=policy.citations["refund_notice_period"],
        enterprises=count,
        total_amount=total,
        published_by=caller.staff_user_id,
    )
    session.add(notice)
    session.flush()
    session.execute(update(Assessment).where(*approved).values(status="in_notice", notice_id=notice.id))
    audit(
        "refund.notice_published",
        actor=caller.audit_actor,
        subject=("refund_notice", notice.id),
        detail={"enterprises": count, "ends_on": ends_on.isoformat()},
    )
    return describe_notice(notice)


def describe_notice(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.id,
        "region_code": notice.region_code,
        "policy_year": notice.policy_year,
        "starts_on": notice.starts_on,
        "ends_on": notice.ends_on,
        "working_days": notice.working_days,
        "basis": notice.basis,
        "enterprises": notice.enterprises,
        "total_amount": str(notice.total_amount),
        "page_url": f"/refund-notices/{notice.id}",
        "csv_url": f"/refund-notices/{notice.id}.csv",
    }


def hold(session: Session, caller: Caller, refund_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """An objection received during the notice: the enterprise is held, the rest go on."""
    found = staff_refund(session, caller, refund_id, for_update=True)
    notice = session.get(Notice, found.notice_id) if found.notice_id else None
    if found.status != "in_notice" or notice is None or china_today() > notice.ends_on:
        raise ConflictError(
            "只有公示期内的稳岗返还可以因异议暂缓", code="NOT_IN_NOTICE", details={"status": found.status}
        )
    # Who objected and how to reach them is the agency's to keep: masked even for staff, and the
    # enterprise sees only that its refund is held (refunds.enterprise).
    found.status, found.held_at, found.hold_reason = "held", utcnow(), mask_text(body["reason"].strip())
    telling.held(session, found)
    audit("refund.held", actor=caller.audit_actor, subject=("refund_assessment", found.id))
    return describe(session, found)


def close_ended(session: Session, region: str, today: dt.date) -> int:
    """Refunds whose notice ended before today with no objection become payable."""
    ended = select(Notice.id).where(Notice.region_code == region, Notice.ends_on < today)
    result = session.execute(
        update(Assessment)
        .where(Assessment.status == "in_notice", Assessment.notice_id.in_(ended))
        .values(status="payable")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _public_notice(session: Session, notice_id: int) -> tuple[Notice, Region, list[tuple[str, str, Any]]]:
    notice = session.get(Notice, notice_id) if 0 < notice_id <= MAX_ID else None
    if notice is None:
        raise NotFoundError("没有找到这期公示", code="NOTICE_NOT_FOUND")
    region = session.get(Region, notice.region_code)
    assert region is not None  # a foreign key
    rows = session.execute(
        select(Employer.name, Employer.credit_code, Assessment.amount)
        .join(Employer, Employer.id == Assessment.employer_id)
        # A refund rejected after an objection held it is no longer on the list it was noticed in.
        .where(Assessment.notice_id == notice.id, Assessment.status != "rejected")
        .order_by(Employer.credit_code)
    ).all()
    return notice, region, [(name, code, amount) for name, code, amount in rows]


def public_csv(session: Session, notice_id: int) -> bytes:
    _notice, _region, rows = _public_notice(session, notice_id)
    return csv_bytes(PUBLIC_COLUMNS, ([name, code, f"{amount:.2f}"] for name, code, amount in rows))


def public_page(session: Session, notice_id: int) -> str:
    notice, region, rows = _public_notice(session, notice_id)
    title = f"{region.name}{notice.policy_year}年度失业保险稳岗返还公示（第{notice.id}号）"
    gone = notice.enterprises - len(rows)
    withdrawn = f"公示期间经核实，{gone}家单位已不在名单中。" if gone > 0 else ""
    listed = "".join(
        f"<tr><td>{escape(name)}</td><td>{escape(code)}</td><td>{amount:.2f}</td></tr>" for name, code, amount in rows
    )
    return page(
        title,
        f"<h1>{escape(title)}</h1>"
        f"<p>{notice.starts_on:%Y年%m月%d日}发布，公示期{notice.working_days}个工作日，至{notice.ends_on:%Y年%m月%d日}止。"
        f"{withdrawn}"
        f"公示期内对名单有异议的，请向{escape(region.agency_name)}反映，电话{escape(region.agency_phone)}，"
        f"地址{escape(region.agency_address)}。</p>"
        f"<p><small>依据：{escape(notice.basis)}</small></p>"
        f'<p><a href="/refund-notices/{notice.id}.csv">下载名单（CSV）</a></p>'
        f"<table><tr><th>单位名称</th><th>统一社会信用代码</th><th>返还金额（元）</th></tr>{listed}</table>",
    )
