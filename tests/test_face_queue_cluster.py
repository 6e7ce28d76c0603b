"""Several API hosts share one fair face-check queue through Redis, each computing on its own slots.

The hosts here are two apps with their own LIVENESS_HOST_ID and one slot each, sharing the suite's
Redis as hosts behind a proxy share theirs. A challenge is open 6 s and a check takes about 2 s,
so each slot in the cluster lets 3 claimants queue.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import time_machine
from flask import Flask

from miniapp_api.config import ConfigError, Settings
from miniapp_api.errors import ConflictError
from miniapp_api.faces.capacity import SLOT_TTL_S, LivenessBusy, face_check_slot

GRANTED = "granted"
FULL = "full"


@pytest.fixture
def north(make_app: Any) -> Flask:
    app: Flask = make_app(LIVENESS_HOST_ID="north", LIVENESS_CONCURRENCY=1, LIVENESS_CHALLENGE_TTL_S=6)
    return app


@pytest.fixture
def south(make_app: Any) -> Flask:
    app: Flask = make_app(LIVENESS_HOST_ID="south", LIVENESS_CONCURRENCY=1, LIVENESS_CHALLENGE_TTL_S=6)
    return app


@contextmanager
def checking(host: Flask, claimant: str) -> Iterator[None]:
    """The claimant's face check runs on this host for the block."""
    with host.app_context(), face_check_slot(claimant):
        yield


def ask(host: Flask, claimant: str) -> Any:
    """What the claimant is told on this host: GRANTED (the check then ends at once), their place, or FULL."""
    with host.app_context():
        try:
            with face_check_slot(claimant):
                return GRANTED
        except LivenessBusy as busy:
            return busy.details.get("position", FULL)


def refusal(host: Flask, claimant: str) -> LivenessBusy:
    with host.app_context(), pytest.raises(LivenessBusy) as refused, face_check_slot(claimant):
        pass
    return refused.value


def later(seconds: float) -> Any:
    return time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds))


def test_a_claimant_queued_first_keeps_first_place_whichever_host_they_retry_on(north: Flask, south: Flask) -> None:
    with checking(north, "running-north"), checking(south, "running-south"):
        assert ask(north, "first") == 1
        assert ask(south, "second") == 2
        assert ask(south, "first") == 1
        assert ask(north, "second") == 2
        assert ask(north, "first") == 1


def test_a_later_claimant_cannot_take_the_first_ones_free_slot_on_another_host(north: Flask, south: Flask) -> None:
    with checking(north, "running-north"):
        with checking(south, "running-south"):
            assert ask(north, "first") == 1
            assert ask(south, "second") == 2
        # South's slot is free, and it is the first claimant's, who last asked the full north.
        assert ask(south, "second") == 2
        # Back on the full north, the first is told to retry soon and keeps their place ...
        retry = refusal(north, "first")
        assert (retry.details, retry.retry_after_s) == ({"position": 1}, 1)
        assert ask(south, "second") == 2
        # ... and the retry, which the proxy sends to south, is granted; then the second's turn comes.
        assert ask(south, "first") == GRANTED
        assert ask(south, "second") == GRANTED


def test_free_slots_across_the_cluster_serve_the_first_places_on_either_host(north: Flask, south: Flask) -> None:
    with checking(north, "running-north"), checking(south, "running-south"):
        assert [ask(north, name) for name in ("first", "second", "third")] == [1, 2, 3]
    # Two slots free in the cluster: the second need not wait for the first to come back.
    with checking(south, "second"):
        assert ask(north, "third") == 2  # north's slot is the first's, who has not come back yet
        assert ask(north, "first") == GRANTED


def test_the_cluster_has_the_slots_of_its_live_hosts_together(north: Flask, south: Flask) -> None:
    with checking(north, "running-north"), checking(south, "running-south"):
        assert [ask(north, f"waiting-{n}") for n in range(6)] == [1, 2, 3, 4, 5, 6]  # 2 slots × 3
        assert ask(south, "one-too-many") == FULL
        assert refusal(south, "waiting-1").retry_after_s == 2  # place 2, two checks at once at ~2 s each


def test_a_host_that_stopped_calling_no_longer_counts_toward_the_cluster_slots(north: Flask, south: Flask) -> None:
    assert ask(north, "early") == GRANTED
    assert ask(south, "early") == GRANTED
    with later(SLOT_TTL_S + 1), checking(north, "running-north"):
        # South has not called for SLOT_TTL_S: the cluster is north's one slot, 3 places.
        assert [ask(north, f"waiting-{n}") for n in range(3)] == [1, 2, 3]
        assert ask(north, "one-too-many") == FULL
        # South calls again (its free slot goes to the first in line) and counts again.
        assert ask(south, "waiting-0") == GRANTED
        assert ask(north, "one-too-many") == 3


def test_one_claimant_holds_one_slot_in_the_whole_cluster(north: Flask, south: Flask) -> None:
    with checking(north, "first"):
        with south.app_context(), pytest.raises(ConflictError) as twice, face_check_slot("first"):
            pass
        assert twice.value.code == "FACE_CHECK_IN_PROGRESS"
        assert ask(south, "second") == GRANTED  # the slot they could not take is someone else's
    assert ask(south, "first") == GRANTED


def test_a_check_held_past_any_request_s_life_is_a_dead_workers_and_its_slot_frees_itself(north: Flask) -> None:
    with checking(north, "stuck"):
        assert ask(north, "next") == 1
        with later(SLOT_TTL_S + 1):
            assert ask(north, "next") == GRANTED


def test_a_host_is_named_by_its_hostname_unless_told_otherwise() -> None:
    assert Settings.load({}).liveness_host_id == socket.gethostname()
    assert Settings.load({"LIVENESS_HOST_ID": "api-2"}).liveness_host_id == "api-2"
    with pytest.raises(ConfigError, match="LIVENESS_HOST_ID"):
        Settings.load({"LIVENESS_HOST_ID": "api 2"})
