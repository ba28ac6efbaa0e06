"""Report formats: human lines, JSON Lines (schema in docs/scanner.md) and one HTML page."""

from __future__ import annotations

import datetime
import html
import json
from collections.abc import Callable, Iterable
from typing import Any

from baomi.scanner.model import FileResult, Finding, Kind, Status
from baomi.scanner.runner import Summary

KIND_ZH = {Kind.MARK: "标志", Kind.KEYWORD: "关键词", Kind.FINGERPRINT: "指纹"}
STATUS_ZH = {Status.OK: "正常", Status.ERROR: "错误", Status.UNSUPPORTED: "不支持", Status.SKIPPED: "跳过"}


def _fast_dumps() -> Callable[[Any], bytes] | None:
    """orjson's dumps, a quarter of the time of json.dumps (a dense file's line holds 1,000
    findings); a declared dependency, but the scanner still runs where it is missing."""
    try:
        import orjson
    except ImportError:  # pragma: no cover
        return None
    return orjson.dumps


_DUMPS = _fast_dumps()


def json_line(result: FileResult) -> str:
    record = result.to_json()
    if _DUMPS is not None:
        try:
            return _DUMPS(record).decode()
        except TypeError:  # a lone surrogate (an undecodable archive member name): escaped below
            pass
    return json.dumps(record, ensure_ascii=_DUMPS is not None, separators=(",", ":"))


def json_record(result: FileResult) -> str:
    """The file's line of `baomi scan --json`, newline included."""
    return json_line(result) + "\n"


def text_record(result: FileResult) -> str:
    """The file's lines of the plain report, newline included; empty for a clean file."""
    lines = text_lines(result)
    return "\n".join(lines) + "\n" if lines else ""


def where(location: dict[str, Any]) -> str:
    """Location in words: member, part, page/sheet/cell/slide, line."""
    bits = []
    if "member" in location:
        bits.append(f"[{location['member']}]")
    part = location.get("part", "")
    for key, label in (("page", "第{}页"), ("slide", "第{}张幻灯片"), ("sheet", "工作表 {}"), ("cell", "单元格 {}")):
        if key in location:
            bits.append(label.format(location[key]))
    if part:
        bits.append(part)
    if "line" in location:
        bits.append(f"第{location['line']}行")
    return " ".join(bits)


def finding_line(f: Finding) -> str:
    tag = "[模拟] " if f.simulated else ""
    kind = KIND_ZH[f.kind]
    extra = ""
    if f.kind is Kind.MARK:
        extra = f" {f.rule}" + (" (醒目位置)" if f.strong else "")
    elif f.kind is Kind.KEYWORD:
        extra = f" 规则 {f.rule}"
    else:
        extra = f" 载体 {f.rule} 重合 {f.details.get('overlap', 0):.0%}"
    return f"  {tag}{kind} {f.level.zh}{extra} — {where(f.location)}: {f.snippet}"


def counted(result: FileResult) -> str:
    """Every finding of a file by kind, in words: 标志 1，关键词 1060."""
    counts = result.counts()
    return "，".join(f"{label} {counts[key]}" for key, label in (
        ("mark", "标志"), ("keyword", "关键词"), ("fingerprint", "指纹"), ("simulated", "[模拟]")) if counts[key])


def text_lines(result: FileResult) -> list[str]:
    """Nothing for a clean, readable file; otherwise a header line and one line per finding."""
    if result.status is Status.OK and not result.findings and not result.omitted and not result.problems:
        return []
    head = result.path
    if result.status is not Status.OK:
        head += f": {STATUS_ZH[result.status]}: {result.error}"
    elif result.findings or result.omitted:
        level = result.max_level
        head += f": {level.zh if level else '[模拟]'}"
    out = [head]
    out.extend(finding_line(f) for f in result.findings)
    if result.omitted and result.findings:
        out.append(f"  … 另有 {result.omitted} 处未列出")
    elif result.omitted:  # counted only (--count)
        out.append(f"  {counted(result)}")
    out.extend(f"  {STATUS_ZH[p.status]}: [{p.member}] {p.message}" for p in result.problems)
    return out


_CSS = """body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%;margin-top:1em}td,th{border:1px solid #ccc;padding:.3em .5em;
vertical-align:top;text-align:left;font-size:.9em}th{background:#f3f3f3}.lv4,.lv5{color:#b00;font-weight:bold}
.lv3{color:#c60;font-weight:bold}.sim{color:#777}.err{color:#b00}code{font-family:inherit;background:#f6f6f6}
h2{margin-top:1.5em}"""


def html_report(results: Iterable[FileResult], summary: Summary, *, command: str, show: bool) -> str:
    """A self-contained page (no scripts, no external resources) an inspector can attach."""
    e = html.escape
    now = datetime.datetime.now(datetime.UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S %z")
    rows: list[str] = []
    problems: list[str] = []
    for r in results:
        for f in r.findings:
            rows.append(
                f"<tr class=\"{'sim' if f.simulated else ''}\"><td>{e(r.path)}</td>"
                f"<td class=\"lv{int(f.level)}\">{e(f.level.zh)}</td><td>{'[模拟] ' if f.simulated else ''}"
                f"{e(KIND_ZH[f.kind])}</td><td>{e(f.rule)}</td><td>{e(where(f.location))}</td>"
                f"<td><code>{e(f.snippet)}</code></td></tr>"
            )
        if r.omitted:
            level = r.max_level
            lead = f"另有 {r.omitted} 处未列出：" if r.findings else "仅计数："
            rows.append(
                f"<tr><td>{e(r.path)}</td><td class=\"lv{int(level) if level else 0}\">{e(level.zh if level else '')}"
                f"</td><td colspan=\"4\">{lead}"
                f"{e(counted(r))}</td></tr>"
            )
        if r.status is not Status.OK:
            problems.append(f"<tr><td>{e(r.path)}</td><td class=\"err\">{e(STATUS_ZH[r.status])}</td>"
                            f"<td>{e(r.error or '')}</td></tr>")
        for p in r.problems:
            problems.append(f"<tr><td>{e(r.path)} [{e(p.member)}]</td><td class=\"err\">{e(STATUS_ZH[p.status])}"
                            f"</td><td>{e(p.message)}</td></tr>")
    summary_items = "".join(f"<li>{e(line.strip())}</li>" for line in summary.lines())
    masked = "片段中的敏感词已遮蔽" if not show else "片段未遮蔽（--show，仅限授权使用）"
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>保密检查报告</title><style>{_CSS}</style></head>
<body><h1>保密检查报告</h1>
<p>生成时间 {e(now)} · 命令 <code>{e(command)}</code> · {e(masked)}</p>
<ul>{summary_items}</ul>
<h2>发现 ({len(rows)})</h2>
<table><tr><th>文件</th><th>密级</th><th>类型</th><th>规则/标志/载体</th><th>位置</th><th>片段</th></tr>
{"".join(rows)}</table>
<h2>未能检查的文件 ({len(problems)})</h2>
<table><tr><th>文件</th><th>状态</th><th>原因</th></tr>{"".join(problems)}</table>
</body></html>
"""
