"""Every upload route refuses a body over its own limit with 413, naming that limit, before the
upload is parsed; every other route takes at most MAX_CONTENT_LENGTH. (The face check's own
limit: tests/test_liveness_api.py.)"""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from notifications.standins.sms_server import SmsStandIn
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer, staff_login
from tests.callers_helpers import caller_world

LIMIT = 2000
OVERHEAD = 64 * 1024  # room for the multipart framing around the file
# (route, field, caller, the setting that sets the route's limit, the limit with its overhead)
UPLOADS = [
    ("/api/v1/objections/images", "image", "claimant", "OBJECTION_IMAGE_MAX_BYTES", LIMIT + OVERHEAD),
    ("/api/v1/employer/filings/form", "file", "employer", "FILING_MAX_UPLOAD_BYTES", LIMIT + OVERHEAD),
    ("/api/v1/staff/suspect-lists", "file", "reviewer", "SUSPECT_LIST_MAX_BYTES", LIMIT + OVERHEAD),
    ("/api/v1/finance/payment-runs/1/confirmation", "file", "finance", "PAYMENT_CONFIRMATION_MAX_BYTES",
     LIMIT + OVERHEAD),
]  # fmt: skip


@pytest.fixture
def small_limits(make_app: Any) -> Any:
    app: Flask = make_app(**{setting: LIMIT for *_rest, setting, _limit in UPLOADS}, MAX_CONTENT_LENGTH=1000)
    with app.app_context():
        yield app


def _multipart(field: str, size: int) -> tuple[bytes, str]:
    boundary, body = encode_multipart({field: FileStorage(io.BytesIO(b"x" * size), "f.bin")})
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(("path", "field", "caller", "setting", "limit"), UPLOADS, ids=[u[3] for u in UPLOADS])
def test_an_upload_over_its_routes_limit_is_413_naming_that_limit(
    small_limits: Flask,
    wechat_standin: WeChatStandIn,
    sms_standin: SmsStandIn,
    path: str,
    field: str,
    caller: str,
    setting: str,
    limit: int,
) -> None:
    client = small_limits.test_client()
    tokens = caller_world(client, wechat_standin, sms_standin)["tokens"]
    body, content_type = _multipart(field, limit + 1)
    answer = client.post(path, data=body, content_type=content_type, headers=bearer(tokens[caller]))
    assert (answer.status_code, answer.get_json()["code"]) == (413, "PAYLOAD_TOO_LARGE"), setting
    assert answer.get_json()["details"] == {"max_bytes": limit}


def test_any_other_route_takes_at_most_max_content_length(small_limits: Flask) -> None:
    answer = small_limits.test_client().post(
        "/api/v1/identifiers/id-number/check", data=b'{"id_number": "' + b"1" * 2000 + b'"}',
        content_type="application/json",
    )  # fmt: skip
    assert (answer.status_code, answer.get_json()["details"]) == (413, {"max_bytes": 1000})


@pytest.mark.parametrize(
    ("path", "roles"),
    [
        ("/api/v1/finance/payment-runs/1/confirmation", ("finance",)),
        ("/api/v1/staff/suspect-lists", ("reviewer", "supervisor")),
        ("/api/v1/staff/calendar/years", ("admin",)),
    ],
)
def test_two_files_in_one_upload_are_refused_not_one_silently_dropped(
    client: Any, path: str, roles: tuple[str, ...]
) -> None:
    """A bank answer sent as two parts once settled the first and lost the second's failures."""
    tokens = staff_login(client, "two.files", *roles)
    boundary, body = encode_multipart(
        {
            "file": FileStorage(io.BytesIO(b"a"), "a.csv"),
            "other": FileStorage(io.BytesIO(b"b"), "b.csv"),
        }
    )
    answer = client.post(
        path, data=body, headers=bearer(tokens), content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert (answer.status_code, answer.get_json()["code"]) == (422, "ONE_FILE_A_TIME")
