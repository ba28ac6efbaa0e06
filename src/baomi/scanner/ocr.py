"""Optional external readers: OCR for images and scanned PDFs (tesseract, pdftoppm) and the
legacy Office binaries (catdoc, xls2csv, catppt).

Each is used only when its program is installed (Debian: tesseract-ocr, tesseract-ocr-chi-sim,
poppler-utils, catdoc); otherwise the file is reported as unsupported with the package it
needs, never silently skipped. The programs run on a temporary copy, with a time limit, and
their output is read as text like any other part.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import IO

from baomi.scanner.base import Job, Unsupported

OCR_TIMEOUT_S = 120
OCR_DPI = 200


def _enabled() -> bool:
    return os.environ.get("BAOMI_SCAN_OCR", "1") not in ("0", "false", "no")


def tesseract_languages() -> str | None:
    """`chi_sim` if tesseract with Simplified Chinese is installed (and OCR not switched off)."""
    exe = shutil.which("tesseract")
    if exe is None or not _enabled():
        return None
    return _languages(exe)


@functools.lru_cache(maxsize=4)
def _languages(exe: str) -> str | None:
    try:
        listed = subprocess.run([exe, "--list-langs"], capture_output=True, text=True,  # noqa: S603
                                timeout=20).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    # chi_sim alone reads Chinese documents better than chi_sim+eng, and still reads digits.
    return "chi_sim" if "chi_sim" in listed else None


# The star of a mark is the glyph OCR most often misreads (文, 女, 大, *, ☆…): a level word at the
# start of a line followed by one stray character and a period is a mark with its star.
_MISREAD_STAR = re.compile(r"(?m)^(\s*)(绝密|机密|秘密)\s*[^\s\d]?\s*(?=(\d{1,2}\s*年|\d{1,2}\s*个月|长期))")


def repair_marks(text: str) -> str:
    return _MISREAD_STAR.sub(lambda m: f"{m.group(1)}{m.group(2)}★", text)


def _run(args: list[str], timeout: float = OCR_TIMEOUT_S) -> str:
    try:
        done = subprocess.run(args, capture_output=True, timeout=timeout)  # noqa: S603  (our argv, no shell)
    except subprocess.TimeoutExpired:
        raise Unsupported(f"{Path(args[0]).name} took longer than {int(timeout)} s") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise Unsupported(f"{Path(args[0]).name} failed: {message[-1][:200] if message else done.returncode}")
    return done.stdout.decode("utf-8", "replace")


def ocr_file(path: str, languages: str) -> str:
    # psm 6 (one uniform block) reads a document page's lines in order, marks included.
    return repair_marks(_run(["tesseract", path, "stdout", "-l", languages, "--psm", "6"]))


def _copy(f: IO[bytes], size: int, job: Job, suffix: str, folder: str) -> str:
    if size > job.limits.max_member_size:
        raise Unsupported("file too large for the external reader")
    path = os.path.join(folder, "in" + suffix)
    with open(path, "wb") as out:
        shutil.copyfileobj(f, out, 1024 * 1024)
    return path


def image(f: IO[bytes], name: str, size: int, job: Job) -> None:
    languages = tesseract_languages()
    if languages is None:
        raise Unsupported("image: needs OCR (install tesseract-ocr and tesseract-ocr-chi-sim) to read text in it")
    job.set_type("image")
    with tempfile.TemporaryDirectory(prefix="baomi-ocr-") as folder:
        path = _copy(f, size, job, os.path.splitext(name)[1].lower() or ".img", folder)
        job.part(ocr_file(path, languages), "ocr", where={"page": 1})


def scanned_pdf(f: IO[bytes], size: int, pages: int, job: Job) -> bool:
    """OCR a PDF without a text layer; False when the tools are missing."""
    languages = tesseract_languages()
    if languages is None or shutil.which("pdftoppm") is None:
        return False
    f.seek(0)
    with tempfile.TemporaryDirectory(prefix="baomi-ocr-") as folder:
        path = _copy(f, size, job, ".pdf", folder)
        last = min(pages, job.limits.ocr_pages)
        _run(["pdftoppm", "-r", str(OCR_DPI), "-gray", "-png", "-f", "1", "-l", str(last), path,
              os.path.join(folder, "page")])
        images = sorted(Path(folder).glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        for number, page in enumerate(images, 1):
            job.part(ocr_file(str(page), languages), "ocr", where={"page": number})
    if pages > last:
        job.member_problem(f"pages {last + 1}-{pages}", "unsupported",
                           f"only the first {last} pages of a scanned PDF are read by OCR")
    return True


# Kind → (program, arguments before the file, what it is).
_LEGACY_READERS = {
    ".doc": ("catdoc", ["-d", "utf-8", "-w"], "Word 97-2003 document"),
    ".dot": ("catdoc", ["-d", "utf-8", "-w"], "Word 97-2003 template"),
    ".xls": ("xls2csv", ["-d", "utf-8"], "Excel 97-2003 workbook"),
    ".xlt": ("xls2csv", ["-d", "utf-8"], "Excel 97-2003 template"),
    ".ppt": ("catppt", ["-d", "utf-8"], "PowerPoint 97-2003 presentation"),
}


def legacy(f: IO[bytes], ext: str, size: int, job: Job, what: str) -> None:
    """A legacy Office binary, by the kind its content shows (`.doc`, `.xls`, `.ppt`)."""
    reader = _LEGACY_READERS.get(ext)
    exe = shutil.which(reader[0]) if reader else None
    if reader is None or exe is None:
        raise Unsupported(f"{what}: needs catdoc (Debian package catdoc) or LibreOffice to read it")
    f.seek(0)
    with tempfile.TemporaryDirectory(prefix="baomi-legacy-") as folder:
        path = _copy(f, size, job, ext, folder)
        job.set_type(ext.lstrip("."))
        job.part(_run([exe, *reader[1], path], timeout=60), "body")
