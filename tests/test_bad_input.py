"""Bad input found by hand that once answered 500, or was half taken: each gets a 4xx now."""

from __future__ import annotations

import io
from typing import Any

from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer, staff_login
from tests.claims_helpers import claimant
from tests.conftest import RECEIPT_TOKEN
from tests.objections_helpers import image_bytes


def _receipt(client: Any, body: bytes) -> Any:
    return client.post(
        "/api/v1/notifications/receipts/aliyun",
        data=body,
        headers={"X-Receipt-Token": RECEIPT_TOKEN},
        content_type="application/json",
    )


def test_malformed_receipts_are_refused_not_a_server_error(client: Any) -> None:
    for body in (b"[" * 5000 + b"]" * 5000, b'[{"out_id":{"a":1}}]', b'["x"]', b'{"out_id":1e999}'):
        answer = _receipt(client, body)
        assert (answer.status_code, answer.get_json()["code"]) == (422, "RECEIPT_MALFORMED"), body[:30]


def test_extreme_moments_in_the_audit_search_are_refused(client: Any) -> None:
    auditor = staff_login(client, "auditor1", "auditor")
    for moment in ("9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+01:00"):
        answer = client.get("/api/v1/staff/audit", query_string={"since": moment}, headers=bearer(auditor))
        assert answer.status_code == 422, moment
        assert "2000年至2099年" in str(answer.get_json()["details"])


def test_two_images_in_one_upload_are_refused_not_half_kept(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    answer = client.post(
        "/api/v1/objections/images",
        data={"image": [(io.BytesIO(image_bytes()), "a.png"), (io.BytesIO(image_bytes()), "b.png")]},
        headers=bearer(tokens),
        content_type="multipart/form-data",
    )
    assert (answer.status_code, answer.get_json()["code"]) == (422, "ONE_IMAGE_A_TIME")
