"""Large text is read in regions; what is found must not depend on where regions are cut."""

from __future__ import annotations

import random

from baomi.scanner import Kind, Scanner
from baomi.scanner import text as textmod
from baomi.scanner.text import detect_encoding


def _document(n_lines: int = 400) -> str:
    rng = random.Random(5)
    lines = []
    for i in range(n_lines):
        if i % 37 == 3:
            lines.append("机密★5年")
        elif i % 53 == 7:
            lines += ["秘密", "★6个月"]  # a mark split by a line break
        elif i % 41 == 11:
            lines.append(f"第{i}项涉及东风工程的安排")
        else:
            lines.append("".join(rng.choice("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动")
                                 for _ in range(rng.randint(0, 80))))
    return "\n".join(lines) + "\n"


def _found(scanner: Scanner, path) -> list[tuple[str, str, int, bool]]:
    result = scanner.scan_path(path)
    return [(f.kind.value, f.rule, f.location["line"], f.strong) for f in result.findings]


def test_region_cuts_do_not_change_findings(scanner, tmp_path, monkeypatch):
    path = tmp_path / "doc.txt"
    path.write_text(_document(), encoding="utf-8")
    whole = _found(scanner, path)
    assert sum(1 for kind, *_ in whole if kind == "mark") > 15
    assert any(kind == "keyword" for kind, *_ in whole)
    for region in (64, 97, 250, 1000):
        monkeypatch.setattr(textmod, "REGION", region)
        assert _found(scanner, path) == whole, region
    gbk = tmp_path / "doc-gbk.txt"
    gbk.write_bytes(_document().encode("gb18030"))
    monkeypatch.setattr(textmod, "REGION", 101)
    assert _found(scanner, gbk) == whole


def test_line_numbers_and_header_position(scanner, tmp_path, monkeypatch):
    monkeypatch.setattr(textmod, "REGION", 64)
    filler = ["普通的一行文字" for _ in range(30)]
    body = "\n".join(["标题", "机密★", *filler, "这份材料的保密期限：机密★5年，请注意。", "内部"])
    path = tmp_path / "a.txt"
    path.write_text(body, encoding="utf-8")
    marks = [(f.rule, f.location["line"], f.strong) for f in scanner.scan_path(path).findings if f.kind is Kind.MARK]
    assert marks == [("机密★", 2, True), ("机密★5年", 33, False), ("内部", 34, True)]


def test_encoding_detection():
    assert detect_encoding("机密".encode()) == "utf-8"
    assert detect_encoding("机密文件".encode("gbk")) == "gb18030"
    assert detect_encoding("\ufeff机密".encode("utf-16-le")) == "utf-16-le-bom"
    assert detect_encoding("plain text here".encode("utf-16-le")) == "utf-16-le"
    assert detect_encoding(b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00") is None
    assert detect_encoding(b"") == "utf-8"


_PIECES = ["机密★5年", "秘密", "★6个月", "绝密 ★ 长期", "机密＊", "内部", "  内部  ", "内部事项  注意保管", "工作秘密",
           "工作秘密★", "*机密*", "机密**", "关于内部管理", "机密", "★", "\u3000秘密★\u3000", "机 密★2030年6月30日",
           "的一是在", "会议", "", " ", "2024年工作要点", "☆", "秘密★会议开始前"]


def test_prefilter_never_loses_what_find_all_finds(scanner, tmp_path, monkeypatch):
    """The anchors and windows are only a pre-filter: the marks must be exactly find_all's."""
    from baomi.marking import find_all

    rng = random.Random(11)
    for round_ in range(150):
        lines = ["".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 3))) for _ in range(rng.randint(1, 30))]
        text = "\n".join(lines)
        expected = [(str(m.marking), m.line, m.strong) for m in find_all(text)]
        got = [(f.rule, f.location["line"], f.strong) for f in scanner.scan_text(text).findings if f.kind is Kind.MARK]
        assert got == expected, (round_, text)
        path = tmp_path / f"r{round_}.txt"
        path.write_text(text, encoding="utf-8")
        monkeypatch.setattr(textmod, "REGION", rng.choice([16, 40, 1000]))
        got = [(f.rule, f.location["line"], f.strong) for f in scanner.scan_path(path).findings if f.kind is Kind.MARK]
        assert got == expected, (round_, text)


def test_keywords_in_the_neighbouring_region_are_masked_too(scanner, tmp_path, monkeypatch):
    """A snippet reaches into the line before and after its region: a keyword there is masked
    as in one piece of text (it was shown in clear)."""
    rng = random.Random(8)
    words = ["东风工程", "J-20"]
    lines = ["".join(rng.choice(["东风工程", "J-20", "机密★5年", "会议", "的一是在", "安排", " "])
                     for _ in range(rng.randint(0, 6))) for _ in range(300)]
    path = tmp_path / "a.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    whole = scanner.scan_text("\n".join(lines))
    for region in (97, 250, 1000):  # more than half the longest line: no line is cut
        monkeypatch.setattr(textmod, "REGION", region)
        result = scanner.scan_path(path)
        assert [(f.kind, f.rule, f.location["line"]) for f in result.findings] == [
            (f.kind, f.rule, f.location["line"]) for f in whole.findings]
        leaked = [f.snippet for f in result.findings if any(word in f.snippet for word in words)]
        assert leaked == [], region
    assert len(whole.findings) > 200
