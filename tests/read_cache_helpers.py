"""Reading as the mini-program does, the records import as operators run it, and what the read
cache holds and under which versions: shared by the read-cache tests."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event, select

from miniapp_api.clock import CHINA
from miniapp_api.db import unit_of_work
from miniapp_api.extensions import database, redis_store
from miniapp_api.reads.cache import cache_key
from miniapp_api.reads.models import REFERENCE_OWNER, ReadVersion
from miniapp_api.records.models import Employer, Person, StopContributionEvent
from notifications.standins.sms_server import SmsStandIn
from tests.auth_helpers import bearer, employer_login
from tests.cli_helpers import run_cli
from tests.employers_helpers import CONTACT_PHONE, form_rows, upload_form, xlsx

TODAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=CHINA)  # a Monday
TANGSHAN = "130200"
CONTRIBUTIONS_HEADER = "id_number,credit_code,region_code,start_month,end_month"
STOP_EVENTS_HEADER = "id_number,credit_code,stop_date,reason"
PERSONS_HEADER = (
    "id_number,name,sex,birth_date,retirement_category,phone,region_code,ss_card_number,bank_name,bank_account"
)


# What is cached, and under which versions.


def cached(owner: str) -> list[str]:
    """The names of the answers cached for `owner` ("person:7", "employer:3")."""
    prefix = cache_key(owner, "")
    return sorted(key.removeprefix(prefix) for key in redis_store().client.scan_iter(match=f"{prefix}*"))


def every_cached_answer() -> list[str]:
    return sorted(redis_store().client.scan_iter(match=cache_key("*")))


def version(scope: str, owner_id: int) -> int:
    with unit_of_work() as session:
        found = session.scalar(
            select(ReadVersion.version).where(ReadVersion.scope == scope, ReadVersion.owner_id == owner_id)
        )
        return int(found or 0)


def versions(person_id: int) -> tuple[int, int]:
    return version("person", person_id), version("reference", REFERENCE_OWNER)


@contextlib.contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL sent to the database meanwhile."""
    sent: list[str] = []

    def note(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        sent.append(statement)

    engine = database().engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


# Reading as the mini-program does.


def read(client: Any, tokens: dict[str, Any], path: str) -> Any:
    answer = client.get(path, headers=bearer(tokens))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def read_form(client: Any, tokens: dict[str, Any]) -> dict[str, Any]:
    form: dict[str, Any] = read(client, tokens, "/api/v1/claims/prefill")
    return form


def form_field(client: Any, tokens: dict[str, Any], name: str) -> Any:
    return read_form(client, tokens)["fields"][name]["value"]


def claim_status(client: Any, tokens: dict[str, Any], claim_id: int) -> str:
    status: str = read(client, tokens, f"/api/v1/claims/{claim_id}")["status"]
    return status


def claims_listed(client: Any, tokens: dict[str, Any]) -> list[tuple[int, str]]:
    return [(claim["id"], claim["status"]) for claim in read(client, tokens, "/api/v1/claims")]


def pending_duties(client: Any, tokens: dict[str, Any]) -> list[tuple[int, str]]:
    return [(duty["id"], duty["worker"]["name"]) for duty in read(client, tokens, "/api/v1/employer/duties")]


# The records import, as operators run it.


def records_of(person_id: int) -> dict[str, Any]:
    """The claimant's identity and last employer as the provincial system exports them."""
    with unit_of_work() as session:
        person = session.get(Person, person_id)
        assert person is not None
        stop = session.scalars(
            select(StopContributionEvent)
            .where(StopContributionEvent.person_id == person_id)
            .order_by(StopContributionEvent.stop_date.desc(), StopContributionEvent.id.desc())
        ).first()
        employer = session.get(Employer, stop.employer_id) if stop else None
        return {
            "id_number": person.id_number,
            "credit_code": employer.credit_code if employer else None,
            "row": person_row(person),
        }


def person_row(person: Person) -> dict[str, str]:
    return {
        "id_number": person.id_number,
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date.isoformat(),
        "retirement_category": person.retirement_category,
        "phone": person.phone or "",
        "region_code": person.region_code,
        "ss_card_number": person.ss_card_number or "",
        "bank_name": person.bank_name or "",
        "bank_account": person.bank_account or "",
    }


def persons_csv(*rows: dict[str, str]) -> str:
    lines = [",".join(row[column] for column in PERSONS_HEADER.split(",")) for row in rows]
    return "\n".join([PERSONS_HEADER, *lines]) + "\n"


def export_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    """A directory of export files, as the provincial system hands them over."""
    directory = tmp_path / "export"
    directory.mkdir()
    for file_name, text in files.items():
        (directory / file_name).write_text(text, encoding="utf-8")
    return directory


def import_records(app: Flask, path: Path) -> Any:
    return run_cli(app, "import", str(path), "--operator", "records-clerk")


def duties_filed(client: Any, sms: SmsStandIn, firm: dict[str, Any]) -> dict[str, Any]:
    tokens = employer_login(client, sms, firm["credit_code"], CONTACT_PHONE)
    uploaded = upload_form(client, tokens, xlsx(form_rows(firm["workers"], separated_on="2026-12-04")))
    assert uploaded.status_code == 201, uploaded.get_json()
    return tokens
