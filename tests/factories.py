"""Factories for test data: valid identifiers, sensible defaults, every field overridable."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapp_api.claims import timeline
from miniapp_api.claims.models import Claim
from miniapp_api.db import utcnow
from miniapp_api.employers.models import EmployerDuty
from miniapp_api.identifiers import make_credit_code, make_id_number
from miniapp_api.objections.models import Objection, ObjectionDeadline
from miniapp_api.records.models import (
    ContributionPeriod,
    Employer,
    EmployerContact,
    Person,
    Region,
    StopContributionEvent,
)
from miniapp_api.records.service import id_number_hash, phone_hash

_sequence = itertools.count(1)


def region(session: Session, code: str = "130200", **fields: Any) -> Region:
    found = session.get(Region, code)
    if found:
        return found
    row = Region(
        code=code,
        name=fields.pop("name", "唐山市"),
        province=fields.pop("province", "河北省"),
        agency_name=fields.pop("agency_name", "唐山市失业保险经办机构"),
        agency_phone=fields.pop("agency_phone", "0315-12333"),
        agency_address=fields.pop("agency_address", "唐山市路北区"),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def person(session: Session, **fields: Any) -> Person:
    sex = fields.pop("sex", "M")
    birth = fields.pop("birth_date", dt.date(1980, 5, 17))
    number = next(_sequence) % 500 * 2 + (1 if sex == "M" else 0)
    id_number = fields.pop("id_number", make_id_number("130203", birth, number))
    phone = fields.pop("phone", f"139{next(_sequence):08d}")
    row = Person(
        id_number=id_number,
        id_number_hash=id_number_hash(id_number),
        name=fields.pop("name", "王建国"),
        sex=sex,
        birth_date=birth,
        retirement_category=fields.pop("retirement_category", "male_60" if sex == "M" else "female_50"),
        phone=phone,
        phone_hash=phone_hash(phone),
        region_code=region(session, fields.pop("region_code", "130200")).code,
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def employer(session: Session, **fields: Any) -> Employer:
    region_code = region(session, fields.pop("region_code", "130200")).code
    row = Employer(
        credit_code=fields.pop("credit_code", make_credit_code(region_code, f"{next(_sequence):08d}X")),
        name=fields.pop("name", "唐山宏达机械制造有限公司"),
        region_code=region_code,
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def contact(session: Session, employer_row: Employer, **fields: Any) -> EmployerContact:
    phone = fields.pop("phone", f"137{next(_sequence):08d}")
    row = EmployerContact(
        employer_id=employer_row.id,
        name=fields.pop("name", "李会计"),
        phone=phone,
        phone_hash=phone_hash(phone),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def contribution(
    session: Session, person_row: Person, employer_row: Employer, start: dt.date, end: dt.date | None
) -> ContributionPeriod:
    row = ContributionPeriod(
        person_id=person_row.id,
        employer_id=employer_row.id,
        region_code=employer_row.region_code,
        start_month=start.replace(day=1),
        end_month=end.replace(day=1) if end else None,
    )
    session.add(row)
    session.flush()
    return row


def stop_event(
    session: Session, person_row: Person, employer_row: Employer, stop_date: dt.date, reason: str = "economic_layoff"
) -> StopContributionEvent:
    row = StopContributionEvent(
        person_id=person_row.id,
        employer_id=employer_row.id,
        stop_date=stop_date,
        reason_code=reason,
        source="records_feed",
    )
    session.add(row)
    session.flush()
    return row


def laid_off(
    session: Session,
    *,
    months: int = 60,
    stop_date: dt.date = dt.date(2026, 10, 31),
    reason: str = "economic_layoff",
    region_code: str = "130200",
    **person_fields: Any,
) -> Person:
    """A person whose employer paid `months` months up to `stop_date` and then stopped paying."""
    person_fields.setdefault("bank_name", "中国工商银行")
    person_fields.setdefault("bank_account", "6212260000138001383")
    row = person(session, region_code=region_code, **person_fields)
    firm = employer(session, region_code=region_code)
    last = stop_date.replace(day=1)
    first_month = last.year * 12 + last.month - 1 - (months - 1)
    contribution(session, row, firm, dt.date(first_month // 12, first_month % 12 + 1, 1), last)
    stop_event(session, row, firm, stop_date, reason)
    return row


def decided_claim(session: Session, person_row: Person, status: str = "approved") -> Claim:
    """A claim already decided (no payments): for tests about who may see or act on it."""
    row = Claim(
        claim_no=f"{person_row.region_code}20261120{next(_sequence):06d}",
        person_id=person_row.id,
        region_code=person_row.region_code,
        status="submitted",
        idempotency_key=f"factory-{next(_sequence)}",
        request_sha256="0" * 64,
        application_date=dt.date(2026, 11, 20),
        commitment_version=1,
        bank_account_source="ss_card",
        refusals=[],
        review_reasons=[],
    )
    session.add(row)
    session.flush()
    timeline.append(row, "submitted", ("claimant", None))
    timeline.append(row, status)
    row.decided_at = utcnow()
    row.decided_by = "auto"
    session.flush()
    return row


def open_objection(session: Session, person_row: Person, claim: Claim | None = None) -> Objection:
    """An objection just received, with its running reply clock (for who-may-see tests)."""
    filed_on = dt.date(2026, 11, 16)
    row = Objection(
        objection_no=f"YY{person_row.region_code}20261116{next(_sequence):06d}",
        person_id=person_row.id,
        region_code=person_row.region_code,
        category="decision" if claim else "record",
        field=None if claim else "separation_reason",
        claim_id=claim.id if claim else None,
        subject_key=f"claim:{claim.id}:decision" if claim else "field:separation_reason",
        description="记录有误",
        status="received",
        filed_on=filed_on,
    )
    session.add(row)
    session.flush()
    session.add(
        ObjectionDeadline(
            objection_id=row.id,
            region_code=row.region_code,
            category=row.category,
            state="running",
            working_days=5,
            basis="人社厅发〔2020〕24号第三条",
            filed_on=filed_on,
            due_on=dt.date(2026, 11, 23),
            remind_on=dt.date(2026, 11, 20),
        )
    )
    session.flush()
    return row


def notice_duty(session: Session, name: str, *, escalated: bool) -> EmployerDuty:
    """A laid-off worker's employer who had to hand over the claim notice by 2026-11-05 and has
    not: reminded once, or escalated to the agency for a call."""
    person_row = laid_off(session, name=name, stop_date=dt.date(2026, 11, 2))
    stop = session.scalars(select(StopContributionEvent).filter_by(person_id=person_row.id)).one()
    duty = EmployerDuty(
        kind="notice", person_id=person_row.id, employer_id=stop.employer_id, stop_event_id=stop.id,
        region_code=person_row.region_code, separation_date=dt.date(2026, 11, 2), due_on=dt.date(2026, 11, 5),
        basis="人社厅发〔2020〕24号第七条", stage="escalated" if escalated else "reminded",
        stage_on=dt.date(2026, 11, 10) if escalated else dt.date(2026, 11, 3),
        escalated_at=utcnow() if escalated else None,
    )  # fmt: skip
    session.add(duty)
    session.flush()
    return duty
