"""What the import's kinds share: the references one file's rows make (loaded once per file),
the shape of a kind, and the upsert every writer does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapp_api.db import chunks
from miniapp_api.records.models import Employer, Person, Region
from miniapp_api.records.service import id_number_hash


@dataclass
class Context:
    """What the rows of one import refer to, loaded once per file rather than once per row."""

    session: Session
    regions: set[str] = field(default_factory=set)
    employers: dict[str, int] = field(default_factory=dict)
    persons: dict[str, int] = field(default_factory=dict)

    def load(self, loaded: list[dict[str, Any]]) -> None:
        self.regions = set(self.session.scalars(select(Region.code)))
        self.employers = dict(self.session.execute(select(Employer.credit_code, Employer.id)).all())
        hashes = sorted({id_number_hash(r["id_number"]) for r in loaded if "id_number" in r})
        self.persons = {}
        for chunk in chunks(hashes):
            found = self.session.execute(
                select(Person.id_number_hash, Person.id).where(Person.id_number_hash.in_(chunk))
            )
            self.persons.update(found.all())

    def person_id(self, id_number: str) -> int | None:
        return self.persons.get(id_number_hash(id_number))


Reference = Callable[[Context, dict[str, Any]], list[tuple[str, str]]]
Writer = Callable[[Context, dict[str, Any]], bool]  # True when a new row was inserted


@dataclass(frozen=True)
class Kind:
    name: str
    schema: type[ma.Schema]
    key: Callable[[dict[str, Any]], tuple[Any, ...]]
    references: Reference
    write: Writer


def needs(ctx: Context, data: dict[str, Any], *columns: str) -> list[tuple[str, str]]:
    problems = []
    if "region_code" in columns and data["region_code"] not in ctx.regions:
        problems.append(("region_code", "统筹地区不存在，请先导入 regions"))
    if "credit_code" in columns and data["credit_code"] not in ctx.employers:
        problems.append(("credit_code", "用人单位不存在，请先导入 employers"))
    if "id_number" in columns and ctx.person_id(data["id_number"]) is None:
        problems.append(("id_number", "参保人员不存在，请先导入 persons"))
    return problems


def upsert(
    session: Session,
    model: Any,
    key: dict[str, Any],
    values: dict[str, Any],
    *,
    on_insert: dict[str, Any] | None = None,
) -> bool:
    """Update the row with `key`, or insert one (with `on_insert` too); True when inserted."""
    row = session.scalars(select(model).filter_by(**key)).one_or_none()
    if row is None:
        session.add(model(**key, **values, **(on_insert or {})))
        return True
    for name, value in values.items():
        setattr(row, name, value)
    return False
