"""The triggers that bump read versions: which tables feed whose answers, as DDL for both
databases.

PostgreSQL: one statement-level trigger per table and event, over its transition tables, so a
bulk import of 100,000 rows bumps each owner once, in one set-based statement, owners locked in
one order (scope, id). SQLite (the embedded demo) has only row-level triggers.

A table added later that feeds a cached answer is added to OWNERS and installed by its migration
(`install(bind, ["new_table"])`); on SQLite a migration that rebuilds a table (batch_alter_table)
drops its triggers and must install them again. tests/test_read_cache.py checks both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, text

from miniapp_api.reads.models import REFERENCE_OWNER


@dataclass(frozen=True)
class Owner:
    """Whose version a changed row bumps: the owner named by the row's `column`, or, with `via`
    (table, key, owner column), the owner column of the `via` rows whose key is the row's column;
    the reference version when `column` is None."""

    scope: str
    column: str | None
    via: tuple[str, str, str] | None = None


PERSON = Owner("person", "person_id")
EMPLOYER = Owner("employer", "employer_id")
REFERENCE = Owner("reference", None)
CLAIMS_PERSON = Owner("person", "claim_id", ("claims", "id", "person_id"))
OBJECTIONS_PERSON = Owner("person", "objection_id", ("objections", "id", "person_id"))

OWNERS: dict[str, tuple[Owner, ...]] = {
    # A person's own pages: the records, the claims and payments, the objections.
    "persons": (Owner("person", "id"), Owner("employer", "id", ("employer_duties", "person_id", "employer_id"))),
    "contribution_periods": (PERSON,),
    "stop_contribution_events": (PERSON,),
    "person_events": (PERSON,),
    "claims": (PERSON,),
    "claim_drafts": (PERSON,),
    "claim_events": (CLAIMS_PERSON,),
    "benefit_payments": (PERSON,),
    "issued_receipts": (CLAIMS_PERSON,),
    "unemployment_registrations": (PERSON,),
    "service_ratings": (PERSON,),
    "payment_instructions": (PERSON,),
    "recovery_items": (PERSON,),
    "check_items": (PERSON,),
    "objections": (PERSON,),
    "objection_deadlines": (OBJECTIONS_PERSON,),
    "objection_events": (OBJECTIONS_PERSON,),
    "objection_attachments": (PERSON,),
    "record_corrections": (PERSON,),
    # An employer's duty list (and the worker it names).
    "employer_duties": (EMPLOYER, PERSON),
    "termination_filings": (EMPLOYER, PERSON),
    # What every answer is made of.
    "regions": (REFERENCE,),
    "region_parameters": (REFERENCE,),
    "employers": (REFERENCE,),
    "calendar_years": (REFERENCE,),
    "calendar_lines": (REFERENCE,),
}

# Tables with a person's id that no cached answer reads, kept out on purpose: a trigger takes the
# owner's version row for the rest of its transaction, and these are written in long transactions
# (a face check runs for seconds) or by strangers (an identity challenge names someone else's
# person, a login updates the WeChat account): they would stall the person's own writes.
NOT_READ = ("person_photos", "wechat_accounts", "identity_bindings", "face_checks", "liveness_challenges")

_EVENTS = ("insert", "update", "delete")


def install(
    bind: Connection, tables: Iterable[str] | None = None, owners: dict[str, tuple[Owner, ...]] | None = None
) -> None:
    """Create (or replace) the triggers of `tables` (default: all of OWNERS), with `owners` as a
    migration of its day knew them (default: OWNERS now)."""
    known = owners if owners is not None else OWNERS
    for table in tables if tables is not None else known:
        for statement in ddl(bind.dialect.name, table, known[table]):
            bind.execute(text(statement))


def uninstall(bind: Connection, tables: Iterable[str] | None = None) -> None:
    for table in tables if tables is not None else OWNERS:
        for event in _EVENTS:
            bind.execute(text(f"DROP TRIGGER IF EXISTS {_name(table, event)}" + _on(bind, table)))
        if bind.dialect.name == "postgresql":
            bind.execute(text(f"DROP FUNCTION IF EXISTS {_function(table)}()"))


def trigger_names(table: str) -> list[str]:
    return [_name(table, event) for event in _EVENTS]


def _on(bind: Connection, table: str) -> str:
    return f" ON {table}" if bind.dialect.name == "postgresql" else ""


def _name(table: str, event: str) -> str:
    return f"read_versions_{table}_{event}"


def _function(table: str) -> str:
    return f"read_versions_bump_{table}"


def ddl(dialect: str, table: str, owners: tuple[Owner, ...]) -> list[str]:
    if dialect == "postgresql":
        return _postgresql(table, owners)
    return _sqlite(table, owners)


# Touched owners, each once, in one order, bumped (or started at 1).
_BUMP = """INSERT INTO read_versions AS v (scope, owner_id, version)
SELECT scope, owner_id, 1 FROM ({touched}) AS touched
WHERE owner_id IS NOT NULL GROUP BY scope, owner_id ORDER BY scope, owner_id
ON CONFLICT (scope, owner_id) DO UPDATE SET version = v.version + 1"""


# The SQL below is built from the constants above, never from input (hence the noqa: S608).


def _postgresql_select(owner: Owner, rows: str) -> str:
    if owner.column is None:
        return f"SELECT '{owner.scope}' AS scope, {REFERENCE_OWNER}::bigint AS owner_id FROM {rows} AS r"  # noqa: S608
    if owner.via is None:
        return f"SELECT '{owner.scope}' AS scope, r.{owner.column}::bigint AS owner_id FROM {rows} AS r"  # noqa: S608
    table, key, column = owner.via
    joined = f"{rows} AS r JOIN {table} AS o ON o.{key} = r.{owner.column}"
    return f"SELECT '{owner.scope}' AS scope, o.{column}::bigint AS owner_id FROM {joined}"  # noqa: S608


def _postgresql(table: str, owners: tuple[Owner, ...]) -> list[str]:
    def bump(rows: str) -> str:
        return _BUMP.format(touched=" UNION ALL ".join(_postgresql_select(owner, rows) for owner in owners))

    both = "(SELECT * FROM new_rows UNION ALL SELECT * FROM old_rows)"
    function = f"""CREATE OR REPLACE FUNCTION {_function(table)}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {bump("new_rows")};
    ELSIF TG_OP = 'UPDATE' THEN
        {bump(both)};
    ELSE
        {bump("old_rows")};
    END IF;
    RETURN NULL;
