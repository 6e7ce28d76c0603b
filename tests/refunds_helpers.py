"""Enterprises with a ledger, a size class, listings and an account, for the refund's tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from miniapp_api.db import unit_of_work
from miniapp_api.records.demo import seed_regions
from miniapp_api.records.models import Employer, Region
from miniapp_api.records.service import id_number_hash
from miniapp_api.refunds.models import CorporateAccount, CreditListing, EmployerProfile, LedgerMonth
from tests import factories

POLICY_YEAR = 2026
LAST_YEAR = POLICY_YEAR - 1


def demo_regions(session: Session) -> None:
    if session.get(Region, "371500") is None:
        seed_regions(session)


def enterprise(
    session: Session,
    *,
    region_code: str = "371500",
    name: str = "聊城市示范机械有限公司",
    size_class: str | None = "small_micro",
    public_body: bool = False,
    months: int = 24,
    monthly_due: Decimal = Decimal("1000.00"),
    headcount: int = 50,
    unpaid_months: int = 0,
    account: bool = True,
) -> Employer:
    """An enterprise insured for `months` months up to last December, paying `monthly_due` a
    month in full except the last `unpaid_months` (owed in arrears)."""
    firm = factories.employer(session, region_code=region_code, name=name)
    session.add(EmployerProfile(employer_id=firm.id, size_class=size_class, public_body=public_body))
    for index in range(months):
        month_number = POLICY_YEAR * 12 - 1 - index  # December of last year, backwards
        month = dt.date(month_number // 12, month_number % 12 + 1, 1)
        unpaid = index < unpaid_months
        session.add(
            LedgerMonth(
                employer_id=firm.id,
                month=month,
                amount_due=monthly_due,
                amount_paid=Decimal("0.00") if unpaid else monthly_due,
                arrears=monthly_due if unpaid else Decimal("0.00"),
                insured_headcount=headcount,
            )
        )
    if account:
        session.add(
            CorporateAccount(
                employer_id=firm.id,
                bank_name="中国工商银行",
                account_name=name,
                account_number="1611000109000012345",
                account_hash=id_number_hash("1611000109000012345"),
                source="records",
            )
        )
    session.flush()
    return firm


def enterprise_with_contact(**fields: Any) -> dict[str, Any]:
    """An `enterprise` (same arguments) with a contact who signs in with an SMS code, committed:
    its id, name, credit code and the contact's phone."""
    with unit_of_work() as session:
        demo_regions(session)
        firm = enterprise(session, **fields)
        contact = factories.contact(session, firm)
        return {"id": firm.id, "name": firm.name, "credit_code": firm.credit_code, "phone": contact.phone}


def laid_off_workers(session: Session, firm: Employer, count: int, reason: str = "economic_layoff") -> None:
    """`count` people whose benefit claims were approved last year, last employed by `firm`."""
    for _ in range(count):
        person = factories.person(session, region_code=firm.region_code)
        factories.stop_event(session, person, firm, dt.date(LAST_YEAR, 6, 30), reason)
        claim = factories.decided_claim(session, person)
        claim.employer_id = firm.id
        claim.application_date = dt.date(LAST_YEAR, 7, 10)
    session.flush()


def listed(session: Session, firm: Employer, kind: str, **fields: Any) -> None:
    session.add(
        CreditListing(
            credit_code=firm.credit_code,
            list_kind=kind,
            listed_on=fields.pop("listed_on", dt.date(LAST_YEAR, 3, 1)),
            removed_on=fields.pop("removed_on", None),
            source=fields.pop("source", "国家企业信用信息公示系统"),
        )
    )
    session.flush()
