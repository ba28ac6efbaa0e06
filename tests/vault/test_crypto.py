"""Envelope encryption, the master key's sources, and the blob store."""

from __future__ import annotations

import base64
import os
import stat

import pytest

from baomi import conf
from baomi.vault import crypto, storage


def test_round_trip_uses_a_fresh_data_key_per_object():
    provider = crypto.AesGcmProvider(os.urandom(32))
    one = provider.seal("工作秘密正文".encode(), b"aad-1")
    two = provider.seal("工作秘密正文".encode(), b"aad-1")
    assert one.ciphertext != two.ciphertext and one.wrapped_key != two.wrapped_key and one.nonce != two.nonce
    assert "工作秘密".encode() not in one.ciphertext
    assert one.algorithm == "AES-256-GCM+GCM-WRAP" and len(one.nonce) == 12
    opened = provider.open(ciphertext=one.ciphertext, nonce=one.nonce, wrapped_key=one.wrapped_key, aad=b"aad-1")
    assert opened.decode() == "工作秘密正文"


def test_wrong_key_tampered_ciphertext_and_wrong_binding_are_detected():
    master = os.urandom(32)
    sealed = crypto.AesGcmProvider(master).seal(b"content", b"carrier-1")
    good = {"ciphertext": sealed.ciphertext, "nonce": sealed.nonce, "wrapped_key": sealed.wrapped_key,
            "aad": b"carrier-1"}
    flipped = bytes([sealed.ciphertext[0] ^ 1]) + sealed.ciphertext[1:]
    for bad_provider, changes in [
        (crypto.AesGcmProvider(os.urandom(32)), {}),  # another master key
        (crypto.AesGcmProvider(master), {"ciphertext": flipped}),
        (crypto.AesGcmProvider(master), {"aad": b"carrier-2"}),  # the blob moved under another record
        (crypto.AesGcmProvider(master), {"wrapped_key": sealed.wrapped_key[:-1] + bytes([sealed.wrapped_key[-1] ^ 1])}),
        (crypto.AesGcmProvider(master), {"nonce": os.urandom(12)}),
    ]:
        with pytest.raises(crypto.TamperedError):
            bad_provider.open(**{**good, **changes})
    assert crypto.AesGcmProvider(master).open(**good) == b"content"


def test_master_key_file_is_created_owner_only_and_reused(vault_dir):
    first = conf.master_key()
    path = vault_dir / "master.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 32 and conf.master_key() == first
    assert base64.b64decode(path.read_bytes().strip()) == first


def test_master_key_from_the_environment_wins(vault_dir, monkeypatch):
    key = os.urandom(32)
    monkeypatch.setenv("BAOMI_MASTER_KEY", base64.b64encode(key).decode())
    assert conf.master_key() == key
    assert not (vault_dir / "master.key").exists()
    assert crypto.provider().key_id == crypto.key_id(key)  # type: ignore[attr-defined]
    monkeypatch.setenv("BAOMI_MASTER_KEY", base64.b64encode(b"short").decode())
    with pytest.raises(ValueError, match="32 bytes"):
        conf.master_key()


def test_unknown_algorithm_is_refused():
    with pytest.raises(crypto.TamperedError):
        crypto.provider("ROT13")


def test_blob_store_writes_atomically_and_privately(tmp_path):
    store = storage.LocalBlobStore(tmp_path / "blobs")
    name = storage.new_name()
    store.put(name, b"ciphertext")
    path = tmp_path / "blobs" / name[:2] / name
    assert store.get(name) == b"ciphertext" and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [name]  # no temporary file left behind
    store.delete(name)
    assert not store.exists(name)
    for bad in ("../etc/passwd", "ABC", ""):
        with pytest.raises(ValueError):
            store.put(bad, b"x")


def test_local_blob_store_lists_its_names_and_passes_the_probe(tmp_path):
    store = storage.LocalBlobStore(tmp_path / "blobs")
    assert list(store.names()) == []
    storage.probe(store)
    names = sorted(storage.new_name() for _ in range(3))
    for name in names:
        store.put(name, b"ciphertext")
    (tmp_path / "blobs" / names[0][:2] / f".{names[0]}.1234.tmp").write_bytes(b"half")  # a crashed write
    (tmp_path / "blobs" / "README").write_text("not a blob")
    assert sorted(store.names()) == names
