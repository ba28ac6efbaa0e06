"""`baomi scan`: exit codes like grep, the JSON Lines schema, HTML, simulation, masking."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from baomi.cli import main
from baomi.scanner import build_bundle, write_bundle
from tests.scanner import corpus
from tests.scanner.conftest import KEYWORDS

FILE_KEYS = {"v", "path", "status", "error", "type", "size", "level", "counts", "levels", "findings", "omitted",
             "problems", "members", "elapsed_ms"}
FINDING_KEYS = {"kind", "level", "level_zh", "location", "snippet", "rule", "simulated"}


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "share"
    (root / "sub").mkdir(parents=True)
    (root / "clean.txt").write_text("普通的会议通知。", encoding="utf-8")
    (root / "sub" / "marked.txt").write_text("机密★5年\n关于东风工程的通知", encoding="utf-8")
    corpus.raw_docx(root / "sub" / "report.docx", body=["正文"], header="秘密★3年")
    (root / "node_modules").mkdir()
    (root / "node_modules" / "x.txt").write_text("绝密★", encoding="utf-8")
    return root


@pytest.fixture
def bundle(tmp_path):
    return str(write_bundle(build_bundle(keywords=KEYWORDS), tmp_path / "rules.bundle"))


def _scan(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["scan", "--no-progress", "-j", "1", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_exit_codes(capsys, tmp_path, tree):
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "a.txt").write_text("没有任何标志", encoding="utf-8")
    assert _scan(capsys, str(clean))[0] == 0
    code, out, err = _scan(capsys, str(tree))
    assert code == 1 and "机密★5年" in out and "扫描完成" in err
    (tree / "broken.docx").write_bytes(b"PK\x03\x04 truncated")
    code, out, err = _scan(capsys, str(tree))
    assert code == 2 and "damaged or truncated docx" in out
    assert _scan(capsys, str(tmp_path / "missing"))[0] == 2


def test_json_lines_schema(capsys, tree, bundle):
    code, out, _ = _scan(capsys, "--json", "--rules", bundle, "--exclude", "node_modules", str(tree))
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and len(records) == 3
    by_path = {r["path"].rsplit("/", 1)[-1]: r for r in records}
    for r in records:
        assert set(r) == FILE_KEYS and r["v"] == 1
        for f in r["findings"]:
            assert set(f) >= FINDING_KEYS
    marked = by_path["marked.txt"]
    assert marked["level"] == "SECRET" and marked["counts"] == {"mark": 1, "keyword": 1, "fingerprint": 0,
                                                                 "simulated": 0}
    keyword = next(f for f in marked["findings"] if f["kind"] == "keyword")
    assert keyword["location"] == {"part": "text", "encoding": "utf-8", "line": 2}
    assert "东风工程" not in keyword["snippet"] and "text" not in keyword
    assert by_path["report.docx"]["findings"][0]["location"] == {"part": "header", "line": 1}
    assert by_path["clean.txt"]["findings"] == [] and by_path["clean.txt"]["level"] is None


def test_show_unmasks(capsys, tree, bundle):
    _, out, _ = _scan(capsys, "--json", "--show", "--rules", bundle, str(tree / "sub" / "marked.txt"))
    keyword = next(f for f in json.loads(out)["findings"] if f["kind"] == "keyword")
    assert keyword["text"] == "东风工程" and "东风工程" in keyword["snippet"]


def test_simulation_reports_but_does_not_enforce(capsys, tmp_path):
    (tmp_path / "a.txt").write_text("这里提到新型号和新型号。", encoding="utf-8")
    trial = tmp_path / "trial.txt"
    trial.write_text("新型号,秘密\n", encoding="utf-8")
    code, out, err = _scan(capsys, "--simulate", str(trial), str(tmp_path / "a.txt"))
    assert code == 0
    assert out.count("[模拟] 关键词 秘密") == 2
    assert "[模拟] 试行词典将标记 1 个文件, 2 处" in err
    code, out, _ = _scan(capsys, "--json", "--simulate", str(trial), str(tmp_path / "a.txt"))
    record = json.loads(out)
    assert code == 0 and record["level"] is None and record["counts"]["simulated"] == 2
    assert all(f["simulated"] for f in record["findings"])


def test_include_exclude_and_size_limit(capsys, tree):
    _, out, _ = _scan(capsys, "--json", "--include", "*.docx", str(tree))
    assert [json.loads(line)["path"].rsplit("/", 1)[-1] for line in out.splitlines()] == ["report.docx"]
    _, out, _ = _scan(capsys, "--json", "--exclude", "node_modules", "--exclude", "sub", str(tree))
    assert [json.loads(line)["path"].rsplit("/", 1)[-1] for line in out.splitlines()] == ["clean.txt"]
    _, out, _ = _scan(capsys, "--json", "--max-size", "10", str(tree / "sub" / "marked.txt"))
    assert json.loads(out)["status"] == "skipped"


def test_parallel_workers_give_the_same_report(capsys, tree, bundle):
    _, one, _ = _scan(capsys, "--json", "--rules", bundle, str(tree))
    code = main(["scan", "--no-progress", "-j", "2", "--json", "--rules", bundle, str(tree)])
    two = capsys.readouterr().out

    def strip(out: str) -> list[dict]:
        records = [json.loads(line) for line in out.splitlines()]
        for r in records:
            r.pop("elapsed_ms")
        return sorted(records, key=lambda r: r["path"])

    assert code == 1 and strip(one) == strip(two)


def test_parallel_workers_render_the_same_text_and_summary(capsys, tmp_path, bundle):
    """-j 2 workers render their files' lines and send no findings back (no --html): the
    report, the trial dictionary's summary and the exit code are -j 1's."""
    share = tmp_path / "share"
    share.mkdir()
    for i in range(6):
        (share / f"f{i}.txt").write_text(f"机密★5年\n东风工程{i}\n新型号和新型号", encoding="utf-8")
    trial = tmp_path / "trial.txt"
    trial.write_text("新型号,秘密\n", encoding="utf-8")
    args = ["--rules", bundle, "--simulate", str(trial), str(share)]
    code1, one, err1 = _scan(capsys, *args)
    code2 = main(["scan", "--no-progress", "-j", "2", *args])
    two, err2 = capsys.readouterr()
    assert code1 == code2 == 1
    def files(out: str) -> list[str]:  # each file's block of lines, in any order
        return sorted(block.strip("\n/") for block in ("\n" + out).split("\n/") if block.strip())

    assert files(one) == files(two) and len(files(two)) == 6 and "东风工程" not in two
    assert err1.split("用时")[0] == err2.split("用时")[0]
    assert [line for line in err2.splitlines() if "模拟" in line or "trial" in line or "guide" in line] == [
        line for line in err1.splitlines() if "模拟" in line or "trial" in line or "guide" in line]
    assert "[模拟] 试行词典将标记 6 个文件, 12 处" in err2


def test_count_lists_nothing_and_counts_everything(capsys, tree, bundle, tmp_path):
    """-c: like grep -c, a count per file; the level and the exit code are the full scan's."""
    _, full, _ = _scan(capsys, "--json", "--rules", bundle, str(tree))
    code, out, _ = _scan(capsys, "--json", "-c", "--rules", bundle, str(tree))
    listed = {r["path"]: r for r in map(json.loads, full.splitlines())}
    counted = {r["path"]: r for r in map(json.loads, out.splitlines())}
    assert code == 1 and counted.keys() == listed.keys()
    for path, r in counted.items():
        assert r["findings"] == [] and r["omitted"] == len(listed[path]["findings"])
        assert (r["level"], r["counts"], r["levels"]) == (listed[path]["level"], listed[path]["counts"],
                                                          listed[path]["levels"])
    code, out, _ = _scan(capsys, "--count", "--rules", bundle, str(tree / "sub" / "marked.txt"))
    assert code == 1 and out.splitlines()[1:] == ["  标志 1，关键词 1"] and out.split("\n")[0].endswith(": 机密")
    report = tmp_path / "counts.html"
    _scan(capsys, "--max-findings", "1", "--html", str(report), "--rules", bundle, str(tree / "sub" / "marked.txt"))
    assert "另有 1 处未列出：标志 1，关键词 1" in report.read_text(encoding="utf-8")
    assert _scan(capsys, "-c", str(tree / "clean.txt"))[:2] == (0, "")


