"""The Ed25519 key that signs audit checkpoints, kept in the data folder (mode 0600).

Operators should copy `audit_signing_key.pub` off the machine: a verifier holding its own
copy of the public key detects a rewritten log even if the data folder was replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from baomi import conf

PRIVATE_NAME = "audit_signing_key"
PUBLIC_NAME = "audit_signing_key.pub"


def _paths() -> tuple[Path, Path]:
    folder = conf.data_dir()
    return folder / PRIVATE_NAME, folder / PUBLIC_NAME


@lru_cache(maxsize=4)
def _load_private(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        with contextlib.suppress(FileExistsError):  # another process won the race
            conf.write_private(path, pem)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(loaded, Ed25519PrivateKey)
    return loaded


def signing_key() -> Ed25519PrivateKey:
    private_path, public_path = _paths()
    key = _load_private(private_path)
    if not public_path.exists():
        public_path.write_bytes(
            key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
    return key


def named_signing_key(name: str) -> Ed25519PrivateKey:
    """Another Ed25519 key of this installation, in its own file beside the checkpoint key
    and kept the same way: one key per purpose (scan-rules bundles sign with their own)."""
    return _load_private(conf.data_dir() / name)


def public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key(path: Path | None = None) -> Ed25519PublicKey:
    """The verifying key: an operator-supplied file, else the one beside the private key."""
    if path is None:
        path = _paths()[1]
        if not path.exists():
            return signing_key().public_key()
    loaded = serialization.load_pem_public_key(path.read_bytes())
    assert isinstance(loaded, Ed25519PublicKey)
    return loaded


def key_id(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def checkpoint_message(tree_size: int, root_hex: str, ts_us: int) -> bytes:
    return f"baomi-audit-checkpoint/v1\n{tree_size}\n{root_hex}\n{ts_us}\n".encode()
