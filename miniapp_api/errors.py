"""The one error envelope: {"code", "message", "details", "request_id"}.

Domain code raises `AppError` (or a subclass) with a stable code and a Chinese message; HTTP
errors from Flask and validation errors from flask-smorest are translated here, so a client
never sees any other error shape.
"""

from __future__ import annotations

import logging
import math
import re
import time
from typing import Any

import redis
from flask import Flask, Response, current_app, jsonify, request
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from miniapp_api.request_context import current_request_id

log = logging.getLogger(__name__)


class AppError(Exception):
    status = 400
    code = "BAD_REQUEST"
    message = "请求有误"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | None = None,
        retry_after_s: int | None = None,
    ) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.code = code or self.code
        self.status = status or self.status
        self.details = details or {}
        self.retry_after_s = retry_after_s


class NotFoundError(AppError):
    status = 404
    code = "NOT_FOUND"
    message = "请求的资源不存在"


class ConflictError(AppError):
    status = 409
    code = "CONFLICT"
    message = "请求与当前数据状态冲突"


class ValidationFailed(AppError):
    status = 422
    code = "VALIDATION_FAILED"
    message = "提交的数据有误"


class Unauthenticated(AppError):
    status = 401
    code = "UNAUTHENTICATED"
    message = "请先登录"


class Forbidden(AppError):
    status = 403
    code = "FORBIDDEN"
    message = "没有权限执行此操作"


class TooManyAttempts(AppError):
    status = 429
    code = "TOO_MANY_ATTEMPTS"
    message = "尝试次数过多，请稍后再试"


class ServiceUnavailable(AppError):
    status = 503
    code = "SERVICE_UNAVAILABLE"
    message = "服务暂时不可用，请稍后再试"


HTTP_ERRORS: dict[int, tuple[str, str]] = {
    400: ("BAD_REQUEST", "请求格式有误"),
    401: ("UNAUTHENTICATED", "请先登录"),
    403: ("FORBIDDEN", "没有权限执行此操作"),
    404: ("NOT_FOUND", "请求的地址不存在"),
    405: ("METHOD_NOT_ALLOWED", "该地址不支持此请求方法"),
    409: ("CONFLICT", "请求与当前数据状态冲突"),
    413: ("PAYLOAD_TOO_LARGE", "提交的内容过大"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "请求内容类型不受支持，请使用 application/json"),
    422: ("VALIDATION_FAILED", "提交的数据有误"),
    429: ("TOO_MANY_REQUESTS", "操作过于频繁，请稍后再试"),
    500: ("INTERNAL_ERROR", "服务器内部错误，请稍后再试"),
    503: ("SERVICE_UNAVAILABLE", "服务暂时不可用，请稍后再试"),
}

# marshmallow's default messages, in the words a claimant reads.
_FIELD_MESSAGES = {
    "Missing data for required field.": "缺少必填项",
    "Unknown field.": "不接受此字段",
    "Field may not be null.": "不能为空",
    "Not a valid string.": "应为文本",
    "Not a valid integer.": "应为整数",
    "Not a valid number.": "应为数字",
    "Not a valid boolean.": "应为 true 或 false",
    "Not a valid date.": "应为日期（YYYY-MM-DD）",
    "Not a valid datetime.": "应为日期时间（ISO 8601）",
    "Not a valid list.": "应为列表",
    "Not a valid mapping type.": "应为对象",
    "Invalid input type.": "数据类型不正确",
    "Invalid value.": "取值不正确",
    "Shorter than minimum length 1.": "不能为空",
    "Not a valid email address.": "邮箱地址格式不正确",
    "Invalid JSON body.": "请求体不是有效的 JSON",
}


_PATTERNS = (
    (re.compile(r"^Longer than maximum length (\d+)\.$"), "长度不能超过{0}个字符"),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), "长度不能少于{0}个字符"),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), "长度应在{0}到{1}之间"),
    (re.compile(r"^Length must be (\d+)\.$"), "长度应为{0}"),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"), "应在{0}到{1}之间"),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), "不能小于{0}"),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), "不能大于{0}"),
    (re.compile(r"^Must be greater than (\S+)\.$"), "应大于{0}"),
    (re.compile(r"^Must be less than (\S+)\.$"), "应小于{0}"),
    (re.compile(r"^Must be one of: (.*)\.$"), "取值应为以下之一：{0}"),
    (re.compile(r"^Special numeric values \(nan or infinity\) are not permitted\.$"), "不能是 NaN 或无穷大"),
    (re.compile(r"^Number too large\.$"), "数值过大"),
)


def translate_field_message(message: str) -> str:
    if message in _FIELD_MESSAGES:
        return _FIELD_MESSAGES[message]
    for pattern, chinese in _PATTERNS:
        match = pattern.match(message)
        if match:
            return chinese.format(*match.groups())
    return message


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """{"json": {"a": {"0": ["x"]}}} -> {"a.0": ["x"]}, each message translated."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, texts in _flatten(value, name).items():
                flat.setdefault(field, []).extend(texts)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_schema"] = [translate_field_message(m) for m in messages]
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            flat.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "_schema"] = [translate_field_message(str(messages))]
    return flat


def plain_messages(messages: Any, labels: dict[str, str] | None = None) -> str:
    """A validation error's messages as one Chinese sentence, "field：message；…", each field named
    by its label where `labels` knows it."""
    named = labels or {}

    def name_of(path: str) -> str:
        last = path.rsplit(".", 1)[-1]
        return named.get(last, path)

    return "；".join(
        (f"{name_of(name)}：" if name != "_schema" else "") + "，".join(texts)
        for name, texts in _flatten(messages).items()
    )


def schema_labels() -> dict[str, str]:
    """Every input field's Chinese label (its `label` metadata), across the registered schemas."""
    from marshmallow import class_registry

    labels: dict[str, str] = {}
    for classes in class_registry._registry.values():
        for schema_class in classes:
            for name, field in getattr(schema_class, "_declared_fields", {}).items():
                label = field.metadata.get("label")
                if isinstance(label, str):
                    labels.setdefault(name, label)
    return labels


