"""A PostgreSQL database of a benchmark's own, dropped and made afresh at the newest schema."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from miniapp_api.migrations_runner import upgrade


def recreate(admin_url: str, name: str) -> str:
    """Drop and create database `name` next to `admin_url`'s, migrate it, return its URL."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    return url