def test_html_report(capsys, tree, tmp_path):
    report = tmp_path / "report.html"
    code, _, err = _scan(capsys, "--html", str(report), str(tree))
    page = report.read_text(encoding="utf-8")
    assert code == 1 and "HTML 报告" in err
    assert "保密检查报告" in page and "机密★5年" in page and "<script" not in page


def test_bad_rules_file(capsys, tmp_path):
    (tmp_path / "bad.bundle").write_text('{"format": "other"}', encoding="utf-8")
    code, _, err = _scan(capsys, "--rules", str(tmp_path / "bad.bundle"), str(tmp_path))
    assert code == 2 and "not a Baomi scan-rules bundle" in err


def test_scan_needs_no_django(tmp_path):
    (tmp_path / "a.txt").write_text("秘密★", encoding="utf-8")
    script = (f"import sys; from baomi.cli import main; code = main(['scan', '--no-progress', {str(tmp_path)!r}]); "
              "assert 'django' not in sys.modules, 'django imported'; sys.exit(code)")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env={"PATH": "/usr/bin"})
    assert run.returncode == 1, run.stderr
    assert "秘密★" in run.stdout


def test_progress_line_only_on_a_terminal():
    import io

    from baomi.scanner.runner import Progress, Summary

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    summary = Summary()
    summary.files, summary.bytes = 3, 2_000_000
    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        progress = Progress(stream)
        progress.update(summary, "/home/alice/报告.docx", force=True)
        progress.clear()
    assert tty.getvalue().startswith("\r3 文件  2.0 MB  发现 0  错误 0") and "报告.docx" in tty.getvalue()
    assert pipe.getvalue() == ""


