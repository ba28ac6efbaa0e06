"""Many files: walking the paths, filtering, parallel workers, progress and the summary.

Workers are processes (`-j N`): extraction is CPU-bound Python and one damaged file
must not take the scan down. At most 2·N files are in flight, so a tree of millions of
files costs no memory for a queue; results come back as they finish.
"""

from __future__ import annotations

import fnmatch
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from baomi.scanner.engine import Scanner
from baomi.scanner.model import FileResult, Status
from baomi.scanner.text import readable_name

if TYPE_CHECKING:
    from concurrent.futures import Future


@dataclass
class Filters:
    include: list[str] = field(default_factory=list)  # globs; empty: every file
    exclude: list[str] = field(default_factory=list)

    def wanted(self, rel: str, name: str) -> bool:
        if any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(name, g) for g in self.exclude):
            return False
        return not self.include or any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(name, g) for g in self.include)

    def prune(self, rel: str, name: str) -> bool:
        """Directories matching an exclude glob are not descended into."""
        return any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(name, g) or fnmatch.fnmatch(rel + "/", g)
                   for g in self.exclude)


def walk(paths: Iterable[str], filters: Filters, errors: list[FileResult]) -> Iterator[tuple[Path, str]]:
    """(path, display name) of every file to scan; symlinked directories are not followed."""
    for top in paths:
        root = Path(top)
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root, onerror=lambda e: errors.append(FileResult(
                    path=readable_name(str(e.filename)), status=Status.ERROR, error=f"cannot list: {e.strerror}"))):
                base = Path(dirpath)
                rel_dir = base.relative_to(root).as_posix()
                dirnames[:] = sorted(d for d in dirnames if not filters.prune(_join(rel_dir, d), d))
                for name in sorted(filenames):
                    rel = _join(rel_dir, name)
                    if filters.wanted(rel, name):
                        yield base / name, readable_name(str(base / name))
        elif root.exists() or root.is_symlink():
            if filters.wanted(root.name, root.name):
                yield root, readable_name(str(root))
        else:
            errors.append(FileResult(path=readable_name(str(root)), status=Status.ERROR,
                                     error="no such file or directory"))


def _join(rel_dir: str, name: str) -> str:
    return name if rel_dir in ("", ".") else f"{rel_dir}/{name}"


# --- workers -------------------------------------------------------------------------------

_worker: Scanner | None = None
_render: Callable[[FileResult], str] | None = None
_keep_findings = True


def _init_worker(scanner: Scanner, render: Callable[[FileResult], str] | None, keep_findings: bool) -> None:
    global _worker, _render, _keep_findings
    _worker, _render, _keep_findings = scanner, render, keep_findings


def _scan_in_worker(path: str, display: str) -> FileResult:
    assert _worker is not None
    result = _worker.scan_path(path, display)
    if _render is not None:
        result.rendered = _render(result)
        if not _keep_findings:
            # Rendered already, and the counts, levels and trial hits say the rest: a dense
            # file's 1,000 findings would cost the main process more to read than the text.
            result.findings = []
    return result


def run(paths: Iterable[tuple[Path, str]], scanner: Scanner, jobs: int,
        on_result: Callable[[FileResult], None], *, render: Callable[[FileResult], str] | None = None,
        keep_findings: bool = True) -> None:
    """Scan every path, calling on_result in the calling process as each file finishes.

    With `render`, each result's `rendered` is render(result), made in the worker that
    scanned it (in this process with jobs=1, as on_result would); with keep_findings=False
    as well, a worker's result arrives without its listed findings (counts, levels and
    rendered text only)."""
    if jobs <= 1:
        for path, display in paths:
            result = scanner.scan_path(path, display)
            if render is not None:
                result.rendered = render(result)
            on_result(result)
        return
    from concurrent.futures import ProcessPoolExecutor  # only here: -j 1 saves the 10 ms of importing it

    # The compiled scanner goes to the workers as it is (inherited on fork, pickled with
    # its serialised hyperscan database on spawn), so no worker compiles the rules again.
    # Results come back pickled in their compact form (FileResult.__reduce__).
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker,
                             initargs=(scanner, render, keep_findings)) as pool:
        pending: dict[Future[FileResult], str] = {}
        for path, display in paths:
            if len(pending) >= 2 * jobs:
                _drain(pending, on_result)
            pending[pool.submit(_scan_in_worker, str(path), display)] = display
        while pending:
            _drain(pending, on_result)


