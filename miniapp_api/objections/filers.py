"""Who filed an objection, and how they are told: a claimant on WeChat or by SMS, an enterprise
(稳岗返还) through its contacts, with the enterprise's name in each message."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from miniapp_api.claims.decisions import notify_person
from miniapp_api.employers.duties import to_contacts
from miniapp_api.objections.models import Objection
from miniapp_api.pii import mask_id_number, mask_name, mask_phone
from miniapp_api.records.models import Employer, Person


def notify_filer(session: Session, objection: Objection, kind: str, values: dict[str, Any], key: str) -> None:
    if objection.person_id is not None:
        notify_person(session, objection.person_id, kind, values, key)
        return
    employer = session.get(Employer, objection.employer_id)
    assert employer is not None  # one filer or the other (a check constraint)
    to_contacts(session, employer, f"employer_{kind}", {**values, "employer_name": employer.name}, key)


def filer_for_staff(session: Session, objection: Objection) -> dict[str, Any]:
    """Who filed it, as staff read it: a person masked; an enterprise by its name and credit code
    (public facts)."""
    if objection.person_id is not None:
        person = session.get(Person, objection.person_id)
        assert person is not None
        return {
            "kind": "person",
            "name": mask_name(person.name),
            "id_number": mask_id_number(person.id_number),
            "phone": mask_phone(person.phone),
        }
    employer = session.get(Employer, objection.employer_id)
    assert employer is not None
    return {"kind": "employer", "name": employer.name, "credit_code": employer.credit_code}
