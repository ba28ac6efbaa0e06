"""Containers: zip (and the documents built on it), tar, gzip/bzip2/xz, OLE compound files.

Members are unpacked through BoundedReader into a spooled temporary file (memory up to
Limits.spool_in_memory, disk beyond) and scanned as files of their own via Job.member,
which enforces the nesting depth; declared sizes are checked before a byte is read and
actual sizes while reading, so lying headers do not help a bomb.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import shutil
import tarfile
import tempfile
import zipfile
from typing import IO, Any

from baomi.scanner import office
from baomi.scanner.base import Job, Unsupported
from baomi.scanner.limits import BoundedReader
from baomi.scanner.text import decode_name, readable_name


def _zip_name(info: zipfile.ZipInfo) -> str:
    """Entry names from Chinese Windows are GBK without the UTF-8 flag; zipfile reads them as cp437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    decoded = decode_name(raw)
    return decoded if decoded is not None else info.filename


def open_zip_part(zf: zipfile.ZipFile, name: str, job: Job) -> IO[bytes]:
    info = zf.getinfo(name)
    job.budget.check_member(name, info.file_size, info.compress_size)
    return BoundedReader(zf.open(info), job.limits.max_member_size, name, job.budget)  # type: ignore[return-value]


def spool(src: IO[bytes], job: Job, name: str, limit: int | None = None, packed: int | None = None) -> IO[bytes]:
    """Copy a member out through the limits into a seekable temporary file."""
    out = tempfile.SpooledTemporaryFile(max_size=job.limits.spool_in_memory)  # noqa: SIM115 - returned open
    reader = BoundedReader(src, limit or job.limits.max_member_size, name, job.budget, packed, job.limits)
    try:
        shutil.copyfileobj(reader, out, 1024 * 1024)  # type: ignore[misc]
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out  # type: ignore[return-value]


def zip_file(f: IO[bytes], name: str, size: int, job: Job) -> None:
    with zipfile.ZipFile(f) as zf:
        kind = office.zip_kind(zf)
        handler = {"docx": office.docx, "xlsx": office.xlsx, "pptx": office.pptx,
                   "odt": office.odf, "ods": office.odf, "odp": office.odf}.get(kind)
        if handler is not None:
            job.set_type(kind)
            handler(zf, job)
            return
        for info in zf.infolist():
            if info.is_dir():
                continue
            job.budget.entry()
            member = _zip_name(info)
            if info.flag_bits & 0x1:
                job.member_problem(member, "unsupported", "encrypted zip entry: needs the password")
                continue
            job.budget.check_member(member, info.file_size, info.compress_size)
            with zf.open(info) as raw, spool(raw, job, member) as data:
                job.member(member, data, info.file_size)


def tar_file(f: IO[bytes], name: str, size: int, job: Job) -> None:
    with tarfile.open(fileobj=f, mode="r:") as tf:
        for ti in tf:
            if not ti.isfile():
                continue
            job.budget.entry()
            job.budget.check_member(ti.name, ti.size, None)
            raw = tf.extractfile(ti)
            if raw is None:
                continue
            member = readable_name(ti.name)  # names tarfile could not decode arrive surrogate-escaped
            with raw, spool(raw, job, member) as data:
                job.member(member, data, ti.size)


_DECOMPRESSORS: dict[str, tuple[Any, dict[str, str]]] = {
    "gzip": (gzip.open, {".tgz": ".tar", ".gz": ""}),
    "bzip2": (bz2.open, {".tbz2": ".tar", ".tbz": ".tar", ".bz2": ""}),
    "xz": (lzma.open, {".txz": ".tar", ".xz": ""}),
}


def _inner_name(name: str, renames: dict[str, str]) -> str:
    """report.txt.gz → report.txt, backup.tgz → backup.tar: the name the content is sniffed under."""
    for suffix, replacement in renames.items():
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] + replacement
    return name


def compressed(kind: str) -> Any:
    """A handler for one single-stream compression format (the inner file is a member)."""
    opener, renames = _DECOMPRESSORS[kind]

    def handle(f: IO[bytes], name: str, size: int, job: Job) -> None:
        inner = _inner_name(name, renames)
        with opener(f) as raw, spool(raw, job, inner, job.limits.max_total_uncompressed, packed=size) as data:
            job.member(inner, data, 0)

    return handle


def ole(f: IO[bytes], name: str, size: int, job: Job) -> None:
    """OLE2 compound files: Outlook .msg is read; legacy Office and encrypted files are named."""
    import olefile

    from baomi.scanner import mail

    try:
        doc = olefile.OleFileIO(f)
    except OSError as exc:
        raise ValueError(f"damaged OLE compound file ({exc})") from None
    with doc:
        if doc.exists("EncryptedPackage"):
            raise Unsupported("password-protected Office document: needs the password")
        legacy = (".doc", "legacy Word .doc/.wps") if doc.exists("WordDocument") else (
            (".xls", "legacy Excel .xls/.et") if doc.exists("Workbook") or doc.exists("Book") else (
                (".ppt", "legacy PowerPoint .ppt/.dps") if doc.exists("PowerPoint Document") else None))
        if legacy is None and any(e and e[0].startswith("__substg1.0_") for e in doc.listdir()):
            job.set_type("msg")
            mail.msg(doc, job)
            return
    if legacy is None:
        raise Unsupported("OLE compound file of an unknown kind")
    from baomi.scanner.ocr import legacy as read_legacy

    read_legacy(f, legacy[0], size, job, legacy[1])