def test_strict_makes_unsupported_an_error(capsys, tmp_path):
    (tmp_path / "old.doc").write_bytes(b"x")
    assert _scan(capsys, str(tmp_path))[0] == 0
    assert _scan(capsys, "--strict", str(tmp_path))[0] == 2


def test_scan_bytes_for_uploads(scanner):
    data = corpus.zip_bytes({"稿件.txt": "拟发表文章\n东风工程进展".encode()})
    result = scanner.scan_bytes(data, "upload.zip")
    assert result.type == "zip" and [f.location for f in result.findings] == [
        {"member": "稿件.txt", "part": "text", "encoding": "utf-8", "line": 2}]


def test_names_that_are_not_utf8_are_read_as_gb18030(capsys, tmp_path):
    """A share of files named on older Chinese Windows: the report shows 保密.txt (not bytes no
    report can hold, which made --html fail at the end of a scan), and a 绝密 in such a name is
    a mark like any other."""
    share = tmp_path / "share"
    share.mkdir()
    (share / "会议").mkdir()
    with open(os.fsencode(share / "会议") + b"/" + "保密.txt".encode("gbk"), "wb") as f:
        f.write("机密★5年\n".encode())
    with open(os.fsencode(share) + b"/" + "绝密★项目.txt".encode("gbk"), "wb") as f:
        f.write(b"hello")
    with open(os.fsencode(share) + b"/\xff\xfe.txt", "wb") as f:
        f.write(b"hello")
    report = tmp_path / "r.html"
    code, out, _ = _scan(capsys, "--json", "--html", str(report), str(share))
    records = {r["path"].removeprefix(str(share)): r for r in map(json.loads, out.splitlines())}
    assert code == 1 and set(records) == {"/会议/保密.txt", "/绝密★项目.txt", "/\ufffd\ufffd.txt"}
    assert records["/会议/保密.txt"]["level"] == "SECRET"
    assert records["/绝密★项目.txt"]["findings"][0]["location"]["part"] == "filename"
    assert "保密.txt" in report.read_text(encoding="utf-8")


def test_a_lone_surrogate_still_makes_a_json_line():
    from baomi.scanner.model import FileResult
    from baomi.scanner.report import json_line

    line = json_line(FileResult(path="a.tar", problems=[], error="member \udcb1\udca3 unreadable"))
    assert json.loads(line)["error"] == "member \udcb1\udca3 unreadable" and line.isascii()
