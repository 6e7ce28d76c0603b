"""Log lines are JSON, carry the request id, and never show personal data in clear."""

from __future__ import annotations

import json
import logging

from miniapp_api.request_context import MaskingJsonFormatter, set_request_id


def _record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("miniapp.test", logging.INFO, __file__, 1, message, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_a_log_line_is_json_with_the_request_id_and_masked_personal_data() -> None:
    set_request_id("req-abcdef12")
    line = MaskingJsonFormatter().format(
        _record("bound %s to %s", "11010519491231002X", "13800138000", account="6222021234567890123")
    )
    entry = json.loads(line)
    assert entry["request_id"] == "req-abcdef12"
    assert entry["message"] == "bound 1101**********002X to 138****8000"
    assert entry["account"] == "***************0123"


def test_the_plain_format_is_masked_too() -> None:
    line = MaskingJsonFormatter(as_json=False).format(_record("phone 13800138000"))
    assert "13800138000" not in line and "138****8000" in line


def test_a_gateways_request_id_is_logged_as_it_is() -> None:
    set_request_id("req-7f3a9c1e2b44")
    entry = json.loads(MaskingJsonFormatter().format(_record("hello")))
    assert entry["request_id"] == "req-7f3a9c1e2b44"


def test_a_request_id_that_carries_an_id_number_phone_or_card_is_not_adopted() -> None:
    for carried in ("130203197506150374-13800138000", "1234567890123456", "x-13800138000"):
        adopted = set_request_id(carried)
        assert adopted != carried
        assert len(adopted) == 32  # one of the service's own
