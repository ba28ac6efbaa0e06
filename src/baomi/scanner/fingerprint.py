"""Fingerprints of registered electronic carriers: winnowing over normalised k-grams.

Why this design (Schleimer, Wilkerson & Aiken, "Winnowing", SIGMOD 2003):

- Text is normalised first, one character at a time: NFKC (full-width → half-width,
  compatibility forms folded), lower case, and everything that is not a letter, digit or
  combining mark dropped (whitespace, punctuation, symbols such as ★). A copy with its
  marks removed, its lines re-wrapped or its punctuation changed normalises to nearly the
  same string. Per-character NFKC (rather than whole-string) keeps a position map back to
  the original text, and differs only for composed sequences that Chinese text lacks.
- Every k-gram (K = 13 normalised characters, about one short Chinese clause) is hashed
  with a 64-bit polynomial hash over code points, finished with splitmix64 so that the
  low bits are usable for winnowing. The hash is defined here exactly so that a server
  and an air-gapped scanner compute the same values without sharing code at run time.
- The carrier keeps only the rightmost minimum hash of every window of W = 8 consecutive
  k-grams: about 2/(W+1) ≈ 22 % of positions, and any passage of at least W + K − 1 = 20
  normalised characters shared with the carrier is guaranteed to share one fingerprint.
- A scanned file is not winnowed: all of its k-gram hashes are looked up, which only
  makes detection more sensitive (every carrier fingerprint in the shared text is seen).
  A carrier is reported when the shared passages cover at least `min_match_chars`
  normalised characters (default 60), which keeps common phrases such as the title of a
  law (15–25 characters) from matching while an excerpt of a few hundred characters does.
"""

from __future__ import annotations

import base64
import functools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Hashes = npt.NDArray[np.uint64]
else:
    Hashes = Any

# numpy is imported where it is used, not here: a scan without carrier fingerprints (the
# usual keyword dictionary) then never loads it, which saves 0.1 s of every `baomi scan`.

K = 13
WINDOW = 8
MIN_MATCH_CHARS = 60
HASH_NAME = "nfkc-lnm/poly64-b0x100000001b3/splitmix64"

_BASE = 0x100000001B3
_MIX_ADD = 0x9E3779B97F4A7C15
_MIX_1 = 0xBF58476D1CE4E5B9
_MIX_2 = 0x94D049BB133111EB


@functools.cache
def _table() -> dict[int, str | None]:
    """str.translate table for the Basic Multilingual Plane; other planes pass unchanged."""
    table: dict[int, str | None] = {}
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        folded = "".join(c for c in unicodedata.normalize("NFKC", ch).lower() if unicodedata.category(c)[0] in "LNM")
        if folded != ch:
            table[cp] = folded or None
    return table


def normalize(text: str) -> str:
    """The normalised form fingerprints are computed on (see the module docstring)."""
    return text.translate(_table())


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Normalised text and, for each of its characters, the offset in `text` it came from."""
    table = _table()
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        cp = ord(ch)
        if cp in table:
            rep = table[cp]
            if not rep:
                continue
            out.append(rep)
            where.extend([i] * len(rep))
        else:
            out.append(ch)
            where.append(i)
    return "".join(out), where


def kgram_hashes(norm: str, k: int = K) -> Hashes:
    """The hash of every k-gram of a normalised text, in order (empty if shorter than k)."""
    import numpy as np

    n = len(norm) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    base, mix_add, mix_1, mix_2 = (np.uint64(c) for c in (_BASE, _MIX_ADD, _MIX_1, _MIX_2))
    cps = np.frombuffer(norm.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h *= base
            h += cps[j : j + n]
        z = h + mix_add
        z = (z ^ (z >> np.uint64(30))) * mix_1
        z = (z ^ (z >> np.uint64(27))) * mix_2
        z ^= z >> np.uint64(31)
    return z


def winnow(hashes: Hashes, window: int = WINDOW) -> Hashes:
    """The rightmost minimum of every window of `window` hashes, sorted and unique."""
    import numpy as np

    if hashes.size == 0:
        return hashes
    if hashes.size <= window:
        i = hashes.size - 1 - int(np.argmin(hashes[::-1]))
        return hashes[i : i + 1].copy()
    view = np.lib.stride_tricks.sliding_window_view(hashes, window)
    rightmost = window - 1 - np.argmin(view[:, ::-1], axis=1)
    positions = np.arange(view.shape[0]) + rightmost
    return np.unique(hashes[positions])


def fingerprint(text: str, k: int = K, window: int = WINDOW) -> tuple[Hashes, int]:
    """A carrier's fingerprints (sorted unique uint64) and its normalised length."""
    norm = normalize(text)
    return winnow(kgram_hashes(norm, k), window), len(norm)