def envelope(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> Response:
    response = jsonify({"code": code, "message": message, "details": details or {}, "request_id": current_request_id()})
    response.status_code = status
    return response


def field_label(schema: Any, name: str) -> str:
    """The Chinese name of a field ("出生日期"), from its `label` metadata; else the field name."""
    field = getattr(schema, "fields", {}).get(name.split(".", 1)[0])
    label = field.metadata.get("label") if field is not None else None
    return f"{label}（{name}）" if label else name


def _validation_response(messages: dict[str, Any], status: int = 422, schema: Any = None) -> Response:
    by_location = {loc: _flatten(msgs) for loc, msgs in messages.items()}
    fields = {name: texts for loc in by_location.values() for name, texts in loc.items()}
    if "_schema" in fields and fields["_schema"] == ["请求体不是有效的 JSON"]:
        return envelope(400, "MALFORMED_JSON", "请求体不是有效的 JSON，请检查格式")
    summary = "；".join(f"{field_label(schema, name)}：{'，'.join(texts)}" for name, texts in fields.items())
    return envelope(status, "VALIDATION_FAILED", f"提交的数据有误：{summary}", {"fields": fields})


def handle_app_error(error: AppError) -> Response:
    response = envelope(error.status, error.code, error.message, error.details)
    if error.retry_after_s is not None:
        response.headers["Retry-After"] = str(max(1, int(error.retry_after_s)))
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="miniapp"'
    return response


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None)
    if isinstance(data, dict) and isinstance(data.get("messages"), dict):
        return _validation_response(data["messages"], status, data.get("schema"))
    code, message = HTTP_ERRORS.get(status, ("HTTP_ERROR", "请求无法处理"))
    details: dict[str, Any] = {}
    if status == 413:
        limit = request.max_content_length  # this route's own limit, else the app's
        message = f"提交的内容超过上限（{human_bytes(limit)}）" if limit else message
        details = {"max_bytes": limit}
    response = envelope(status, code, message, details)
    if status == 429:
        response.headers["Retry-After"] = str(_rate_limit_reset_s())
    valid_methods = getattr(error, "valid_methods", None)
    if status == 405 and valid_methods:
        response.headers["Allow"] = ", ".join(valid_methods)
    return response


def _rate_limit_reset_s() -> int:
    """Seconds until the exceeded request limit's window resets (flask-limiter's, see auth/limits)."""
    limiter = current_app.extensions.get("miniapp_limiter")
    try:
        breached = limiter.current_limit if limiter is not None else None
        return max(1, math.ceil(breached.reset_at - time.time())) if breached is not None else 60
    except redis.RedisError:  # the window's end is in Redis; the answer stays a 429
        return 60


def human_bytes(size: int) -> str:
    return f"{size / 1024 / 1024:g} MB" if size >= 1024 * 1024 else f"{size / 1024:g} KB"


def handle_unexpected(error: Exception) -> Response:
    log.exception("unhandled error: %s", type(error).__name__)
    code, message = HTTP_ERRORS[500]
    return envelope(500, code, message)


def handle_integrity_error(error: IntegrityError | StaleDataError) -> Response:
    # Two requests raced to create or change the same thing; the database decided.
    log.warning("write conflict: %s", type(getattr(error, "orig", None) or error).__name__)
    return envelope(409, "CONFLICT", "数据已被其他请求修改或已存在，请刷新后重试")


# Values a request can carry that the database refuses: out of range, too long, not text.
_INPUT_SQLSTATES = {"22001", "22003", "22021", "22P02", "22P05"}


def handle_data_error(error: DataError) -> Response:
    # The database refused a value the request carried (a NUL byte in a path, a number out of its
    # column's range): the input's fault, not the server's. Schemas refuse these first; this is
    # the net behind them. Any other data error is the server's own, and stays a 500.
    original = getattr(error, "orig", None)
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate in _INPUT_SQLSTATES or (sqlstate is None and "NUL" in str(original)):
        log.warning("value refused by the database: %s %s", type(original).__name__, sqlstate or "")
        return envelope(422, "INVALID_VALUE", "提交的内容含有无法处理的字符或数值，请检查后重试")
    return handle_unexpected(error)


def handle_redis_down(error: Exception) -> Response:
    log.error("redis unavailable: %s", type(error).__name__)
    return _dependency_down("redis")


def handle_database_down(error: Exception) -> Response:
    # The connection failed or timed out: the pool pings before reuse, so the next request
    # reconnects by itself once the database is back.
    log.error("database unavailable: %s", type(getattr(error, "orig", None) or error).__name__)
    return _dependency_down("database")


def _dependency_down(dependency: str) -> Response:
    response = envelope(503, "SERVICE_UNAVAILABLE", "服务暂时不可用，请稍后再试", {"dependency": dependency})
    response.headers["Retry-After"] = "5"
    return response


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(DataError, handle_data_error)
    # Another request changed the same row first (optimistic version check): same answer.
    app.register_error_handler(StaleDataError, handle_integrity_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(redis.RedisError, handle_redis_down)
    for down in (OperationalError, InterfaceError, PoolTimeout):
        app.register_error_handler(down, handle_database_down)
    app.register_error_handler(Exception, handle_unexpected)
