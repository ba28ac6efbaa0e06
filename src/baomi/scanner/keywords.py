"""Multi-pattern keyword matching over UTF-8 bytes.

Hyperscan when it is installed (x86-64), else pyahocorasick over the bytes (decoded as
Latin-1 so that one byte is one character: the automaton then runs on a one-byte-per-
character string, several times faster than on decoded Chinese text). Both report every
occurrence, overlapping ones included; the engine decides what to show.

ASCII letters in keywords match case-insensitively, and a keyword with ASCII letters or
digits also matches its full-width form (ＡＢＣ１２３), which Chinese input methods produce.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from baomi.marking import STAR_CHARS, WORK_SECRET_LABELS
from baomi.scanner.rules import KeywordRule


def _optional(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:  # pragma: no cover - which engines exist depends on the platform
        return None


hyperscan = _optional("hyperscan")
ahocorasick = _optional("ahocorasick")

_FULLWIDTH = {cp: cp + 0xFEE0 for cp in range(0x21, 0x7F)}
_HALFWIDTH = {v: k for k, v in _FULLWIDTH.items()}
_WIDTH_SENSITIVE = re.compile("[\x21-\x7e\uff01-\uff5e]")


def _variants(keyword: str) -> list[str]:
    """The forms of a keyword to look for, in a fixed order (the cache key depends on it)."""
    if not _WIDTH_SENSITIVE.search(keyword):
        return [keyword]  # the usual Chinese keyword: one form
    half = keyword.translate(_HALFWIDTH)
    variants = {keyword, half}
    # Full-width letters have no caseless matching in the engines, so both cases are listed.
    for form in (half, half.lower(), half.upper()):
        variants.add(form.translate(_FULLWIDTH))
    return sorted(variants)


def _anchors() -> list[bytes]:
    """Where a mark can start to be: every star character, and the first word of every
    work-secret label. Taken from baomi.marking, so that the scanner's pre-filter follows
    the grammar if it grows; find_all still decides what is a mark."""
    words = {label.split()[0] for label in WORK_SECRET_LABELS}
    return [c.encode("utf-8") for c in STAR_CHARS] + sorted(w.encode("utf-8") for w in words)


def _by_start_longest_first(hit: tuple[int, int, int]) -> tuple[int, int]:
    return hit[1], -hit[2]


def _by_start(anchor: tuple[int, int]) -> int:
    return anchor[1]


ANCHORS = _anchors()
#: Anchor index below which an anchor is a star (the rest are work-secret words).
STAR_ANCHORS = len(STAR_CHARS)
#: Last byte of a space character: ASCII spaces and line breaks, U+3000 (e3 80 80), U+00A0
#: (c2 a0). A work-secret label is a mark only alone on its line, so its word counts as an
#: anchor only at the start of the text or after one of these.
SPACE_END = frozenset(b" \t\r\n\x0b\x0c\x80\xa0")


class KeywordMatcher:
    """Keywords and mark anchors in one pass over the bytes; compiled once per process.

    The mark anchors ride along in the same database, so that text without a star or a
    work-secret word is never decoded or parsed for marks at all.
    """

    def __init__(self, rules: Sequence[KeywordRule], backend: str | None = None) -> None:
        self.rules = list(rules)
        self.any_simulated = any(rule.simulate for rule in self.rules)
        patterns: dict[bytes, list[int]] = {}
        for i, rule in enumerate(self.rules):
            for variant in _variants(rule.keyword):
                key = variant.encode("utf-8").lower()  # bytes.lower() folds ASCII letters only
                owners = patterns.setdefault(key, [])
                if i not in owners:
                    owners.append(i)
        self._keys = list(patterns)
        self._owners = [patterns[k] for k in self._keys]
        self._n = len(self._keys)
        self._all = self._keys + ANCHORS
        self._lengths = [len(k) for k in self._all]
        # The rule of a pattern that belongs to one rule only (nearly all), else -1.
        self._single = [owners[0] if len(owners) == 1 else -1 for owners in self._owners]
        if backend is None:
            backend = "hyperscan" if hyperscan is not None else "ahocorasick"
        self.backend = backend
        self._db: Any = None
        self._automaton: Any = None
        self.nested: bool | None = None  # set by the check of a cached database, else below
        if self.backend == "hyperscan":
            self._compile_hyperscan()
        elif self.backend == "ahocorasick":
            if ahocorasick is None:
                raise RuntimeError("neither hyperscan nor pyahocorasick is installed")
            self._automaton = ahocorasick.Automaton()
            for n, key in enumerate(self._all):
                self._automaton.add_word(key.decode("latin-1"), n)
            self._automaton.make_automaton()
        else:
            raise ValueError(f"unknown keyword backend {backend!r}")
        if self.nested is None:
            self.nested = self._nested(self._raw(b"\x00".join(self._keys)))

    def _nested(self, raw: list[tuple[int, int]]) -> bool:
        """Whether some keyword occurs inside another (only then must hits be de-duplicated),
        from the matches in the keywords joined by NUL (the anchors may follow: ignored)."""
        if not self._keys:
            return False
        ends = set()
        pos = 0
        for key in self._keys:
            pos += len(key)
            ends.add(pos)
            pos += 1
        # A keyword matching anywhere but exactly over itself sits inside (or across) another.
        raw = [(key, end) for key, end in raw if key < self._n and end < pos]
        return len(raw) != len(self._keys) or any(end not in ends for _, end in raw)

    def _compile_hyperscan(self) -> None:
        assert hyperscan is not None
        flags = [hyperscan.HS_FLAG_CASELESS if key != key.upper() else 0 for key in self._all]
        cache = _DatabaseCache.open(self._all, flags)
        if cache is not None:
            self._db = cache.load()
            if self._db is not None and self._finds_every_pattern():
                return
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        db.compile(expressions=self._all, ids=list(range(len(self._all))), elements=len(self._all),
                   flags=flags, literal=True)
        self._db = db
        if cache is not None:
            cache.store(db)

    def _finds_every_pattern(self) -> bool:
        """Whether the database reports every pattern at its place in the patterns joined:
        a cached database that does not (damaged, doctored, built by other code) is
        compiled again rather than trusted to find every keyword."""
        joined = b"\x00".join(self._all)
        expected, pos = set(), 0
        for n, key in enumerate(self._all):
            pos += len(key)
            expected.add((n, pos))
            pos += 1
        try:
            raw = self._raw(joined)
        except Exception:  # a database hyperscan cannot run
            return False
        if not expected <= set(raw):
            return False
        self.nested = self._nested(raw)  # the keywords come first in `joined`: one scan for both
        return True

    def __bool__(self) -> bool:
        return bool(self._keys)

    def __getstate__(self) -> dict[str, Any]:
        # A hyperscan database travels serialised (loading is far cheaper than compiling
        # 10,000 patterns in every worker); an automaton is rebuilt from the rules.
        state = dict(self.__dict__)
        state["_automaton"] = None
        if self._db is not None:
            state["_db"] = hyperscan.dumpb(self._db)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if isinstance(self._db, bytes):
            self._db = hyperscan.loadb(self._db, hyperscan.HS_MODE_BLOCK)
            self._db.scratch = hyperscan.Scratch(self._db)
        elif self.backend == "ahocorasick":
            self.__init__(self.rules, self.backend)  # type: ignore[misc]

    def scan(self, data: bytes) -> tuple[list[tuple[int, int, int]], list[tuple[int, int]]]:
        """Keyword hits (rule index, start, end), by start then longest first, and mark
        anchors (anchor index, start), by start; all offsets in bytes. A work-secret word
        inside a line (内部资料…) is not reported as an anchor (see SPACE_END)."""
        hits: list[tuple[int, int, int]] = []
        anchors: list[tuple[int, int]] = []
        if not data:
            return hits, anchors
        n, lengths, owners, single = self._n, self._lengths, self._owners, self._single
        append, words = hits.append, self._n + STAR_ANCHORS
        # Runs once per occurrence (2,000 per MB in a dense file): kept lean. Hyperscan
        # reports matches by end, which is also by start unless matches overlap: then
        # (and only then) the hits are sorted; likewise the anchors.
        last_start, last_end, in_order, last_anchor, anchors_in_order = -1, 0, True, 0, True

        def on_match(key: int, _from: int, end: int, flags: int, context: object) -> None:
            nonlocal last_start, last_end, in_order, last_anchor, anchors_in_order
            start = end - lengths[key]
            if key < n:
                if in_order:
                    if start < last_start or (start == last_start and end > last_end):
                        in_order = False
                    else:
                        last_start, last_end = start, end
                rule = single[key]
                if rule >= 0:
                    append((rule, start, end))
                else:
                    hits.extend((rule, start, end) for rule in owners[key])
            elif key < words or not start or data[start - 1] in SPACE_END:  # 内部 inside a line is no anchor
                if start < last_anchor:
                    anchors_in_order = False
                last_anchor = start
                anchors.append((key - n, start))

        if self._db is not None:
            self._db.scan(data, match_event_handler=on_match)
        else:
            for key, end in self._raw(data):
                on_match(key, 0, end, 0, None)
        if not in_order:
            hits.sort(key=_by_start_longest_first)
        if not anchors_in_order:
            anchors.sort(key=_by_start)
        return hits, anchors

    def _raw(self, data: bytes) -> list[tuple[int, int]]:
        """(pattern index, end offset) pairs, unsorted."""
        if not data:
            return []
        if self._db is not None:
            out: list[tuple[int, int]] = []
            append = out.append

            def on_match(pattern: int, start: int, end: int, flags: int, context: object) -> None:
                append((pattern, end))

            self._db.scan(data, match_event_handler=on_match)
            return out
        hay = data.lower().decode("latin-1")
        return [(n, end + 1) for end, n in self._automaton.iter(hay)]


# --- the compiled database, cached on disk -----------------------------------------------

_MAGIC = b"baomi-hyperscan-db/1\n"
_KEEP = 8  # databases kept in the cache: one per bundle version in use


def cache_dir() -> Path | None:
    """Where compiled keyword databases are kept: $BAOMI_SCAN_CACHE if set ("off" disables
    the cache), else $XDG_CACHE_HOME/baomi/hyperscan, else ~/.cache/baomi/hyperscan."""
    setting = os.environ.get("BAOMI_SCAN_CACHE", "")
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "baomi" / "hyperscan"


class _DatabaseCache:
    """Compiling 10,000 keywords takes hyperscan about 0.25 s, a fifth of scanning 200 MB;
    loading the serialised database takes a few milliseconds. The entry is named by a
    SHA-256 over hyperscan's version and exactly what is compiled (patterns, flags, mode),
    so a changed bundle never meets a stale database. Its content carries a SHA-256 of that
    name and the database, checked before hyperscan reads a byte of it; the loaded
    database must then find every pattern (KeywordMatcher._finds_every_pattern). Any
    failure (unwritable home, damaged or doctored file, other hyperscan version) falls
    back to compiling: the cache can make a scan faster, never different."""

    def __init__(self, folder: Path, key: str) -> None:
        self.folder, self.key = folder, key
        self.path = folder / f"{key}.hsdb"

    @classmethod
    def open(cls, patterns: list[bytes], flags: list[int]) -> _DatabaseCache | None:
        folder = cache_dir()
        if folder is None:
            return None
        h = hashlib.sha256(_MAGIC)
        h.update(f"{getattr(hyperscan, '__version__', '')}/{hyperscan.HS_MODE_BLOCK}/{len(patterns)}\n".encode())
        for pattern, flag in zip(patterns, flags, strict=True):
            h.update(b"%d:%d:%s\x00" % (flag, len(pattern), pattern))
        return cls(folder, h.hexdigest())

    def _safe_folder(self) -> bool:
        """Our own folder, writable by nobody else: another account must not plant a database."""
        try:
            st = self.folder.stat()
        except OSError:
            return False
        return not (hasattr(os, "getuid") and st.st_uid != os.getuid()) and not st.st_mode & 0o022

    def load(self) -> Any:
        try:
            if not self._safe_folder():
                return None
            data = self.path.read_bytes()
            head = len(_MAGIC) + 32
            if data[: len(_MAGIC)] != _MAGIC or data[len(_MAGIC) : head] != self._digest(data[head:]):
                return None
            db = hyperscan.loadb(data[head:], hyperscan.HS_MODE_BLOCK)
            db.scratch = hyperscan.Scratch(db)
            with _suppress():
                os.utime(self.path)  # recently used: kept by _prune
            return db
        except Exception:  # missing, unreadable, damaged, another hyperscan: compile instead
            return None

    def store(self, db: Any) -> None:
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not self._safe_folder():
                return
            blob = hyperscan.dumpb(db)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".hsdb")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(_MAGIC + self._digest(blob) + blob)
                os.replace(tmp, self.path)  # atomic: a concurrent scan sees the old file or the new one
            except BaseException:
                with _suppress():
                    os.unlink(tmp)
                raise
            self._prune()
        except Exception:  # a read-only or full disk only costs the next scan a compile
            return

    def _digest(self, blob: bytes) -> bytes:
        return hashlib.sha256(self.key.encode() + b"\n" + blob).digest()

    def _prune(self) -> None:
        entries = sorted(self.folder.glob("*.hsdb"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[_KEEP:]:
            with _suppress():
                old.unlink()


def _suppress() -> Any:
    import contextlib

    return contextlib.suppress(OSError)
