"""Where ciphertext lives: a small blob-store interface, local folder by default.

Only ciphertext is ever written here (the vault seals before `put`). Blob names are random
and say nothing about the content. Two backends, chosen by BAOMI_STORAGE:

- `local` (default): files under `<data>/blobs`. Writes are atomic (a temporary file in the
  same folder, fsync, rename), so a crash leaves either the whole blob or none.
- `s3`: an S3-compatible object store (MinIO, Ceph RGW, a cloud's OSS/COS/S3) through
  django-storages' S3Storage (boto3), objects `<prefix>/<name>` in one bucket. A PUT is
  atomic on S3 too. Needs the `s3` extra: `pip install 'baomi[s3]'`.
"""

from __future__ import annotations

import functools
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ImproperlyConfigured

from baomi import conf

if TYPE_CHECKING:
    from storages.backends.s3 import S3Storage

_NAME = re.compile(r"^[0-9a-f]{32}$")


class BlobStore(Protocol):
    def put(self, name: str, data: bytes) -> None: ...

    def get(self, name: str) -> bytes: ...

    def delete(self, name: str) -> None: ...

    def exists(self, name: str) -> bool: ...

    def names(self) -> Iterator[str]:
        """Every blob name in the store (for backups and orphan checks), in no set order."""
        ...


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

    def names(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for folder in sorted(self.root.iterdir()):
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                # Temporary files start with a dot and never match.
                if _NAME.match(path.name) and path.name[:2] == folder.name and path.is_file():
                    yield path.name


@dataclass(frozen=True)
class S3Config:
    bucket: str
    endpoint_url: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    region: str | None = None
    prefix: str = ""
    ca_bundle: str | None = None  # a private CA's certificate for the endpoint's TLS

    @classmethod
    def from_env(cls) -> S3Config:
        env = os.environ.get
        bucket = env("BAOMI_S3_BUCKET", "").strip()
        if not bucket:
            raise ImproperlyConfigured("BAOMI_STORAGE=s3 needs BAOMI_S3_BUCKET")
        return cls(bucket=bucket, endpoint_url=env("BAOMI_S3_ENDPOINT_URL") or None,
                   access_key=env("BAOMI_S3_ACCESS_KEY") or None, secret_key=env("BAOMI_S3_SECRET_KEY") or None,
                   region=env("BAOMI_S3_REGION") or None, prefix=env("BAOMI_S3_PREFIX", "").strip("/"),
                   ca_bundle=env("BAOMI_S3_CA_BUNDLE") or None)


class S3BlobStore:
    """Blobs as objects `<prefix>/<name>` in one bucket of an S3-compatible store.

    django-storages does the connection (per thread), key normalisation under the prefix and
    the transfers; objects are private (no ACL is sent, so the bucket's policy applies)."""

    def __init__(self, config: S3Config) -> None:
        try:
            from storages.backends.s3 import S3Storage
        except ImportError as exc:  # boto3 and django-storages are the optional `s3` extra
            raise ImproperlyConfigured("BAOMI_STORAGE=s3 needs the s3 extra: pip install 'baomi[s3]'") from exc
        self.config = config
        options: dict[str, Any] = {
            "bucket_name": config.bucket, "endpoint_url": config.endpoint_url, "region_name": config.region,
            "access_key": config.access_key, "secret_key": config.secret_key, "location": config.prefix,
            "file_overwrite": True,  # names are random: no HEAD request to look for a clash
            "default_acl": None, "querystring_auth": False, "gzip": False,
        }
        if config.ca_bundle:
            options["verify"] = config.ca_bundle
        self.storage: S3Storage = S3Storage(**options)

    @staticmethod
    def _check(name: str) -> str:
        if not _NAME.match(name):
            raise ValueError(f"bad blob name: {name!r}")
        return name

    def key(self, name: str) -> str:
        """The object's key in the bucket."""
        return f"{self.config.prefix}/{self._check(name)}" if self.config.prefix else self._check(name)

    def put(self, name: str, data: bytes) -> None:
        from django.core.files.base import ContentFile

        saved = self.storage.save(self._check(name), ContentFile(data))
        if saved != name:  # never: file_overwrite keeps the name
            raise RuntimeError(f"the object store renamed {name} to {saved}")

    def get(self, name: str) -> bytes:
        with self.storage.open(self._check(name), "rb") as f:  # FileNotFoundError when missing
            data = f.read()
        return bytes(data)

    def delete(self, name: str) -> None:
        self.storage.delete(self._check(name))

    def exists(self, name: str) -> bool:
        return bool(self.storage.exists(self._check(name)))

    def names(self) -> Iterator[str]:
        _folders, files = self.storage.listdir("")
        yield from (name for name in files if _NAME.match(name))


@functools.lru_cache(maxsize=4)
def _s3_store(config: S3Config) -> S3BlobStore:
    # One store (and its per-thread boto3 connections) per configuration, not per request.
    return S3BlobStore(config)


def backend() -> str:
    """`local` or `s3`, from BAOMI_STORAGE."""
    kind = (os.environ.get("BAOMI_STORAGE") or "local").strip().lower()
    if kind not in ("local", "s3"):
        raise ImproperlyConfigured(f"BAOMI_STORAGE must be local or s3, not {kind!r}")
    return kind


def blob_store() -> BlobStore:
    """The configured store; the environment is read at each call, like the master key."""
    if backend() == "s3":
        return _s3_store(S3Config.from_env())
    return LocalBlobStore(conf.data_dir() / "blobs")


def probe(store: BlobStore | None = None) -> None:
    """Write, read back and delete a random blob: raises if the store cannot do all three
    (for readiness checks). The probe's bytes are random, never content."""
    store = store if store is not None else blob_store()
    name, data = new_name(), secrets.token_bytes(64)
    store.put(name, data)
    try:
        if store.get(name) != data:
            raise OSError("the blob store returned other bytes than were written")
    finally:
        store.delete(name)
    if store.exists(name):
        raise OSError("the blob store kept a deleted blob")
