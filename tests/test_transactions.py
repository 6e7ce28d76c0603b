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
