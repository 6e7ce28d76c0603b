"""稳岗返还's records for the demo population: every employer's size class, 24 ledger months up
to last December, and a corporate account for most."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from miniapp_api.pii import cipher
from miniapp_api.records.models import Employer
from miniapp_api.refunds.models import CorporateAccount, EmployerProfile, LedgerMonth
from miniapp_api.rules.months import add_months

_LEDGER_MONTHS = 24
_MONTHLY_WAGE = Decimal("4800")  # the contribution base a head, for the demo's ledger
_RATE = Decimal("0.01")  # unemployment insurance, unit and staff together (1 %)


def seed_refund_records(session: Session, rng: random.Random, as_of: dt.date, walkthrough: int | None) -> int:
    """稳岗返还's records of every employer: size class, 24 months of ledger up to last December,
    a corporate account for most. A few have no size on record, owe a month, or have no account;
    the walkthrough employer has everything but its account, which its contact enters. Returns
    the ledger months written."""
    last_december = dt.date(as_of.year - 1, 12, 1)
    profiles: list[dict[str, Any]] = []
    ledger: list[dict[str, Any]] = []
    accounts: list[dict[str, Any]] = []
    for employer_id, name in session.execute(select(Employer.id, Employer.name).order_by(Employer.id)):
        size = (
            "small_micro" if employer_id == walkthrough else rng.choices(["small_micro", "large", None], [90, 8, 2])[0]
        )
        profiles.append(
            {"employer_id": employer_id, "size_class": size, "size_source": "演示数据", "public_body": False}
        )
        headcount = rng.randint(320, 900) if size == "large" else rng.randint(5, 120)
        owes = employer_id != walkthrough and rng.random() < 0.03
        for back in range(_LEDGER_MONTHS):
            due = (headcount * _MONTHLY_WAGE * _RATE).quantize(Decimal("0.01"))
            unpaid = owes and back == 0
            ledger.append(
                {
                    "employer_id": employer_id,
                    "month": add_months(last_december, -back),
                    "amount_due": due,
                    "amount_paid": Decimal("0.00") if unpaid else due,
                    "arrears": due if unpaid else Decimal("0.00"),
                    "insured_headcount": headcount,
                }
            )
        if employer_id != walkthrough and rng.random() < 0.85:
            number = "".join(rng.choice("0123456789") for _ in range(19))
            accounts.append(
                {
                    "employer_id": employer_id,
                    "bank_name": rng.choice(["中国工商银行", "中国建设银行", "中国农业银行", "中国银行"]),
                    "account_name": name,
                    "account_number": number,
                    "account_hash": cipher().keyed_hash(number, "corporate_account.number"),
                    "source": "records",
                }
            )
    for model, rows in ((EmployerProfile, profiles), (LedgerMonth, ledger), (CorporateAccount, accounts)):
        session.execute(insert(model), rows)
    return len(ledger)
