"""The API describes itself at /openapi.json and documents itself at /docs, offline."""

from __future__ import annotations

from typing import Any


def test_openapi_lists_the_endpoints(client: Any) -> None:
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/regions", "/api/v1/identifiers/id-number/check"} <= set(spec["paths"])


def test_errors_are_documented_as_the_one_envelope(client: Any) -> None:
    spec = client.get("/openapi.json").get_json()
    envelope = spec["components"]["schemas"]["ErrorEnvelope"]
    assert set(envelope["required"]) == {"code", "message", "details", "request_id"}
    missing_region = spec["paths"]["/api/v1/regions/{code}/parameters"]["get"]["responses"]["404"]
    assert missing_region["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorEnvelope")
    assert "/healthz" in spec["paths"]


def test_docs_page_loads_its_assets_from_this_service(client: Any) -> None:
    page = client.get("/docs").get_data(as_text=True)
    assert "/docs/assets/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    asset = client.get("/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000
    asset.close()


def test_amounts_are_documented_as_the_decimal_strings_they_are_sent_as(client: Any) -> None:
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    amounts = {
        (name, prop): spec
        for name, schema in schemas.items()
        for prop, spec in schema.get("properties", {}).items()
        if "amount" in prop
    }
    assert len(amounts) >= 9
    # An amount not known yet (a refund before the size class is on record) is null, never a number.
    assert all((spec["type"], spec["format"]) == ("string", "decimal") for spec in amounts.values()), amounts
