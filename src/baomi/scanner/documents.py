"""PDF (text layer, per page), RTF and HTML."""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser
from typing import IO

from baomi.scanner.base import Job, Unsupported
from baomi.scanner.text import codec_of, detect_encoding

logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files are reported by us, once


def pdf(f: IO[bytes], name: str, size: int, job: Job) -> None:
    from pypdf import PdfReader

    reader = PdfReader(f, strict=False)
    if reader.is_encrypted:
        try:
            ok = reader.decrypt("")
        except Exception as exc:  # missing AES support and the like
            raise Unsupported(f"encrypted PDF ({exc})") from None
        if not ok:
            raise Unsupported("encrypted PDF: needs the password")
    pages = reader.pages
    total = 0
    for number, page in enumerate(pages, 1):
        text = page.extract_text() or ""
        total += len(text.strip())
        job.part(text, "page", where={"page": number})
    meta = reader.metadata
    if meta is not None:
        values = [str(v) for v in (meta.title, meta.subject, meta.get("/Keywords")) if v]
        job.part("\n".join(values), "properties", strong=True)
    if len(pages) and not total:
        from baomi.scanner.ocr import scanned_pdf

        if not scanned_pdf(f, size, len(pages), job):
            raise Unsupported(f"PDF without a text layer ({len(pages)} pages, probably scanned): needs OCR "
                              "(install tesseract-ocr, tesseract-ocr-chi-sim and poppler-utils)")


_ANSICPG = re.compile(rb"\\ansicpg(\d+)")


def rtf(f: IO[bytes], name: str, size: int, job: Job) -> None:
    from striprtf.striprtf import rtf_to_text

    raw = f.read(job.limits.max_member_size + 1)
    if len(raw) > job.limits.max_member_size:
        raise Unsupported("RTF file too large to parse")
    m = _ANSICPG.search(raw[:4096])
    encoding = f"cp{int(m.group(1))}" if m else "cp1252"
    try:
        "".encode(encoding)
    except LookupError:
        encoding = "cp1252"
    job.part(rtf_to_text(raw.decode("latin-1"), encoding=encoding, errors="replace"), "body")


_BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article",
          "header", "footer", "blockquote", "pre", "hr", "dt", "dd", "title", "td", "th"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)


class _Text(HTMLParser):
    """Visible text and the title; script and style skipped, block ends as line breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.body: list[str] = []
        self.title: list[str] = []
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag in _BLOCK:
            self.body.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in _BLOCK:
            self.body.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._skip:
            self.body.append(data)


def html_text(raw: bytes, charset: str | None = None) -> tuple[str, str]:
    """(title, body text) of an HTML document in bytes."""
    encoding = charset
    if encoding is None:
        m = _META_CHARSET.search(raw[:4096])
        encoding = m.group(1).decode("ascii") if m else None
    if encoding is None:
        encoding = codec_of(detect_encoding(raw[:65536]) or "utf-8")
    if encoding.lower().replace("-", "") in ("gb2312", "gbk"):
        encoding = "gb18030"  # what pages declared as GB2312 really contain
    try:
        text = raw.decode(encoding, "replace")
    except LookupError:
        text = raw.decode("utf-8", "replace")
    return html_from_str(text)


def html_from_str(text: str) -> tuple[str, str]:
    parser = _Text()
    parser.feed(text)
    parser.close()
    body = re.sub(r"[ \t]*\n[ \t\n]*", "\n", "".join(parser.body))
    return "".join(parser.title).strip(), body


def html(f: IO[bytes], name: str, size: int, job: Job) -> None:
    raw = f.read(job.limits.max_member_size + 1)
    if len(raw) > job.limits.max_member_size:
        raise Unsupported("HTML file too large to parse")
    title, body = html_text(raw)
    job.part(title, "title", strong=True)
    job.part(body, "body")
