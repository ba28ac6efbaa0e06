"""The scan of one file: recognise its format, extract text by parts, detect, report.

Detection is the same for every format: `baomi.marking.find_all` for marks, the keyword
matcher over the UTF-8 bytes, and the fingerprint session over the text. Formats only
differ in how they cut a file into parts (page, sheet, slide, header, comments…), and a
part may be "strong" (headers, footers, text boxes, titles), which makes every mark in
it a header-position mark in addition to what find_all judges from the lines.
"""

from __future__ import annotations

import bisect
import contextlib
import importlib
import operator
import os
import re
import signal
import stat
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from baomi.levels import Level
from baomi.marking import HEADER_LINES, WORK_SECRET_LABELS, MarkMatch, find_all
from baomi.scanner.base import ScanTimeout, Skipped, Unsupported
from baomi.scanner.fingerprint import FingerprintIndex, FingerprintSession, Span
from baomi.scanner.keywords import SPACE_END, STAR_ANCHORS, KeywordMatcher
from baomi.scanner.limits import Budget, LimitExceeded, Limits
from baomi.scanner.model import FileResult, Finding, Kind, Problem, Status
from baomi.scanner.rules import KeywordRule, Rules
from baomi.scanner.text import detect_encoding, readable_name

if TYPE_CHECKING:
    import zipfile

CONTEXT = 20  # characters of context on each side of a snippet
_SNIPPET_BYTES = 4 * CONTEXT + 256  # how far before a snippet a keyword hit may start and still reach into it
# Bytes decoded either side of a snippet: CONTEXT characters of up to 4 bytes, plus the
# 3 bytes of a character cut by the window's edge (dropped when decoding).
_SNIPPET_WINDOW = 4 * CONTEXT + 3
_MASK_REACH = 64  # characters beyond a snippet searched for keywords cut by its edge
_CONTEXT_BYTES = 4096  # the line before and after a region or a mark window, at most
_WORK_LABELS = {"".join(label.split()) for label in WORK_SECRET_LABELS}
_MI = "密".encode()
_SPACE_END = {bytes([b]) for b in SPACE_END}
_NOT_SPACE = re.compile(r"\S")
MASK = "■"
_FAST_SNIPPETS = True  # tests turn it off to compare with the general path
_MASKED_MAX = 65_536  # masked forms of matched keywords kept per scanner
_first = operator.itemgetter(0)

Handler = Callable[[IO[bytes], str, int, Any], None]

