"""Request ids and structured, masked logs.

Every response carries `X-Request-ID` (the caller's, when it is a sane token, so a gateway's
id follows the request through) and every log line written while handling it names the same id.
Log lines are JSON with ID numbers, phones and bank accounts masked, whatever the code logged.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from typing import Any

from flask import Flask, Response, g, request

from miniapp_api.pii import mask_text

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
UNMASKED_FIELDS = frozenset({"sha256", "task_id", "message_id"})
_request_id: ContextVar[str] = ContextVar("miniapp_request_id", default="-")

log = logging.getLogger("miniapp.access")


def current_request_id() -> str:
    return _request_id.get()


def set_request_id(value: str | None = None) -> str:
    """Adopt `value` when it is a sane token, else a fresh one; tasks call this with their own."""
    # A caller's id that would need masking (an ID number or a phone in it) is not adopted: ids
    # are logged and echoed as they are.
    sane = value is not None and _SANE_ID.match(value) is not None and mask_text(value) == value
    request_id = value if value and sane else uuid.uuid4().hex
    _request_id.set(request_id)
    return request_id


class MaskingJsonFormatter(logging.Formatter):
    _STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}

    def __init__(self, *, as_json: bool = True) -> None:
        super().__init__()
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        extra = {k: v for k, v in vars(record).items() if k not in self._STANDARD}
        request_id = extra.pop("request_id", None) or current_request_id()
        # Mask what the code wrote, never the service's own ids and digests (a digit run
        # inside a uuid or a hash would otherwise be mangled).
        message = mask_text(message)
        extra = {k: v if k in UNMASKED_FIELDS or not isinstance(v, str) else mask_text(v) for k, v in extra.items()}
        if not self.as_json:
            tail = " ".join(f"{k}={v}" for k, v in extra.items())
            return f"{record.levelname} [{request_id}] {record.name}: {message} {tail}".rstrip()
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "request_id": request_id,
            "message": message,
            **extra,
        }
        return json.dumps(entry, ensure_ascii=False, default=lambda value: mask_text(str(value)))


def configure_logging(level: str, *, as_json: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(MaskingJsonFormatter(as_json=as_json))
    root = logging.getLogger()
    for existing in list(root.handlers):
        if isinstance(existing.formatter, MaskingJsonFormatter):
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # werkzeug's own access log repeats ours without the request id.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def _loggable_path() -> str:
    """The path, except where it carries a secret (an acknowledgement link's token): the rule."""
    rule = request.url_rule
    if rule is not None and "<string:token>" in rule.rule:
        return rule.rule
    return request.path


def init_request_ids(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        g.request_started = time.perf_counter()
        set_request_id(request.headers.get(REQUEST_ID_HEADER))

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = current_request_id()
        started = g.get("request_started")
        elapsed_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
        log.info(
            "%s %s %s",
            request.method,
            _loggable_path(),
            response.status_code,
            extra={"status": response.status_code, "duration_ms": elapsed_ms},
        )
        return response
