"""A deterministic synthetic population for demos, development and benchmarks.

Same seed and as-of date, same people: valid ID numbers and credit codes, Chinese names,
ages 18–64, contribution histories of 0–30 years at employers of their pooling region, a
mix of separation reasons, and the occasional pension start, death or other stop event.
Nobody here is real; the face photos of real people in the tests are never used as citizens.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from miniapp_api.identifiers import luhn_check_digit, make_credit_code, make_id_number
from miniapp_api.records.models import (
    ContributionPeriod,
    Employer,
    EmployerContact,
    ImportBatch,
    Person,
    PersonEvent,
    PersonPhoto,
    Region,
    RegionParameter,
    StopContributionEvent,
)
from miniapp_api.records.parameters import validate_parameter_value
from miniapp_api.records.service import id_number_hash, phone_hash
from miniapp_api.refunds.demo import seed_refund_records
from miniapp_api.refunds.models import CorporateAccount, EmployerProfile, LedgerMonth
from miniapp_api.rules.months import add_months, month_number
from miniapp_api.rules.parameters import ParameterVersion, RegionParameters
from miniapp_api.rules.retirement import RetirementCategory, legal_retirement
from miniapp_api.rules.separation_reasons import SEPARATION_REASONS

BANKS = (
    ("中国工商银行", "621226"),
    ("中国农业银行", "622848"),
    ("中国银行", "621661"),
    ("中国建设银行", "621700"),
    ("交通银行", "622262"),
    ("中国邮政储蓄银行", "621799"),
)
_QUALIFYING = [code for code, reason in SEPARATION_REASONS.items() if reason.qualifying]
_NOT_QUALIFYING = ["resigned", "mutual_employee_proposed"]
RECORD_TABLES = (
    ImportBatch,
    LedgerMonth,
    EmployerProfile,
    CorporateAccount,
    PersonEvent,
    StopContributionEvent,
    ContributionPeriod,
    PersonPhoto,
    EmployerContact,
    Person,
    Employer,
    RegionParameter,
    Region,
)
_BATCH = 1000


def load_demo_data(name: str) -> Any:
    return json.loads(resources.files("miniapp_api.records.demo_data").joinpath(name).read_text("utf-8"))


def luhn_complete(partial: str) -> str:
    """Append the Luhn check digit bank cards carry."""
    return partial + luhn_check_digit(partial)


def organisation_code(rng: random.Random) -> str:
    """An 8-digit body and its GB 11714 check character."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    remainder = 11 - sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(remainder, str(remainder))


@dataclass
class DemoStats:
    regions: int = 0
    parameters: int = 0
    employers: int = 0
    persons: int = 0
    contributions: int = 0
    stop_events: int = 0
    person_events: int = 0
    ledger_months: int = 0


