"""The archive's encryption: a chunked, streaming AEAD construction (STREAM, as in age / Tink).

File layout::

    header (64 bytes)  magic "BAOMIBK1" | kdf (0 raw key, 1 scrypt) | scrypt log2(N), r, p |
                       salt (16) | chunk size (u32) | key check (32)
    chunks             plaintext length (u32) | AES-256-GCM ciphertext + tag

The payload key is HKDF-SHA256(backup key or scrypt(passphrase), salt): a fresh key per
archive, so the counter nonces below never repeat under one key. Chunk i is sealed with the
nonce (i as 8 bytes | 3 zero bytes | 1 if it is the last chunk else 0) and the header plus its
length prefix as associated data: reordering, dropping, truncating (no chunk flagged last) or
appending (bytes after the last chunk) are all detected, as is any edit of the header. The key
check, an HKDF output of the same input under another label, tells a wrong key from damage
(and commits the archive to one key: GCM alone does not).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.utils.translation import gettext as _

MAGIC = b"BAOMIBK1"
KDF_RAW, KDF_SCRYPT = 0, 1
HEADER = struct.Struct(">8sBBBB16sI32s")  # 64 bytes
LENGTH = struct.Struct(">I")
CHUNK = 1 << 20
TAG = 16
# scrypt N = 2**17, r = 8, p = 1: 128 MiB and about half a second, the current OWASP floor.
SCRYPT_LOG2N, SCRYPT_R, SCRYPT_P = 17, 8, 1


class BackupKeyError(Exception):
    """The key (or passphrase) does not open this archive."""


class DamagedError(Exception):
    """The archive is not a Baomi backup, or was altered, truncated or extended."""


class KeySource:
    """What the archive key comes from: 32 random bytes, or a passphrase stretched by scrypt."""

    def __init__(self, *, key: bytes | None = None, passphrase: str | None = None) -> None:
        if (key is None) == (passphrase is None):
            raise ValueError("give exactly one of key or passphrase")
        if key is not None and len(key) != 32:
            raise ValueError(_("备份密钥必须是 32 字节"))
        if passphrase is not None and len(passphrase) < 12:
            raise ValueError(_("备份口令至少 12 个字符"))
        self.key, self.passphrase = key, passphrase

    @property
    def kdf(self) -> int:
        return KDF_RAW if self.key is not None else KDF_SCRYPT

    def input_key(self, salt: bytes, log2n: int, r: int, p: int) -> bytes:
        if self.key is not None:
            return self.key
        assert self.passphrase is not None
        return hashlib.scrypt(self.passphrase.encode(), salt=salt, n=1 << log2n, r=r, p=p,
                              maxmem=256 * 1024 * 1024, dklen=32)


def _derive(ikm: bytes, salt: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"baomi.backup/1 " + label).derive(ikm)


def _nonce(counter: int, last: bool) -> bytes:
    return struct.pack(">Q3xB", counter, 1 if last else 0)


class EncryptingWriter:
    """A write-only file object: what is written comes out sealed, chunk by chunk, on `out`."""

    def __init__(self, out: BinaryIO, source: KeySource, chunk: int = CHUNK) -> None:
        salt = os.urandom(16)
        log2n, r, p = (SCRYPT_LOG2N, SCRYPT_R, SCRYPT_P) if source.kdf == KDF_SCRYPT else (0, 0, 0)
        ikm = source.input_key(salt, log2n, r, p)
        check = _derive(ikm, salt, b"key check")
        self._aead = AESGCM(_derive(ikm, salt, b"payload"))
        self.header = HEADER.pack(MAGIC, source.kdf, log2n, r, p, salt, chunk, check)
        self._out, self._chunk, self._buf, self._counter = out, chunk, bytearray(), 0
        self.closed = False
        out.write(self.header)

    def _seal(self, data: bytes, last: bool) -> None:
        prefix = LENGTH.pack(len(data))
        self._out.write(prefix + self._aead.encrypt(_nonce(self._counter, last), data, self.header + prefix))
        self._counter += 1

    def write(self, data: bytes) -> int:
        self._buf += data
        while len(self._buf) > self._chunk:  # keep at least one byte: the last chunk is sealed by close()
            self._seal(bytes(self._buf[: self._chunk]), last=False)
            del self._buf[: self._chunk]
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buf), last=True)
            self._buf.clear()
            self.closed = True


class DecryptingReader:
    """A read-only file object over a sealed archive; raises DamagedError the moment a chunk
    fails, so nothing unauthenticated is ever returned."""

    def __init__(self, src: BinaryIO, source: KeySource) -> None:
        header = src.read(HEADER.size)
        if len(header) != HEADER.size or not header.startswith(MAGIC):
            raise DamagedError(_("不是 Baomi 备份归档（文件头不符或文件过短）"))
        _magic, kdf, log2n, r, p, salt, chunk, check = HEADER.unpack(header)
        if kdf != source.kdf:
            if kdf == KDF_SCRYPT:
                raise BackupKeyError(_("该归档以口令加密，请用 --passphrase-env 提供口令"))
            raise BackupKeyError(_("该归档以密钥加密，请用 BAOMI_BACKUP_KEY 或 --key-file 提供密钥"))
        if kdf == KDF_SCRYPT and not (10 <= log2n <= 22 and 1 <= r <= 32 and 1 <= p <= 16):
            raise DamagedError(_("文件头中的 scrypt 参数不合理：归档已损坏"))
        if not 1024 <= chunk <= 64 << 20:
            raise DamagedError(_("文件头中的分块大小不合理：归档已损坏"))
        ikm = source.input_key(salt, log2n, r, p)
        if not hmac.compare_digest(_derive(ikm, salt, b"key check"), check):
            raise BackupKeyError(_("备份密钥或口令错误（或文件头已损坏）"))
        self._aead = AESGCM(_derive(ikm, salt, b"payload"))
        self.header, self._src, self._chunk = header, src, chunk
        self._buf, self._pos, self._counter, self._done = b"", 0, 0, False
        self.closed = False

    def _next(self) -> None:
        prefix = self._src.read(LENGTH.size)
        if len(prefix) < LENGTH.size:
            raise DamagedError(_("归档被截断：第 %(n)d 块之前结束（没有末块）") % {"n": self._counter})
        (length,) = LENGTH.unpack(prefix)
        if length > self._chunk:
            raise DamagedError(_("第 %(n)d 块的长度超过分块大小：归档已被改动") % {"n": self._counter})
        sealed = self._src.read(length + TAG)
        if len(sealed) < length + TAG:
            raise DamagedError(_("归档被截断：第 %(n)d 块不完整") % {"n": self._counter})
        for last in (False, True):
            try:
                plain = self._aead.decrypt(_nonce(self._counter, last), sealed, self.header + prefix)
            except InvalidTag:
                continue
            break
        else:
            raise DamagedError(_("第 %(n)d 块认证失败：归档已被改动") % {"n": self._counter})
        self._counter += 1
        if last:
            if self._src.read(1):
                raise DamagedError(_("末块之后还有数据：归档已被追加改动"))
            self._done = True
        self._buf, self._pos = plain, 0

    def read(self, n: int = -1) -> bytes:
        out = bytearray()
        while n < 0 or len(out) < n:
            if self._pos >= len(self._buf):
                if self._done:
                    break
                self._next()
                continue
            take = len(self._buf) - self._pos if n < 0 else min(n - len(out), len(self._buf) - self._pos)
            out += self._buf[self._pos : self._pos + take]
            self._pos += take
        return bytes(out)

    def drain(self) -> None:
        """Read to the authenticated end: a stream that stops early is a truncated archive."""
        while not self._done:
            self._next()

    def close(self) -> None:
        self.closed = True