END $$"""
    referencing = {
        "insert": "NEW TABLE AS new_rows",
        "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "OLD TABLE AS old_rows",
    }
    statements = [function]
    for event in _EVENTS:
        statements.append(f"DROP TRIGGER IF EXISTS {_name(table, event)} ON {table}")
        statements.append(
            f"CREATE TRIGGER {_name(table, event)} AFTER {event.upper()} ON {table} "
            f"REFERENCING {referencing[event]} FOR EACH STATEMENT EXECUTE FUNCTION {_function(table)}()"
        )
    return statements


def _sqlite_select(owner: Owner, row: str) -> str:
    if owner.column is None:
        return f"SELECT '{owner.scope}' AS scope, {REFERENCE_OWNER} AS owner_id"
    if owner.via is None:
        return f"SELECT '{owner.scope}' AS scope, {row}.{owner.column} AS owner_id"
    table, key, column = owner.via
    matching = f"{table} AS o WHERE o.{key} = {row}.{owner.column}"
    return f"SELECT '{owner.scope}' AS scope, o.{column} AS owner_id FROM {matching}"  # noqa: S608


def _sqlite(table: str, owners: tuple[Owner, ...]) -> list[str]:
    rows_of = {"insert": ("NEW",), "update": ("NEW", "OLD"), "delete": ("OLD",)}
    statements = []
    for event in _EVENTS:
        touched = " UNION ALL ".join(_sqlite_select(owner, row) for row in rows_of[event] for owner in owners)
        bump = _BUMP.replace("INSERT INTO read_versions AS v", "INSERT INTO read_versions").replace(
            "v.version + 1", "read_versions.version + 1"
        )
        statements.append(f"DROP TRIGGER IF EXISTS {_name(table, event)}")
        statements.append(
            f"CREATE TRIGGER {_name(table, event)} AFTER {event.upper()} ON {table} "
            f"BEGIN {bump.format(touched=touched)}; END"
        )
    return statements
