"""Engine, declarative base, and the one transaction boundary.

Every request and every task runs inside exactly one `unit_of_work()`: it commits when the
work returns, rolls back when it raises, and only after a successful commit runs the
callbacks registered with `after_commit()` (that is where background jobs are enqueued, so a
worker never sees a row that was rolled back).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Date, DateTime, Dialect, Engine, MetaData, Table, create_engine, event, func, insert, inspect
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware one (UTC)")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        UtcDateTime, default=utcnow, onupdate=utcnow, server_default=func.now()
    )


def make_engine(url: str, *, pool_size: int = 5, statement_timeout_ms: int = 15000) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite opens a transaction only before a write, so a SAVEPOINT after reads alone
        # became the transaction and its RELEASE committed it. Take over (SQLAlchemy's
        # documented recipe) with BEGIN IMMEDIATE: SQLite has one writer, and a transaction
        # that read first and writes later would fail ("database is locked") rather than wait.
        # The embedded database serves one demo process; PostgreSQL is the concurrent one.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        connect_args={"options": f"-c statement_timeout={statement_timeout_ms}", "connect_timeout": 5},
    )
    _ping_when_idle(engine)
    return engine


IDLE_PING_S = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before reuse only when it sat idle IDLE_PING_S or more (a
    server restart or a firewall may have dropped it meanwhile), not on every request: under
    load a ping is a round trip for nothing. A connection dropped while in use fails its request
    once (503, `errors.handle_database_down`) and SQLAlchemy then replaces the whole pool."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_S:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError("pooled connection dropped while idle") from error
        if not alive:
            raise DisconnectionError("pooled connection dropped while idle")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # no implicit BEGIN; _sqlite_begin emits it
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


_WROTE = "miniapp_wrote"
_WRITE_VERBS = ("insert", "update", "delete")


def _track_writes(engine: Engine) -> None:
    """Note on the connection whether its transaction has written (any INSERT, UPDATE or
    DELETE sent, ORM or not): what a transaction read after writing may never be committed."""

    @event.listens_for(engine, "begin")
    def _begun(connection: Any) -> None:
        connection.info[_WROTE] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _executing(connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if not connection.info.get(_WROTE) and statement.lstrip()[:6].lower() in _WRITE_VERBS:
            connection.info[_WROTE] = True


def has_written(session: Session) -> bool:
    """Whether the session's transaction has written anything yet (so what it reads may be
    rolled back): such reads are never cached."""
    return bool(session.connection().info.get(_WROTE))


class Database:
    """Holds the engine and session factory of one app."""

    def __init__(self, url: str, *, pool_size: int = 5, statement_timeout_ms: int = 15000) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size, statement_timeout_ms=statement_timeout_ms)
        _track_writes(self.engine)
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.engine.dispose()


_current: ContextVar[Session | None] = ContextVar("miniapp_session", default=None)
_AFTER_COMMIT = "miniapp_after_commit"
_AFTER_END = "miniapp_after_end"


@contextlib.contextmanager
def unit_of_work(database: Database | None = None) -> Iterator[Session]:
    """Open the transaction boundary, or join the one already open in this context."""
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    if database is None:
        database = _app_database()
    session = database.sessions()
    session.info[_AFTER_COMMIT] = []
    session.info[_AFTER_END] = []
    token = _current.set(session)
    callbacks: list[Callable[[], None]] = []
    try:
        yield session
        session.commit()
        callbacks = session.info.pop(_AFTER_COMMIT)
    except BaseException:
        session.rollback()
        raise
    finally:
        _current.reset(token)
        session.close()
        # The work is committed or rolled back: a failing follow-up (say, the broker is down)
        # must not turn it into an error answer that invites a retry. Sweeps pick up what was
        # not enqueued.
        for callback in callbacks + session.info.pop(_AFTER_END):
            try:
                callback()
            except Exception:
                log.exception("after-transaction callback failed: %r", callback)


def _app_database() -> Database:
    from flask import current_app

    database: Database = current_app.extensions["miniapp_db"]
    return database


def current_session() -> Session:
    session = _current.get()
    if session is None:
        raise RuntimeError("no unit of work is open")
    return session


def abandon_unit_of_work() -> None:
    """Roll back the open unit of work and drop its after-commit callbacks (an error answer)."""
    session = current_session()
    session.rollback()
    session.info[_AFTER_COMMIT].clear()


def after_transaction(callback: Callable[[], None]) -> None:
    """Run `callback` once the current unit of work has ended, committed or rolled back
    (e.g. to keep a record of a refused attempt that the rollback would otherwise erase)."""
    current_session().info[_AFTER_END].append(callback)


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the current unit of work has committed; never if it rolls back."""
    current_session().info[_AFTER_COMMIT].append(callback)


MAX_ID = 2**31 - 1  # ids are 4-byte integers: a larger one names no row
IN_LIST_SIZE = 500  # keys per IN (...) list: PostgreSQL takes at most 65,535 parameters a statement


def chunks(values: Sequence[Any], size: int | None = None) -> Iterator[Sequence[Any]]:
    """`values` in slices of at most `size` (IN_LIST_SIZE), for IN lists over many keys."""
    size = size or IN_LIST_SIZE
    for start in range(0, len(values), size):
        yield values[start : start + size]


def bulk_insert(session: Session, rows: Sequence[Any]) -> None:
    """Insert many new rows of one model in multi-row INSERTs without fetching their ids (a
    5,000-row filing would otherwise spend most of its time on RETURNING). The objects stay
    out of the session; use it only where nothing needs their ids afterwards."""
    if not rows:
        return
    mapper = inspect(type(rows[0]))
    table = mapper.local_table
    names = {column: mapper.get_property_by_column(column).key for column in table.columns}
    values = []
    for row in rows:
        item = {}
        for column, name in names.items():
            value = getattr(row, name)
            if value is None and column.primary_key:
                continue  # the database assigns it
            if value is None and column.default is not None:
                default = column.default
                if not (default.is_callable or default.is_scalar):
                    raise ValueError(f"bulk_insert cannot evaluate the default of {column}")
                value = default.arg(None) if default.is_callable else default.arg
            elif value is None and column.server_default is not None:
                continue  # the database's default, not an explicit NULL
            item[column.key] = value
        values.append(item)
    session.execute(insert(table), values)


class month_start(FunctionElement[dt.date]):
    """The first day of a date's month, in SQL (PostgreSQL and SQLite spell it differently)."""

    type = Date()
    inherit_cache = True


@compiles(month_start, "postgresql")
def _month_start_postgresql(element: month_start, compiler: Any, **kw: Any) -> str:
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(month_start, "sqlite")
def _month_start_sqlite(element: month_start, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


def insert_new_rows(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]], key: str
) -> list[tuple[int, Any]]:
    """INSERT the rows whose unique `key` is not taken yet, ignoring the others (a concurrent
    run may take them first); returns (id, key) of the rows inserted."""
    dialect = session.get_bind().dialect.name
    insert_for = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table: Table = model.__table__  # type: ignore[assignment]
    inserted: list[tuple[int, Any]] = []
    for start in range(0, len(rows), 500):
        statement = (
            insert_for(table)
            .values(list(rows[start : start + 500]))
            .on_conflict_do_nothing(index_elements=[key])
            .returning(table.c.id, table.c[key])
        )
        inserted.extend((row[0], row[1]) for row in session.execute(statement))
    return inserted
