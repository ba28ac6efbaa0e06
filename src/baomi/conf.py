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


def master_key_file() -> Path:
    """Where the current master key lives when BAOMI_MASTER_KEY is not set."""
    return data_dir() / "master.key"


def master_key_from_env() -> bool:
    return bool(os.environ.get("BAOMI_MASTER_KEY"))


def decode_master_key(text: bytes | str, source: str = "BAOMI_MASTER_KEY / master.key") -> bytes:
    """base64 of exactly 32 bytes → the key."""
    import base64
    import binascii

    try:
        key = base64.b64decode(text.strip(), validate=True)
    except binascii.Error as exc:
        raise ValueError(f"{source} must hold base64 of exactly 32 bytes") from exc
    if len(key) != 32:
        raise ValueError(f"{source} must hold base64 of exactly 32 bytes")
    return key


def encode_master_key(key: bytes) -> bytes:
    import base64

    return base64.b64encode(key) + b"\n"


def master_key() -> bytes:
    """The vault's current master key (32 bytes), which wraps every new object's data key.

    From BAOMI_MASTER_KEY (base64 of 32 bytes) when set, else `master.key` in the data
    folder, generated with mode 0600 on first use. Read at each use, never kept in settings,
    so `baomi keys rotate` takes effect in running servers without a restart."""
    if value := os.environ.get("BAOMI_MASTER_KEY"):
        return decode_master_key(value)
    path = master_key_file()
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process won the race
            write_private(path, encode_master_key(secrets.token_bytes(32)))
    return decode_master_key(path.read_bytes())


def master_keys_dir() -> Path:
    """The folder of older master keys, `<key_id>.key` each (base64, mode 0600): they still
    unwrap the data keys they wrapped until `baomi keys rewrap` has moved every object to the
    current key and `baomi keys retire` removes them. BAOMI_MASTER_KEYS_DIR, else
    `<data>/vault-keys`."""
    if value := os.environ.get("BAOMI_MASTER_KEYS_DIR"):
        return Path(value).resolve()
    return data_dir() / "vault-keys"
