"""Limits that keep a scan of hostile input bounded in time, memory and disk.

A scanner runs over whatever a user left on a computer, including archives built to
explode (zip bombs) and files that are truncated or malformed on purpose; every read
goes through these limits so that one bad file costs a clear error, never the scan.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

MiB = 1024 * 1024


class LimitExceeded(Exception):
    """A configured limit was hit; the message says which, in words for the report."""


@dataclass(frozen=True)
class Limits:
    """Defaults suit an office computer; `baomi scan` exposes the important ones."""

    max_file_size: int | None = 512 * MiB  # larger top-level files are skipped (None: no limit)
    max_depth: int = 5  # nesting of archives and attachments
    max_entries: int = 10_000  # container members per top-level file, all levels together
    max_total_uncompressed: int = 1024 * MiB  # bytes unpacked from containers per top-level file
    max_member_size: int = 256 * MiB  # one unpacked member (an archive entry, a docx's XML part)
    max_ratio: int = 200  # unpacked / packed size of a member, checked once it exceeds ratio_floor
    ratio_floor: int = 4 * MiB  # small members may compress very well (runs of spaces in XML)
    max_part_chars: int = 64 * 1024 * 1024  # text kept from one document part (more is truncated, noted)
    max_findings: int = 1000  # findings listed per file; the rest are counted
    timeout_s: float | None = None  # per top-level file (Unix main thread only); the CLI sets 300
    spool_in_memory: int = 16 * MiB  # container members larger than this are spooled to a temp file
    ocr_pages: int = 20  # pages of a scanned PDF read by OCR (a few seconds each), when OCR is installed


class BoundedReader(io.RawIOBase):
    """A read-only stream that raises LimitExceeded once more than `limit` bytes come out.

    Declared sizes in archive headers can lie; counting what actually comes out of the
    decompressor cannot.
    """

    def __init__(self, raw: IO[bytes], limit: int, what: str, budget: Budget | None = None,
                 packed: int | None = None, limits: Limits | None = None) -> None:
        self._raw = raw
        self._limit = limit
        self._what = what
        self._budget = budget
        # When the packed size is known (a .gz file's size), the ratio is checked as we go.
        self._packed = packed
        self._limits = limits
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(b))
        n = len(data)
        self.count += n
        if self.count > self._limit:
            raise LimitExceeded(f"{self._what}: unpacked size exceeds {self._limit // MiB} MiB")
        lim = self._limits
        if (lim is not None and self._packed is not None and self.count > lim.ratio_floor
                and self.count > lim.max_ratio * max(self._packed, 1)):
            raise LimitExceeded(
                f"{self._what}: compression ratio exceeds {lim.max_ratio}:1 (possible zip bomb)"
            )
        if self._budget is not None:
            self._budget.spend(n)
        b[:n] = data
        return n


class Budget:
    """Shared per top-level file: total unpacked bytes and member count across all nesting."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.unpacked = 0
        self.entries = 0

    def spend(self, n: int) -> None:
        self.unpacked += n
        if self.unpacked > self.limits.max_total_uncompressed:
            raise LimitExceeded(
                f"total unpacked size exceeds {self.limits.max_total_uncompressed // MiB} MiB (possible zip bomb)"
            )

    def entry(self) -> None:
        self.entries += 1
        if self.entries > self.limits.max_entries:
            raise LimitExceeded(f"more than {self.limits.max_entries} archive entries (possible zip bomb)")

    def check_member(self, name: str, size: int, packed: int | None) -> None:
        """Refuse a member on its declared sizes before reading a byte of it."""
        lim = self.limits
        if size > lim.max_member_size:
            raise LimitExceeded(f"{name}: declared size {size // MiB} MiB exceeds {lim.max_member_size // MiB} MiB")
        if packed is not None and size > lim.ratio_floor and size > lim.max_ratio * max(packed, 1):
            raise LimitExceeded(
                f"{name}: compression ratio {size // max(packed, 1)}:1 exceeds {lim.max_ratio}:1 (possible zip bomb)"
            )
        if self.unpacked + size > lim.max_total_uncompressed:
            raise LimitExceeded(
                f"{name}: total unpacked size would exceed {lim.max_total_uncompressed // MiB} MiB (possible zip bomb)"
            )
