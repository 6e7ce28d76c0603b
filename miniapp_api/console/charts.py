"""Bar charts drawn by the server as SVG: no script, sharp at any zoom, and each page shows the
same figures as a table beside it (a chart alone says nothing to a screen reader)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

_WIDTH, _BAR_GAP, _HEIGHT, _TOP, _BOTTOM = 640, 8, 220, 20, 40


def bars(
    title: str, labels: Sequence[str], values: Sequence[float], *, unit: str = "", top: float | None = None
) -> str:
    """An inline SVG bar chart; `top` fixes the scale (100 for percentages)."""
    highest = top or max((value for value in values), default=0) or 1
    count = max(len(values), 1)
    width = min(80.0, (_WIDTH - _BAR_GAP * (count + 1)) / count)  # one bar is a bar, not a wall
    plot = _HEIGHT - _TOP - _BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT}" width="{_WIDTH}" height="{_HEIGHT}"><title>{escape(title)}</title>',
        f'<line x1="0" y1="{_HEIGHT - _BOTTOM}" x2="{_WIDTH}" y2="{_HEIGHT - _BOTTOM}" stroke="#333"/>',
    ]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = plot * (value / highest)
        x = _BAR_GAP + index * (width + _BAR_GAP)
        y = _HEIGHT - _BOTTOM - height
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="#0b3d91"/>')
        parts.append(
            f'<text x="{x + width / 2:.1f}" y="{y - 4:.1f}" font-size="12" text-anchor="middle">'
            f"{escape(f'{value:g}{unit}')}</text>"
        )
        parts.append(
            f'<text x="{x + width / 2:.1f}" y="{_HEIGHT - _BOTTOM + 16}" font-size="12" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
