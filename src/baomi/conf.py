"""Configuration from the environment, read in one place.

Everything an operator can set is an environment variable documented in
docs/operations.md. Secrets that must survive restarts (Django's secret key, the
audit signing key) are generated on first use into the data folder with mode 0600.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from baomi.levels import Level


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def data_dir() -> Path:
    path = Path(os.environ.get("BAOMI_DATA_DIR", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Create `path` readable by the owner only; never widen an existing file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def secret_key() -> str:
    if value := os.environ.get("BAOMI_SECRET_KEY"):
        return value
    path = data_dir() / "secret_key"
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process won the race
            write_private(path, secrets.token_urlsafe(50).encode())
    return path.read_text().strip()


def system_level() -> Level:
    """The highest level this installation is accredited to hold (系统密级)."""
    return Level.parse(os.environ.get("BAOMI_SYSTEM_LEVEL", "WORK_SECRET"))


def master_key() -> bytes:
    """The vault's master key (32 bytes), which wraps every object's data key.

    From BAOMI_MASTER_KEY (base64 of 32 bytes) when set, else `master.key` in the data
    folder, generated with mode 0600 on first use. Read at each use, never kept in settings."""
    import base64

    if value := os.environ.get("BAOMI_MASTER_KEY"):
        key = base64.b64decode(value.strip(), validate=True)
    else:
        path = data_dir() / "master.key"
        if not path.exists():
            with contextlib.suppress(FileExistsError):  # another process won the race
                write_private(path, base64.b64encode(secrets.token_bytes(32)) + b"\n")
        key = base64.b64decode(path.read_bytes().strip(), validate=True)
    if len(key) != 32:
        raise ValueError("BAOMI_MASTER_KEY / master.key must hold base64 of exactly 32 bytes")
    return key
