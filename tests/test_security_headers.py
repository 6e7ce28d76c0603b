"""Every answer carries the browser protections; personal data is never cached; only the
configured browser origins may call the API from a page."""

from __future__ import annotations

from typing import Any

from flask import Flask

CONSOLE = "https://console.example.gov.cn"


def test_every_answer_carries_the_browser_protections(client: Any) -> None:
    answer = client.get("/healthz")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert answer.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert "Strict-Transport-Security" not in answer.headers  # development serves plain HTTP
    docs = client.get("/docs")
    assert "script-src 'self'" in docs.headers["Content-Security-Policy"]


def test_api_answers_are_never_cached(client: Any) -> None:
    assert client.get("/api/v1/regions").headers["Cache-Control"] == "no-store"
    refused = client.get("/api/v1/claims")
    assert refused.status_code == 401 and refused.headers["Cache-Control"] == "no-store"


def test_no_origin_may_call_from_a_page_unless_configured(client: Any) -> None:
    answer = client.get("/api/v1/regions", headers={"Origin": CONSOLE})
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_a_configured_origin_may_call_and_others_may_not(make_app: Any) -> None:
    app: Flask = make_app(CORS_ORIGINS=f"{CONSOLE}, https://other.example.gov.cn")
    with app.app_context():
        client = app.test_client()
        allowed = client.get("/api/v1/regions", headers={"Origin": CONSOLE})
        assert allowed.headers["Access-Control-Allow-Origin"] == CONSOLE
        assert "X-Request-ID" in allowed.headers["Access-Control-Expose-Headers"]
        assert "Origin" in allowed.headers["Vary"]
        stranger = client.get("/api/v1/regions", headers={"Origin": "https://evil.example.com"})
        assert "Access-Control-Allow-Origin" not in stranger.headers
        preflight = client.options(
            "/api/v1/staff/claims",
            headers={
                "Origin": CONSOLE,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        assert preflight.status_code == 200
        assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
        assert preflight.headers["Access-Control-Allow-Origin"] == CONSOLE
