"""The few plain pages the service serves to a phone's browser (links in SMS, QR codes):
no scripts, one small style, the same shell."""

from __future__ import annotations

from html import escape

from flask import request

_STYLE = "body{font-family:sans-serif;max-width:36em;margin:1.5em auto;padding:0 1em;line-height:1.6}"


def page(title: str, body: str) -> str:
    """`body` is markup the caller built with every value escaped."""
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def wants_html() -> bool:
    """A phone's browser (opening a link or a QR code) rather than an API client."""
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"
