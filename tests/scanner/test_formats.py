"""Marks and keywords are found in every place a format can hide them, with their location."""

from __future__ import annotations

import gzip
import io
import json
import tarfile

from baomi.levels import Level
from baomi.scanner import Kind, Status
from tests.scanner import corpus
from tests.scanner.conftest import mark_rules, marks, parts


def test_docx_body_header_textbox_footnote_comment_and_deletion(scanner, tmp_path):
    path = corpus.raw_docx(
        tmp_path / "通知.docx",
        body=["关于东风工程的通知", "正文提到机密一词，这不是标志。"],
        header="机密★5年",
        textbox="秘密★6个月",
        footnote="绝密★长期",
        comment="机密★会议开始前",
        deleted="秘密★2年",
    )
    result = scanner.scan_path(path)
    assert result.status is Status.OK and result.type == "docx"
    found = {(rule, loc["part"]) for rule, loc in marks(result)}
    assert found == {("机密★5年", "header"), ("秘密★6个月", "textbox"), ("绝密★长期", "footnotes"),
                     ("机密★会议开始前", "comments"), ("秘密★2年", "body")}
    # the text box is read once, not again from its VML fallback
    assert mark_rules(result).count("秘密★6个月") == 1
    header = next(f for f in result.findings if f.location["part"] == "header")
    assert header.strong and header.level is Level.SECRET
    keyword = next(f for f in result.findings if f.kind is Kind.KEYWORD)
    assert keyword.location == {"part": "body", "line": 1} and keyword.level is Level.SECRET
    assert keyword.rule == "custom:1" and "东风工程" not in keyword.snippet and "■■■■" in keyword.snippet


def test_docx_as_python_docx_writes_it(scanner, tmp_path):
    path = corpus.library_docx(tmp_path / "a.docx", body=["普通正文", "第二段"], header="内部",
                               table=[["项目", "秘密★3年"]], comment="绝密★")
    result = scanner.scan_path(path)
    assert result.status is Status.OK
    assert {(r, loc["part"]) for r, loc in marks(result)} == {("内部", "header"), ("秘密★3年", "body"),
                                                             ("绝密★", "comments")}
    unstated = next(f for f in result.findings if f.rule == "绝密★")
    assert unstated.details["mark_problems"] == ["period not stated"]


def test_xlsx_cells_sheet_names_comments_and_header(scanner, tmp_path):
    path = corpus.xlsx(tmp_path / "台账.xlsx", sheet_title="机密★5年",
                       cells={"A1": "名称", "B7": "秘密★3年", "C9": "东风工程进度"},
                       comment=("D4", "绝密★长期"), header="秘密★1年")
    result = scanner.scan_path(path)
    assert result.status is Status.OK and result.type == "xlsx"
    by_rule = dict(marks(result))
    assert by_rule["机密★5年"] == {"part": "sheet names", "sheet": "机密★5年"}
    assert by_rule["秘密★3年"] == {"part": "cells", "sheet": "机密★5年", "cell": "B7"}
    assert by_rule["绝密★长期"] == {"part": "comments", "sheet": "机密★5年", "cell": "D4"}
    assert by_rule["秘密★1年"]["part"] == "header"
    keyword = next(f for f in result.findings if f.kind is Kind.KEYWORD)
    assert keyword.location == {"part": "cells", "sheet": "机密★5年", "cell": "C9"}


def test_pptx_slides_and_notes(scanner, tmp_path):
    path = corpus.pptx(tmp_path / "汇报.pptx", slides=[("年度汇报", "普通内容"), ("机密★10年", "进展")],
                       notes={1: "讲稿\n秘密★6个月"})
    result = scanner.scan_path(path)
    assert result.status is Status.OK and result.type == "pptx"
    assert sorted((r, loc["part"], loc["slide"]) for r, loc in marks(result)) == [
        ("机密★10年", "slide", 2), ("秘密★6个月", "notes", 1)]


