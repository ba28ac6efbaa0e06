"""Writing and reading the archive: a tar stream inside the sealed stream (baomi.backup.stream).

Members, in order: `database/<dump>`, `keys/audit_signing_key.pub`, `blobs/<name>` (the
ciphertext exactly as stored), and `manifest.json` last, which lists every other member with
its SHA-256, so the reader checks each member as it streams past and the whole at the end.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
import os
import re
import secrets
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

from django.utils.translation import gettext as _

from baomi import __version__, conf
from baomi.backup import db
from baomi.backup.stream import DamagedError, DecryptingReader, EncryptingWriter, KeySource

FORMAT = 1
MANIFEST = "manifest.json"
PUBLIC_KEY = "keys/audit_signing_key.pub"
_MEMBER = re.compile(
    r"^(manifest\.json|keys/audit_signing_key\.pub|database/baomi\.(sqlite3|pgdump)|blobs/[0-9a-f]{32})$")
_COPY = 1 << 20

Tick = Callable[[str, int], None]  # (what, bytes) for a progress display


class MissingBlobs(Exception):
    def __init__(self, names: list[str]) -> None:
        super().__init__(_("数据库引用的 %(n)d 个电子内容对象在密文存储中缺失") % {"n": len(names)})
        self.names = names


@contextlib.contextmanager
def private_folder(parent: str | None = None) -> Iterator[Path]:
    """A temporary folder readable by the owner only (it briefly holds the plaintext database dump)."""
    with tempfile.TemporaryDirectory(prefix="baomi-backup-", dir=parent) as name:
        os.chmod(name, 0o700)
        yield Path(name)


def _info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(datetime.datetime.now(datetime.UTC).timestamp())
    return info


class _Hashing(io.RawIOBase):
    """Reads from `src`, hashing what passes."""

    def __init__(self, src: IO[bytes]) -> None:
        self.src, self.hash = src, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        data = self.src.read(n)
        self.hash.update(data)
        return data


def create(dest: Path, source: KeySource, *, allow_missing: bool = False, tmp: str | None = None,
           tick: Tick | None = None) -> dict[str, Any]:
    """Write the archive to `dest` (atomically: a temporary name, fsync, rename) and return its manifest."""
    from baomi.vault.storage import blob_store

    tick = tick or (lambda what, n: None)
    if dest.exists():
        raise FileExistsError(_("%(path)s 已存在，请换一个文件名") % {"path": dest})
    store = blob_store()
    members: dict[str, dict[str, Any]] = {}
    with private_folder(tmp) as folder:
        tick("database", 0)
        snap = db.snapshot(folder)  # first the database; then only the blobs it references
        missing = [name for name in snap.blobs if not store.exists(name)]
        if missing and not allow_missing:
            raise MissingBlobs(missing)
        partial = dest.with_name(f".{dest.name}.{secrets.token_hex(4)}.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                writer = EncryptingWriter(out, source)
                with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
                    member = f"database/{snap.path.name}"
                    with snap.path.open("rb") as f:
                        hashing = _Hashing(f)
                        tar.addfile(_info(member, snap.path.stat().st_size), hashing)
                    members[member] = {"sha256": hashing.hash.hexdigest(), "size": snap.path.stat().st_size}
                    tick("database", snap.path.stat().st_size)
                    pub = conf.data_dir() / "audit_signing_key.pub"
                    if pub.exists():
                        data = pub.read_bytes()
                        tar.addfile(_info(PUBLIC_KEY, len(data)), io.BytesIO(data))
                        members[PUBLIC_KEY] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                    for name in snap.blobs:
                        if name in missing:
                            continue
                        data = store.get(name)
                        tar.addfile(_info(f"blobs/{name}", len(data)), io.BytesIO(data))
                        members[f"blobs/{name}"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                        tick("blob", len(data))
                    manifest = {
                        "format": FORMAT,
                        "baomi_version": __version__,
                        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                        "db_engine": snap.engine,
                        "db_tool": snap.tool,
                        "database": f"database/{snap.path.name}",
                        "tables": snap.tables,
                        "content_objects": len(snap.blobs),
                        "missing_blobs": missing,
                        "audit": {"head": snap.head, "checkpoint": snap.checkpoint},
                        "members": members,
                    }
                    data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
                    tar.addfile(_info(MANIFEST, len(data)), io.BytesIO(data))
                writer.close()
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, dest)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return manifest


@dataclass
class Opened:
    """An archive read to its authenticated end, every member checked against the manifest."""

    manifest: dict[str, Any]
    folder: Path | None  # where the members were written (None: only checked)
    problems: list[str] = field(default_factory=list)

    def path(self, member: str) -> Path:
        assert self.folder is not None
        return self.folder / member


def read(src: BinaryIO, source: KeySource, *, into: Path | None = None, tick: Tick | None = None) -> Opened:
    """Decrypt and check the whole archive; with `into`, write its members there.

    Raises BackupKeyError / DamagedError on a wrong key or any alteration: callers restore
    nothing until this has returned."""
    tick = tick or (lambda what, n: None)
    reader = DecryptingReader(src, source)
    hashes: dict[str, str] = {}
    manifest: dict[str, Any] | None = None
    try:
        with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
            for info in tar:
                if not info.isfile() or not _MEMBER.match(info.name) or info.name in hashes:
                    raise DamagedError(_("归档中有不应有的成员：%(name)r") % {"name": info.name})
                stream = tar.extractfile(info)
                assert stream is not None
                digest = hashlib.sha256()
                if info.name == MANIFEST:
                    data = stream.read()
                    digest.update(data)
                    manifest = json.loads(data)
                else:
                    target = None
                    if into is not None:
                        path = into / info.name
                        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                        target = path.open("wb")
                    try:
                        while chunk := stream.read(_COPY):
                            digest.update(chunk)
                            if target is not None:
                                target.write(chunk)
                    finally:
                        if target is not None:
                            target.close()
                    tick("database" if info.name.startswith("database/") else "blob", info.size)
                hashes[info.name] = digest.hexdigest()
        reader.drain()
    except tarfile.TarError as exc:
        raise DamagedError(_("归档内容不是有效的 tar 流：%(error)s") % {"error": exc}) from exc
    if manifest is None:
        raise DamagedError(_("归档中没有清单"))
    if manifest.get("format") != FORMAT:
        raise DamagedError(_("不支持的归档格式 %(found)r（本版本读取格式 %(format)d）") % {
            "found": manifest.get("format"), "format": FORMAT})
    opened = Opened(manifest, into)
    listed: dict[str, dict[str, Any]] = manifest.get("members", {})
    for name, meta in listed.items():
        if name not in hashes:
            opened.problems.append(_("清单列出的成员缺失：%(name)s") % {"name": name})
        elif hashes[name] != meta.get("sha256"):
            opened.problems.append(_("%(name)s 的 SHA-256 与清单不符") % {"name": name})
    opened.problems += [_("成员未列入清单：%(name)s") % {"name": n}
                        for n in hashes if n != MANIFEST and n not in listed]
    return opened
