"""Bar charts drawn by the server as SVG: no script, sharp at any zoom, and each page shows the
same figures as a table beside it (a chart alone says nothing to a screen reader)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

_WIDTH, _BAR_GAP, _HEIGHT, _TOP, _BOTTOM = 640, 8, 220, 20, 40


def bars(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    unit: str = "",
    top: float | None = None,
    label_every: int = 1,
) -> str:
    """An inline SVG bar chart; `top` fixes the scale (100 for percentages); with many bars only
    every `label_every`-th is labelled below (the table beside it has them all). A value of None
    (nothing to measure that day) draws no bar."""
    highest = top or max((value or 0 for value in values), default=0) or 1
    count = max(len(values), 1)  # one bar is a bar, not a wall: at most 80 wide
    plot = _HEIGHT - _TOP - _BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT}" width="{_WIDTH}" height="{_HEIGHT}"><title>{escape(title)}</title>',
        f'<line x1="0" y1="{_HEIGHT - _BOTTOM}" x2="{_WIDTH}" y2="{_HEIGHT - _BOTTOM}" stroke="#333"/>',
    ]
    gap = _BAR_GAP if count <= 12 else 2
    width = min(80.0, (_WIDTH - gap * (count + 1)) / count)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = gap + index * (width + gap)
        if value is not None:
            height = plot * (value / highest)
            y = _HEIGHT - _BOTTOM - height
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="#0b3d91"/>')
            if count <= 12:  # figures above thin bars would overlap; the table has them
                parts.append(
                    f'<text x="{x + width / 2:.1f}" y="{y - 4:.1f}" font-size="12" text-anchor="middle">'
                    f"{escape(f'{value:g}{unit}')}</text>"
                )
        if index % label_every:
            continue
        parts.append(
            f'<text x="{x + width / 2:.1f}" y="{_HEIGHT - _BOTTOM + 16}" font-size="12" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    if not any(values):
        parts.append(
            f'<text x="{_WIDTH / 2}" y="{_HEIGHT / 2}" font-size="16" text-anchor="middle" fill="#555">暂无数据</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
