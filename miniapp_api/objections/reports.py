"""Figures for staff: what is open, due today and overdue now, and how many replies went out on
time, by category and month. The live counts read the partial index of clocks not closed; the
monthly figures read closed clocks by the day they closed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, extract, func, select
from sqlalchemy.orm import Session

from auth.caller import Caller
from miniapp_api.claims.models import ServiceRating
from miniapp_api.clock import china_today
from miniapp_api.objections.models import ObjectionDeadline
from miniapp_api.objections.vocabulary import CATEGORY_LABELS


def report(session: Session, caller: Caller, region: str | None, since: dt.date | None) -> dict[str, Any]:
    today = china_today()
    since = since or (today.replace(day=1) - dt.timedelta(days=365)).replace(day=1)
    scope = [ObjectionDeadline.region_code == code for code in (caller.staff_region, region) if code]
    live = session.execute(
        select(
            func.count(),
            func.sum(case((ObjectionDeadline.state == "running", 1), else_=0)),
            func.sum(case((ObjectionDeadline.state == "paused", 1), else_=0)),
            func.sum(case((ObjectionDeadline.state == "calendar_pending", 1), else_=0)),
            func.sum(case(((ObjectionDeadline.state == "running") & (ObjectionDeadline.due_on == today), 1), else_=0)),
            func.sum(case(((ObjectionDeadline.state == "running") & (ObjectionDeadline.due_on < today), 1), else_=0)),
        ).where(ObjectionDeadline.state != "closed", *scope)
    ).one()
    year = extract("year", ObjectionDeadline.closed_on)
    month = extract("month", ObjectionDeadline.closed_on)
    monthly = session.execute(
        select(
            ObjectionDeadline.category,
            year,
            month,
            func.count(),
            func.sum(case((ObjectionDeadline.on_time.is_(True), 1), else_=0)),
        )
        .where(ObjectionDeadline.state == "closed", ObjectionDeadline.closed_on >= since, *scope)
        .group_by(ObjectionDeadline.category, year, month)
        .order_by(year, month, ObjectionDeadline.category)
    ).all()
    ratings = session.execute(
        select(func.count(), func.avg(ServiceRating.score)).where(
            ServiceRating.subject_kind == "objection",
            *[ServiceRating.region_code == code for code in (caller.staff_region, region) if code],
        )
    ).one()
    return {
        "as_of": today,
        "open": int(live[0] or 0),
        "running": int(live[1] or 0),
        "awaiting_claimant": int(live[2] or 0),
        "calendar_pending": int(live[3] or 0),
        "due_today": int(live[4] or 0),
        "overdue": int(live[5] or 0),
        "on_time_by_month": [
            {
                "category": category,
                "category_label": CATEGORY_LABELS[category],
                "month": f"{int(y):04d}-{int(m):02d}",
                "answered": int(count),
                "on_time": int(on_time or 0),
                "on_time_rate": round(int(on_time or 0) / int(count), 4) if count else None,
            }
            for category, y, m, count, on_time in monthly
        ],
        "ratings": {"count": int(ratings[0] or 0), "average": round(float(ratings[1]), 2) if ratings[1] else None},
    }
