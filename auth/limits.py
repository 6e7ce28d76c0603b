"""Per-client request limits with flask-limiter, kept in the service's Redis.

Views declare the setting that holds their limit (`@rate_limited("RATE_LIMIT_LOGIN")`); the
app's own Limiter applies it when the app is built, so every app (and every test app) counts
in its own storage. A client over the limit gets 429 in the error envelope with Retry-After; with
Redis down, a limited endpoint answers 503 before doing anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from miniapp_api.config import Settings
from miniapp_api.extensions import settings

F = TypeVar("F", bound=Callable[..., Any])
_SETTING_ATTR = "_rate_limit_setting"


def rate_limited(setting: str) -> Callable[[F], F]:
    def mark(view: F) -> F:
        setattr(view, _SETTING_ATTR, setting)
        return view

    return mark


def init_limits(app: Flask, config: Settings) -> Limiter:
    storage = "memory://" if config.uses_memory_redis else config.REDIS_URL
    limiter = Limiter(
        key_func=get_remote_address,
        storage_uri=storage,
        storage_options={"socket_timeout": int(max(1, config.REDIS_SOCKET_TIMEOUT_S))}
        if storage != "memory://"
        else {},
        strategy="fixed-window",
        # The rate-limit headers would be written after the view, over a Retry-After of the
        # view's own (a face check's queue), and with Redis down after the work was committed;
        # a 429 gets its Retry-After from errors.handle_http_exception instead.
        headers_enabled=False,
        # With Redis down the limits cannot be counted: a limited endpoint then answers 503
        # (errors.handle_redis_down) rather than run unlimited.
        swallow_errors=False,
        key_prefix="miniapp-limits",
    )
    limiter.init_app(app)
    # Only views that declare a limit are limited, and their own decorator checks it: the
    # app-wide hook would look for limits on every request and find none.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    app.extensions["miniapp_limiter"] = limiter
    for endpoint, view in list(app.view_functions.items()):
        setting = _declared_setting(view)
        if setting:
            app.view_functions[endpoint] = limiter.limit(_limit_from(setting))(view)  # type: ignore[assignment]
    return limiter


def _declared_setting(view: Any) -> str | None:
    view_class = getattr(view, "view_class", None)
    for method in ("post", "put", "get", "delete", "patch"):
        found = getattr(getattr(view_class, method, None), _SETTING_ATTR, None)
        if found:
            return str(found)
    return getattr(view, _SETTING_ATTR, None)


def _limit_from(setting: str) -> Callable[[], str]:
    def limit() -> str:
        value: str = getattr(settings(), setting)
        return value

    return limit


def reset_limits(app: Flask) -> None:
    limiter: Limiter | None = app.extensions.get("miniapp_limiter")
    if limiter is not None:
        limiter.reset()
