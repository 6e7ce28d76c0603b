"""One transaction boundary per request and task; jobs only after commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from miniapp_api.db import after_commit, current_session, unit_of_work
from miniapp_api.errors import ConflictError
from miniapp_api.records.models import Region
from tests import factories


def _count_regions() -> int:
    with unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(Region)) or 0)


def test_work_that_returns_is_committed_and_its_jobs_run_after(app: Flask) -> None:
    ran: list[int] = []
    with unit_of_work() as session:
        factories.region(session)
        after_commit(lambda: ran.append(_count_regions()))
        assert ran == []
    assert ran == [1]


def test_work_that_raises_is_rolled_back_and_its_jobs_never_run(app: Flask) -> None:
    ran: list[str] = []
    with pytest.raises(RuntimeError), unit_of_work() as session:
        factories.region(session)
        after_commit(lambda: ran.append("sent"))
        raise RuntimeError("midway")
    assert _count_regions() == 0 and ran == []


def test_a_nested_unit_of_work_joins_the_outer_one(app: Flask) -> None:
    with unit_of_work() as outer, unit_of_work() as inner:
        assert inner is outer


def test_a_request_that_answers_an_error_after_writing_leaves_nothing_written(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    enqueued: list[str] = []

    @app.post("/write-then-fail")
    def write_then_fail() -> Any:
        factories.region(current_session())
        after_commit(lambda: enqueued.append("job"))
        raise ConflictError("与现有记录冲突")

    @app.post("/write")
    def write() -> Any:
        factories.region(current_session(), code="152200", name="兴安盟")
        after_commit(lambda: enqueued.append("job"))
        return {"ok": True}

    client = app.test_client()
    assert client.post("/write-then-fail").status_code == 409
    with app.app_context():
        assert _count_regions() == 0
    assert enqueued == []
    assert client.post("/write").status_code == 200
    with app.app_context():
        assert _count_regions() == 1
    assert enqueued == ["job"]


def _committed_regions(app: Flask) -> int:
    """Count through a connection of its own: it sees only what has really been committed."""
    from miniapp_api.extensions import database

    with app.app_context(), database().engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Region)) or 0)


def test_after_commit_jobs_see_the_work_already_committed(app: Flask) -> None:
    seen: list[int] = []
    with unit_of_work() as session:
        factories.region(session)
        after_commit(lambda: seen.append(_committed_regions(app)))
    assert seen == [1]


def test_a_failing_job_does_not_undo_or_fail_the_committed_work_nor_stop_the_next_job(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()
    ran: list[str] = []

    def broker_down() -> None:
        raise ConnectionError("broker unreachable")

    @app.post("/write-and-enqueue")
    def write_and_enqueue() -> Any:
        factories.region(current_session())
        after_commit(broker_down)
        after_commit(lambda: ran.append("second"))
        return {"ok": True}

    assert app.test_client().post("/write-and-enqueue").status_code == 200
    assert _committed_regions(app) == 1
    assert ran == ["second"]


def test_a_view_that_returns_an_error_answer_after_writing_leaves_nothing_written(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()

    @app.post("/write-then-answer-400")
    def write_then_answer_400() -> Any:
        factories.region(current_session())
        return {"code": "BAD"}, 400

    assert app.test_client().post("/write-then-answer-400").status_code == 400
    assert _committed_regions(app) == 0


def test_two_requests_creating_the_same_record_get_a_409_not_a_500(make_app: Callable[..., Flask]) -> None:
    app = make_app()

    @app.post("/create-region")
    def create_region() -> Any:
        session = current_session()
        session.add(
            Region(
                code="130200", name="唐山市", province="河北省", agency_name="a", agency_phone="b", agency_address="c"
            )
        )
        session.flush()
        return {"ok": True}

    client = app.test_client()
    assert client.post("/create-region").status_code == 200
    second = client.post("/create-region")
    assert second.status_code == 409
    assert second.get_json()["code"] == "CONFLICT"


def test_a_pooled_connection_dropped_while_idle_is_replaced_before_a_request_uses_it(base_settings: Any) -> None:
    if not base_settings["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("the pool's idle ping is PostgreSQL's (SQLite has no server to drop a connection)")
    from sqlalchemy import text

    from miniapp_api.db import IDLE_PING_S, Database

    db = Database(base_settings["DATABASE_URL"], pool_size=1)
    try:
        with db.engine.connect() as connection:
            first_pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with db.engine.connect() as other:  # the pool's one connection is idle again: take a second
            pass
        killer = Database(base_settings["DATABASE_URL"], pool_size=1)
        with killer.engine.begin() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first_pid})
        killer.dispose()
        for record in list(db.engine.pool._pool.queue):  # type: ignore[attr-defined]
            record.info["idle_since"] -= IDLE_PING_S + 1  # as if it sat idle past the threshold
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != first_pid
        del other
    finally:
        db.dispose()


def test_a_connection_in_steady_use_is_not_pinged_before_each_request(
    base_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not base_settings["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("the pool's idle ping is PostgreSQL's")
    from sqlalchemy import text

    from miniapp_api.db import IDLE_PING_S, Database

    db = Database(base_settings["DATABASE_URL"], pool_size=1)
    pings: list[object] = []
    real_ping = db.engine.dialect.do_ping
    monkeypatch.setattr(
        db.engine.dialect, "do_ping", lambda connection: pings.append(connection) or real_ping(connection)
    )
    try:
        for _ in range(3):
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        assert pings == []
        for record in list(db.engine.pool._pool.queue):  # type: ignore[attr-defined]
            record.info["idle_since"] -= IDLE_PING_S + 1
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert len(pings) == 1
    finally:
        db.dispose()
