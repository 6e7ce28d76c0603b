"""The read cache's own rules: the claimant's draft shows at once and leaves the form when it
expires, with nothing written; a write that is rolled back bumps no version, so the cached answer
is still served; with READ_CACHE_TTL_S=0 nothing is cached and the answers are the same; a cached
answer is encrypted and tied to its database.

Time stands at 10:00 in China on a Monday, so the China date (part of every entry's tag) never
turns over during a test.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask

from miniapp_api.db import unit_of_work
from miniapp_api.extensions import redis_store, settings
from miniapp_api.reads.cache import cache_key
from miniapp_api.records.models import Person
from notifications.standins.sms_server import SmsStandIn
from notifications.standins.wechat_server import WeChatStandIn
from tests import factories
from tests.auth_helpers import bearer
from tests.claims_helpers import claimant, submit
from tests.employers_helpers import employer_with_workers
from tests.read_cache_helpers import (
    CONTRIBUTIONS_HEADER,
    TANGSHAN,
    TODAY,
    cached,
    duties_filed,
    every_cached_answer,
    export_dir,
    form_field,
    import_records,
    pending_duties,
    persons_csv,
    read,
    read_form,
    records_of,
    statements,
    versions,
)


@pytest.fixture(autouse=True)
def _ten_in_the_morning_in_china() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=True):
        yield


# 7. The claimant's own draft, saved and expired.


def test_a_saved_draft_shows_on_the_form_at_once(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    form = read_form(client, tokens)
    assert (form["draft"], form["fields"]["contact_address"]["value"]) == (None, None)
    assert cached(f"person:{tokens['person_id']}") == ["prefill"]
    saved = client.put("/api/v1/claims/draft", json={"contact_address": "路北区建设路1号"}, headers=bearer(tokens))
    assert saved.status_code == 200, saved.get_json()
    form = read_form(client, tokens)
    assert form["draft"] is not None
    assert form["fields"]["contact_address"]["value"] == "路北区建设路1号"


def test_a_draft_leaves_the_form_the_moment_it_expires_though_nothing_was_written(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    kept_for = dt.timedelta(days=settings().CLAIM_DRAFT_TTL_DAYS)
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3)
    with time_machine.travel(expires - kept_for, tick=False):  # saved long ago: it expires in 3 s
        saved = client.put("/api/v1/claims/draft", json={"contact_address": "路北区建设路1号"}, headers=bearer(tokens))
        assert saved.status_code == 200, saved.get_json()
    form = read_form(client, tokens)
    assert form["fields"]["contact_address"]["value"] == "路北区建设路1号"
    assert cached(f"person:{tokens['person_id']}") == ["prefill"]
    before = versions(tokens["person_id"])
    time.sleep((expires - dt.datetime.now(dt.UTC)).total_seconds() + 0.2)
    form = read_form(client, tokens)
    assert (form["draft"], form["fields"]["contact_address"]["value"]) == (None, None)
    assert versions(tokens["person_id"]) == before


# 8. A write that is rolled back.


def test_an_import_refused_after_writing_bumps_nothing_and_the_cached_form_is_still_served(
    app: Flask, client: Any, wechat_standin: WeChatStandIn, tmp_path: Path
) -> None:
    tokens = claimant(client, wechat_standin, verified=False, name="王建国")
    assert form_field(client, tokens, "name") == "王建国"
    mine = records_of(tokens["person_id"])
    before = versions(tokens["person_id"])
    # The persons file lands first (flushed, its triggers run), then the contributions file is
    # refused: the whole import is rolled back.
    backwards = f"{mine['id_number']},{mine['credit_code']},{TANGSHAN},2016-12,2015-01"
    renamed = export_dir(
        tmp_path,
        {
            "persons.csv": persons_csv({**mine["row"], "name": "王建民"}),
            "contributions.csv": f"{CONTRIBUTIONS_HEADER}\n{backwards}\n",
        },
    )
    refused = import_records(app, renamed)
    assert refused.exit_code == 1 and "未写入任何数据" in refused.output, refused.output
    assert versions(tokens["person_id"]) == before
    with statements() as sent:
        assert form_field(client, tokens, "name") == "王建国"
    assert not [statement for statement in sent if "stop_contribution_events" in statement]  # from the cache
    # The same persons file on its own lands, and shows.
    (renamed / "contributions.csv").unlink()
    assert import_records(app, renamed).exit_code == 0
    assert versions(tokens["person_id"])[0] > before[0]
    assert form_field(client, tokens, "name") == "王建民"


def test_a_unit_of_work_that_raises_after_writing_bumps_nothing_and_the_cached_form_is_still_served(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, verified=False, months=60)
    assert form_field(client, tokens, "contribution_months") == 60
    before = versions(tokens["person_id"])
    with pytest.raises(RuntimeError, match="midway"), unit_of_work() as session:
        person = session.get(Person, tokens["person_id"])
        assert person is not None
        factories.contribution(session, person, factories.employer(session), dt.date(2015, 1, 1), dt.date(2016, 12, 1))
        person.name = "王建民"
        session.flush()
        raise RuntimeError("midway")
    assert versions(tokens["person_id"]) == before
    with statements() as sent:
        form = read_form(client, tokens)
    assert (form["fields"]["contribution_months"]["value"], form["fields"]["name"]["value"]) == (60, "王建国")
    assert not [statement for statement in sent if "contribution_periods" in statement]  # from the cache


# 9. The cache turned off.


def test_with_the_cache_off_nothing_is_stored_and_the_answers_are_the_same(
    client: Any, make_app: Callable[..., Flask], wechat_standin: WeChatStandIn
) -> None:
    uncached = make_app(READ_CACHE_TTL_S=0).test_client()
    tokens = claimant(uncached, wechat_standin)
    claim_id = submit(uncached, tokens).get_json()["id"]
    paths = ("/api/v1/claims/prefill", "/api/v1/claims", f"/api/v1/claims/{claim_id}")
    without = {path: read(uncached, tokens, path) for path in paths}
    assert {path: read(uncached, tokens, path) for path in paths} == without
    assert every_cached_answer() == []
    assert {path: read(client, tokens, path) for path in paths} == without  # the same app with the cache on
    assert cached(f"person:{tokens['person_id']}") == [f"claim:{claim_id}", "claims", "prefill"]


def test_with_the_cache_off_an_employers_duties_are_not_stored_either(
    app: Flask, make_app: Callable[..., Flask], sms_standin: SmsStandIn
) -> None:
    uncached = make_app(READ_CACHE_TTL_S=0).test_client()
    firm = employer_with_workers(1)
    tokens = duties_filed(uncached, sms_standin, firm)
    assert len(pending_duties(uncached, tokens)) == 1
    assert every_cached_answer() == []


def test_a_cached_answer_is_encrypted_in_redis_and_tied_to_this_database(client: Any, wechat_standin: Any) -> None:
    tokens = claimant(client, wechat_standin)
    form = client.get("/api/v1/claims/prefill", headers=bearer(tokens))
    assert form.status_code == 200
    [key] = redis_store().client.scan_iter(match=cache_key(f"person:{tokens['person_id']}", "prefill"))
    stored = redis_store().client.get(key)
    assert stored is not None
    assert form.get_json()["fields"]["name"]["value"] not in stored  # the name, in the clear, nowhere
    again = client.get("/api/v1/claims/prefill", headers=bearer(tokens))
    assert again.get_json() == form.get_json()
    redis_store().client.set(key, stored.split("\n")[0] + "\nbm90IGEgc2VhbGVkIGJvZHk=")  # damaged in Redis
    assert client.get("/api/v1/claims/prefill", headers=bearer(tokens)).get_json() == form.get_json()
