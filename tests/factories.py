"""Factories for test data: valid identifiers, sensible defaults, every field overridable."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy.orm import Session

from miniapp_api.identifiers import make_credit_code, make_id_number
from miniapp_api.records.models import Employer, EmployerContact, Person, Region
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
