"""OCR of images and scanned PDFs (tesseract), legacy Office binaries (catdoc's readers).

Run where Debian's tesseract-ocr, tesseract-ocr-chi-sim, poppler-utils, catdoc and a Chinese
font (fonts-wqy-microhei) are installed, as `.ci/run` does; skipped, with the reason, elsewhere.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from baomi.levels import Level
from baomi.scanner import Kind, Status
from baomi.scanner.ocr import repair_marks, tesseract_languages
from tests.scanner.conftest import mark_rules

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
needs_ocr = pytest.mark.skipif(
    tesseract_languages() is None or shutil.which("pdftoppm") is None or not FONT.exists(),
    reason="needs tesseract-ocr, tesseract-ocr-chi-sim, poppler-utils and fonts-wqy-microhei")


def _page_pdf(path: Path, lines: list[tuple[int, str]]) -> Path:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("wqy", str(FONT), subfontIndex=0))
    c = canvas.Canvas(str(path))
    y = 760
    for size, text in lines:
        c.setFont("wqy", size)
        c.drawString(72, y, text)
        y -= size * 2.5
    c.save()
    return path


def _scanned(tmp_path: Path, lines: list[tuple[int, str]]) -> tuple[Path, Path]:
    """A page as a PNG, and the same page as a PDF holding only that picture."""
    from reportlab.pdfgen import canvas

    text_pdf = _page_pdf(tmp_path / "page.pdf", lines)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(text_pdf), str(tmp_path / "page")],
                   check=True)
    png = tmp_path / "page.png"
    scanned = tmp_path / "scanned.pdf"
    c = canvas.Canvas(str(scanned))
    c.drawImage(str(png), 0, 0, width=595, height=842)
    c.save()
    return png, scanned


def test_star_misread_by_ocr_is_repaired_only_in_a_mark():
    assert repair_marks("机密文5年\n正文") == "机密★5年\n正文"
    assert repair_marks("  绝密女长期") == "  绝密★长期"
    assert repair_marks("秘密 * 10年") == "秘密★10年"
    # Words in a sentence are not marks, and nothing else is touched.
    assert repair_marks("严守机密文件5年来无泄密") == "严守机密文件5年来无泄密"
    assert repair_marks("秘密事项范围") == "秘密事项范围"


@needs_ocr
def test_an_image_and_a_scanned_pdf_are_read_by_ocr(scanner, tmp_path):
    png, scanned = _scanned(tmp_path, [(26, "机密★5年"), (16, "关于东风工程选址的请示")])
    for path in (png, scanned):
        result = scanner.scan_path(path)
        assert result.status is Status.OK, result.error
        assert "机密★5年" in mark_rules(result)
        mark = next(f for f in result.findings if f.kind is Kind.MARK)
        assert mark.location["part"] == "ocr" and mark.location["page"] == 1
        assert any(f.kind is Kind.KEYWORD and f.level is Level.SECRET for f in result.findings)


@needs_ocr
def test_a_scanned_page_without_text_is_read_and_clean(scanner, tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "blank.pdf"
    c = canvas.Canvas(str(path))
    c.rect(100, 100, 200, 200, fill=1)
    c.save()
    result = scanner.scan_path(path)
    assert (result.status, result.findings) == (Status.OK, [])


@pytest.mark.skipif(shutil.which("xls2csv") is None, reason="needs catdoc (xls2csv)")
def test_a_legacy_excel_workbook_is_read_through_xls2csv(scanner, tmp_path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("预算")
    sheet.write(0, 0, "秘密★1年")
    sheet.write(1, 0, "东风工程2027年度资金安排")
    path = tmp_path / "预算.xls"
    book.save(str(path))
    result = scanner.scan_path(path)
    assert (result.status, result.type) == (Status.OK, "xls")
    assert "秘密★1年" in mark_rules(result)
    assert any(f.kind is Kind.KEYWORD and f.level is Level.SECRET for f in result.findings)


def test_without_the_programs_the_missing_package_is_named(scanner, tmp_path, monkeypatch):
    monkeypatch.setenv("BAOMI_SCAN_OCR", "0")
    png = tmp_path / "scan.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    result = scanner.scan_path(png)
    assert result.status is Status.UNSUPPORTED and "tesseract-ocr-chi-sim" in (result.error or "")
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    book.add_sheet("表").write(0, 0, "秘密★")
    book.save(str(tmp_path / "a.xls"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no catdoc on this PATH
    result = scanner.scan_path(tmp_path / "a.xls")
    assert result.status is Status.UNSUPPORTED and "catdoc" in (result.error or "")
