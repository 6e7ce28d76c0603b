"""The HTTP shell: flask-smorest, OpenAPI at /openapi.json, docs at /docs, strict JSON bodies."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import flask_smorest as smorest
import marshmallow as ma
import swagger_ui_bundle
from flask import Flask, Request, Response, abort, request, send_from_directory
from flask_smorest import Api
from webargs.flaskparser import FlaskParser

from miniapp_api.db import abandon_unit_of_work, unit_of_work
from miniapp_api.errors import ValidationFailed

JSON_TYPES = ("application/json",)
_ACCEPTS_ATTR = "_miniapp_accepts"
F = TypeVar("F", bound=Callable[..., Any])

API_SETTINGS = {
    "API_TITLE": "失业保险金线上申领 API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "/docs",
    # Served from the installed swagger-ui-bundle: the docs work without internet access.
    "OPENAPI_SWAGGER_UI_URL": "/docs/assets/",
    "API_SPEC_OPTIONS": {
        "info": {
            "description": "微信小程序“失业保险金畅通领、安全办”后端接口。"
            "所有错误均返回 {code, message, details, request_id}。"
        }
    },
}


class Schema(ma.Schema):
    """Base for request and response schemas: unknown fields are an error, never ignored, and no
    text may carry a NUL character (PostgreSQL cannot store one)."""

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load
    def _refuse_nul_characters(self, data: Any, **_kwargs: Any) -> Any:
        if isinstance(data, Mapping):
            carrying = sorted(str(key) for key in data if _has_nul(data[key]))
            if carrying:
                raise ma.ValidationError({key: ["不能包含空字符"] for key in carrying})
        return data


class Money(ma.fields.Decimal):
    """An amount in yuan, sent as a string with two decimals ("1980.00"), never a float."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(places=2, as_string=True, **kwargs)


def _has_nul(value: Any) -> bool:
    """Walked with a stack of its own, not recursion: a body may nest deeper than Python's frames."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, Mapping):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False


class ErrorEnvelope(Schema):
    """The one error body (documentation only; miniapp_api.errors builds it)."""

    code = ma.fields.String(required=True, metadata={"description": "稳定的机器可读错误码，如 VALIDATION_FAILED"})
    message = ma.fields.String(required=True, metadata={"description": "给用户看的中文说明"})
    details = ma.fields.Dict(required=True, metadata={"description": "补充信息，如各字段的错误 fields"})
    request_id = ma.fields.String(required=True, metadata={"description": "请求编号，与响应头 X-Request-ID 相同"})


class SafeJsonParser(FlaskParser):
    """webargs only catches JSONDecodeError; a 5,000-digit integer or 10,000 nested arrays
    raise ValueError or RecursionError, which must be "malformed JSON" too."""

    def _raw_load_json(self, req: Request) -> Any:
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise
        except (ValueError, RecursionError):
            # A non-empty doc: webargs reads an empty one as "no body at all".
            raise json.JSONDecodeError("unparseable JSON", "<body>", 0) from None


class Blueprint(smorest.Blueprint):  # type: ignore[misc]
    """flask-smorest's Blueprint with the safe JSON parser; every domain uses this one."""

    ARGUMENTS_PARSER = SafeJsonParser()


class MiniappApi(Api):  # type: ignore[misc]  # flask-smorest ships no type hints
    ERROR_SCHEMA = ErrorEnvelope


def body_limit(limit: Callable[[], int]) -> Callable[[F], F]:
    """Let this route take bodies up to `limit()` bytes (the API's default is smaller)."""

    def wrap(view: F) -> F:
        @functools.wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Any:
            request.max_content_length = limit()
            return view(*args, **kwargs)

        return limited  # type: ignore[return-value]

    return wrap


def file_body(field: str, description: str) -> dict[str, Any]:
    """The OpenAPI request body of an upload route taking one file in multipart field `field`."""
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [field],
                    "properties": {field: {"type": "string", "format": "binary", "description": description}},
                }
            }
        },
    }


def uploaded_file(field: str) -> tuple[str, bytes] | None:
    """The file in multipart field `field` as (file name, bytes), read whole and released at once
    (a large upload is spooled to a temporary file); None when the field is absent. A second file,
    in this field or another, is refused: only one would be read, and the other silently lost."""
    parts = [name for name, _ in request.files.items(multi=True)]
    if len(parts) > 1:
        for extra in request.files.values():
            extra.close()
        raise ValidationFailed(
            f"一次只能上传一个文件（{field} 字段一个），本次收到{len(parts)}个，未做任何处理，请分次上传",
            code="ONE_FILE_A_TIME",
        )
    found = request.files.get(field)
    if found is None:
        return None
    try:
        return found.filename or "", found.read()
    finally:
        found.close()


def accepts(*mimetypes: str) -> Callable[[F], F]:
    """Declare the body types a view method takes besides JSON (e.g. multipart uploads)."""

    def mark(view: F) -> F:
        setattr(view, _ACCEPTS_ATTR, mimetypes)
        return view

    return mark


class MiniappFlask(Flask):
    def dispatch_request(self) -> Any:
        # The one transaction boundary of a request: commit on success, roll back on any
        # error answer, and only then run the after-commit hooks (job enqueueing).
        with unit_of_work():
            response = self.make_response(super().dispatch_request())
            if response.status_code >= 400:
                abandon_unit_of_work()
            return response


def _accepted_types() -> tuple[str, ...]:
    view = current_view()
    method = getattr(getattr(view, "view_class", None), request.method.lower(), None)
    return JSON_TYPES + getattr(method or view, _ACCEPTS_ATTR, ())


def current_view() -> Any:
    from flask import current_app

    return current_app.view_functions.get(request.endpoint or "")


def _require_known_body_type() -> None:
    if request.method not in {"POST", "PUT", "PATCH"} or request.endpoint is None:
        return
    has_body = (request.content_length or 0) > 0 or "chunked" in request.headers.get("Transfer-Encoding", "")
    if has_body and request.mimetype not in _accepted_types():
        abort(415)


def init_api(app: Flask) -> Api:
    app.config.update(API_SETTINGS)
    api = MiniappApi(app)
    api.register_field(Money, "string", "decimal")
    assets = Path(swagger_ui_bundle.swagger_ui_path)

    @app.get("/docs/assets/<path:filename>")
    def docs_assets(filename: str) -> Response:
        return send_from_directory(assets, filename, max_age=86400)

    app.before_request(_require_known_body_type)
    return api
