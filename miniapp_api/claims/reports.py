"""How claims are being decided: per day (China's calendar day), how many, and how many the
rules decided alone. A claim decided again counts on the day of its latest decision."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.caller import Caller
from miniapp_api.claims.models import Claim
from miniapp_api.clock import CHINA, china_today


def decided_per_day(session: Session, caller: Caller, days: int = 30) -> list[dict[str, Any]]:
    first = china_today() - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first, dt.time(), CHINA).astimezone(dt.UTC)
    query = select(Claim.decided_at, Claim.decided_by).where(Claim.decided_at >= since)
    if caller.staff_region:
        query = query.where(Claim.region_code == caller.staff_region)
    decided: Counter[dt.date] = Counter()
    automatic: Counter[dt.date] = Counter()
    for decided_at, decided_by in session.execute(query):
        assert decided_at is not None  # the query asks for decided claims
        day = decided_at.astimezone(CHINA).date()
        decided[day] += 1
        automatic[day] += decided_by == "auto"
    return [
        {
            "day": day,
            "decided": decided[day],
            "automatic": automatic[day],
            "automatic_percent": round(100 * automatic[day] / decided[day], 1) if decided[day] else None,
        }
        for day in (first + dt.timedelta(days=offset) for offset in range(days))
    ]
