"""稳岗返还 records for the console's tests: enterprises with contacts, a member of staff acting
through the services, and a region whose refunds stand at each step (one applied, a notice, a batch)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.caller import Caller
from auth.models import StaffUser
from miniapp_api.clock import china_today
from miniapp_api.db import unit_of_work, utcnow
from miniapp_api.refunds import notices, payouts, review
from miniapp_api.refunds.models import Assessment
from miniapp_api.refunds.screening import screen
from tests import factories
from tests.refunds_helpers import POLICY_YEAR, demo_regions, enterprise

# Monday 2 March 2026, 10:00 in China; five working days of notice end on Monday 9 March.
SCREENING_DAY = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
AFTER_THE_NOTICE = dt.datetime(2026, 3, 11, 2, 0, tzinfo=dt.UTC)
ACCOUNT_NUMBER = "1611000109000012345"  # tests.refunds_helpers.enterprise's


def firms(*names: str, region_code: str = "371500") -> list[dict[str, Any]]:
    """Enterprises of `region_code` (each 7,200.00 yuan back: 12,000 paid last year, 60 %), each
    with a contact who signs in by SMS; committed."""
    made = []
    with unit_of_work() as session:
        demo_regions(session)
        for name in names:
            firm = enterprise(session, name=name, region_code=region_code)
            contact = factories.contact(session, firm)
            made.append({"id": firm.id, "name": name, "credit_code": firm.credit_code, "phone": contact.phone})
    return made


def staff_caller(session: Session, username: str) -> Caller:
    """A member of staff as the services see them (no sign-in: the services are called directly)."""
    staff = session.scalars(select(StaffUser).where(StaffUser.username == username)).one()
    return Caller(0, "staff", staff_user_id=staff.id, roles=frozenset(staff.roles), staff_region=staff.region_code)


def refund_world(region: str, reviewer: str, finance: str) -> dict[str, int]:
    """In `region`, through the services: three enterprises screened and applied; one left for
    review, two approved, noticed and put in a payment batch after the notice. Their ids."""
    with time_machine.travel(SCREENING_DAY, tick=False):
        firms("世界甲机械有限公司", "世界乙纺织有限公司", "世界丙食品有限公司", region_code=region)
        with unit_of_work() as session:
            screen(session, region, POLICY_YEAR, today=china_today(), started_by="test")
            found = session.scalars(
                select(Assessment).where(Assessment.region_code == region).order_by(Assessment.id)
            ).all()
            for refund in found:  # as each enterprise's confirmation would leave it
                refund.status, refund.applied_at = "applied", utcnow()
            session.flush()
            checker = staff_caller(session, reviewer)
            for refund in found[1:]:
                review.decide(session, checker, refund.id, {"decision": "approve"})
            notice = notices.publish(session, checker, {"policy_year": POLICY_YEAR})
            waiting = found[0].id
    with time_machine.travel(AFTER_THE_NOTICE, tick=False), unit_of_work() as session:
        batch = payouts.prepare(session, staff_caller(session, finance), {"policy_year": POLICY_YEAR})
    return {"refund": waiting, "notice": notice["id"], "batch": batch["id"]}


def bank_answer(rows: list[tuple[str, str, str]]) -> bytes:
    """The bank's answer (回盘) as the bank sends it."""
    return ("业务编号,结果,原因\n" + "".join(f"{ref},{result},{reason}\n" for ref, result, reason in rows)).encode()


def answer_upload(rows: list[tuple[str, str, str]]) -> tuple[io.BytesIO, str]:
    return io.BytesIO(bank_answer(rows)), "回盘.csv"


def statuses(ids: list[int]) -> list[str]:
    with unit_of_work() as session:
        return [session.get(Assessment, refund_id).status for refund_id in ids]  # type: ignore[union-attr]