def test_pdf_pages(scanner, tmp_path):
    path = corpus.pdf(tmp_path / "文件.pdf", [["第一页 普通内容"], ["机密★2030年6月30日", "关于东风工程的报告"]])
    result = scanner.scan_path(path)
    assert result.status is Status.OK and result.type == "pdf"
    assert marks(result) == [("机密★2030年6月30日", {"part": "page", "page": 2, "line": 1})]
    assert [f.location["page"] for f in result.findings if f.kind is Kind.KEYWORD] == [2]


def test_odt_body_and_header(scanner, tmp_path):
    path = corpus.odt(tmp_path / "a.odt", body=["正文", "秘密★5年"], header="机密★")
    result = scanner.scan_path(path)
    assert result.type == "odt"
    assert {(r, loc["part"]) for r, loc in marks(result)} == {("秘密★5年", "body"), ("机密★", "header")}


def test_rtf_in_gbk_code_page(scanner, tmp_path):
    # 机密★5年 written as Word does: GBK bytes escaped as \'xx, and a \u escape.
    rtf = (r"{\rtf1\ansi\ansicpg936{\fonttbl{\f0\fnil\fcharset134 SimSun;}}\f0 \'bb\'fa\'c3\'dc\'a1\'ef5\'c4\'ea\par "
           r"\u19996?\u39118?\'b9\'a4\'b3\'cc\par}")
    path = tmp_path / "a.rtf"
    path.write_bytes(rtf.encode("ascii"))
    result = scanner.scan_path(path)
    assert mark_rules(result) == ["机密★5年"]
    assert [f.kind for f in result.findings].count(Kind.KEYWORD) == 1


def test_html_skips_script_and_reads_title(scanner, tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<html><head><meta charset='gbk'><title>秘密★1年</title>"
                    "<script>var s='绝密★';</script></head><body><p>机密★</p><p>正文</p></body></html>",
                    encoding="gbk")
    result = scanner.scan_path(path)
    assert {(r, loc["part"]) for r, loc in marks(result)} == {("秘密★1年", "title"), ("机密★", "body")}


def test_eml_with_attachment(scanner, tmp_path):
    attachment = corpus.raw_docx(tmp_path / "att.docx", body=["普通"], header="机密★3年").read_bytes()
    path = corpus.eml(tmp_path / "mail.eml", subject="秘密★ 请查收", body="东风工程资料见附件",
                      attachment=("附件.docx", attachment))
    result = scanner.scan_path(path)
    assert result.type == "eml" and result.members == 1
    found = {(r, loc["part"], loc.get("member")) for r, loc in marks(result)}
    assert found == {("秘密★", "subject", None), ("机密★3年", "header", "附件.docx")}


def test_nested_zip_and_tar(scanner, tmp_path):
    tar_buf = io.BytesIO()
    with tarfile.open(fileobj=tar_buf, mode="w") as tf:
        data = "标题\n秘密★5年\n".encode()
        info = tarfile.TarInfo("docs/inner.txt")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    inner_zip = corpus.zip_bytes({"deep/报告.txt": "机密★10年".encode("gb18030"),
                                  "b.tar.gz": gzip.compress(tar_buf.getvalue())})
    path = corpus.zip_of(tmp_path / "outer.zip", {"inner.zip": inner_zip, "readme.txt": b"nothing"})
    result = scanner.scan_path(path)
    assert result.status is Status.OK and result.type == "zip"
    assert {(r, loc["member"]) for r, loc in marks(result)} == {
        ("机密★10年", "inner.zip/deep/报告.txt"),
        ("秘密★5年", "inner.zip/b.tar.gz/b.tar/docs/inner.txt"),
    }


