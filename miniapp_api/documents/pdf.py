"""PDF building blocks with the Chinese font embedded, so any viewer shows the text.

reportlab embeds a subset of the TrueType font (only the glyphs used), which keeps a receipt
around 30–60 KB while needing no font on the reader's device.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import segno
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT_FILE = Path(__file__).parent / "fonts" / "wqy-microhei.ttc"
FONT = "WenQuanYiMicroHei"


@functools.cache
def register_font() -> str:
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE), subfontIndex=0))
    return FONT


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    font = register_font()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=4 * mm),
        "heading": ParagraphStyle(
            "heading", parent=body, fontSize=12.5, leading=20, spaceBefore=4 * mm, spaceAfter=2 * mm
        ),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=9, leading=13, textColor=colors.HexColor("#444444")),
        "cell": ParagraphStyle("cell", parent=body, fontSize=9.5, leading=13),
        "number": ParagraphStyle("number", parent=body, alignment=TA_CENTER, spaceAfter=3 * mm),
    }


class Document:
    """A document written top to bottom: title, headings, paragraphs, key–value blocks, tables."""

    def __init__(self, title: str, *, subject: str) -> None:
        self.title = title
        self.subject = subject
        self.flow: list[Any] = [Paragraph(escape(title), styles()["title"])]

    def heading(self, text: str) -> None:
        self.flow.append(Paragraph(escape(text), styles()["heading"]))

    def paragraph(self, text: str, style: str = "body") -> None:
        self.flow.append(Paragraph(escape(text), styles()[style]))

    def space(self, height_mm: float = 3) -> None:
        self.flow.append(Spacer(1, height_mm * mm))

    def pairs(self, rows: Sequence[tuple[str, str]]) -> None:
        cell = styles()["cell"]
        data = [[Paragraph(escape(key), cell), Paragraph(escape(value), cell)] for key, value in rows]
        self.flow.append(_table(data, [38 * mm, 132 * mm], header=False))

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], widths_mm: Sequence[float]) -> None:
        cell = styles()["cell"]
        data = [[Paragraph(escape(text), cell) for text in row] for row in [header, *rows]]
        self.flow.append(_table(data, [w * mm for w in widths_mm], header=True))

    def qr_block(self, url: str, caption: Sequence[str]) -> None:
        """A QR code of `url` (vector squares, sharp at any zoom) beside a caption, line by line."""
        code = segno.make(url, error="m")
        size = 30 * mm
        cell = size / code.symbol_size(border=2)[0]
        drawing = Drawing(size, size)
        for y, row in enumerate(code.matrix_iter(border=2)):
            for x, dark in enumerate(row):
                if dark:
                    drawing.add(
                        Rect(x * cell, size - (y + 1) * cell, cell, cell, fillColor=colors.black, strokeWidth=0)
                    )
        text = Paragraph("<br/>".join(escape(line) for line in caption), styles()["small"])
        block = Table([[drawing, text]], colWidths=[size + 4 * mm, 136 * mm])
        block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        self.flow.append(block)

    def render(self) -> bytes:
        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=20 * mm,
            rightMargin=20 * mm,
            topMargin=18 * mm,
            bottomMargin=18 * mm,
            title=self.title,
            subject=self.subject,
            author="失业保险经办机构",
            creator="miniapp-unemployment",
        )
        document.build(self.flow)
        return buffer.getvalue()


def _table(data: list[list[Any]], widths: list[float], *, header: bool) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")))
    else:
        style.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F5F5F5")))
    table.setStyle(TableStyle(style))
    return table


def escape(text: str) -> str:
    """Paragraph text is a small markup language: a name with "<" or "&" must stay text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
