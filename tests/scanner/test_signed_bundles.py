"""Signed rules bundles: a scanning station that pins the server's public key refuses a
bundle that was edited, signed by another key, unsigned, or a plain keyword list."""

from __future__ import annotations

import gzip
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from baomi.cli import main
from baomi.scanner import build_bundle, write_bundle
from baomi.scanner.rules import RulesError, load_public_key, load_rules, sign_bundle

KEYWORDS = [{"keyword": "东风工程", "level": "SECRET"}, {"keyword": "储备库", "level": "CONFIDENTIAL"}]


def _pem(key: Ed25519PrivateKey, path):
    path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo))
    return path


@pytest.fixture
def key():
    return Ed25519PrivateKey.generate()


def test_signed_bundle_loads_with_the_right_key(tmp_path, key):
    path = write_bundle(sign_bundle(build_bundle(keywords=KEYWORDS), key), tmp_path / "r.bundle")
    rules = load_rules(path, verify_key=load_public_key(_pem(key, tmp_path / "k.pub")))
    assert {r.keyword for r in rules.keywords} == {"东风工程", "储备库"}
    assert load_rules(path).keywords  # without a pinned key the checksum alone is checked


def test_a_removed_keyword_is_refused_even_with_a_fixed_checksum(tmp_path, key):
    body = sign_bundle(build_bundle(keywords=KEYWORDS), key)
    body["dictionaries"][0]["keywords"] = body["dictionaries"][0]["keywords"][:1]
    from baomi.scanner.rules import _digest

    body["sha256"] = _digest(body)  # an attacker can recompute a checksum, not a signature
    path = tmp_path / "r.bundle"
    path.write_bytes(gzip.compress(json.dumps(body, ensure_ascii=False).encode()))
    assert load_rules(path).keywords  # checksum only: accepted
    with pytest.raises(RulesError, match="signature does not match"):
        load_rules(path, verify_key=key.public_key())


def test_other_key_unsigned_and_plain_lists_are_refused(tmp_path, key):
    other = Ed25519PrivateKey.generate()
    signed_by_other = write_bundle(sign_bundle(build_bundle(keywords=KEYWORDS), other), tmp_path / "o.bundle")
    unsigned = write_bundle(build_bundle(keywords=KEYWORDS), tmp_path / "u.bundle")
    plain = tmp_path / "words.txt"
    plain.write_text("东风工程\t机密\n", encoding="utf-8")
    with pytest.raises(RulesError, match="signature does not match"):
        load_rules(signed_by_other, verify_key=key.public_key())
    with pytest.raises(RulesError, match="not signed"):
        load_rules(unsigned, verify_key=key.public_key())
    with pytest.raises(RulesError, match="plain keyword list"):
        load_rules(plain, verify_key=key.public_key())
    bad = tmp_path / "bad.pub"
    bad.write_text("not a key")
    with pytest.raises(RulesError, match="PEM public key"):
        load_public_key(bad)


def test_scan_cli_verify_key(tmp_path, key, capsys):
    target = tmp_path / "doc.txt"
    target.write_text("关于东风工程的通知", encoding="utf-8")
    pub = _pem(key, tmp_path / "k.pub")
    good = write_bundle(sign_bundle(build_bundle(keywords=KEYWORDS), key), tmp_path / "g.bundle")
    unsigned = write_bundle(build_bundle(keywords=KEYWORDS), tmp_path / "u.bundle")
    assert main(["scan", "--no-progress", "-j", "1", "--rules", str(good), "--verify-key", str(pub), str(target)]) == 1
    capsys.readouterr()
    code = main(["scan", "--no-progress", "-j", "1", "--rules", str(unsigned), "--verify-key", str(pub), str(target)])
    assert code == 2 and "not signed" in capsys.readouterr().err
