"""CSV files the service hands out (the bank file, compliance lists), safe to open in Excel.

A cell that starts with =, +, -, @, a tab or a carriage return is a formula to a spreadsheet
(CSV injection, OWASP): it is written with a leading apostrophe, which Excel and WPS show as text.
Amounts and dates the service formats itself never start so; anything a person typed might.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from flask import Response

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def csv_bytes(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """UTF-8 with a BOM (Excel reads it as such), every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutral(cell) for cell in header])
    for row in rows:
        writer.writerow([neutral(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def csv_download(content: bytes, filename: str) -> Response:
    """A CSV answer the browser saves as `filename`, never kept by a cache."""
    return Response(
        content,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
