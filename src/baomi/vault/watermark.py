"""Stamping downloads: every page of a PDF gets the reader's watermark; plain text becomes a
stamped PDF. reportlab draws the overlay (CJK through the built-in CID font STSong-Light,
so no font file is needed) and pypdf merges it onto each page."""

from __future__ import annotations

import functools
import io
import math

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"


class UnreadablePdf(Exception):
    """The PDF cannot be opened (damaged, or encrypted with a password)."""


@functools.cache
def cjk_font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _overlay(width: float, height: float, x0: float, y0: float, text: str) -> bytes:
    font = cjk_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(x0 + width, y0 + height))
    # Diagonal, light grey, repeated across the page so that no crop removes it.
    c.saveState()
    c.setFillColor(Color(0.5, 0.5, 0.5, alpha=0.22))
    size = max(10.0, min(width, height) / 28)
    c.setFont(font, size)
    c.translate(x0 + width / 2, y0 + height / 2)
    c.rotate(math.degrees(math.atan2(height, width)))
    diagonal = math.hypot(width, height)
    step = size * 5
    rows = int(diagonal / step) + 1
    for row in range(-rows // 2, rows // 2 + 1):
        c.drawCentredString(0, row * step, text)
    c.restoreState()
    # And once along the bottom edge, small and straight, for the record.
    c.setFillColor(Color(0.45, 0.45, 0.45, alpha=0.6))
    c.setFont(font, 7)
    c.drawString(x0 + 18, y0 + 10, text)
    c.showPage()
    c.save()
    return buf.getvalue()


def stamp_pdf(data: bytes, text: str) -> bytes:
    """`data` with `text` stamped on every page; UnreadablePdf if it cannot be opened."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadablePdf("encrypted")
        writer = PdfWriter(clone_from=reader)
        overlays: dict[tuple[float, float, float, float], PageObject] = {}
        for page in writer.pages:
            box = page.mediabox
            key = (float(box.left), float(box.bottom), float(box.width), float(box.height))
            if key not in overlays:
                overlays[key] = PdfReader(io.BytesIO(_overlay(key[2], key[3], key[0], key[1], text))).pages[0]
            page.merge_page(overlays[key])
        out = io.BytesIO()
        writer.write(out)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise UnreadablePdf(str(exc)) from exc
    return out.getvalue()


def text_to_pdf(text: str, title: str = "") -> bytes:
    """Plain text laid out on A4 pages (wrapped by width), for stamping."""
    font = cjk_font()
    width, height = A4
    margin, size, leading = 56.0, 11.0, 17.0
    usable = width - 2 * margin
    lines: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        lines += _wrap(raw.expandtabs(4), font, size, usable)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    if title:
        c.setTitle(title)
    per_page = int((height - 2 * margin) / leading)
    for start in range(0, max(len(lines), 1), per_page):
        c.setFont(font, size)
        y = height - margin
        for line in lines[start:start + per_page]:
            c.drawString(margin, y, line)
            y -= leading
        c.showPage()
    c.save()
    return buf.getvalue()


def _wrap(line: str, font: str, size: float, usable: float) -> list[str]:
    out: list[str] = []
    while pdfmetrics.stringWidth(line, font, size) > usable:
        lo, hi = 1, len(line)
        while lo < hi:  # the longest prefix that fits
            mid = (lo + hi + 1) // 2
            if pdfmetrics.stringWidth(line[:mid], font, size) <= usable:
                lo = mid
            else:
                hi = mid - 1
        out.append(line[:lo])
        line = line[lo:]
    out.append(line)
    return out


def decode_text(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK); None if neither."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None
