"""Fraud signals (疑点), found by grouping queries over all claims, bindings and face checks:

- one bank account receiving for several claimants;
- one WeChat user (an account, or a unionid across the agency's apps) bound to several
  identities over time; the mini-program cannot see a device, so the WeChat user stands in
  for one;
- many failed face checks of one person in a short time (someone else trying to pass as them).

Each opens a check item for staff (`checks.open_items`); none stops a payment by itself.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auth.models import IdentityBinding
from miniapp_api.claims.models import Claim, bank_account_hash
from miniapp_api.db import unit_of_work, utcnow
from miniapp_api.extensions import settings
from miniapp_api.faces.models import FaceCheck
from miniapp_api.pii import mask_bank_account, mask_id_number, mask_name
from miniapp_api.records.models import Person
from miniapp_api.safety.checks import Signal, open_items
from miniapp_api.safety.models import CheckItem

_HASH_BATCH = 500


@dataclass
class SignalsResult:
    opened: dict[str, int] = field(default_factory=dict)


def run(now: dt.datetime | None = None) -> SignalsResult:
    now = now or utcnow()
    while _hash_missing_accounts():
        pass
    result = SignalsResult()
    with unit_of_work() as session:
        for kind, signals in (
            ("shared_bank_account", shared_bank_accounts(session)),
            ("shared_wechat", shared_wechat_users(session)),
            ("failed_face_checks", repeated_face_failures(session, now)),
        ):
            result.opened[kind] = len(open_items(session, signals))
    return result


def _hash_missing_accounts() -> bool:
    """Claims written before accounts were hashed get their hash, a batch at a time."""
    with unit_of_work() as session:
        claims = session.scalars(
            select(Claim)
            .where(Claim.bank_account.is_not(None), Claim.bank_account_hash.is_(None))
            .limit(_HASH_BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        for claim in claims:
            assert claim.bank_account is not None
            claim.bank_account_hash = bank_account_hash(claim.bank_account)
        return len(claims) == _HASH_BATCH


def shared_bank_accounts(session: Session) -> list[Signal]:
    shared = (
        select(Claim.bank_account_hash)
        .where(Claim.bank_account_hash.is_not(None))
        .group_by(Claim.bank_account_hash)
        .having(func.count(Claim.person_id.distinct()) > 1)
    )
    groups: dict[str, dict[int, Claim]] = defaultdict(dict)
    for claim in session.scalars(select(Claim).where(Claim.bank_account_hash.in_(shared)).order_by(Claim.id)):
        assert claim.bank_account_hash is not None
        groups[claim.bank_account_hash][claim.person_id] = claim  # the latest claim per person
    signals = []
    for account_hash, claims in groups.items():
        names = _masked_people(session, claims)
        account = mask_bank_account(next(iter(claims.values())).bank_account)
        for person_id in claims:
            others = [{"claim_no": c.claim_no, **names[pid]} for pid, c in claims.items() if pid != person_id]
            signals.append(
                Signal(
                    "shared_bank_account",
                    person_id,
                    f"shared_bank_account:{person_id}:{account_hash[:32]}",
                    {"account": account, "others": others},
                )
            )
    return signals


def shared_wechat_users(session: Session) -> list[Signal]:
    groups: dict[str, set[int]] = defaultdict(set)
    for column, prefix in ((IdentityBinding.wechat_account_id, "account"), (IdentityBinding.unionid, "unionid")):
        shared = (
            select(column)
            .where(column.is_not(None))
            .group_by(column)
            .having(func.count(IdentityBinding.person_id.distinct()) > 1)
        )
        for value, person_id in session.execute(
            select(column, IdentityBinding.person_id).where(column.in_(shared)).distinct()
        ):
            groups[f"{prefix}:{value}"].add(person_id)
    signals = []
    for group, person_ids in groups.items():
        people = _masked_people(session, person_ids)
        for person_id in person_ids:
            others = [people[pid] for pid in sorted(person_ids) if pid != person_id]
            signals.append(
                Signal(
                    "shared_wechat",
                    person_id,
                    f"shared_wechat:{person_id}:{group}"[:120],
                    {"wechat_user": group.split(":", 1)[0], "others": others},
                )
            )
    return signals


def repeated_face_failures(session: Session, now: dt.datetime) -> list[Signal]:
    """At most one item per person per window: a burst is not reported again every day."""
    days, threshold = settings().SAFETY_FACE_FAILURE_DAYS, settings().SAFETY_FACE_FAILURES
    since = now - dt.timedelta(days=days)
    recently_flagged = select(CheckItem.person_id).where(
        CheckItem.kind == "failed_face_checks", CheckItem.created_at >= since
    )
    rows = session.execute(
        select(FaceCheck.person_id, func.count(), func.min(FaceCheck.created_at), func.max(FaceCheck.created_at))
        .where(
            FaceCheck.passed.is_(False),
            FaceCheck.created_at >= since,
            FaceCheck.person_id.not_in(recently_flagged),
        )
        .group_by(FaceCheck.person_id)
        .having(func.count() >= threshold)
    )
    return [
        Signal(
            "failed_face_checks",
            person_id,
            f"failed_face_checks:{person_id}:{now:%Y-%m-%d}",
            {"failures": failures, "first_at": first.isoformat(), "last_at": last.isoformat(), "days": days},
        )
        for person_id, failures, first, last in rows
    ]


def _masked_people(session: Session, person_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    ids = list(person_ids)
    return {
        person.id: {"name": mask_name(person.name), "id_number": mask_id_number(person.id_number)}
        for person in session.scalars(select(Person).where(Person.id.in_(ids)))
    }
