"""Import the provincial system's exports (CSV or JSON) into the internal records.

A file is checked whole before anything is written: every bad row is reported with its row
number, column and a Chinese reason, and a file with any bad row imports nothing. A directory
is imported in dependency order in one transaction, so it too lands whole or not at all.
Rows already known are updated (the export is the source of truth); each accepted file is
recorded as an `ImportBatch` with its hash and operator.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapp_api.audit.service import record as audit
from miniapp_api.errors import translate_field_message
from miniapp_api.records import import_rows as rows
from miniapp_api.records.import_context import Context, Kind, needs, upsert
from miniapp_api.records.models import (
    ContributionPeriod,
    Employer,
    EmployerContact,
    ImportBatch,
    Person,
    PersonEvent,
    Region,
    RegionParameter,
    StopContributionEvent,
)
from miniapp_api.records.service import id_number_hash, phone_hash
from miniapp_api.refunds.import_kinds import REFUND_KINDS

MAX_ERRORS_REPORTED = 200


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第{self.row}行" if self.row else "文件"
        return f"{where} {self.column}：{self.message}" if self.column else f"{where}：{self.message}"


class ImportRejected(Exception):
    def __init__(self, file_name: str, errors: list[RowError]) -> None:
        super().__init__(f"{file_name}: {len(errors)} error(s)")
        self.file_name = file_name
        self.errors = errors


@dataclass
class ImportResult:
    kind: str
    file_name: str
    inserted: int = 0
    updated: int = 0


def _write_region(ctx: Context, data: dict[str, Any]) -> bool:
    ctx.regions.add(data["code"])
    return upsert(ctx.session, Region, {"code": data["code"]}, {k: v for k, v in data.items() if k != "code"})


def _write_parameter(ctx: Context, data: dict[str, Any]) -> bool:
    key = {name: data[name] for name in ("region_code", "kind", "effective_from")}
    return upsert(ctx.session, RegionParameter, key, {"value": data["value"], "citation": data["citation"]})


def _write_employer(ctx: Context, data: dict[str, Any]) -> bool:
    inserted = upsert(
        ctx.session,
        Employer,
        {"credit_code": data["credit_code"]},
        {"name": data["name"], "region_code": data["region_code"]},
    )
    if inserted:
        ctx.session.flush()
        ctx.employers[data["credit_code"]] = ctx.session.scalars(
            select(Employer.id).filter_by(credit_code=data["credit_code"])
        ).one()
    return inserted


def _write_contact(ctx: Context, data: dict[str, Any]) -> bool:
    key = {"employer_id": ctx.employers[data["credit_code"]], "phone_hash": phone_hash(data["phone"])}
    return upsert(ctx.session, EmployerContact, key, {"name": data["name"], "phone": data["phone"]})


def _write_person(ctx: Context, data: dict[str, Any]) -> bool:
    hashed = id_number_hash(data["id_number"])
    values = {**data, "phone_hash": phone_hash(data["phone"]) if data["phone"] else None}
    inserted = upsert(ctx.session, Person, {"id_number_hash": hashed}, values)
    if inserted:
        ctx.session.flush()
        ctx.persons[hashed] = ctx.session.scalars(select(Person.id).filter_by(id_number_hash=hashed)).one()
    return inserted


def _write_contribution(ctx: Context, data: dict[str, Any]) -> bool:
    key = {
        "person_id": ctx.person_id(data["id_number"]),
        "employer_id": ctx.employers[data["credit_code"]],
        "start_month": data["start_month"],
    }
    values = {"end_month": data["end_month"], "region_code": data["region_code"]}
    return upsert(ctx.session, ContributionPeriod, key, values)


def _write_stop_event(ctx: Context, data: dict[str, Any]) -> bool:
    key = {
        "person_id": ctx.person_id(data["id_number"]),
        "employer_id": ctx.employers[data["credit_code"]],
        "stop_date": data["stop_date"],
    }
    return upsert(
        ctx.session, StopContributionEvent, key, {"reason_code": data["reason_code"], "source": "records_feed"}
    )


def _write_person_event(ctx: Context, data: dict[str, Any]) -> bool:
    key = {"person_id": ctx.person_id(data["id_number"]), "kind": data["kind"], "event_date": data["event_date"]}
    return upsert(ctx.session, PersonEvent, key, {"source": data["source"]})


# In dependency order: a directory import walks this list.
KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("regions", rows.RegionRow, lambda d: (d["code"],), lambda c, d: [], _write_region),
        Kind(
            "region_parameters",
            rows.RegionParameterRow,
            lambda d: (d["region_code"], d["kind"], d["effective_from"]),
            lambda c, d: needs(c, d, "region_code"),
            _write_parameter,
        ),
        Kind(
            "employers",
            rows.EmployerRow,
            lambda d: (d["credit_code"],),
            lambda c, d: needs(c, d, "region_code"),
            _write_employer,
        ),
        Kind(
            "employer_contacts",
            rows.EmployerContactRow,
            lambda d: (d["credit_code"], d["phone"]),
            lambda c, d: needs(c, d, "credit_code"),
            _write_contact,
        ),
        Kind(
            "persons",
            rows.PersonRow,
            lambda d: (d["id_number"],),
            lambda c, d: needs(c, d, "region_code"),
            _write_person,
        ),
        Kind(
            "contributions",
            rows.ContributionRow,
            lambda d: (d["id_number"], d["credit_code"], d["start_month"]),
            lambda c, d: needs(c, d, "id_number", "credit_code", "region_code"),
            _write_contribution,
        ),
        Kind(
            "stop_events",
            rows.StopEventRow,
            lambda d: (d["id_number"], d["credit_code"], d["stop_date"]),
            lambda c, d: needs(c, d, "id_number", "credit_code"),
            _write_stop_event,
        ),
        Kind(
            "person_events",
            rows.PersonEventRow,
            lambda d: (d["id_number"], d["kind"], d["event_date"]),
            lambda c, d: needs(c, d, "id_number"),
            _write_person_event,
        ),
        *REFUND_KINDS,
    )
}


def kind_of(path: Path) -> str | None:
    stem = path.name.split(".")[0]
    return stem if stem in KINDS else None


def _check_header(file_name: str, header: list[str] | None, columns: set[str]) -> None:
    if not header:
        raise ImportRejected(file_name, [RowError(1, "", "文件没有表头行")])
    names = [name.strip() for name in header]
    problems = []
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        problems.append(f"表头列名重复：{'、'.join(duplicated)}")
    missing = sorted(columns - set(names))
    if missing:
        problems.append(f"表头缺少列：{'、'.join(missing)}（可选列也须保留，留空即可）")
    unknown = sorted(set(names) - columns)
    if unknown:
        problems.append(f"表头有不认识的列：{'、'.join(unknown)}")
    if problems:
        raise ImportRejected(file_name, [RowError(1, "", problem) for problem in problems])


def read_rows(path: Path, content: bytes, columns: set[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number as a person sees it, raw row). CSV rows count lines, the header being line 1;
    every CSV must carry all of `columns`, so an absent column never silently clears a value."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""))
        _check_header(path.name, list(reader.fieldnames or []), columns)
        for raw in reader:
            if None in raw:
                raise ImportRejected(path.name, [RowError(reader.line_num, "", "列数多于表头")])
            if None in raw.values():
                raise ImportRejected(path.name, [RowError(reader.line_num, "", "列数少于表头")])
            yield reader.line_num, rows.blank_to_missing({k.strip(): v for k, v in raw.items() if k is not None})
    elif suffix == ".json":
        data = json.loads(content.decode("utf-8-sig"))
        if not isinstance(data, list):
            raise ImportRejected(path.name, [RowError(0, "", "JSON 文件应为对象数组")])
        for number, raw in enumerate(data, start=1):
            if not isinstance(raw, dict):
                raise ImportRejected(path.name, [RowError(number, "", "应为对象")])
            yield number, raw
    else:
        raise ImportRejected(path.name, [RowError(0, "", "只支持 .csv 和 .json 文件")])


def _flatten_errors(messages: Any, prefix: str = "") -> Iterable[tuple[str, str]]:
    if isinstance(messages, dict):
        for key, value in messages.items():
            column = str(key) if key != "_schema" else prefix
            yield from _flatten_errors(value, f"{prefix}.{column}" if prefix and column != prefix else column)
    elif isinstance(messages, list):
        for message in messages:
            yield from _flatten_errors(message, prefix)
    else:
        yield prefix, translate_field_message(str(messages))


def check_file(kind: Kind, path: Path, content: bytes, ctx: Context) -> list[dict[str, Any]]:
    """Every row validated and resolved, or ImportRejected listing every bad row."""
    schema = kind.schema()
    errors: list[RowError] = []
    loaded: list[tuple[int, dict[str, Any]]] = []
    try:
        raw_rows = list(read_rows(path, content, set(schema.fields)))
    except UnicodeDecodeError:
        raise ImportRejected(path.name, [RowError(0, "", "文件不是 UTF-8 编码")]) from None
    except (ValueError, RecursionError, csv.Error) as error:  # JSONDecodeError is a ValueError
        detail = f"（第{error.lineno}行）" if isinstance(error, json.JSONDecodeError) else ""
        raise ImportRejected(
            path.name, [RowError(0, "", f"文件不是有效的 CSV/JSON，或有超长、嵌套过深的内容{detail}")]
        ) from None
    if not raw_rows:
        raise ImportRejected(path.name, [RowError(0, "", "文件没有数据行")])
    for number, raw in raw_rows:
        try:
            loaded.append((number, schema.load(raw)))
        except ma.ValidationError as error:
            errors.extend(RowError(number, column, message) for column, message in _flatten_errors(error.messages))
    ctx.load([data for _, data in loaded])
    seen: dict[tuple[Any, ...], int] = {}
    for number, data in loaded:
        key = kind.key(data)
        if key in seen:
            errors.append(RowError(number, "", f"与第{seen[key]}行重复"))
            continue
        seen[key] = number
        errors.extend(RowError(number, column, message) for column, message in kind.references(ctx, data))
    if errors:
        raise ImportRejected(path.name, sorted(errors, key=lambda e: e.row)[:MAX_ERRORS_REPORTED])
    return [data for _, data in loaded]


def import_file(session: Session, path: Path, *, kind_name: str | None = None, operator: str) -> ImportResult:
    kind_name = kind_name or kind_of(path)
    if kind_name not in KINDS:
        known = "、".join(KINDS)
        raise ImportRejected(path.name, [RowError(0, "", f"无法从文件名判断数据类别，应为：{known}")])
    kind = KINDS[kind_name]
    content = path.read_bytes()
    ctx = Context(session)
    checked = check_file(kind, path, content, ctx)
    result = ImportResult(kind.name, path.name)
    with session.no_autoflush:
        for data in checked:
            if kind.write(ctx, data):
                result.inserted += 1
            else:
                result.updated += 1
    batch = ImportBatch(
        kind=kind.name,
        file_name=path.name,
        sha256=hashlib.sha256(content).hexdigest(),
        rows_inserted=result.inserted,
        rows_updated=result.updated,
        operator=operator,
    )
    session.add(batch)
    session.flush()
    # The file's hash stands for its rows: the feed is kept by the records system it comes from.
    audit(
        "records.imported",
        actor=("operator", operator),
        subject=("import_batch", batch.id),
        detail={
            "kind": kind.name,
            "file": path.name,
            "sha256": batch.sha256,
            "inserted": result.inserted,
            "updated": result.updated,
        },
    )
    return result


def import_path(session: Session, path: Path, *, kind_name: str | None = None, operator: str) -> list[ImportResult]:
    """A file, or every known file of a directory in dependency order (all in the caller's transaction)."""
    if path.is_file():
        return [import_file(session, path, kind_name=kind_name, operator=operator)]
    data_files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in {".csv", ".json"})
    unknown = [p.name for p in data_files if kind_of(p) is None]
    if unknown:
        known = "、".join(KINDS)
        raise ImportRejected(
            path.name,
            [RowError(0, "", f"无法判断数据类别的文件：{'、'.join(unknown)}；文件名应以以下之一开头：{known}")],
        )
    if not data_files:
        raise ImportRejected(path.name, [RowError(0, "", "目录中没有 .csv 或 .json 数据文件")])
    # Dependency order between kinds; within a kind, file-name order (persons.part1, part2, …).
    ordered = sorted(data_files, key=lambda p: (list(KINDS).index(kind_of(p) or ""), p.name))
    return [import_file(session, file, operator=operator) for file in ordered]
