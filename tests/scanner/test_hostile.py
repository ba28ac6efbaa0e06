"""Hostile and broken input ends in a clear status for that file, in bounded time and memory."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import textwrap
import time
import zipfile

import pytest

from baomi.scanner import Limits, Scanner, Status
from baomi.scanner import engine as engine_module
from tests.scanner import corpus

MiB = 1024 * 1024


def _deflated_zeros(name: str, size: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf, zf.open(name, "w") as member:
        block = b"\0" * MiB
        for _ in range(size // MiB):
            member.write(block)
    return buf.getvalue()


def test_zip_bomb_by_ratio(scanner, tmp_path):
    path = tmp_path / "bomb.zip"
    path.write_bytes(_deflated_zeros("zeros.txt", 64 * MiB))
    assert path.stat().st_size < MiB
    started = time.process_time()
    result = scanner.scan_path(path)  # CPU time below: what the scan costs, whatever the machine's load
    assert result.status is Status.ERROR
    assert "compression ratio" in (result.error or "") and "zip bomb" in (result.error or "")
    assert time.process_time() - started < 2


def test_gzip_bomb_is_stopped_while_unpacking(scanner, tmp_path):
    path = tmp_path / "zeros.txt.gz"
    path.write_bytes(gzip.compress(b"\0" * (64 * MiB), compresslevel=9))
    result = scanner.scan_path(path)
    assert result.status is Status.ERROR and "ratio" in (result.error or "")


def test_docx_whose_xml_is_a_bomb(scanner, tmp_path):
    good = corpus.raw_docx(tmp_path / "good.docx", body=["正文"])
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + b" " * (40 * MiB))
            dst.writestr(info.filename, data)
    result = scanner.scan_path(path)
    assert result.status is Status.ERROR and "zip bomb" in (result.error or "")


def test_nesting_depth_limit(scanner, tmp_path):
    data = "机密★5年".encode()
    name = "leaf.txt"
    for level in range(8):
        data = corpus.zip_bytes({name: data})
        name = f"level{level}.zip"
    path = tmp_path / "deep.zip"
    path.write_bytes(data)
    result = scanner.scan_path(path)
    assert result.status is Status.ERROR and "nested deeper than 5 levels" in (result.error or "")


def test_entry_count_and_total_size_limits(tmp_path):
    many = corpus.zip_of(tmp_path / "many.zip", {f"f{i}.txt": b"x" for i in range(120)})
    result = Scanner(limits=Limits(max_entries=100)).scan_path(many)
    assert result.status is Status.ERROR and "more than 100 archive entries" in (result.error or "")
    big = corpus.zip_of(tmp_path / "big.zip", {f"f{i}.txt": os.urandom(400 * 1024) for i in range(4)})
    result = Scanner(limits=Limits(max_total_uncompressed=MiB)).scan_path(big)
    assert result.status is Status.ERROR and "total unpacked size" in (result.error or "")


def test_truncated_docx(scanner, tmp_path):
    good = corpus.raw_docx(tmp_path / "good.docx", body=["机密★5年", "正文" * 200], header="秘密★")
    path = tmp_path / "truncated.docx"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    result = scanner.scan_path(path)
    assert result.status is Status.ERROR
    assert result.error is not None and result.error.startswith("damaged or truncated docx")


def test_malformed_and_scanned_pdf(scanner, tmp_path, monkeypatch):
    monkeypatch.setenv("BAOMI_SCAN_OCR", "0")  # without OCR a scanned PDF is named, not skipped
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\n" + os.urandom(2000))
    result = scanner.scan_path(bad)
    assert result.status is Status.ERROR and result.error and result.error.startswith("malformed pdf")

    from reportlab.pdfgen import canvas

    scanned = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(scanned))
    c.rect(100, 100, 200, 200, fill=1)
    c.showPage()
    c.save()
    result = scanner.scan_path(scanned)
    assert result.status is Status.UNSUPPORTED and "needs OCR" in (result.error or "")


def test_truncated_pdf_keeps_what_it_can_or_errors_cleanly(scanner, tmp_path):
    good = corpus.pdf(tmp_path / "good.pdf", [["机密★5年"], ["第二页"]])
    path = tmp_path / "cut.pdf"
    path.write_bytes(good.read_bytes()[: good.stat().st_size * 2 // 3])
    result = scanner.scan_path(path)
    assert result.status in (Status.OK, Status.ERROR, Status.UNSUPPORTED)


def test_images_and_legacy_formats_are_unsupported_with_a_reason(scanner, tmp_path, monkeypatch):
    monkeypatch.setenv("BAOMI_SCAN_OCR", "0")  # as on a computer without tesseract
    png = tmp_path / "scan.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    assert (scanner.scan_path(png).status, "OCR" in (scanner.scan_path(png).error or "")) == (Status.UNSUPPORTED, True)
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\x01\x02garbage")
    result = scanner.scan_path(xls)
    assert result.status is Status.UNSUPPORTED and "LibreOffice" in (result.error or "")
    seven = tmp_path / "a.7z"
    seven.write_bytes(b"7z\xbc\xaf\x27\x1c" + b"\0" * 30)
    assert scanner.scan_path(seven).status is Status.UNSUPPORTED


def test_billion_laughs_stays_inert(scanner, tmp_path):
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                        for i in range(1, 10))
              + f']><w:document xmlns:w="{corpus.W_NS}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>'
              "</w:body></w:document>")
    good = corpus.raw_docx(tmp_path / "good.docx", body=["x"])
    path = tmp_path / "lol.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, laughs if info.filename == "word/document.xml" else src.read(info))
    started = time.process_time()
    result = scanner.scan_path(path)
    assert time.process_time() - started < 2
    assert result.status in (Status.OK, Status.ERROR)


def test_sparse_2gb_file(scanner, tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(2 * 1024 * MiB)
    result = scanner.scan_path(path)
    assert result.status is Status.SKIPPED and "size limit" in (result.error or "")
    started = time.process_time()
    result = Scanner(limits=Limits(max_file_size=None)).scan_path(path)
    assert result.status is Status.SKIPPED and result.error == "binary file of unknown type"
    assert time.process_time() - started < 1


def test_large_text_streams_in_bounded_memory(tmp_path):
    path = tmp_path / "big.txt"
    line = ("这是一行普通的文字，用来填充一个很大的文本文件。" * 4 + "\n").encode()
    with path.open("wb") as f:
        f.write("机密★5年\n".encode())
        for _ in range(96 * MiB // len(line)):
            f.write(line)
        f.write("正文\n秘密★\n".encode())
    script = textwrap.dedent(f"""
        import resource, sys
        from baomi.scanner import Scanner
        s = Scanner()
        s.scan_text("warm up")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        r = s.scan_path({str(path)!r})
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(r.status.value, [f.rule for f in r.findings], (after - before) // 1024)
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    out = run.stdout.split(maxsplit=1)
    assert out[0] == "ok"
    rules, grown = out[1].rsplit(" ", 1)
    assert rules == "['机密★5年', '秘密★']"
    assert int(grown) < 60, f"memory grew by {grown} MiB scanning a 96 MiB file"


def test_timeout_per_file(tmp_path, monkeypatch):
    def slow(f, name, size, job):
        time.sleep(5)

    monkeypatch.setitem(engine_module.HANDLERS, "text", slow)
    path = tmp_path / "slow.txt"
    path.write_text("x")
    started = time.monotonic()
    result = Scanner(limits=Limits(timeout_s=0.3)).scan_path(path)
    assert result.status is Status.ERROR and result.error == "timed out after 0.3 s"
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("kind", ["fifo"])
def test_not_a_regular_file(scanner, tmp_path, kind):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    result = scanner.scan_path(path)
    assert result.status is Status.SKIPPED and result.error == "not a regular file"


def test_one_huge_line_full_of_anchors_stays_linear(scanner, tmp_path):
    def cpu_seconds(repeats: int) -> float:
        path = tmp_path / f"minified-{repeats}.txt"
        path.write_text(("a*b★内部x机密*" * repeats), encoding="utf-8")  # 4 anchors and a mark per repeat
        started = time.process_time()  # this process's CPU: not the machine's load
        result = scanner.scan_path(path)
        assert result.status is Status.OK
        return time.process_time() - started

    cpu_seconds(2_000)  # warm up (imports, compiled patterns)
    # The best of two runs each: a busy machine makes even CPU time noisy.
    small = min(cpu_seconds(12_500) for _ in range(2))
    large = min(cpu_seconds(50_000) for _ in range(2))  # 1 MB: 200,000 anchors, 50,000 marks
    # Four times the input: about four times the work when linear, sixteen when quadratic.
    assert large < 10 * max(small, 0.05)
