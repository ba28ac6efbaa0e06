"""Multi-pattern keyword matching over UTF-8 bytes.

Hyperscan when it is installed (x86-64), else pyahocorasick over the bytes (decoded as
Latin-1 so that one byte is one character: the automaton then runs on a one-byte-per-
character string, several times faster than on decoded Chinese text). Both report every
occurrence, overlapping ones included; the engine decides what to show.

ASCII letters in keywords match case-insensitively, and a keyword with ASCII letters or
digits also matches its full-width form (ＡＢＣ１２３), which Chinese input methods produce.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
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


def _variants(keyword: str) -> set[str]:
    half = keyword.translate(_HALFWIDTH)
    variants = {keyword, half}
    # Full-width letters have no caseless matching in the engines, so both cases are listed.
    for form in (half, half.lower(), half.upper()):
        variants.add(form.translate(_FULLWIDTH))
    return variants


def _anchors() -> list[bytes]:
    """Where a mark can start to be: every star character, and the first word of every
    work-secret label. Taken from baomi.marking, so that the scanner's pre-filter follows
    the grammar if it grows; find_all still decides what is a mark."""
    words = {label.split()[0] for label in WORK_SECRET_LABELS}
    return [c.encode("utf-8") for c in STAR_CHARS] + sorted(w.encode("utf-8") for w in words)


ANCHORS = _anchors()
#: Anchor index below which an anchor is a star (the rest are work-secret words).
STAR_ANCHORS = len(STAR_CHARS)


class KeywordMatcher:
    """Keywords and mark anchors in one pass over the bytes; compiled once per process.

    The mark anchors ride along in the same database, so that text without a star or a
    work-secret word is never decoded or parsed for marks at all.
    """

    def __init__(self, rules: Sequence[KeywordRule], backend: str | None = None) -> None:
        self.rules = list(rules)
        patterns: dict[bytes, list[int]] = {}
        for i, rule in enumerate(self.rules):
            for variant in _variants(rule.keyword):
                key = variant.encode("utf-8")
                if any(65 <= b <= 90 or 97 <= b <= 122 for b in key):
                    key = key.lower()
                owners = patterns.setdefault(key, [])
                if i not in owners:
                    owners.append(i)
        self._keys = list(patterns)
        self._owners = [patterns[k] for k in self._keys]
        self._lengths = [len(k) for k in self._keys]
        self._n = len(self._keys)
        self._all = self._keys + ANCHORS
        if backend is None:
            backend = "hyperscan" if hyperscan is not None else "ahocorasick"
        self.backend = backend
        self._db: Any = None
        self._automaton: Any = None
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
        self.nested = self._any_nested()

    def _any_nested(self) -> bool:
        """Whether some keyword occurs inside another: only then must hits be de-duplicated."""
        if not self._keys:
            return False
        joined = b"\x00".join(self._keys)
        ends = set()
        pos = 0
        for key in self._keys:
            pos += len(key)
            ends.add(pos)
            pos += 1
        # A keyword matching anywhere but exactly over itself sits inside (or across) another.
        raw = [(key, end) for key, end in self._raw(joined) if key < self._n]
        return len(raw) != len(self._keys) or any(end not in ends for _, end in raw)

    def _compile_hyperscan(self) -> None:
        assert hyperscan is not None
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        flags = [hyperscan.HS_FLAG_CASELESS if key != key.upper() else 0 for key in self._all]
        db.compile(expressions=self._all, ids=list(range(len(self._all))), elements=len(self._all),
                   flags=flags, literal=True)
        self._db = db

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
        anchors (anchor index, start), by start; all offsets in bytes."""
        hits: list[tuple[int, int, int]] = []
        anchors: list[tuple[int, int]] = []
        n, lengths, owners, all_keys = self._n, self._lengths, self._owners, self._all
        for key, end in self._raw(data):
            if key < n:
                start = end - lengths[key]
                hits.extend((rule, start, end) for rule in owners[key])
            else:
                anchors.append((key - n, end - len(all_keys[key])))
        hits.sort(key=lambda h: (h[1], -h[2]))
        anchors.sort(key=lambda a: a[1])
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
