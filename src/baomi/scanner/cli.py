"""`baomi scan`: the command, built here and registered by baomi.cli.build_parser.

Pure Python on purpose: no Django settings, no database, so it runs from a USB stick on
an air-gapped computer with only a rules bundle beside it.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from baomi.scanner.limits import Limits, MiB

if TYPE_CHECKING:
    from baomi.scanner.rules import Rules

# The extraction libraries (numpy, lxml, pypdf, hyperscan) are imported by cmd_scan, not
# here: every `baomi` command builds this parser, and `baomi serve` should not pay for them.

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int | None:
    """512M, 2G, 100k, 0 (no limit) → bytes."""
    m = _SIZE.match(text)
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 512M, 2G)")
    n = float(m.group(1)) * 1024 ** " kmgt".index(m.group(2).lower() or " ")
    return int(n) or None


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "scan", help="保密检查: 在文件中查找密级标志、敏感关键词和已登记涉密载体的内容（无需数据库）",
        description="Scan files for classification marks, dictionary keywords and copies of registered carriers. "
                    "Exit status: 0 nothing found, 1 findings, 2 a file could not be read.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    p.add_argument("--rules", action="append", default=[], metavar="FILE",
                   help="rules bundle exported from Baomi (JSON, optionally gzipped) or a keyword list; repeatable")
    p.add_argument("--verify-key", metavar="PEM",
                   help="the server's public key (保密审查 → 规则包公钥): accept only bundles it signed")
    p.add_argument("--simulate", action="append", default=[], metavar="FILE",
                   help="dictionary under trial: its findings are reported as simulation and never enforced")
    p.add_argument("-j", "--jobs", type=int, default=min(os.cpu_count() or 1, 8), help="worker processes")
    p.add_argument("--include", action="append", default=[], metavar="GLOB", help="only files matching; repeatable")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="skip files and folders matching; repeatable")
    p.add_argument("--max-size", type=parse_size, default=512 * MiB, metavar="SIZE",
                   help="skip files larger than this (default 512M; 0: no limit)")
    p.add_argument("--max-depth", type=int, default=Limits.max_depth, help="archive nesting limit")
    p.add_argument("--max-unpacked", type=parse_size, default=Limits.max_total_uncompressed, metavar="SIZE",
                   help="bytes unpacked from archives per file (default 1G)")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds per file (0: none)")
    p.add_argument("--max-findings", type=int, default=Limits.max_findings, metavar="N",
                   help="findings listed per file, the rest counted (default 1000; 0: counts only)")
    p.add_argument("-c", "--count", action="store_const", const=0, dest="max_findings",
                   help="counts per file only, no findings listed (like grep -c): the fastest sweep")
    p.add_argument("--json", action="store_true", help="JSON Lines on standard output, one object per file")
    p.add_argument("--html", metavar="FILE", help="also write an HTML report")
    p.add_argument("--show", action="store_true", help="do not mask snippets (authorised use only)")
    p.add_argument("--strict", action="store_true", help="exit 2 when a file's format is unsupported")
    p.add_argument("--no-progress", action="store_true", help="no progress line even on a terminal")
    p.set_defaults(func=cmd_scan)
    return p


def _rules(args: argparse.Namespace) -> Rules:
    from baomi.scanner.rules import Rules, load_public_key, load_rules

    key = load_public_key(args.verify_key) if args.verify_key else None
    rules = Rules()
    for path in args.rules:
        rules = rules.merge(load_rules(path, verify_key=key))
    for path in args.simulate:
        rules = rules.merge(load_rules(path, verify_key=key).as_simulation())
    return rules


def cmd_scan(args: argparse.Namespace) -> int:
    from baomi.scanner.engine import Scanner
    from baomi.scanner.model import FileResult
    from baomi.scanner.report import html_report, json_record, text_record
    from baomi.scanner.rules import RulesError
    from baomi.scanner.runner import Filters, Progress, Summary, run, walk

    try:
        rules = _rules(args)
    except RulesError as exc:
        print(f"baomi scan: {exc}", file=sys.stderr)
        return 2
    limits = Limits(max_file_size=args.max_size, max_depth=args.max_depth,
                    max_total_uncompressed=args.max_unpacked or Limits.max_total_uncompressed,
                    timeout_s=args.timeout or None, max_findings=max(0, args.max_findings))
    scanner = Scanner(rules, limits=limits, show=args.show)
    summary = Summary()
    progress = Progress(enabled=False if args.no_progress else None)
    kept: list[FileResult] = []  # for the HTML report: only files with something to say
    walk_errors: list[FileResult] = []
    out = sys.stdout

    render = json_record if args.json else text_record

    def on_result(result: FileResult) -> None:
        summary.add(result)
        text = result.rendered if result.rendered is not None else render(result)
        if text:
            if not args.json:  # the report and the progress line share the terminal
                progress.clear()
            out.write(text)
        if args.html and (result.findings or result.omitted or result.problems or result.status.value != "ok"):
            kept.append(result)
        progress.update(summary, result.path)

    files = walk(args.paths, Filters(args.include, args.exclude), walk_errors)
    try:
        # Workers render their files' lines; the findings themselves cross back only for --html.
        run(files, scanner, max(1, args.jobs), on_result, render=render, keep_findings=bool(args.html))
    except KeyboardInterrupt:
        progress.clear()
        print("已中断", file=sys.stderr)
        return 130
    for result in walk_errors:
        on_result(result)
    out.flush()
    progress.clear()
    if rules.sources:
        print("规则: " + ", ".join(rules.sources) + f" ({len(rules.keywords)} 个关键词, "
              f"{len(rules.fingerprints)} 个载体指纹)", file=sys.stderr)
    for line in summary.lines():
        print(line, file=sys.stderr)
    if args.html:
        command = "baomi scan " + " ".join(shlex.quote(a) for a in sys.argv[2:]) if len(sys.argv) > 2 else "baomi scan"
        Path(args.html).write_text(html_report(kept, summary, command=command, show=args.show), encoding="utf-8")
        print(f"HTML 报告: {args.html}", file=sys.stderr)
    return summary.exit_code(strict=args.strict)
