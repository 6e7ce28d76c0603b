"""The few plain pages the service serves to a phone's browser (links in SMS, QR codes):
no scripts, one small style, the same shell."""

from __future__ import annotations

from html import escape

from flask import request

# Readable on a phone without zooming (适老化): 18 px text, 48 px buttons, strong contrast.
_STYLE = (
    "body{font-family:sans-serif;font-size:18px;max-width:36em;margin:1.5em auto;padding:0 1em;line-height:1.7;"
    "color:#1a1a1a}button{font-size:18px;min-height:48px;padding:8px 20px;background:#0b57d0;color:#fff;"
    "border:0;border-radius:8px}a{color:#0b57d0}th{text-align:left;padding-right:1em}"
)


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


def refusal_page(title: str, message: str) -> str:
    """An error a browser opened (a used or expired link): said in words, never as JSON."""
    return page(title, f"<h1>{escape(title)}</h1><p>{escape(message)}</p>")
