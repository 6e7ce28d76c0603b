"""The unemployment-benefit mini-program's API: `create_app()` builds it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from miniapp_api.api import MiniappFlask, init_api
from miniapp_api.celery_app import init_celery
from miniapp_api.config import Settings
from miniapp_api.db import Database
from miniapp_api.errors import register_error_handlers
from miniapp_api.pii import PiiCipher, configure_cipher
from miniapp_api.redis_store import RedisStore, make_redis
from miniapp_api.request_context import configure_logging, init_request_ids
from miniapp_api.security import init_security_headers


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    settings = Settings.load(overrides=overrides)
    configure_logging(settings.LOG_LEVEL, as_json=settings.LOG_JSON)
    configure_cipher(PiiCipher.from_base64(settings.PII_ENCRYPTION_KEY, settings.PII_HASH_KEY))

    app = MiniappFlask(__name__)
    app.config.update(
        SECRET_KEY=settings.SECRET_KEY,
        MAX_CONTENT_LENGTH=settings.MAX_CONTENT_LENGTH,
        JSON_AS_ASCII=False,
        TESTING=settings.MINIAPP_ENV == "test",
        # The staff console's cookie (the API uses bearer tokens and no cookie at all).
        SESSION_COOKIE_NAME="console_session",
        SESSION_COOKIE_PATH="/console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings.is_production,
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as the signed-in session that holds it
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["miniapp_settings"] = settings
    app.extensions["miniapp_db"] = Database(
        settings.DATABASE_URL,
        pool_size=settings.DATABASE_POOL_SIZE,
        statement_timeout_ms=settings.DATABASE_STATEMENT_TIMEOUT_MS,
    )
    app.extensions["miniapp_redis"] = RedisStore(
        make_redis(settings.REDIS_URL, socket_timeout=settings.REDIS_SOCKET_TIMEOUT_S)
    )
    init_celery(app, settings)

    init_request_ids(app)
    init_security_headers(app, settings)
    api = init_api(app)
    # After flask-smorest, which registers an HTTPException handler of its own.
    register_error_handlers(app)
    _register_routes(app, api)
    # After the routes: the limiter wraps the views that declare a limit.
    from auth.limits import init_limits

    init_limits(app, settings)
    if settings.PROXY_FIX_X_FOR:
        # Behind N reverse proxies, the client address (for rate limits and logs) is the
        # N-th from the right in X-Forwarded-For.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.PROXY_FIX_X_FOR, x_proto=1)  # type: ignore[method-assign]
    return app


def _register_routes(app: Flask, api: Any) -> None:
    from auth.guard import BEARER
    from auth.routes import blp as auth_blp
    from miniapp_api.alerts.routes import blp as alerts_blp
    from miniapp_api.audit.routes import blp as audit_blp
    from miniapp_api.benefits.routes import blp as benefits_blp
    from miniapp_api.claims.routes import blp as claims_blp
    from miniapp_api.claims.routes import staff_blp as claims_staff_blp
    from miniapp_api.claims.verification import blp as verify_blp
    from miniapp_api.console.routes import blp as console_blp
    from miniapp_api.employers.routes import blp as employer_blp
    from miniapp_api.employers.routes import link_blp as notice_link_blp
    from miniapp_api.employers.routes import staff_blp as employers_staff_blp
    from miniapp_api.faces.routes import blp as faces_blp
    from miniapp_api.health.routes import blp as health_blp
    from miniapp_api.holidays.routes import blp as calendar_blp
    from miniapp_api.mobile.routes import blp as mobile_blp
    from miniapp_api.objections.routes import blp as objections_blp
    from miniapp_api.objections.routes import staff_blp as objections_staff_blp
    from miniapp_api.payments.routes import blp as payments_blp
    from miniapp_api.records.routes import blp as records_blp
    from miniapp_api.refunds.routes import blp as refunds_blp
    from miniapp_api.refunds.routes import finance_blp as refunds_finance_blp
    from miniapp_api.refunds.routes import public_pages as refund_notice_pages
    from miniapp_api.refunds.routes import staff_blp as refunds_staff_blp
    from miniapp_api.safety.routes import blp as safety_blp
    from miniapp_api.safety.routes import checks_blp as safety_checks_blp
    from notifications.routes import blp as notifications_blp
    from notifications.routes import messages_blp
    from notifications.wechat_routes import blp as wechat_blp

    api.spec.components.security_scheme(BEARER, {"type": "http", "scheme": "bearer"})
    api.register_blueprint(health_blp)
    api.register_blueprint(auth_blp)
    api.register_blueprint(records_blp)
    api.register_blueprint(benefits_blp)
    api.register_blueprint(faces_blp)
    api.register_blueprint(claims_blp)
    api.register_blueprint(claims_staff_blp)
    api.register_blueprint(verify_blp)
    api.register_blueprint(objections_blp)
    api.register_blueprint(objections_staff_blp)
    api.register_blueprint(employer_blp)
    api.register_blueprint(notice_link_blp)
    api.register_blueprint(employers_staff_blp)
    api.register_blueprint(audit_blp)
    api.register_blueprint(payments_blp)
    api.register_blueprint(safety_blp)
    api.register_blueprint(safety_checks_blp)
    api.register_blueprint(calendar_blp)
    api.register_blueprint(alerts_blp)
    api.register_blueprint(notifications_blp)
    api.register_blueprint(messages_blp)
    api.register_blueprint(wechat_blp)
    api.register_blueprint(refunds_blp)
    api.register_blueprint(refunds_staff_blp)
    api.register_blueprint(refunds_finance_blp)
    app.register_blueprint(refund_notice_pages)  # public pages, outside the OpenAPI document
    app.register_blueprint(mobile_blp)  # pages, not API: outside the OpenAPI document
    app.register_blueprint(console_blp)
