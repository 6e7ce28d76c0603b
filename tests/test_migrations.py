"""The schema comes only from migrations, and they agree with the models on both databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from miniapp_api.db import Base
from miniapp_api.migrations_runner import downgrade, upgrade
from miniapp_api.models import load_all_models
from tests.conftest import is_postgres

# Unique per run, so two suites on one server never drop each other's scratch database.
SCRATCH_DB = f"miniapp_migration_check_{uuid.uuid4().hex[:12]}"

POSTGRES_URL = os.environ.get("DATABASE_URL", "") if is_postgres(os.environ.get("DATABASE_URL", "")) else ""
needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (set DATABASE_URL)")


def _differences(url: str) -> list[Any]:
    load_all_models()
    engine = create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        found = compare_metadata(context, Base.metadata)
    engine.dispose()
    return found


def _shape(url: str) -> dict[str, Any]:
    """Tables, columns (name, nullability), unique constraints and indexes, comparable across dialects."""
    engine = create_engine(url)
    inspector = inspect(engine)
    shape = {}
    for table in sorted(inspector.get_table_names()):
        if table == "alembic_version":
            continue
        shape[table] = {
            "columns": sorted((c["name"], c["nullable"]) for c in inspector.get_columns(table)),
            "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
            # PostgreSQL also lists the index behind each unique constraint; those are compared above.
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]))
                for i in inspector.get_indexes(table)
                if not i.get("duplicates_constraint")
            ),
            "checks": sorted(c["name"] for c in inspector.get_check_constraints(table)),
            "foreign_keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"]) for f in inspector.get_foreign_keys(table)
            ),
        }
    engine.dispose()
    return shape


@pytest.fixture
def empty_sqlite(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'empty.sqlite3'}"


def test_migrations_build_on_empty_sqlite_exactly_what_the_models_declare(empty_sqlite: str) -> None:
    upgrade(empty_sqlite)
    assert _differences(empty_sqlite) == []


def test_migrations_go_down_to_nothing_and_up_again_on_sqlite(empty_sqlite: str) -> None:
    upgrade(empty_sqlite)
    downgrade(empty_sqlite, "base")
    assert set(inspect(create_engine(empty_sqlite)).get_table_names()) <= {"alembic_version"}
    upgrade(empty_sqlite)
    assert _differences(empty_sqlite) == []


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """A scratch database of its own, so the check never touches the suite's tables."""
    server = POSTGRES_URL.rsplit("/", 1)[0]
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {SCRATCH_DB}"))
        connection.execute(text(f"CREATE DATABASE {SCRATCH_DB}"))
    yield f"{server}/{SCRATCH_DB}"
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)"))
    admin.dispose()


@needs_postgres
def test_migrations_build_on_empty_postgresql_what_the_models_declare_and_what_sqlite_gets(
    empty_postgres: str, empty_sqlite: str
) -> None:
    upgrade(empty_postgres)
    assert _differences(empty_postgres) == []
    upgrade(empty_sqlite)
    assert _shape(empty_postgres) == _shape(empty_sqlite)
