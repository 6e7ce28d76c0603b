"""Whatever a client sends that the API's own /openapi.json allows, or nearly allows, gets a
documented answer: never a 5xx, a status the operation lists, and a body of the promised shape.

schemathesis generates the requests from the document, valid ones and invalid ones, for every
operation, each sent by the kind of caller the authorization matrix lets through. The suite runs a
few examples of each, the same ones every time; `FUZZ_EXAMPLES=100` runs a long, random campaign
(docs/operations.md records one).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from notifications.standins.sms_server import SmsStandIn
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer
from tests.callers_helpers import caller_world
from tests.test_authorization_matrix import MATRIX

CAMPAIGN = "FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Logging out would end the session every later operation is sent with.
NOT_FUZZED = {("POST", "/api/v1/auth/logout")}


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def _caller_for(expected: dict[str, int]) -> str:
    """The caller the matrix lets furthest in: a success first, then a refusal on the merits
    (404/409/422), then one refused by its level or role (403, past authentication), and an
    anonymous caller only where nobody gets further."""
    return min(
        expected,
        key=lambda caller: (expected[caller] in (401, 403), expected[caller] >= 300, expected[caller] == 401),
    )


CALLER_OF = {(method, _openapi_path(rule)): _caller_for(expected) for method, rule, _p, _b, expected in MATRIX}


def _fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str], on_send: Any) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not CAMPAIGN,
        suppress_health_check=list(HealthCheck),
    )
    def send(case: Any) -> None:
        on_send()
        case.call_and_validate(headers=headers, checks=CHECKS)

    send()


@pytest.fixture
def fuzz_app(make_app: Any) -> Iterator[Flask]:
    """Request limits out of the way: thousands of requests come from one address."""
    generous = "1000000/minute"
    limits = ("LOGIN", "OTP", "BIND", "LIVENESS", "LIVENESS_ANSWER")
    app: Flask = make_app(**{f"RATE_LIMIT_{name}": generous for name in limits})
    with app.app_context():
        yield app


def test_generated_requests_get_documented_answers_and_never_a_server_error(
    fuzz_app: Flask, wechat_standin: WeChatStandIn, sms_standin: SmsStandIn
) -> None:
    tokens = caller_world(fuzz_app.test_client(), wechat_standin, sms_standin)["tokens"]
    schema = schemathesis.openapi.from_wsgi("/openapi.json", fuzz_app)
    sent: Counter[str] = Counter()
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        key = (operation.method.upper(), operation.path)
        if key in NOT_FUZZED:
            continue
        caller = CALLER_OF[key]
        headers = bearer(tokens[caller]) if caller in tokens else {}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            label = f"{key[0]} {key[1]} ({mode.value}, {caller})"
            try:
                _fuzz(operation, mode, headers, on_send=lambda label=label: sent.update([label]))
            except Unsatisfiable:
                continue  # nothing a client sends can break this one's rules (e.g. no parameters)
            except Exception as failure:  # every operation's failure listed, not only the first
                failures[label] = str(failure)[:3000]
    print(f"fuzz: {sum(sent.values())} requests over {len(operations)} operations")
    assert failures == {}, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
    reached = {label.split(" (")[0] for label in sent}
    assert reached == {f"{op.method.upper()} {op.path}" for op in operations} - {" ".join(key) for key in NOT_FUZZED}