def test_gbk_member_names_in_tar(scanner, tmp_path):
    """A tar written on a GBK system: the member is named as it reads, and its name is checked."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT, encoding="gbk") as tf:
        data = "正文\n".encode()
        info = tarfile.TarInfo("资料/绝密★项目.txt")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    path = tmp_path / "a.tar"
    path.write_bytes(buf.getvalue())
    result = scanner.scan_path(path)
    assert {(r, loc["member"], loc["part"]) for r, loc in marks(result)} == {
        ("绝密★项目", "资料/绝密★项目.txt", "filename")}
    json.dumps(result.to_json()).encode("utf-8")  # nothing a report cannot hold


def test_gbk_entry_names_in_zip(scanner, tmp_path):
    import zipfile

    # As Chinese Windows writes it: GBK name bytes, no UTF-8 flag (zipfile itself would set
    # the flag, so an ASCII placeholder of the same length is swapped for the GBK bytes).
    name = "机密★5年.txt".encode("gbk")
    placeholder = b"x" * len(name)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(placeholder.decode(), b"plain")
    path = tmp_path / "win.zip"
    path.write_bytes(buf.getvalue().replace(placeholder, name))
    result = scanner.scan_path(path)
    assert marks(result) == [("机密★5年", {"member": "机密★5年.txt", "part": "filename", "line": 1})]


def test_encodings_fullwidth_and_split_marks(scanner, tmp_path):
    (tmp_path / "gbk.txt").write_bytes("标题\n机密★5年\n东风工程".encode("gbk"))
    (tmp_path / "u16.txt").write_text("秘密★6个月\n正文", encoding="utf-16")
    (tmp_path / "u16le.txt").write_bytes("Report\n绝密★长期\nmore text".encode("utf-16-le"))
    (tmp_path / "wide.txt").write_text("机密＊５年\n正文", encoding="utf-8")
    (tmp_path / "split.txt").write_text("机密\n★5年\n关于……的通知", encoding="utf-8")
    results = {p.name: scanner.scan_path(p) for p in sorted(tmp_path.iterdir())}
    assert mark_rules(results["gbk.txt"]) == ["机密★5年"]
    assert results["gbk.txt"].findings[0].location["encoding"] == "gb18030"
    assert [f.kind for f in results["gbk.txt"].findings].count(Kind.KEYWORD) == 1
    assert mark_rules(results["u16.txt"]) == ["秘密★6个月"]
    assert mark_rules(results["u16le.txt"]) == ["绝密★长期"]
    assert mark_rules(results["wide.txt"]) == ["机密★5年"]
    assert mark_rules(results["split.txt"]) == ["机密★5年"]


def test_file_names_carry_marks(scanner, tmp_path):
    path = tmp_path / "机密★5年 关于某事的请示.doc"
    path.write_bytes(b"not really a doc")
    result = scanner.scan_path(path)
    assert result.status is Status.UNSUPPORTED and "LibreOffice" in (result.error or "")
    assert marks(result) == [("机密★5年", {"part": "filename", "line": 1})]


def test_keywords_fullwidth_and_case(scanner):
    result = scanner.scan_text("型号 j-20、Ｊ－２０ 与 ｊ－２０ 都算")
    assert [f.rule for f in result.findings] == ["custom:2"] * 3


def test_prose_is_not_a_mark(scanner):
    result = scanner.scan_text("本规定所称国家秘密分为绝密、机密、秘密三级。\n机密文件应当妥善保管。")
    assert result.findings == []
    assert parts(result) == set()


def test_keyword_backends_agree(rules):
    from baomi.scanner.keywords import KeywordMatcher, hyperscan

    text = ("东风工程 j-20 Ｊ－２０ 东风工程东风工程 J-2 机密★ 内部 " * 50).encode()
    backends = ["ahocorasick"] + (["hyperscan"] if hyperscan is not None else [])
    results = [KeywordMatcher(rules.keywords, b).scan(text) for b in backends]
    hits, anchors = results[0]
    assert len(hits) == 250 and len(anchors) == 100
    assert all(r == results[0] for r in results)


def test_a_keyword_inside_a_longer_one_is_reported_once_at_the_higher_level():
    from baomi.scanner import Scanner, build_bundle, parse_bundle

    rules = parse_bundle(build_bundle(keywords=[{"keyword": "国防", "level": "内部"},
                                                {"keyword": "国防科工", "level": "机密"}]))
    scanner = Scanner(rules)
    assert scanner.keywords.nested
    result = scanner.scan_text("国防科工与国防")
    assert [(f.rule, f.level, f.location["line"]) for f in result.findings] == [
        ("custom:2", Level.SECRET, 1), ("custom:1", Level.INTERNAL, 1)]
    assert not Scanner(parse_bundle(build_bundle(keywords=["甲乙", "丙丁"]))).keywords.nested
