"""Every error, whatever raised it, answers in the one envelope with a Chinese message."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.auth_helpers import bearer, staff_login

CHECK_ID = "/api/v1/identifiers/id-number/check"


def assert_envelope(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"code", "message", "details", "request_id"}
    assert body["code"] == code
    assert any("\u4e00" <= char <= "\u9fff" for char in body["message"]), body["message"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    return dict(body)


def test_an_unknown_address_is_a_404_envelope(client: Any) -> None:
    assert_envelope(client.get("/api/v1/nothing-here"), 404, "NOT_FOUND")


def test_a_wrong_method_is_a_405_envelope_that_lists_the_allowed_ones(client: Any) -> None:
    response = client.delete("/api/v1/regions")
    assert_envelope(response, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in response.headers["Allow"]


def test_a_body_over_the_limit_is_a_413_envelope_naming_the_limit(client: Any) -> None:
    body = json.dumps({"id_number": "1" * 2_000_000})
    envelope = assert_envelope(
        client.post(CHECK_ID, data=body, content_type="application/json"), 413, "PAYLOAD_TOO_LARGE"
    )
    assert envelope["details"]["max_bytes"] == 1024 * 1024
    assert "1 MB" in envelope["message"]


def test_a_body_that_is_not_json_is_a_415_envelope(client: Any) -> None:
    assert_envelope(
        client.post(CHECK_ID, data="id_number=1", content_type="application/x-www-form-urlencoded"),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    )


def test_malformed_json_is_a_400_envelope(client: Any) -> None:
    assert_envelope(
        client.post(CHECK_ID, data='{"id_number": ', content_type="application/json"), 400, "MALFORMED_JSON"
    )


def test_a_missing_field_is_named_in_the_422_envelope(client: Any) -> None:
    envelope = assert_envelope(client.post(CHECK_ID, json={}), 422, "VALIDATION_FAILED")
    assert envelope["details"]["fields"] == {"id_number": ["缺少必填项"]}
    assert "id_number" in envelope["message"]


def test_an_unknown_field_is_refused_not_ignored(client: Any) -> None:
    envelope = assert_envelope(
        client.post(CHECK_ID, json={"id_number": "11010519491231002X", "admin": True}), 422, "VALIDATION_FAILED"
    )
    assert envelope["details"]["fields"] == {"admin": ["不接受此字段"]}


def test_a_wrong_type_is_named_in_chinese(client: Any) -> None:
    envelope = assert_envelope(client.post(CHECK_ID, json={"id_number": 110105}), 422, "VALIDATION_FAILED")
    assert envelope["details"]["fields"] == {"id_number": ["应为文本"]}


def test_an_id_number_with_a_bad_check_character_is_a_422_saying_so(client: Any) -> None:
    envelope = assert_envelope(
        client.post(CHECK_ID, json={"id_number": "110105194912310021"}), 422, "ID_NUMBER_CHECKSUM"
    )
    assert envelope["message"] == "身份证号码校验位不正确，请核对后重新输入"


def test_a_credit_code_with_a_bad_check_character_is_a_422_saying_so(client: Any) -> None:
    response = client.post("/api/v1/identifiers/credit-code/check", json={"credit_code": "91350100M000100Y44"})
    assert_envelope(response, 422, "CREDIT_CODE_CHECKSUM")


def test_a_valid_id_number_answers_what_it_encodes(client: Any) -> None:
    response = client.post(CHECK_ID, json={"id_number": "11010519491231002x"})
    assert response.status_code == 200
    assert response.get_json() == {
        "valid": True,
        "birth_date": "1949-12-31",
        "sex": "F",
        "region_code": "110105",
        "warnings": [],
    }


def test_a_crash_is_a_500_envelope_that_leaks_nothing_and_logs_masked(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("lost connection while reading 11010519491231002X")

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/boom")
    envelope = assert_envelope(response, 500, "INTERNAL_ERROR")
    assert "11010519491231002X" not in response.get_data(as_text=True)
    assert "RuntimeError" not in envelope["message"]
    logged = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert logged, "the crash was not logged"
    formatted = logging.getLogger().handlers[-1].format(logged[0])
    assert "11010519491231002X" not in formatted and "1101**********002X" in formatted
    assert envelope["request_id"] in formatted


def test_the_callers_request_id_is_kept_when_sane_and_replaced_when_not(client: Any) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "gateway-123456"}).headers["X-Request-ID"] == "gateway-123456"
    )
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id; <script>"}).headers["X-Request-ID"]
    assert replaced != "bad id; <script>" and len(replaced) == 32


@pytest.mark.parametrize(
    "body",
    ['{"id_number": ' + "9" * 5000 + "}", "[" * 100_000 + "]" * 100_000],
    ids=["5000-digit integer", "100000 nested arrays"],
)
def test_json_the_parser_cannot_take_is_a_400_not_a_crash(client: Any, body: str) -> None:
    assert_envelope(client.post(CHECK_ID, data=body, content_type="application/json"), 400, "MALFORMED_JSON")


def test_a_json_array_where_an_object_belongs_is_a_422(client: Any) -> None:
    assert_envelope(client.post(CHECK_ID, json=["11010519491231002X"]), 422, "VALIDATION_FAILED")


@pytest.mark.parametrize("code", ["%00", "13020", "１３０２００", "130200x"])
def test_a_region_code_that_cannot_exist_is_a_404_without_touching_the_database(client: Any, code: str) -> None:
    assert_envelope(client.get(f"/api/v1/regions/{code}/parameters"), 404, "REGION_NOT_FOUND")


def test_a_full_width_id_number_typed_on_a_chinese_keyboard_is_understood(client: Any) -> None:
    response = client.post(CHECK_ID, json={"id_number": "１１０１０５１９４９１２３１００２Ｘ"})
    assert response.status_code == 200
    assert response.get_json()["birth_date"] == "1949-12-31"


def test_a_database_that_cannot_be_reached_answers_503_in_the_envelope(make_app: Any) -> None:
    app: Flask = make_app(DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:9/unreachable")
    with app.app_context():
        answer = app.test_client().get("/api/v1/regions")
        assert answer.status_code == 503
        body = answer.get_json()
        assert (body["code"], body["details"]) == ("SERVICE_UNAVAILABLE", {"dependency": "database"})
        assert answer.headers["Retry-After"] == "5"


def test_a_nul_character_anywhere_in_the_input_is_a_clear_4xx_never_a_server_error(client: Any) -> None:
    auditor = staff_login(client, "auditor.nul", "auditor")
    in_query = client.get("/api/v1/staff/audit?subject_id=a%00b", headers=bearer(auditor))
    assert in_query.status_code == 422
    assert in_query.get_json()["details"]["fields"] == {"subject_id": ["不能包含空字符"]}
    in_body = client.post("/api/v1/identifiers/id-number/check", json={"id_number": "1101\x0005"})
    assert (in_body.status_code, in_body.get_json()["code"]) == (422, "VALIDATION_FAILED")
    # PostgreSQL refuses the value itself: 422; SQLite looks and finds nothing: 404.
    in_path = client.get("/api/v1/messages/abc%00def", headers=bearer(auditor))
    assert (in_path.status_code, in_path.get_json()["code"]) in ((422, "INVALID_VALUE"), (404, "MESSAGE_NOT_FOUND"))


def test_a_deeply_nested_body_is_refused_as_a_wrong_type_not_a_server_error(client: Any) -> None:
    nested = "[" * 900 + "]" * 900
    answer = client.post(CHECK_ID, data=f'{{"id_number": {nested}}}', content_type="application/json")
    assert_envelope(answer, 422, "VALIDATION_FAILED")
