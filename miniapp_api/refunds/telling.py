"""What the enterprise is told of its refund (稳岗返还), by WeChat or SMS to each of its contacts:
that it may confirm (or what it still has to supply), that it waived it, that it was paid or
that the bank returned it. One message per refund and step (the dedup key names both)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from miniapp_api.clock import china_today
from miniapp_api.employers.duties import to_contacts
from miniapp_api.records.models import Employer, Region
from miniapp_api.refunds.models import Assessment, CorporateAccount
from miniapp_api.rules.refund import BLOCKERS


def missing(refund: Assessment, has_account: bool) -> list[str]:
    """What the enterprise still has to supply before it can confirm (the account may have come
    since the screening; the size class only from the records)."""
    return (["SIZE_MISSING"] if refund.amount is None else []) + ([] if has_account else ["ACCOUNT_MISSING"])


def may_confirm(session: Session, refund: Assessment, step: str, has_account: bool) -> None:
    employer = session.get(Employer, refund.employer_id)
    assert employer is not None
    assert refund.confirm_by is not None
    values = {
        "employer_name": employer.name,
        "year": str(refund.policy_year),
        "confirm_by": refund.confirm_by.isoformat(),
    }
    lacking = missing(refund, has_account)
    if lacking:
        kind = "refund_details_missing"
        values["missing"] = "、".join(BLOCKERS[code].split("，")[0] for code in lacking)
    else:
        kind = "refund_eligible"
        values["amount"] = str(refund.amount)
    # When it was told is in the key: a new window after an upheld objection is a new message.
    to_contacts(session, employer, kind, values, f"refund:{refund.id}:{step}:{refund.told_at}")


def waived(session: Session, refund: Assessment, basis: str) -> None:
    employer = session.get(Employer, refund.employer_id)
    region = session.get(Region, refund.region_code)
    assert employer is not None
    assert region is not None
    assert refund.confirm_by is not None
    values = {
        "employer_name": employer.name,
        "year": str(refund.policy_year),
        "confirm_by": refund.confirm_by.isoformat(),
        "basis": basis,
        "agency_name": region.agency_name,
        "agency_phone": region.agency_phone,
    }
    to_contacts(session, employer, "refund_waived", values, f"refund:{refund.id}:waived")


def paid(session: Session, refund: Assessment) -> None:
    employer = session.get(Employer, refund.employer_id)
    account = session.get(CorporateAccount, refund.employer_id)
    assert employer is not None
    assert account is not None  # paid to it
    values = {
        "employer_name": employer.name,
        "year": str(refund.policy_year),
        "amount": str(refund.amount),
        "paid_on": china_today().isoformat(),
        "bank_name": account.bank_name,
        "account_tail": account.account_number[-4:],
    }
    to_contacts(session, employer, "refund_paid", values, f"refund:{refund.id}:paid:{refund.payment_reference}")


def returned(session: Session, refund: Assessment) -> None:
    employer = session.get(Employer, refund.employer_id)
    assert employer is not None
    values = {
        "employer_name": employer.name,
        "year": str(refund.policy_year),
        "amount": str(refund.amount),
        "reason": refund.failure_reason or "银行未说明原因",
    }
    to_contacts(session, employer, "refund_returned", values, f"refund:{refund.id}:returned:{refund.payment_reference}")


def approved(session: Session, refund: Assessment) -> None:
    values = {"amount": str(refund.amount)}
    _to_enterprise(session, refund, "refund_approved", values, f"refund:{refund.id}:approved:{refund.decided_at}")


def rejected(session: Session, refund: Assessment, reason: str) -> None:
    """The decision and its reason (the agency's note is for the file, not the message)."""
    _to_enterprise(
        session, refund, "refund_rejected", {"reason": reason}, f"refund:{refund.id}:rejected:{refund.decided_at}"
    )


def held(session: Session, refund: Assessment) -> None:
    """Only that an objection holds it: who objected, and why, stays with the agency."""
    _to_enterprise(session, refund, "refund_held", {}, f"refund:{refund.id}:held:{refund.held_at}")


def hold_lifted(session: Session, refund: Assessment) -> None:
    _to_enterprise(session, refund, "refund_hold_lifted", {}, f"refund:{refund.id}:hold_lifted:{refund.decided_at}")


def _to_enterprise(session: Session, refund: Assessment, kind: str, values: dict[str, str], key: str) -> None:
    employer = session.get(Employer, refund.employer_id)
    assert employer is not None
    to_contacts(
        session, employer, kind, {"employer_name": employer.name, "year": str(refund.policy_year), **values}, key
    )