def _drain(pending: dict[Future[FileResult], str], on_result: Callable[[FileResult], None]) -> None:
    """Hand on every finished result (at least one): the caller then submits more."""
    from concurrent.futures import FIRST_COMPLETED, wait

    done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
    for fut in done:
        display = pending.pop(fut)
        try:
            result = fut.result()
        except Exception as exc:  # a worker died (killed, out of memory): that file is an error
            result = FileResult(path=display, status=Status.ERROR, error=f"worker failed: {exc or type(exc).__name__}")
        on_result(result)


# --- progress and summary ------------------------------------------------------------------


@dataclass
class Summary:
    files: int = 0
    bytes: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    with_findings: int = 0
    findings: Counter[str] = field(default_factory=Counter)  # by kind
    levels: Counter[str] = field(default_factory=Counter)  # files by their highest level
    simulated: Counter[str] = field(default_factory=Counter)  # keyword rule id → hits, under trial
    simulated_files: int = 0
    member_errors: int = 0
    member_unsupported: int = 0
    started: float = field(default_factory=time.monotonic)

    def add(self, r: FileResult) -> None:
        self.files += 1
        self.bytes += r.size
        self.statuses[r.status.value] += 1
        self.member_errors += sum(1 for p in r.problems if p.status is Status.ERROR)
        self.member_unsupported += sum(1 for p in r.problems if p.status is Status.UNSUPPORTED)
        if r.has_findings:
            self.with_findings += 1
            level = r.max_level
            if level is not None:
                self.levels[level.zh] += 1
        for kind, n in r.counts().items():
            if kind != "simulated":
                self.findings[kind] += n
        if r.tally.get("simulated"):
            self.simulated_files += 1
            self.simulated.update(r.trial)

    @property
    def errors(self) -> int:
        return self.statuses.get(Status.ERROR.value, 0) + self.member_errors

    @property
    def elapsed(self) -> float:
        return max(time.monotonic() - self.started, 1e-9)

    def exit_code(self, strict: bool = False) -> int:
        """Like grep: 2 if anything could not be read, else 1 if something was found, else 0."""
        if self.errors or (strict and (self.statuses.get(Status.UNSUPPORTED.value, 0) or self.member_unsupported)):
            return 2
        return 1 if self.with_findings else 0

    def lines(self) -> list[str]:
        mb = self.bytes / 1e6
        out = [
            f"扫描完成: {self.files} 个文件, {mb:,.1f} MB, 用时 {self.elapsed:,.1f} s ({mb / self.elapsed:,.1f} MB/s)",
            "  状态: " + ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items())),
            f"  发现: {self.with_findings} 个文件 — 标志 {self.findings['mark']}, 关键词 {self.findings['keyword']}, "
            f"指纹 {self.findings['fingerprint']}",
        ]
        if self.levels:
            out.append("  按最高密级: " + ", ".join(f"{k} {v}" for k, v in self.levels.most_common()))
        if self.member_errors or self.member_unsupported:
            out.append(f"  容器内无法读取的成员: 错误 {self.member_errors}, 不支持 {self.member_unsupported}")
        if self.simulated:
            hits = sum(self.simulated.values())
            out.append(f"  [模拟] 试行词典将标记 {self.simulated_files} 个文件, {hits} 处; 最多的:")
            out.extend(f"    {rule}: {n}" for rule, n in self.simulated.most_common(10))
        return out


class Progress:
    """One line on stderr, rewritten at most five times a second, only on a terminal."""

    def __init__(self, stream: IO[str] | None = None, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._last = 0.0
        self._width = 0

    def update(self, s: Summary, current: str = "", force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.2:
            return
        self._last = now
        mb = s.bytes / 1e6
        found = sum(s.findings.values())
        line = (f"\r{s.files} 文件  {mb:,.1f} MB  发现 {found}  错误 {s.errors}  {mb / s.elapsed:,.1f} MB/s  "
                f"{_shorten(current, 40)}")
        self.stream.write(line.ljust(self._width))
        self._width = len(line)
        self.stream.flush()

    def clear(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[-(width - 1):]


__all__ = ["Filters", "Progress", "Summary", "run", "walk"]


