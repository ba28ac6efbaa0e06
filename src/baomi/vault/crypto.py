"""Envelope encryption of electronic content, behind one provider interface.

Every object gets a fresh random 256-bit data key; the content is sealed with it
(AES-256-GCM, 96-bit random nonce) with additional authenticated data that binds the
ciphertext to the object (carrier, version, blob name, plaintext SHA-256), so a blob moved
under another record does not decrypt. The data key is then wrapped by the master key
(AES-256-GCM again, its own nonce, the same AAD) and stored beside the record; the master
key never touches the database.

The algorithm's name is stored with each object, so another provider (SM4 through an
accredited module, as the 密码法 asks for state secrets) can be added next to this one and
old objects still decrypt with the provider they name. Likewise each object names the master
key that wrapped its data key (`key_id`), so master keys can be rotated (the keyring below,
`baomi keys`, docs/operations.md "Key rotation").
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from baomi import conf

NONCE_BYTES = 12


class TamperedError(Exception):
    """The ciphertext, its wrapped key or its binding failed authentication (or the key is wrong)."""


@dataclass(frozen=True)
class Sealed:
    """What is stored: the ciphertext (in the blob store) and, in the database, the rest."""

    algorithm: str
    key_id: str  # which master key wrapped the data key (for rotation)
    wrapped_key: bytes  # nonce + AES-GCM(master, data key)
    nonce: bytes  # the content's nonce
    ciphertext: bytes


class CryptoProvider(Protocol):
    """Seal and open content; `algorithm` is the name stored with every object."""

    algorithm: str

    def seal(self, plaintext: bytes, aad: bytes) -> Sealed: ...

    def open(self, *, ciphertext: bytes, nonce: bytes, wrapped_key: bytes, aad: bytes) -> bytes: ...


def key_id(master: bytes) -> str:
    """A short public name of a master key (never the key): SHA-256 of a label and the key."""
    return hashlib.sha256(b"baomi.vault.key-id\x00" + master).hexdigest()[:16]


class AesGcmProvider:
    """AES-256-GCM content encryption with AES-256-GCM key wrapping."""

    algorithm = "AES-256-GCM+GCM-WRAP"

    def __init__(self, master: bytes) -> None:
        if len(master) != 32:
            raise ValueError("the master key must be 32 bytes")
        self._master = AESGCM(master)
        self.key_id = key_id(master)

    def seal(self, plaintext: bytes, aad: bytes) -> Sealed:
        data_key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, aad)
        wrap_nonce = os.urandom(NONCE_BYTES)
        wrapped = wrap_nonce + self._master.encrypt(wrap_nonce, data_key, b"baomi.vault.wrap\x00" + aad)
        return Sealed(self.algorithm, self.key_id, wrapped, nonce, ciphertext)

    def open(self, *, ciphertext: bytes, nonce: bytes, wrapped_key: bytes, aad: bytes) -> bytes:
        try:
            data_key = self._master.decrypt(wrapped_key[:NONCE_BYTES], wrapped_key[NONCE_BYTES:],
                                            b"baomi.vault.wrap\x00" + aad)
            return AESGCM(data_key).decrypt(nonce, ciphertext, aad)
        except (InvalidTag, ValueError) as exc:
            raise TamperedError("authentication failed: ciphertext, wrapped key or binding altered, "
                                "or a different master key") from exc


    def rewrap(self, *, wrapped_key: bytes, aad: bytes, to: AesGcmProvider) -> bytes:
        """The same data key, unwrapped with this master key and wrapped again by `to`'s
        (fresh nonce, same binding). The content's ciphertext is not touched."""
        context = b"baomi.vault.wrap\x00" + aad
        try:
            data_key = self._master.decrypt(wrapped_key[:NONCE_BYTES], wrapped_key[NONCE_BYTES:], context)
        except (InvalidTag, ValueError) as exc:
            raise TamperedError("the wrapped key failed authentication under its master key") from exc
        wrap_nonce = os.urandom(NONCE_BYTES)
        return wrap_nonce + to._master.encrypt(wrap_nonce, data_key, context)


# ---------------------------------------------------------------- the keyring
#
# One current master key (BAOMI_MASTER_KEY or <data>/master.key) wraps new data keys; older
# ones stay in conf.master_keys_dir() as <key_id>.key so what they wrapped still opens while
# `baomi keys rewrap` moves the wrapped keys over. Everything is read at use: a rotation done
# by the command line is seen by running servers at once.

_KEY_ID = re.compile(r"^[0-9a-f]{16}$")


def older_key_path(kid: str) -> Path:
    if not _KEY_ID.match(kid):
        raise TamperedError(f"bad master key id: {kid!r}")
    return conf.master_keys_dir() / f"{kid}.key"


def older_keys() -> dict[str, Path]:
    """key_id → file of every older master key kept in the keys folder."""
    folder = conf.master_keys_dir()
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.key")) if _KEY_ID.match(p.stem)}


def master_for(kid: str) -> bytes:
    """The master key named `kid`: the current one, or an older one from the keys folder.

    A file whose content does not match its name is refused (a key copied under the wrong
    name would otherwise fail later as a confusing authentication error)."""
    current = conf.master_key()
    if key_id(current) == kid:
        return current
    path = older_key_path(kid)
    try:
        key = conf.decode_master_key(path.read_bytes(), source=str(path))
    except FileNotFoundError:
        raise TamperedError(f"master key {kid} is not in the keyring (retired or never installed)") from None
    if key_id(key) != kid:
        raise TamperedError(f"{path} holds another key ({key_id(key)})")
    return key


def provider(algorithm: str | None = None, key_id: str | None = None) -> CryptoProvider:
    """The provider for `algorithm` (the one stored with an object), or the current default,
    keyed with the master key `key_id` names (the object's), or the current one."""
    if algorithm not in (None, AesGcmProvider.algorithm):
        raise TamperedError(f"unknown algorithm: {algorithm}")
    return AesGcmProvider(conf.master_key() if key_id is None else master_for(key_id))