def encode_hashes(hashes: Hashes) -> str:
    """Base64 of little-endian uint64: a third of the size of decimal JSON numbers."""
    import numpy as np

    return base64.b64encode(np.asarray(hashes, dtype="<u8").tobytes()).decode("ascii")


def decode_hashes(data: str) -> Hashes:
    import numpy as np

    raw = base64.b64decode(data.encode("ascii"), validate=True)
    if len(raw) % 8:
        raise ValueError("fingerprint hashes: length is not a multiple of 8 bytes")
    return np.unique(np.frombuffer(raw, dtype="<u8").astype(np.uint64))


@dataclass
class Span:
    """One matched passage, in the coordinates of the text it was fed with."""

    ref: Any  # what the caller passed to feed(): which part of the file
    start: int  # offset in the original (not normalised) text
    end: int
    chars: int  # normalised characters covered


@dataclass
class CarrierMatch:
    carrier: int  # index into FingerprintIndex.carriers
    matched_chars: int = 0
    hashes: set[int] = field(default_factory=set)
    spans: list[Span] = field(default_factory=list)


class FingerprintIndex:
    """All registered carriers' fingerprints in one sorted array, for vectorised look-up."""

    def __init__(self, carriers: Sequence[Hashes], k: int = K, min_match_chars: int = MIN_MATCH_CHARS) -> None:
        self.k = k
        self.min_match_chars = min_match_chars
        self.sizes = [int(c.size) for c in carriers]
        self._hashes: Any = ()
        self._owner: Any = ()
        if not carriers:
            return  # nothing to look up: numpy is not needed
        import numpy as np

        allh = np.concatenate([np.asarray(c, dtype=np.uint64) for c in carriers])
        owner = np.concatenate([np.full(c.size, i, dtype=np.int32) for i, c in enumerate(carriers)])
        order = np.argsort(allh, kind="stable")
        self._hashes = allh[order]
        self._owner = owner[order]

    def __bool__(self) -> bool:
        return len(self._hashes) > 0

    def session(self) -> FingerprintSession:
        return FingerprintSession(self)

    def lookup(self, hashes: Hashes) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        """Positions in `hashes` that some carrier holds, with their index range in the table."""
        import numpy as np

        left = np.searchsorted(self._hashes, hashes, side="left")
        right = np.searchsorted(self._hashes, hashes, side="right")
        pos = np.nonzero(right > left)[0]
        return pos, left[pos], right[pos]


class FingerprintSession:
    """Accumulates one file's matches across its parts; `results()` applies the threshold."""

    def __init__(self, index: FingerprintIndex) -> None:
        self.index = index
        self.norm_chars = 0
        self.matches: dict[int, CarrierMatch] = {}

    def feed(self, text: str, ref: Any) -> None:
        k = self.index.k
        norm = normalize(text)
        self.norm_chars += len(norm)
        hashes = kgram_hashes(norm, k)
        if hashes.size == 0:
            return
        pos, left, right = self.index.lookup(hashes)
        if pos.size == 0:
            return
        per_carrier: dict[int, list[int]] = {}
        for p, lo, hi in zip(pos.tolist(), left.tolist(), right.tolist(), strict=True):
            for owner in set(self.index._owner[lo:hi].tolist()):
                per_carrier.setdefault(owner, []).append(p)
                self.matches.setdefault(owner, CarrierMatch(owner)).hashes.add(int(hashes[p]))
        where: list[int] | None = None
        for owner, positions in per_carrier.items():
            if where is None:
                _, where = normalize_with_map(text)
            match = self.matches[owner]
            for s, e in _merge((p, p + k) for p in positions):
                match.matched_chars += e - s
                match.spans.append(Span(ref, where[s], where[e - 1] + 1, e - s))

    def results(self) -> list[CarrierMatch]:
        """Carriers whose shared passages reach the threshold, most overlap first."""
        found = [m for m in self.matches.values() if m.matched_chars >= self.index.min_match_chars]
        return sorted(found, key=lambda m: -m.matched_chars)


def _merge(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(intervals):
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged

