"""Continued payment (续发): telling recipients when it begins.

A claimant whose period ends less than a year before their legal retirement age goes on being
paid to that age, with no application (人社厅发〔2020〕24号第一条). The extra months are in the
schedule from the decision (`rules.schedule.continued_months`); when the first of them falls
due, the claim's timeline records it and the claimant is told, once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Exists, func, select
from sqlalchemy.orm import InstrumentedAttribute

from miniapp_api.audit.service import record as audit
from miniapp_api.claims import decisions, timeline
from miniapp_api.claims.models import BenefitPayment, Claim
from miniapp_api.clock import china_today
from miniapp_api.db import unit_of_work, utcnow

BATCH = 200


def _continued_begun(claim_id: InstrumentedAttribute[int], month: dt.date) -> Exists:
    return (
        select(BenefitPayment.id)
        .where(
            BenefitPayment.claim_id == claim_id,
            BenefitPayment.continued.is_(True),
            BenefitPayment.status != "cancelled",
            BenefitPayment.period <= month,
        )
        .exists()
    )


def notify_started(today: dt.date | None = None) -> int:
    """Tell every recipient whose continued months have begun by `today`; returns how many."""
    month = (today or china_today()).replace(day=1)
    told = 0
    while True:
        with unit_of_work() as session:
            claims = session.scalars(
                select(Claim)
                .where(
                    Claim.status == "approved",
                    Claim.continued_notice_at.is_(None),
                    _continued_begun(Claim.id, month),
                )
                .order_by(Claim.id)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            ).all()
            for claim in claims:
                first, last = session.execute(
                    select(func.min(BenefitPayment.period), func.max(BenefitPayment.period)).where(
                        BenefitPayment.claim_id == claim.id,
                        BenefitPayment.continued.is_(True),
                        BenefitPayment.status != "cancelled",
                    )
                ).one()
                claim.continued_notice_at = utcnow()
                timeline.append(claim, "continued_payment", period=first, until=last.isoformat())
                audit(
                    "claim.continued",
                    subject=("claim", claim.id),
                    detail={"from": first.isoformat(), "until": last.isoformat()},
                )
                decisions.notify_claimant(session, claim, "benefit_continued", {"until_month": f"{last:%Y年%m月}"})
            told += len(claims)
        if len(claims) < BATCH:
            return told