@dataclass
class _Generator:
    rng: random.Random
    as_of: dt.date
    names: dict[str, Any]
    regions: list[dict[str, Any]]
    used_ids: set[str] = field(default_factory=set)
    used_phones: set[str] = field(default_factory=set)
    used_codes: set[str] = field(default_factory=set)

    def name(self, sex: str) -> str:
        surname = self.rng.choices(self.names["surnames"], self.names["surname_weights"])[0]
        pool = self.names["given_male" if sex == "M" else "given_female"]
        given = "".join(self.rng.choice(pool) for _ in range(self.rng.choice((1, 2, 2))))
        return f"{surname}{given}"

    def phone(self) -> str:
        while True:
            phone = "1" + self.rng.choice("3456789") + "".join(self.rng.choice("0123456789") for _ in range(9))
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def employer(self, region: dict[str, Any]) -> dict[str, Any]:
        while True:
            code = make_credit_code(self.rng.choice(region["counties"]), organisation_code(self.rng))
            if code not in self.used_codes:
                self.used_codes.add(code)
                break
        word, industry = self.rng.choice(self.names["employer_words"]), self.rng.choice(self.names["industries"])
        name = f"{region['name']}{word}{industry}有限公司"
        return {"credit_code": code, "name": name, "region_code": region["code"]}

    def person(self, region: dict[str, Any]) -> dict[str, Any]:
        sex = self.rng.choice("MF")
        age_days = self.rng.randint(18 * 365 + 5, 64 * 365 + 300)
        birth = self.as_of - dt.timedelta(days=age_days)
        while True:
            sequence = self.rng.randrange(0, 1000)
            if (sequence % 2 == 1) != (sex == "M"):
                sequence = (sequence + 1) % 1000
            id_number = make_id_number(self.rng.choice(region["counties"]), birth, sequence)
            if id_number not in self.used_ids:
                self.used_ids.add(id_number)
                break
        bank_name, bin_prefix = self.rng.choice(BANKS)
        account = luhn_complete(bin_prefix + "".join(self.rng.choice("0123456789") for _ in range(12)))
        category = "male_60" if sex == "M" else self.rng.choices(("female_50", "female_55"), (7, 3))[0]
        phone = self.phone()
        return {
            "id_number": id_number,
            "id_number_hash": id_number_hash(id_number),
            "name": self.name(sex),
            "sex": sex,
            "birth_date": birth,
            "retirement_category": category,
            "phone": phone,
            "phone_hash": phone_hash(phone),
            "region_code": region["code"],
            "ss_card_number": self.rng.choice("ABCDEFGHJK") + "".join(self.rng.choice("0123456789") for _ in range(8)),
            "bank_name": bank_name,
            "bank_account": account,
        }

    def history(
        self, person: dict[str, Any], employer_ids: list[int]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Contribution spells, newest last, and a stop event for each spell that ended."""
        birth: dt.date = person["birth_date"]
        first_month = add_months(birth.replace(day=1), 18 * 12 + 1)
        this_month = self.as_of.replace(day=1)
        room = max(0, month_number(this_month) - month_number(first_month))
        total = min(int(self.rng.triangular(0, 360, 60)), room)
        if total == 0 or not employer_ids:
            return [], []
        status = self.rng.choices(("employed", "recent", "earlier"), (50, 35, 15))[0]
        end = (
            this_month
            if status == "employed"
            else add_months(this_month, -self.rng.randint(1, 12) if status == "recent" else -self.rng.randint(13, 60))
        )
        spells: list[dict[str, Any]] = []
        stops: list[dict[str, Any]] = []
        remaining = total
        spell_count = self.rng.randint(1, min(4, total // 6 + 1))
        last_employer = None
        for index in range(spell_count):
            length = (
                remaining
                if index == spell_count - 1
                else self.rng.randint(1, max(1, remaining - (spell_count - index - 1)))
            )
            start = add_months(end, -(length - 1))
            if start < first_month:
                start = first_month
            if end < start:
                break
            employer_id = self.rng.choice([e for e in employer_ids if e != last_employer] or employer_ids)
            last_employer = employer_id
            open_ended = index == 0 and status == "employed"
            spells.append(
                {
                    "person_id": None,
                    "employer_id": employer_id,
                    "region_code": person["region_code"],
                    "start_month": start,
                    "end_month": None if open_ended else end,
                }
            )
            if not open_ended:
                stop_day = min(end.replace(day=self.rng.randint(1, 28)), self.as_of)
                reason = self.rng.choice(_QUALIFYING) if self.rng.random() < 0.65 else self.rng.choice(_NOT_QUALIFYING)
                stops.append(
                    {
                        "person_id": None,
                        "employer_id": employer_id,
                        "stop_date": stop_day,
                        "reason_code": reason,
                        "source": "records_feed",
                    }
                )
            remaining -= length
            if remaining <= 0:
                break
            end = add_months(start, -(1 + self.rng.randint(0, 12)))
            if end < first_month:
                break
        return spells[::-1], stops[::-1]

    def life_events(self, person: dict[str, Any]) -> list[dict[str, Any]]:
        birth: dt.date = person["birth_date"]
        events = []
        pension_month = legal_retirement(birth, RetirementCategory(person["retirement_category"])).date
        if pension_month <= self.as_of and self.rng.random() < 0.6:
            events.append({"kind": "pension_start", "event_date": pension_month, "source": "养老保险待遇核定"})
        for kind, chance in (("death", 0.001), ("emigration", 0.001), ("imprisonment", 0.001)):
            if self.rng.random() < chance:
                days_ago = self.rng.randint(1, 400)
                events.append(
                    {"kind": kind, "event_date": self.as_of - dt.timedelta(days=days_ago), "source": "部门数据比对"}
                )
        if person["sex"] == "M" and (self.as_of - birth).days < 24 * 365 and self.rng.random() < 0.01:
            events.append(
                {
                    "kind": "conscription",
                    "event_date": self.as_of - dt.timedelta(days=self.rng.randint(1, 200)),
                    "source": "兵役机关通报",
                }
            )
        return events


def has_records(session: Session) -> bool:
    return session.scalar(select(Person.id).limit(1)) is not None


def clear_records(session: Session) -> None:
    for model in RECORD_TABLES:
        session.execute(delete(model))


def seed_demo(
    session: Session,
    *,
    persons: int,
    seed: int,
    as_of: dt.date,
    progress: Callable[[int], None] = lambda _: None,
) -> DemoStats:
    """Insert regions, parameters, employers and `persons` people; call `progress(n)` as they land."""
    data = load_demo_data("regions.json")
    generator = _Generator(random.Random(seed), as_of, load_demo_data("names.json"), data["regions"])
    stats = DemoStats()
    _seed_regions(session, data, stats)
    _seed_walkthrough(session, generator, stats)
    employers_by_region = _seed_employers(session, generator, persons, stats)
    regions = data["regions"]
    weights = [region["weight"] for region in regions]
    for batch in _chunks(persons, _BATCH):
        people = [generator.person(generator.rng.choices(regions, weights)[0]) for _ in range(batch)]
        ids = list(session.scalars(insert(Person).returning(Person.id, sort_by_parameter_order=True), people))
        spells: list[dict[str, Any]] = []
        stops: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for person_id, person in zip(ids, people, strict=True):
            person_spells, person_stops = generator.history(person, employers_by_region[person["region_code"]])
            for row in (*person_spells, *person_stops):
                row["person_id"] = person_id
            spells += person_spells
            stops += person_stops
            events += [{**event, "person_id": person_id} for event in generator.life_events(person)]
        for model, rows in ((ContributionPeriod, spells), (StopContributionEvent, stops), (PersonEvent, events)):
            if rows:
                session.execute(insert(model), rows)
        stats.persons += batch
        stats.contributions += len(spells)
        stats.stop_events += len(stops)
        stats.person_events += len(events)
        progress(batch)
    walkthrough = session.scalar(select(Employer.id).where(Employer.credit_code == WALKTHROUGH_EMPLOYER["credit_code"]))
    stats.ledger_months += seed_refund_records(session, random.Random(seed + 3), as_of, walkthrough)
    return stats


def seed_regions(session: Session) -> DemoStats:
    """Only the demo regions and their dated parameters (no people)."""
    stats = DemoStats()
    _seed_regions(session, load_demo_data("regions.json"), stats)
    return stats


def demo_parameters(region_code: str) -> RegionParameters:
    """The demo region's parameters as the rules read them, straight from the data file."""
    data = load_demo_data("regions.json")
    return RegionParameters(
        region_code,
        (
            ParameterVersion(
                region_code,
                row["kind"],
                dt.date.fromisoformat(row["effective_from"]),
                validate_parameter_value(row["kind"], row["value"]),
                row["citation"],
            )
            for row in data["parameters"]
            if row["region_code"] in (region_code, "*")
        ),
    )


def _chunks(total: int, size: int) -> Iterator[int]:
    while total > 0:
        yield min(size, total)
        total -= size


def _seed_regions(session: Session, data: dict[str, Any], stats: DemoStats) -> None:
    columns = ("code", "name", "province", "agency_name", "agency_phone", "agency_address")
    for region in data["regions"]:
        session.add(Region(**{name: region[name] for name in columns}))
        stats.regions += 1
    for parameter in data["parameters"]:
        codes = [r["code"] for r in data["regions"]] if parameter["region_code"] == "*" else [parameter["region_code"]]
        for code in codes:
            session.add(
                RegionParameter(
                    region_code=code,
                    kind=parameter["kind"],
                    effective_from=dt.date.fromisoformat(parameter["effective_from"]),
                    value=validate_parameter_value(parameter["kind"], parameter["value"]),
                    citation=parameter["citation"],
                )
            )
            stats.parameters += 1
    session.flush()


# Fixed people for walking through the service by hand (README): an eligible claimant laid off
# by an employer whose contact can log in with an SMS code. Synthetic, like everyone else here.
WALKTHROUGH_CLAIMANT = {"name": "张伟", "id_number": make_id_number("130203", dt.date(1975, 6, 15), 37)}
WALKTHROUGH_EMPLOYER = {"name": "唐山示范机械制造有限公司", "credit_code": make_credit_code("130203", "MA0DEM001")}
WALKTHROUGH_CONTACT = {"name": "李会计", "phone": "13900139000"}
_WALKTHROUGH_PHONE = "13800138000"


def _seed_walkthrough(session: Session, generator: _Generator, stats: DemoStats) -> None:
    generator.used_ids.add(WALKTHROUGH_CLAIMANT["id_number"])
    generator.used_codes.add(WALKTHROUGH_EMPLOYER["credit_code"])
    generator.used_phones.update((_WALKTHROUGH_PHONE, WALKTHROUGH_CONTACT["phone"]))
    employer = Employer(**WALKTHROUGH_EMPLOYER, region_code="130200")
    session.add(employer)
    session.flush()
    phone = WALKTHROUGH_CONTACT["phone"]
    session.add(
        EmployerContact(
            employer_id=employer.id, name=WALKTHROUGH_CONTACT["name"], phone=phone, phone_hash=phone_hash(phone)
        )
    )
    id_number = WALKTHROUGH_CLAIMANT["id_number"]
    account = luhn_complete("621226" + "000013800138")
    person = Person(
        id_number=id_number,
        id_number_hash=id_number_hash(id_number),
        name=WALKTHROUGH_CLAIMANT["name"],
        sex="M",
        birth_date=dt.date(1975, 6, 15),
        retirement_category="male_60",
        phone=_WALKTHROUGH_PHONE,
        phone_hash=phone_hash(_WALKTHROUGH_PHONE),
        region_code="130200",
        ss_card_number="A13800138",
        bank_name="中国工商银行",
        bank_account=account,
    )
    session.add(person)
    session.flush()
    last_month = add_months(generator.as_of.replace(day=1), -2)
    session.add(
        ContributionPeriod(
            person_id=person.id,
            employer_id=employer.id,
            region_code="130200",
            start_month=dt.date(2012, 1, 1),
            end_month=last_month,
        )
    )
    stop_day = add_months(last_month, 1) - dt.timedelta(days=1)
    session.add(
        StopContributionEvent(
            person_id=person.id,
            employer_id=employer.id,
            stop_date=stop_day,
            reason_code="economic_layoff",
            source="records_feed",
        )
    )
    session.flush()
    stats.employers += 1
    stats.persons += 1
    stats.contributions += 1
    stats.stop_events += 1


def _seed_employers(session: Session, generator: _Generator, persons: int, stats: DemoStats) -> dict[str, list[int]]:
    by_region: dict[str, list[int]] = {}
    weights = [region["weight"] for region in generator.regions]
    # Two in every region whatever the size, so every person has somewhere to have worked.
    extra = max(0, persons // 20 - 2 * len(generator.regions))
    picks = [*generator.regions, *generator.regions, *generator.rng.choices(generator.regions, weights, k=extra)]
    for region in picks:
        employer = Employer(**generator.employer(region))
        session.add(employer)
        session.flush()
        by_region.setdefault(region["code"], []).append(employer.id)
        contact_phone = generator.phone()
        session.add(
            EmployerContact(
                employer_id=employer.id,
                name=generator.name(generator.rng.choice("MF")),
                phone=contact_phone,
                phone_hash=phone_hash(contact_phone),
            )
        )
        stats.employers += 1
    session.flush()
    return by_region
