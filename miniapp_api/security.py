"""Headers every answer carries, and CORS for the configured browser origins only.

The mini-program's wx.request is not a browser and needs none of this; browsers do reach the
service (the claim-notice page an SMS links to, the API docs, a staff console), and personal data
must not linger in caches between them and the service.
"""

from __future__ import annotations

from flask import Flask, Response, request

from miniapp_api.config import Settings

_ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
# JSON and files: nothing to run. Pages (the notice page): their own inline style, a form posting
# back here. The docs: swagger-ui's own scripts and styles, served from this service.
_CSP_DEFAULT = "default-src 'none'; frame-ancestors 'none'"
_CSP_PAGE = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"
)
_CSP_DOCS = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'"
)
_HSTS = "max-age=31536000; includeSubDomains"
_CORS_METHODS = "GET, POST, PUT, PATCH, DELETE"
_CORS_HEADERS = "Authorization, Content-Type, Idempotency-Key, X-Request-ID"
_CORS_EXPOSED = "X-Request-ID, Retry-After, Content-Disposition"


def init_security_headers(app: Flask, settings: Settings) -> None:
    allowed = settings.cors_origins
    production = settings.is_production

    @app.after_request
    def _protect(response: Response) -> Response:
        for name, value in _ALWAYS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", _policy_for(response))
        if request.path.startswith("/api/"):
            # Claims, records and messages are personal: no shared or browser cache keeps them.
            response.headers.setdefault("Cache-Control", "no-store")
        if production:
            response.headers.setdefault("Strict-Transport-Security", _HSTS)
        origin = request.headers.get("Origin", "").rstrip("/")
        if origin and origin in allowed:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = _CORS_EXPOSED
            if request.method == "OPTIONS":
                response.headers["Access-Control-Allow-Methods"] = _CORS_METHODS
                response.headers["Access-Control-Allow-Headers"] = _CORS_HEADERS
                response.headers["Access-Control-Max-Age"] = "600"
        if allowed:
            response.vary.add("Origin")
        return response


def _policy_for(response: Response) -> str:
    if request.path.startswith("/docs"):
        return _CSP_DOCS
    if response.mimetype == "text/html":
        return _CSP_PAGE
    return _CSP_DEFAULT