_IMAGES = ((b"\x89PNG", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF8", "GIF"), (b"II*\x00", "TIFF"),
           (b"MM\x00*", "TIFF"))
_LEGACY_EXT = {
    ".doc": "legacy Word .doc", ".wps": "WPS .wps", ".xls": "legacy Excel .xls", ".et": "WPS .et",
    ".ppt": "legacy PowerPoint .ppt", ".dps": "WPS .dps",
}
_IMAGE_EXT = {".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".bmp", ".webp"}
_HTML_EXT = {".html", ".htm", ".xhtml", ".shtml"}
_MAIL_EXT = {".eml", ".mht", ".mhtml"}
_ZIP_DOCUMENTS = {"docx", "docm", "xlsx", "xlsm", "pptx", "pptm", "odt", "ods", "odp"}


def sniff(head: bytes, name: str) -> str:
    """The kind of a file from its first bytes, the name only where content cannot tell."""
    ext = os.path.splitext(name)[1].lower()
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh") and ext in (".bz2", ".tbz2", ".tbz"):
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head[257:262] == b"ustar":
        return "tar"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    if head.startswith(b"Rar!\x1a\x07"):
        return "rar"
    if any(head.startswith(magic) for magic, _ in _IMAGES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    if ext in _IMAGE_EXT and (head.startswith(b"BM") or b"\x00" in head[:512]):
        return "image"
    if ext in _LEGACY_EXT:
        return "legacy"
    if ext in _MAIL_EXT or (head[:4096].lower().find(b"mime-version:") >= 0 and _looks_like_headers(head)):
        return "eml"
    lowered = head[:1024].lstrip().lower()
    if ext in _HTML_EXT or lowered.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "text"


def _looks_like_headers(head: bytes) -> bool:
    first = head.split(b"\n", 1)[0]
    return b":" in first and b" " not in first.split(b":", 1)[0]


def _unsupported(message: str) -> Handler:
    def handle(f: IO[bytes], name: str, size: int, job: Any) -> None:
        raise Unsupported(message)

    return handle


def _legacy(f: IO[bytes], name: str, size: int, job: Any) -> None:
    # Not an OLE file (those are read by archive.ole), so a converter cannot help either.
    what = _LEGACY_EXT.get(os.path.splitext(name)[1].lower(), "legacy Office file")
    raise Unsupported(f"{what}: needs LibreOffice to convert it to the OOXML format first")


def _text(f: IO[bytes], name: str, size: int, job: Any) -> None:
    head = f.read(64 * 1024)
    f.seek(0)
    encoding = detect_encoding(head)
    if encoding is None:
        raise Skipped("binary file of unknown type")
    job.stream(f, encoding)


def _lazy(module: str, function: str, *args: str) -> Handler:
    """A handler whose module is imported when a file first needs it: a scan of plain text
    loads none of the container, document, mail and OCR modules (about 20 ms of start-up)."""

    def handle(f: IO[bytes], name: str, size: int, job: Any) -> None:
        target = getattr(importlib.import_module(f"baomi.scanner.{module}"), function)
        (target(*args) if args else target)(f, name, size, job)

    return handle


HANDLERS: dict[str, Handler] = {
    "zip": _lazy("archive", "zip_file"),
    "ole": _lazy("archive", "ole"),
    "pdf": _lazy("documents", "pdf"),
    "rtf": _lazy("documents", "rtf"),
    "html": _lazy("documents", "html"),
    "eml": _lazy("mail", "eml"),
    "tar": _lazy("archive", "tar_file"),
    "gzip": _lazy("archive", "compressed", "gzip"),
    "bzip2": _lazy("archive", "compressed", "bzip2"),
    "xz": _lazy("archive", "compressed", "xz"),
    "7z": _unsupported("7-Zip archive: needs 7-Zip to unpack it first"),
    "rar": _unsupported("RAR archive: needs unrar to unpack it first"),
    "image": _lazy("ocr", "image"),
    "legacy": _legacy,
    "text": _text,
}


def _describe(exc: BaseException, kind: str) -> str:
    """A clear one-line message for a file we could not read."""
    import zipfile  # here: a scan of plain text never needs it

    what = kind or "file"
    if isinstance(exc, zipfile.BadZipFile | EOFError):
        return f"damaged or truncated {what}: {exc or 'unexpected end of data'}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"cannot read: {exc.strerror}"
    if isinstance(exc, MemoryError):
        return f"{what} too large to process in memory"
    if isinstance(exc, RecursionError):
        return f"malformed {what}: nested too deeply"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"malformed {what}: {text[:300]}"


@contextlib.contextmanager
def _deadline(seconds: float | None) -> Iterator[None]:
    """Raise ScanTimeout after `seconds` (Unix, main thread: where signals are delivered)."""
    if not seconds or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise ScanTimeout(f"timed out after {seconds:g} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


class Scanner:
    """Compiled rules plus options; reuse one per process (not thread-safe: hyperscan scratch)."""

    def __init__(self, rules: Rules | None = None, *, limits: Limits | None = None, show: bool = False,
                 keyword_backend: str | None = None) -> None:
        self.rules = rules or Rules()
        self.limits = limits or Limits()
        self.show = show
        self.keywords = KeywordMatcher(self.rules.keywords, keyword_backend)
        self._masked: dict[bytes, str] = {}  # matched keyword bytes → their masked text
        # Per keyword rule: the level a hit counts at, None for a dictionary under trial.
        self._hit_level: list[Level | None] = [None if r.simulate else r.level for r in self.keywords.rules]
        self.fingerprints = FingerprintIndex([c.hashes for c in self.rules.fingerprints], self.rules.k,
                                             self.rules.min_match_chars)

    # --- entry points ------------------------------------------------------------------

    def scan_path(self, path: Path | str, display: str | None = None) -> FileResult:
        """Scan one file on disk; never raises for anything the file contains."""
        path = Path(path)
        result = FileResult(path=display if display is not None else readable_name(str(path)))
        started = time.monotonic()
        job = _Job(self, result)
        try:
            st = path.stat()
        except OSError as exc:
            result.status, result.error = Status.ERROR, f"cannot read: {exc.strerror or exc}"
            return result
        result.size = st.st_size
        job.filename(readable_name(path.name))  # a GBK name's 机密 is a mark too
        if not stat.S_ISREG(st.st_mode):
            result.status, result.error = Status.SKIPPED, "not a regular file"
            return result
        limit = self.limits.max_file_size
        if limit is not None and st.st_size > limit:
            result.status = Status.SKIPPED
            result.error = f"larger than the size limit ({_size(st.st_size)} > {_size(limit)})"
            return result
        self._guarded(job, lambda: self._open_and_dispatch(path, job))
        result.elapsed_ms = int((time.monotonic() - started) * 1000)
        return result

    def scan_bytes(self, data: bytes, name: str = "upload") -> FileResult:
        """Scan content held in memory (an upload); `name` is shown and used for sniffing."""
        import io

        started = time.monotonic()
        result = FileResult(path=name, size=len(data))
        job = _Job(self, result)
        job.filename(os.path.basename(name))
        self._guarded(job, lambda: self._dispatch(io.BytesIO(data), os.path.basename(name), len(data), job))
        result.elapsed_ms = int((time.monotonic() - started) * 1000)
        return result

    def scan_text(self, text: str, name: str = "text") -> FileResult:
        """Scan pasted text (publication review): one part, no file name check."""
        result = FileResult(path=name, size=len(text.encode()), type="text")
        job = _Job(self, result)
        self._guarded(job, lambda: job.part(text, "text"))
        return result

    # --- internals ---------------------------------------------------------------------

    def _open_and_dispatch(self, path: Path, job: _Job) -> None:
        with path.open("rb") as f:
            self._dispatch(f, path.name, job.result.size, job)

    def _guarded(self, job: _Job, action: Callable[[], None]) -> None:
        result = job.result
        try:
            with _deadline(self.limits.timeout_s):
                action()
        except Unsupported as exc:
            result.status, result.error = Status.UNSUPPORTED, str(exc)
        except Skipped as exc:
            result.status, result.error = Status.SKIPPED, str(exc)
        except LimitExceeded as exc:
            result.status, result.error = Status.ERROR, f"limit exceeded: {exc}"
        except ScanTimeout as exc:
            result.status, result.error = Status.ERROR, str(exc)
        except Exception as exc:  # a damaged file in any library: reported, never fatal
            result.status, result.error = Status.ERROR, _describe(exc, result.type)
        job.finish()

    def _dispatch(self, f: IO[bytes], name: str, size: int, job: _Job) -> None:
        head = f.read(8192)
        f.seek(0)
        kind = sniff(head, name)
        if not job.stack:
            ext = os.path.splitext(name)[1].lower().lstrip(".")
            # A docx too damaged to open as a zip is still reported as a damaged docx.
            job.result.type = ext if kind == "zip" and ext in _ZIP_DOCUMENTS else kind
        HANDLERS[kind](f, name, size, job)


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    value = n / 1024
    for unit in ("KiB", "MiB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


class _Job:
    """One top-level file's scan: the Job protocol of base.py, and the detection itself."""

    def __init__(self, scanner: Scanner, result: FileResult) -> None:
        self.scanner = scanner
        self.limits = scanner.limits
        self.budget = Budget(scanner.limits)
        self.result = result
        self.stack: list[str] = []
        self.fp: FingerprintSession | None = scanner.fingerprints.session() if scanner.fingerprints else None

    # --- the Job protocol --------------------------------------------------------------

    def set_type(self, kind: str) -> None:
        if not self.stack:
            self.result.type = kind

    def open_zip_part(self, zf: zipfile.ZipFile, name: str) -> IO[bytes]:
        from baomi.scanner import archive

        return archive.open_zip_part(zf, name, self)

    def member_problem(self, member: str, status: str, message: str) -> None:
        self.result.problems.append(Problem("/".join([*self.stack, member]), Status(status), message))

    def member(self, name: str, f: IO[bytes], size: int) -> None:
        if len(self.stack) >= self.limits.max_depth:
            raise LimitExceeded(f"{'/'.join([*self.stack, name])}: nested deeper than {self.limits.max_depth} levels")
        self.result.members += 1
        self.stack.append(name)
        try:
            self.filename(os.path.basename(name))
            try:
                size = size or _stream_size(f)
                self.scanner._dispatch(f, os.path.basename(name), size, self)
            except Unsupported as exc:
                self._problem(Status.UNSUPPORTED, str(exc))
            except Skipped as exc:
                self._problem(Status.SKIPPED, str(exc))
            except (LimitExceeded, ScanTimeout):
                raise
            except Exception as exc:
                self._problem(Status.ERROR, _describe(exc, os.path.splitext(name)[1].lstrip(".") or "file"))
        finally:
            self.stack.pop()

    def _problem(self, status: Status, message: str) -> None:
        self.result.problems.append(Problem("/".join(self.stack), status, message))

    def part(self, text: str, part: str, *, strong: bool = False, where: dict[str, Any] | None = None,
             cells: list[tuple[int, str]] | None = None) -> None:
        if not text or text.isspace():
            return
        if len(text) > self.limits.max_part_chars:
            text = text[: self.limits.max_part_chars]
            self._problem(Status.SKIPPED, f"{part}: text beyond {self.limits.max_part_chars} characters not scanned")
        self._detect(text.encode("utf-8", "surrogatepass"), self._location(part, where), strong=strong, cells=cells,
                     text=text)

    def stream(self, f: IO[bytes], encoding: str) -> None:
        """Regions of whole lines; each is detected with the previous line as context and
        the next line as look-ahead, so a mark split across a region boundary is seen once."""
        from baomi.scanner import text as textmod

        location = self._location("text", {"encoding": encoding.replace("-bom", "")})
        regions = textmod.iter_regions(f, encoding, textmod.REGION)
        current = next(regions, None)
        line0, before = 1, b""
        while current is not None:
            following = next(regions, None)
            after = b""
            if following:
                nl = following.find(b"\n", 0, _CONTEXT_BYTES)
                after = following[: nl + 1 if nl >= 0 else _CONTEXT_BYTES]
            counted, line = self._detect(current, location, before=before, after=after, line0=line0)
            if following is not None:  # the lines of the last region are never needed
                line0 = line + current.count(b"\n", counted)
            start = current.rfind(b"\n", 0, len(current) - 1) + 1
            before = current[start:] if len(current) - start <= _CONTEXT_BYTES else current[-_CONTEXT_BYTES:]
            current = following

    # --- detection ---------------------------------------------------------------------

    def filename(self, name: str) -> None:
        if name:
            self._detect(name.encode("utf-8", "surrogatepass"), self._location("filename", None), fingerprint=False)

    def _location(self, part: str, where: dict[str, Any] | None) -> dict[str, Any]:
        loc: dict[str, Any] = {}
        if self.stack:
            loc["member"] = "/".join(self.stack)
        loc["part"] = part
        if where:
            loc.update(where)
        return loc

    def _add(self, finding: Finding) -> None:
        self.result.record(finding, len(self.result.findings) < self.limits.max_findings)

    def _detect(self, data: bytes, location: dict[str, Any], *, strong: bool = False,
                cells: list[tuple[int, str]] | None = None, before: bytes = b"", after: bytes = b"",
                line0: int = 1, text: str | None = None, fingerprint: bool = True) -> tuple[int, int]:
        """Keywords and marks in UTF-8 `data` (a part, or a region of a text file with the
        line before and after it as context); offsets stay in bytes, and only the places
        that are reported are decoded. Returns (offset, line) as far as lines were counted."""
        matcher = self.scanner.keywords
        hits, anchors = matcher.scan(data)
        if hits and matcher.nested:
            hits = _outermost(hits, matcher.rules)
        after_hits: list[tuple[int, int, int]] = []
        if after:  # a mark that starts here may have its star on the next line, in `after`
            after_hits, after_anchors = matcher.scan(after)
            anchors += [(index, pos + len(data)) for index, pos in after_anchors]
        marks = self._marks(data, anchors, before, after) if anchors else []
        lines = (0, line0)
        if hits or marks:
            lines = self._list(data, location, hits, marks, strong, cells, before, after, line0, after_hits)
        if fingerprint and self.fp is not None:
            if text is None:
                text = data.decode("utf-8", "replace")
            self.fp.feed(text, (location, line0, cells, text))
        return lines

    def _list(self, data: bytes, location: dict[str, Any], hits: list[tuple[int, int, int]],
              marks: list[tuple[int, int, MarkMatch]], strong: bool, cells: list[tuple[int, str]] | None,
              before: bytes, after: bytes, line0: int, after_hits: list[tuple[int, int, int]]) -> tuple[int, int]:
        """Findings for the hits and marks of `data`, in the order of their positions (a
        keyword before a mark at the same place), listed up to the listing limit and
        counted beyond it. Returns the line counter's last (offset, line)."""
        result = self.result
        if hits:
            self._tally(hits)
        room = max(self.limits.max_findings - len(result.findings), 0)
        if not room:  # counting only (the listing is full, or -c)
            self._count(len(hits), marks)
            return 0, line0
        ext = before + data + after if before or after else data
        shift = len(before)
        starts = [h[1] for h in hits]
        # Snippets reach into the context lines (the regions' neighbours), so their keywords
        # are masked too: `near` is every hit in `ext`, in data offsets, and `k` where the
        # data's own hits begin in it.
        near, near_starts, k = hits, starts, 0
        pre = self._context_hits(before, -len(before)) if before else []
        post = self._context_hits(after, len(data), after_hits) if after_hits else []
        if pre or post:
            near, k = pre + hits + post, len(pre)
            near_starts = [h[1] for h in near]
        # How many hits and marks the listing takes: the first `room` in position order.
        # A mark at p comes after every hit starting at or before p.
        marks.sort(key=_first)
        n_marks = 0
        while n_marks < len(marks) and n_marks + bisect.bisect_right(starts, marks[n_marks][0]) < room:
            n_marks += 1
        n_hits = min(len(hits), room - n_marks)
        done, counter = 0, (0, line0)
        for mark in marks[:n_marks]:
            upto = min(bisect.bisect_right(starts, mark[0]), n_hits)
            counter = self._list_hits(data, location, near, near_starts, done + k, upto + k, cells, ext, shift,
                                      counter)
            done = max(done, upto)
            counter = self._list_mark(data, location, near, near_starts, mark, strong, cells, ext, shift, counter)
        counter = self._list_hits(data, location, near, near_starts, done + k, n_hits + k, cells, ext, shift, counter)
        if n_hits < len(hits) or n_marks < len(marks):
            self._count(len(hits) - n_hits, marks[n_marks:])
        return counter

    def _list_hits(self, data: bytes, location: dict[str, Any], hits: list[tuple[int, int, int]], starts: list[int],
                   first: int, stop: int, cells: list[tuple[int, str]] | None, ext: bytes, shift: int,
                   counter: tuple[int, int]) -> tuple[int, int]:
        """Keyword findings for hits[first:stop]. The loop runs once per listed keyword (up
        to 1,000 per file, and a dense file reaches that): kept lean, with the snippet of a
        keyword alone in its window built here (the common case) and the line counted on
        from the previous finding."""
        lpos, line = counter
        if first >= stop:
            return counter
        rules, show, result = self.scanner.keywords.rules, self.scanner.show, self.result
        findings = result.findings
        fast = _FAST_SNIPPETS and not show
        masked = self.scanner._masked
        count = data.count
        size = len(ext)
        n = len(hits)
        for i in range(first, stop):
            index, pos, end = hits[i]
            rule = rules[index]
            if pos > lpos:
                line += count(b"\n", lpos, pos)
                lpos = pos
            if cells:
                loc = _at(location, line, cells, pos)
            else:
                loc = location.copy()
                loc["line"] = line
            s, e = pos + shift, end + shift
            w0 = s - _SNIPPET_WINDOW if s > _SNIPPET_WINDOW else 0
            w1 = e + _SNIPPET_WINDOW if e + _SNIPPET_WINDOW < size else size
            lone = fast
            if lone:
                # Alone in its window: no other keyword (copies of this one at the same
                # place aside) starting in it or reaching into it from the
                # _SNIPPET_BYTES before it — exactly the hits _snippet looks at.
                j = i + 1
                while j < n and hits[j][1] < w1 - shift:
                    if hits[j][1] != pos or hits[j][2] != end:
                        lone = False
                        break
                    j += 1
                j = i - 1
                while lone and j >= 0 and hits[j][1] >= w0 - shift - _SNIPPET_BYTES:
                    if hits[j][2] > w0 - shift and (hits[j][1] != pos or hits[j][2] != end):
                        lone = False
                    j -= 1
            if lone:
                key = ext[s:e]
                mid = masked.get(key)
                if mid is None:
                    mid = _NOT_SPACE.sub(MASK, key.decode("utf-8", "replace"))
                    if len(masked) < _MASKED_MAX:
                        masked[key] = mid
                head = ext[w0:s].decode("utf-8", "ignore")
                tail = ext[e:w1].decode("utf-8", "ignore")
                snippet = _one_line(head[-CONTEXT:] + mid + tail[:CONTEXT], w0 > 0 or len(head) > CONTEXT,
                                    w1 < size or len(tail) > CONTEXT)
            elif fast:
                snippet = _crowded_snippet(ext, shift, hits, i, w0, w1)
            else:
                snippet = self._snippet(ext, shift, pos, end, hits, starts, keep=False)
            details = {"dictionary": rule.dictionary, "source": rule.source} if rule.source else {
                "dictionary": rule.dictionary}
            findings.append(Finding(Kind.KEYWORD, rule.level, loc, snippet, rule.id, False, rule.weight, rule.simulate,
                                    data[pos:end].decode("utf-8", "replace") if show else None, details))
        return lpos, line

    def _list_mark(self, data: bytes, location: dict[str, Any], hits: list[tuple[int, int, int]], starts: list[int],
                   mark: tuple[int, int, MarkMatch], strong: bool, cells: list[tuple[int, str]] | None, ext: bytes,
                   shift: int, counter: tuple[int, int]) -> tuple[int, int]:
        start, end, m = mark
        lpos, line = counter
        if start > lpos:
            line += data.count(b"\n", lpos, start)
            lpos = start
        problems = m.marking.problems()
        self.result.record(Finding(
            kind=Kind.MARK, level=m.marking.level, location=_at(location, line, cells, start),
            snippet=self._snippet(ext, shift, start, end, hits, starts, keep=True), rule=str(m.marking),
            # find_all saw the mark after a padding of HEADER_LINES empty lines, so its
            # `strong` means "alone on its line"; header position is judged here.
            strong=strong or m.strong or line <= HEADER_LINES,
            text=m.text if self.scanner.show else None, details={"mark_problems": problems} if problems else {},
        ))
        return lpos, line

    def _context_hits(self, context: bytes, offset: int,
                      hits: list[tuple[int, int, int]] | None = None) -> list[tuple[int, int, int]]:
        """The keyword hits of a context line, at `offset` from the data's start: for masking only."""
        matcher = self.scanner.keywords
        if hits is None:
            hits = matcher.scan(context)[0]
        if hits and matcher.nested:
            hits = _outermost(hits, matcher.rules)
        return [(index, s + offset, e + offset) for index, s, e in hits]

    def _tally(self, hits: list[tuple[int, int, int]]) -> None:
        """Count every keyword hit of a part, listed or not, by kind and level (in C: a dense
        part has thousands)."""
        result = self.result
        for level, n in Counter(map(self.scanner._hit_level.__getitem__, map(_first, hits))).items():
            if level is None:
                result.tally["simulated"] += n
                rules = self.scanner.keywords.rules
                result.trial.update(rules[index].id for index, _, _ in hits if rules[index].simulate)
            else:
                result.count("keyword", level, n)

    def _count(self, n_hits: int, marks: list[tuple[int, int, MarkMatch]]) -> None:
        """Count the findings beyond the listing limit (keyword hits are tallied already)."""
        result = self.result
        for _, _, m in marks:
            result.count("mark", m.marking.level)
        result.omitted += n_hits + len(marks)

    def _marks(self, data: bytes, anchors: list[tuple[int, int]], before: bytes,
               after: bytes) -> list[tuple[int, int, MarkMatch]]:
        """Marks near the anchors the matcher found, as (start, end, match) in bytes of `data`.

        Only lines that can hold a mark are handed to find_all: a star preceded (past any
        spaces and one line break) by 密, or a line that is nothing but a work-secret label.
        Each such line goes with the lines before and after it, since a mark may be split
        across one line break.
        """
        ext = before + data + after
        off = len(before)
        windows: list[list[int]] = []
        for index, pos in anchors:
            p = pos + off
            if index < STAR_ANCHORS:
                # 密 right before the star, or past spaces and one line break
                if ext[p - 3 : p] != _MI and (ext[p - 1 : p] not in _SPACE_END or not ext[
                        max(0, p - 48) : p].decode("utf-8", "ignore").rstrip().endswith("密")):
                    continue
            elif p > 0 and ext[p - 1 : p] not in _SPACE_END:
                continue  # a work-secret word inside a line (内部资料…): not alone on it
            # Every search is bounded, so that a huge line full of anchors stays linear.
            lo, hi = max(0, p - _CONTEXT_BYTES), min(len(ext), p + _CONTEXT_BYTES)
            line_start = ext.rfind(b"\n", lo, p) + 1 or lo
            line_end = ext.find(b"\n", p, hi)
            if index >= STAR_ANCHORS and "".join(
                    ext[line_start : line_end if line_end >= 0 else hi].decode("utf-8", "ignore").split()) \
                    not in _WORK_LABELS:
                continue
            # The anchor's line with the line before and after it: a mark spans one break at most.
            w0 = (ext.rfind(b"\n", lo, line_start - 1) + 1 or lo) if line_start > lo else lo
            next_end = ext.find(b"\n", line_end + 1, hi) if line_end >= 0 else -1
            w1 = next_end + 1 if next_end >= 0 else hi
            if windows and w0 <= windows[-1][1]:
                windows[-1][1] = max(windows[-1][1], w1)
            else:
                windows.append([w0, w1])
        found: list[tuple[int, int, MarkMatch]] = []
        for w0, w1 in windows:
            chunk = ext[w0:w1].decode("utf-8", "surrogateescape")
            # A window cut inside a line gets a sentinel, so that find_all does not take the
            # cut for the start or end of a line.
            lead = "|" if w0 > 0 and ext[w0 - 1] != 10 else ""
            trail = "|" if w1 < len(ext) and ext[w1 - 1] != 10 else ""
            pad = "\n" * HEADER_LINES + lead
            char_pos, byte_pos = 0, w0 - off  # advanced incrementally: matches come in order
            for m in find_all(pad + chunk + trail):
                cs = m.start - len(pad)
                if cs < char_pos or cs >= len(chunk):
                    continue
                byte_pos += len(chunk[char_pos:cs].encode("utf-8", "surrogateescape"))
                char_pos = cs
                if 0 <= byte_pos < len(data):
                    found.append((byte_pos, byte_pos + len(m.text.encode("utf-8", "surrogateescape")), m))
        return found

    def _snippet(self, ext: bytes, shift: int, start: int, end: int, hits: list[tuple[int, int, int]],
                 starts: list[int], *, keep: bool) -> str:
        """The masked snippet around bytes [start, end) of the data, which sits at `shift` in
        `ext` (the data with its context lines); `hits` are the data's keyword hits."""
        start, end = start + shift, end + shift
        w0 = max(0, start - _SNIPPET_WINDOW)
        w1 = min(len(ext), end + _SNIPPET_WINDOW)
        head = ext[w0:start].decode("utf-8", "ignore")
        mid = ext[start:end].decode("utf-8", "replace")
        tail = ext[end:w1].decode("utf-8", "ignore")
        masks: list[tuple[int, int]] = []
        if not self.scanner.show:
            # The hits near the window, converted to characters of the window.
            lo = bisect.bisect_left(starts, w0 - shift - _SNIPPET_BYTES)
            hi = bisect.bisect_left(starts, w1 - shift)
            near = hits[lo:hi]
            if _FAST_SNIPPETS and all((s + shift, e + shift) == (start, end) or e + shift <= w0 for _, s, e in near):
                # The common case, a mark or keyword with no (other) keyword in its snippet:
                # the same text as _snippet_text would make, without its general masking.
                body = head[-CONTEXT:] + (mid if keep else _NOT_SPACE.sub(MASK, mid)) + tail[:CONTEXT]
                return _one_line(body, len(head) > CONTEXT or w0 > 0, len(tail) > CONTEXT or w1 < len(ext))
            for _, s, e in near:
                s, e = max(s + shift, w0), min(e + shift, w1)
                if s < e:
                    cs = len(ext[w0:s].decode("utf-8", "ignore"))
                    masks.append((cs, cs + len(ext[s:e].decode("utf-8", "ignore"))))
        return self._snippet_text(head + mid + tail, len(head), len(head) + len(mid), keep=keep, masks=masks,
                                  more_before=w0 > 0, more_after=w1 < len(ext))

    def _snippet_text(self, text: str, start: int, end: int, *, keep: bool, masks: list[tuple[int, int]] | None = None,
                      masked: tuple[int, int] | None = None, more_before: bool = False,
                      more_after: bool = False) -> str:
        """CONTEXT characters either side of text[start:end]; every keyword in sight masked
        (the matched one too, unless `keep`: marks stay readable), and `masked` as well.
        `masks` are the keyword spans if the caller knows them; else they are looked for."""
        a, b = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
        if self.scanner.show:
            body = text[a:b]
        else:
            if masks is None:
                # A little beyond the window too, so that a keyword cut by its edge is masked.
                s0, s1 = max(0, a - _MASK_REACH), min(len(text), b + _MASK_REACH)
                window = text[s0:s1].encode("utf-8", "surrogatepass")
                hits, _ = self.scanner.keywords.scan(window)
                masks = [(s + s0, e + s0) for _, s, e in _to_chars(window, hits)] if hits else []
            if masked is not None:
                masks.append(masked)
            if keep:
                masks = [piece for s, e in masks for piece in ((s, min(e, start)), (max(s, end), e))]
            body = _masked(text, a, b, sorted(masks))
        return _one_line(body, a > 0 or more_before, b < len(text) or more_after)

    def finish(self) -> None:
        """Turn the fingerprint session's matches into findings."""
        if self.fp is None:
            return
        carriers = self.scanner.rules.fingerprints
        total = max(self.fp.norm_chars, 1)
        for match in self.fp.results():
            carrier = carriers[match.carrier]
            spans = [self._span(span) for span in match.spans[:20]]
            first: dict[str, Any] = spans[0] if spans else {"location": {}, "snippet": ""}
            self._add(Finding(
                kind=Kind.FINGERPRINT, level=carrier.level, location=first["location"], snippet=first["snippet"],
                rule=carrier.carrier_id,
                details={
                    "carrier_id": carrier.carrier_id,
                    "overlap": round(min(match.matched_chars / total, 1.0), 4),
                    "coverage": round(len(match.hashes) / max(self.scanner.fingerprints.sizes[match.carrier], 1), 4),
                    "matched_chars": match.matched_chars,
                    "spans": spans,
                },
            ))
        self.fp = None

    def _span(self, span: Span) -> dict[str, Any]:
        location, line0, cells, text = span.ref
        line = line0 + text.count("\n", 0, span.start)
        at = len(text[: span.start].encode("utf-8", "surrogatepass")) if cells else span.start
        return {
            "location": _at(location, line, cells, at),
            "start": span.start,
            "end": span.end,
            "chars": span.chars,
            "snippet": self._snippet_text(text, span.start, min(span.end, span.start + 2 * CONTEXT), keep=False,
                                          masked=(span.start, span.end)),
        }


def _outermost(hits: list[tuple[int, int, int]], rules: list[KeywordRule]) -> list[tuple[int, int, int]]:
    """Drop a hit inside a longer hit of no lower level (国防 inside 国防科工), so that one
    place is reported once, at its highest level."""
    kept: list[tuple[int, int, int]] = []
    for hit in hits:
        rule, start, end = hit
        covered = False
        for other, s, e in reversed(kept[-8:]):
            if s <= start and end <= e and (s, e) != (start, end) and \
                    rules[other].level >= rules[rule].level and rules[other].simulate == rules[rule].simulate:
                covered = True
                break
        if not covered:
            kept.append(hit)
    return kept


def _crowded_snippet(ext: bytes, shift: int, hits: list[tuple[int, int, int]], i: int, w0: int, w1: int) -> str:
    """The snippet of keyword hits[i] with other keywords in its window [w0, w1) of `ext`:
    the text _Job._snippet and _snippet_text make for it (a quarter of the keywords of a
    dense file take this path), in one function without their other cases."""
    _, pos, end = hits[i]
    start, stop = pos + shift, end + shift
    head = ext[w0:start].decode("utf-8", "ignore")
    mid = ext[start:stop].decode("utf-8", "replace")
    tail = ext[stop:w1].decode("utf-8", "ignore")
    text = head + mid + tail
    a = len(head) - CONTEXT if len(head) > CONTEXT else 0
    b = min(len(text), len(head) + len(mid) + CONTEXT)
    # The hits _snippet looks at: starting from _SNIPPET_BYTES before the window to its end;
    # this one (and its copies for other rules) is masked where it is, mid.
    first, last, n = i, i + 1, len(hits)
    reach, stop_at = w0 - shift - _SNIPPET_BYTES, w1 - shift
    while first > 0 and hits[first - 1][1] >= reach:
        first -= 1
    while last < n and hits[last][1] < stop_at:
        last += 1
    masks = [(len(head), len(head) + len(mid))]
    for _, s, e in hits[first:last]:
        if s == pos and e == end:
            continue
        s, e = max(s + shift, w0), min(e + shift, w1)
        if s < e:
            cs = len(ext[w0:s].decode("utf-8", "ignore"))
            masks.append((cs, cs + len(ext[s:e].decode("utf-8", "ignore"))))
    if len(masks) > 1:
        masks.sort()
    return _one_line(_masked(text, a, b, masks), a > 0 or w0 > 0, b < len(text) or w1 < len(ext))


def _masked(text: str, a: int, b: int, masks: list[tuple[int, int]]) -> str:
    """text[a:b] with the parts of it under the (sorted) spans `masks` masked."""
    pieces: list[str] = []
    pos = a
    for s, e in masks:
        s, e = max(s, pos), min(e, b)
        if s < e:
            pieces.append(text[pos:s])
            pieces.append(_NOT_SPACE.sub(MASK, text[s:e]))
            pos = e
    pieces.append(text[pos:b])
    return "".join(pieces)


def _one_line(body: str, more_before: bool, more_after: bool) -> str:
    """A snippet on one line, with … where the text goes on."""
    body = body.replace("\n", " ").replace("\r", " ").replace("\t", " ")
    return ("…" if more_before else "") + body + ("…" if more_after else "")


def _at(location: dict[str, Any], line: int, cells: list[tuple[int, str]] | None, offset: int) -> dict[str, Any]:
    """The location of a finding at byte `offset` of a part: cell or sheet when the part is
    made of cells (the line in the joined text would mean nothing), else the line."""
    loc = dict(location)
    if cells:
        i = bisect.bisect_right(cells, (offset, "\U0010ffff")) - 1
        if i >= 0:
            key, _, value = cells[i][1].partition("=")
            loc[key] = value
            return loc
    loc["line"] = line
    return loc


def _to_chars(data: bytes, hits: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Byte offsets → character offsets, decoding only the gaps between successive offsets."""
    points = sorted({p for _, s, e in hits for p in (s, e)})
    mapping: dict[int, int] = {}
    byte_pos = char_pos = 0
    for p in points:
        char_pos += len(data[byte_pos:p].decode("utf-8", "replace"))
        byte_pos = p
        mapping[p] = char_pos
    return [(r, mapping[s], mapping[e]) for r, s, e in hits]


def _stream_size(f: IO[bytes]) -> int:
    pos = f.tell()
    size = f.seek(0, os.SEEK_END)
    f.seek(pos)
    return size

