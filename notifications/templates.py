"""Message templates: Chinese wording kept as data (templates.json), versioned, and rendered
only when every placeholder is filled.

SMS length is counted the way Chinese carriers bill it: up to 70 characters (signature
included) is one segment; longer messages are split into segments of 67.
"""

from __future__ import annotations

import json
import math
import string
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

SINGLE_SEGMENT = 70
MULTI_SEGMENT = 67
CHANNELS = ("wechat_subscribe", "wechat_template", "sms")

# WeChat subscribe-message value types and their length limits (the API answers 47003 past them).
_SUBSCRIBE_LIMITS = {"thing": 20, "phrase": 5, "name": 10, "character_string": 32, "number": 32, "letter": 32}


class TemplateError(ValueError):
    """A template or its personalisation is wrong: a programming error, never the user's."""


@dataclass(frozen=True)
class Template:
    kind: str
    version: int
    audience: str
    urgent: bool
    channels: tuple[str, ...]
    sms: str
    aliyun_template_code: str
    tencent_template_id: str
    wechat: dict[str, Any] | None = None
    limits: tuple[tuple[int, int], ...] = ()
    sms_placeholders: tuple[str, ...] = field(default=())
    placeholders: frozenset[str] = field(default=frozenset())


@dataclass(frozen=True)
class Rendered:
    sms_text: str
    sms_params: tuple[str, ...]  # in the order the placeholders first appear (Tencent's {1}, {2}, …)
    wechat_data: dict[str, dict[str, str]]
    wechat_link: str | None


def placeholders_of(text: str) -> list[str]:
    names = []
    for _literal, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise TemplateError(f"placeholder {{{name}}} must be a plain name")
        if name not in names:
            names.append(name)
    return names


def _wechat_texts(wechat: dict[str, Any] | None) -> list[str]:
    if not wechat:
        return []
    return [*wechat["fields"].values(), *(wechat[key] for key in ("url", "page") if key in wechat)]


def _build(raw: dict[str, Any]) -> Template:
    channels = tuple(raw["channels"])
    if not channels or set(channels) - set(CHANNELS):
        raise TemplateError(f"{raw['kind']}: unknown channels {channels}")
    if any(c.startswith("wechat") for c in channels) != bool(raw.get("wechat")):
        raise TemplateError(f"{raw['kind']}: WeChat channels and the wechat block go together")
    sms_names = placeholders_of(raw["sms"])
    names = set(sms_names)
    for text in _wechat_texts(raw.get("wechat")):
        names.update(placeholders_of(text))
    return Template(
        kind=raw["kind"],
        version=int(raw["version"]),
        audience=raw["audience"],
        urgent=bool(raw["urgent"]),
        channels=channels,
        sms=raw["sms"],
        aliyun_template_code=raw["aliyun_template_code"],
        tencent_template_id=raw["tencent_template_id"],
        wechat=raw.get("wechat"),
        limits=tuple((int(count), int(seconds)) for count, seconds in raw.get("limits", [])),
        sms_placeholders=tuple(sms_names),
        placeholders=frozenset(names),
    )


def _load() -> dict[tuple[str, int], Template]:
    data = json.loads(resources.files("notifications").joinpath("templates.json").read_text("utf-8"))
    templates: dict[tuple[str, int], Template] = {}
    for raw in data["templates"]:
        template = _build(raw)
        key = (template.kind, template.version)
        if key in templates:
            raise TemplateError(f"duplicate template {key}")
        templates[key] = template
    return templates


TEMPLATES = _load()
KINDS = frozenset(kind for kind, _ in TEMPLATES)


def latest(kind: str) -> Template:
    versions = [t for (k, _), t in TEMPLATES.items() if k == kind]
    if not versions:
        raise TemplateError(f"no template for message kind {kind!r}")
    return max(versions, key=lambda t: t.version)


def get(kind: str, version: int) -> Template:
    try:
        return TEMPLATES[(kind, version)]
    except KeyError:
        raise TemplateError(f"no template {kind!r} version {version}") from None


def sms_segments(text: str, sign_name: str) -> int:
    length = len(f"【{sign_name}】{text}")
    return 1 if length <= SINGLE_SEGMENT else math.ceil(length / MULTI_SEGMENT)


def _fit(key: str, value: str) -> str:
    kind = key.rstrip("0123456789")
    limit = _SUBSCRIBE_LIMITS.get(kind)
    if limit is None or len(value) <= limit:
        return value
    return value[: limit - 1] + "…"


def render(template: Template, personalisation: dict[str, Any]) -> Rendered:
    """Fill every placeholder; a missing or unexpected name is an error, not a blank."""
    given = set(personalisation)
    missing = sorted(template.placeholders - given)
    unexpected = sorted(given - template.placeholders)
    if missing or unexpected:
        raise TemplateError(f"{template.kind} v{template.version}: missing {missing}, unexpected {unexpected}")
    values = {name: str(value) for name, value in personalisation.items()}
    wechat_data: dict[str, dict[str, str]] = {}
    link = None
    if template.wechat:
        subscribe = "wechat_subscribe" in template.channels
        for key, text in template.wechat["fields"].items():
            value = text.format(**values)
            wechat_data[key] = {"value": _fit(key, value) if subscribe else value}
        raw_link = template.wechat.get("page") or template.wechat.get("url")
        link = raw_link.format(**values) if raw_link else None
    return Rendered(
        sms_text=template.sms.format(**values),
        sms_params=tuple(values[name] for name in template.sms_placeholders),
        wechat_data=wechat_data,
        wechat_link=link,
    )
