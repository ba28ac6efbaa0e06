"""Plain text: encoding detection and streaming in whole-line regions.

Files are read in blocks and cut at line ends into UTF-8 regions, so memory stays
bounded however large the file, while marks (which span at most one line break) and
keywords (which never span one here) are matched on whole lines.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterator
from typing import IO

SAMPLE = 64 * 1024
REGION = 2 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)



def detect_encoding(head: bytes) -> str | None:
    """The encoding of a text sample, or None when it looks binary.

    Order matters: a BOM is certain; UTF-16 without a BOM shows as NUL bytes at every
    other position in mostly-ASCII text; any other NUL means binary; UTF-8 is strict
    and self-checking, so a sample that decodes is UTF-8; GB18030 (a superset of GBK and
    GB2312) is what Chinese Windows writes otherwise. A sample failing both is decoded as
    GB18030 with replacement, which still finds marks and keywords in its valid parts.
    """
    for bom, name in _BOMS:
        if head.startswith(bom):
            # A UTF-16 LE BOM is a prefix of the UTF-32 LE one; the order above settles it.
            return "utf-16-le-bom" if name == "utf-16-le" else ("utf-16-be-bom" if name == "utf-16-be" else name)
    if not head:
        return "utf-8"
    if b"\x00" in head:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > len(odd) * 0.3 and even.count(0) < len(even) * 0.05:
            return "utf-16-le"
        if even.count(0) > len(even) * 0.3 and odd.count(0) < len(odd) * 0.05:
            return "utf-16-be"
        return None
    sample = head
    try:
        _decode_prefix(sample, "utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        _decode_prefix(sample, "gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        pass
    controls = sum(1 for b in head[:4096] if b < 9 or 13 < b < 32)
    if controls > len(head[:4096]) * 0.1:
        return None
    return "gb18030"


def _decode_prefix(data: bytes, encoding: str) -> str:
    """Strict decode that tolerates a sample cut inside a multi-byte character."""
    return codecs.getincrementaldecoder(encoding)("strict").decode(data, final=False)


def codec_of(encoding: str) -> str:
    return {"utf-16-le-bom": "utf-16-le", "utf-16-be-bom": "utf-16-be", "utf-8-sig": "utf-8"}.get(encoding, encoding)


def iter_regions(f: IO[bytes], encoding: str, region: int = REGION) -> Iterator[bytes]:
    """UTF-8 regions of whole lines (each ends with a newline, except perhaps the last).

    A line longer than two regions is cut at a character boundary: nothing is lost but
    a mark or keyword straddling that cut, in a file that is not really lines of text.
    """
    skip = {"utf-16-le-bom": 2, "utf-16-be-bom": 2, "utf-8-sig": 3, "utf-32-le": 4, "utf-32-be": 4}.get(encoding, 0)
    if skip:
        f.read(skip)
    codec = codec_of(encoding)
    carry = b""
    if codec == "utf-8":
        while True:
            block = f.read(region)
            if not block:
                break
            carry += block
            if len(block) < region:
                continue  # a short read is the end of a file: its last line stays with the rest
            cut = carry.rfind(b"\n") + 1
            if not cut and len(carry) >= 2 * region:
                cut = _utf8_boundary(carry, len(carry) - 1)
            if cut:
                yield carry[:cut]
                carry = carry[cut:]
        if carry:
            yield carry
        return
    decoder = codecs.getincrementaldecoder(codec)("replace")
    pending = ""
    while True:
        block = f.read(region)
        final = not block
        pending += decoder.decode(block, final=final)
        cut = pending.rfind("\n") + 1
        if not cut and len(pending) >= 2 * region:
            cut = len(pending)
        if final:
            cut = len(pending)
        if cut:
            yield pending[:cut].encode("utf-8", "replace")
            pending = pending[cut:]
        if final:
            return


def _utf8_boundary(data: bytes, pos: int) -> int:
    """The largest offset <= pos that starts a UTF-8 character."""
    while pos > 0 and 0x80 <= data[pos] < 0xC0:
        pos -= 1
    return pos


def decode_name(raw: bytes) -> str | None:
    """A file or member name's bytes as UTF-8, else as GB18030 (older Chinese Windows systems,
    shares and archives); None when they are neither."""
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return None


def readable_name(path: str) -> str:
    """A path as a person reads it. On Linux a file name that is not UTF-8 arrives with its
    bytes escaped as lone surrogates, which no report can hold; each such component is
    decoded as GB18030 (names from older Chinese Windows systems, shares and archives),
    else with replacement characters."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        pass
    parts = []
    for part in path.split("/"):
        try:
            part.encode("utf-8")
        except UnicodeEncodeError:
            raw = os.fsencode(part)
            decoded = decode_name(raw)
            part = decoded if decoded is not None else raw.decode("utf-8", "replace")
        parts.append(part)
    return "/".join(parts)
