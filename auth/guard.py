"""One line on a view says who may call it:

    @requires(blp, "claimant", level=Level.BOUND)
    def get(self, caller: Caller) -> ...

The bearer token is checked, the caller's kind, assurance level and staff roles are checked,
and the view receives the `Caller`. The level applies to claimants only. Whether the caller
may touch a particular record is the service layer's decision (it knows the record's owner);
this only keeps out the wrong kind of caller.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import g, request

from auth.caller import Caller, Level
from auth.sessions import authenticate
from miniapp_api.api import Blueprint, ErrorEnvelope
from miniapp_api.errors import Forbidden, Unauthenticated

F = TypeVar("F", bound=Callable[..., Any])
BEARER = "bearerAuth"
_KIND_NAMES = {"claimant": "申领人", "employer": "用人单位", "staff": "经办工作人员"}
_LEVEL_REFUSALS = {
    Level.BOUND: ("IDENTITY_NOT_BOUND", "请先完成实名认证（绑定身份证号码）"),
    Level.FACE_VERIFIED: ("FACE_VERIFICATION_REQUIRED", "请先完成人脸核验"),
}


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("请先登录", code="UNAUTHENTICATED")
    return token.strip()


def check_caller(caller: Caller, kinds: tuple[str, ...], level: Level | None, roles: frozenset[str]) -> None:
    if caller.kind not in kinds:
        names = "、".join(_KIND_NAMES[kind] for kind in kinds)
        raise Forbidden(f"此功能仅限{names}使用", code="WRONG_ACCOUNT_KIND")
    if level is not None and caller.kind == "claimant" and (caller.level or 0) < level:
        code, message = _LEVEL_REFUSALS[level]
        raise Forbidden(message, code=code)
    if roles and not caller.roles & roles:
        raise Forbidden("您的岗位没有此项权限", code="ROLE_REQUIRED")


def requires(
    blp: Blueprint, kinds: str | Iterable[str], *, level: Level | None = None, roles: Iterable[str] = ()
) -> Callable[[F], F]:
    allowed = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    needed_roles = frozenset(roles)

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            caller = authenticate(bearer_token())
            check_caller(caller, allowed, level, needed_roles)
            g.caller = caller
            return view(*args, caller=caller, **kwargs)

        documented = blp.doc(security=[{BEARER: []}])(checked)
        documented = blp.alt_response(401, schema=ErrorEnvelope, description="未登录或登录已失效")(documented)
        return blp.alt_response(403, schema=ErrorEnvelope, description="账号类型、认证级别或岗位不符")(  # type: ignore[no-any-return]
            documented
        )

    return decorate
