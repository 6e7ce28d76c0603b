"""Pick the load test's people from the running stack's records (run with the stack's env).

    set -a; . instance/stack/stack.env; set +a
    .venv/bin/python -m benchmarks.load.prepare --claimants 200 --employers 40 --out instance/load/people.json

Claimants: people with a recent separation (the form has something to prefill), but not the
demo walkthrough's claimant. Employers: ones with a contact phone, each given notice duties for
up to five of its recorded separations that have none yet, through the same code the records
feed uses (so the contacts get the real reminder). The file holds synthetic demo identities and
is written for this user only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from miniapp_api import create_app
from miniapp_api.db import unit_of_work
from miniapp_api.employers import duties
from miniapp_api.employers.models import EmployerDuty
from miniapp_api.records.demo import WALKTHROUGH_CLAIMANT
from miniapp_api.records.models import Employer, EmployerContact, Person, StopContributionEvent
from miniapp_api.records.service import id_number_hash

DUTIES_PER_EMPLOYER = 5
RECENT = dt.timedelta(days=60)  # as the records feed: duties only for recent separations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claimants", type=int, default=200)
    parser.add_argument("--employers", type=int, default=40)
    parser.add_argument("--out", type=Path, default=Path("instance/load/people.json"))
    args = parser.parse_args()
    app = create_app()
    with app.app_context(), unit_of_work() as session:
        people = pick_people(session, args.claimants, args.employers)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(people, ensure_ascii=False))
    os.chmod(args.out, 0o600)
    print(f"{len(people['claimants'])} claimants, {len(people['employers'])} employers → {args.out}")


def pick_people(session: Session, claimants: int, employers: int) -> dict[str, list[dict[str, Any]]]:
    """Up to `claimants` people with a recent separation and `employers` employers with a contact
    phone and recent separations, each given open notice duties (also used by benchmarks.read_paths)."""
    recent = StopContributionEvent.stop_date >= dt.date.today() - RECENT
    separated = (
        select(StopContributionEvent.person_id)
        .where(recent, StopContributionEvent.person_id.not_in(walkthrough_claimant()))
        .distinct()
        .order_by(StopContributionEvent.person_id)
        .limit(claimants)
        .subquery()
    )
    picked_claimants: list[dict[str, Any]] = [
        {
            "key": hashlib.sha256(p.id_number.encode()).hexdigest()[:16],
            "id_number": p.id_number,
            "name": p.name,
            "person_id": p.id,
        }
        for p in session.scalars(select(Person).where(Person.id.in_(select(separated.c.person_id))))
    ]
    picked_employers: list[dict[str, Any]] = []
    with_stops = select(StopContributionEvent.employer_id).where(recent).distinct()
    contacts = session.scalars(
        select(EmployerContact).where(EmployerContact.employer_id.in_(with_stops)).order_by(EmployerContact.id)
    )
    seen: set[int] = set()
    for contact in contacts:
        if contact.employer_id in seen:
            continue
        seen.add(contact.employer_id)
        employer = session.get(Employer, contact.employer_id)
        assert employer is not None
        _open_duties(session, employer)
        picked_employers.append({"credit_code": employer.credit_code, "phone": contact.phone})
        if len(picked_employers) == employers:
            break
    return {"claimants": picked_claimants, "employers": picked_employers}


def walkthrough_claimant() -> Select[tuple[int]]:
    """The README's demo claimant (张伟), left to people trying the demo by hand (a query: the
    keyed hash needs the app)."""
    return select(Person.id).where(Person.id_number_hash == id_number_hash(WALKTHROUGH_CLAIMANT["id_number"]))


def _open_duties(session: Session, employer: Employer) -> None:
    stops = session.scalars(
        select(StopContributionEvent)
        .outerjoin(EmployerDuty, EmployerDuty.stop_event_id == StopContributionEvent.id)
        .where(
            StopContributionEvent.employer_id == employer.id,
            StopContributionEvent.stop_date >= dt.date.today() - RECENT,
            EmployerDuty.id.is_(None),
        )
        .limit(DUTIES_PER_EMPLOYER)
    ).all()
    if stops:
        duties.open_many(session, employer, [(stop, None) for stop in stops], dt.date.today())


if __name__ == "__main__":
    main()
