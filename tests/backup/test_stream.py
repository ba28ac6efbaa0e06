"""The archive's sealed stream on its own: every way of altering it is refused."""

from __future__ import annotations

import io
import os

import pytest

from baomi.backup.stream import (
    HEADER,
    LENGTH,
    TAG,
    BackupKeyError,
    DamagedError,
    DecryptingReader,
    EncryptingWriter,
    KeySource,
)

KEY = KeySource(key=bytes(range(32)))
CHUNK = 1024


def seal(data: bytes, source: KeySource = KEY, chunk: int = CHUNK) -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, source, chunk=chunk)
    for i in range(0, len(data), 700):  # writes that straddle chunk boundaries
        writer.write(data[i : i + 700])
    writer.close()
    return out.getvalue()


def unseal(sealed: bytes, source: KeySource = KEY) -> bytes:
    reader = DecryptingReader(io.BytesIO(sealed), source)
    data = b"".join(iter(lambda: reader.read(333), b""))
    reader.drain()
    return data


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK, 5 * CHUNK + 17])
def test_round_trip(size: int) -> None:
    data = os.urandom(size)
    sealed = seal(data)
    assert size < 16 or data[:16] not in sealed  # (a byte or two may occur in any ciphertext by chance)
    assert unseal(sealed) == data


def test_each_archive_has_its_own_key() -> None:
    data = b"x" * 3000
    assert seal(data)[HEADER.size :] != seal(data)[HEADER.size :]


def test_wrong_key_is_named_as_such() -> None:
    with pytest.raises(BackupKeyError, match="备份密钥或口令错误"):
        unseal(seal(b"secret" * 500), KeySource(key=bytes(32)))


def test_passphrase() -> None:
    source = KeySource(passphrase="correct horse battery staple")
    sealed = seal(b"data" * 400, source)
    assert unseal(sealed, KeySource(passphrase="correct horse battery staple")) == b"data" * 400
    with pytest.raises(BackupKeyError, match="错误"):
        unseal(sealed, KeySource(passphrase="correct horse battery stapler"))
    with pytest.raises(BackupKeyError, match="口令加密"):
        unseal(sealed, KEY)


def _chunks(sealed: bytes) -> list[bytes]:
    body, out = sealed[HEADER.size :], []
    while body:
        (n,) = LENGTH.unpack(body[: LENGTH.size])
        out.append(body[: LENGTH.size + n + TAG])
        body = body[LENGTH.size + n + TAG :]
    return out


def test_alterations_are_refused() -> None:
    sealed = seal(os.urandom(4 * CHUNK + 10))
    header, chunks = sealed[: HEADER.size], _chunks(sealed)
    assert len(chunks) == 5
    flipped = bytearray(sealed)
    flipped[HEADER.size + 2 * CHUNK] ^= 1
    cases = {
        "bit flip": bytes(flipped),
        "truncated (last chunk dropped)": header + b"".join(chunks[:-1]),
        "truncated mid-chunk": sealed[:-5],
        "reordered": header + chunks[1] + chunks[0] + b"".join(chunks[2:]),
        "chunk dropped": header + chunks[0] + b"".join(chunks[2:]),
        "extended": sealed + b"\x00",
        "last chunk repeated": sealed + chunks[-1],
    }
    for name, altered in cases.items():
        with pytest.raises(DamagedError):
            unseal(altered)
            pytest.fail(name)


def test_header_edits_are_refused() -> None:
    sealed = bytearray(seal(b"abc" * 1000))
    sealed[12] ^= 1  # inside the salt
    with pytest.raises((BackupKeyError, DamagedError)):
        unseal(bytes(sealed))
    with pytest.raises(DamagedError, match="不是 Baomi 备份归档"):
        unseal(b"PK\x03\x04" + bytes(100))
