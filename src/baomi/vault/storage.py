"""Where ciphertext lives: a small blob-store interface, local folder by default.

Only ciphertext is ever written here. Writes are atomic (a temporary file in the same
folder, fsync, rename), so a crash leaves either the whole blob or none. Another backend
(S3-compatible object storage) implements the same four methods.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Protocol

from baomi import conf

_NAME = re.compile(r"^[0-9a-f]{32}$")


class BlobStore(Protocol):
    def put(self, name: str, data: bytes) -> None: ...

    def get(self, name: str) -> bytes: ...

    def delete(self, name: str) -> None: ...

    def exists(self, name: str) -> bool: ...


def new_name() -> str:
    """A random blob name: says nothing about the content or its carrier."""
    return secrets.token_hex(16)


class LocalBlobStore:
    """Blobs as files `<root>/<ab>/<name>`, owner-readable only."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, name: str) -> Path:
        if not _NAME.match(name):
            raise ValueError(f"bad blob name: {name!r}")
        return self.root / name[:2] / name

    def put(self, name: str, data: bytes) -> None:
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def get(self, name: str) -> bytes:
        return self._path(name).read_bytes()

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def exists(self, name: str) -> bool:
        return self._path(name).exists()


def blob_store() -> BlobStore:
    return LocalBlobStore(conf.data_dir() / "blobs")
