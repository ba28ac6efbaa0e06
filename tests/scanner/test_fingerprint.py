"""Fingerprints find copies of registered carriers through the changes copies go through."""

from __future__ import annotations

import gzip
import json
import random
import re

import numpy as np
import pytest

from baomi.levels import Level
from baomi.scanner import Kind, RulesError, Scanner, build_bundle, load_rules, parse_bundle, write_bundle
from baomi.scanner import fingerprint as fp
from tests.scanner import corpus

POOL_A = "国家机关单位工作人员应当严格遵守保密制度加强涉密载体管理定期开展检查及时整改发现的问题落实责任追究"
POOL_B = "春天来了公园里的花开得很好孩子们在草地上放风筝老人在树下下棋天气晴朗适合出门散步和锻炼身体"


def _prose(pool: str, chars: int, seed: int) -> str:
    rng = random.Random(seed)
    out: list[str] = []
    while sum(len(piece) for piece in out) < chars:
        out.append("".join(rng.choice(pool) for _ in range(rng.randint(8, 20))) + rng.choice("，。；、"))
        if rng.random() < 0.1:
            out.append("\n")
    return "".join(out)


CARRIER = "机密★10年\n关于加强某项目管理的通知\n" + _prose(POOL_A, 3000, 1)


@pytest.fixture(scope="module")
def fp_scanner() -> Scanner:
    carrier = {"carrier_id": "ZC-2026-0042", "level": "SECRET", "title": "关于加强某项目管理的通知", "text": CARRIER}
    bundle = build_bundle(carriers=[carrier])
    return Scanner(parse_bundle(bundle))


def _fingerprints(result):
    return [f for f in result.findings if f.kind is Kind.FINGERPRINT]


def test_copy_with_marks_removed_and_layout_changed(fp_scanner):
    copy = CARRIER.replace("机密★10年\n", "")
    copy = re.sub(r"[，。；、]", lambda m: {"，": ",", "。": ". ", "；": ";", "、": " "}[m.group()], copy)
    copy = copy.replace("\n", "").replace("管理", "管 理")
    result = fp_scanner.scan_text(copy)
    [found] = _fingerprints(result)
    assert found.rule == "ZC-2026-0042" and found.level is Level.SECRET
    assert found.details["overlap"] > 0.9 and found.details["coverage"] > 0.8
    assert [f.kind for f in result.findings] == [Kind.FINGERPRINT]  # the marks were removed


def test_excerpt_of_300_characters_inside_other_text(fp_scanner, tmp_path):
    excerpt = CARRIER[1200:1500]
    text = _prose(POOL_B, 2000, 7) + "\n" + excerpt + "\n" + _prose(POOL_B, 1000, 8)
    path = corpus.raw_docx(tmp_path / "article.docx", body=text.split("\n"))
    result = fp_scanner.scan_path(path)
    [found] = _fingerprints(result)
    assert found.details["matched_chars"] >= 200
    assert 0.05 < found.details["overlap"] < 0.2
    span = found.details["spans"][0]
    assert span["location"]["part"] == "body"
    assert span["location"]["line"] == text[: text.index(excerpt)].count("\n") + 1
    # the carrier's text is never shown in a masked report
    assert excerpt[20:40] not in json.dumps(found.to_json(), ensure_ascii=False)


def test_unrelated_text_and_short_common_phrases_do_not_match(fp_scanner):
    assert _fingerprints(fp_scanner.scan_text(_prose(POOL_B, 5000, 3))) == []
    # a shared phrase of about 30 characters is below the threshold
    phrase = CARRIER[800:830]
    assert _fingerprints(fp_scanner.scan_text(_prose(POOL_B, 500, 4) + phrase + _prose(POOL_B, 500, 5))) == []


def test_normalisation_and_hash_are_stable():
    assert fp.normalize("机密★ ５年，ＡＢＣ abc\n!") == "机密5年abcabc"
    h = fp.kgram_hashes("一二三四五六七八九十甲乙丙丁", 13)
    assert h.dtype == np.uint64 and h.size == 2
    # the exact values are part of the bundle format: a change here breaks exported bundles
    assert int(fp.kgram_hashes("abcdefghijklm", 13)[0]) == _reference_hash("abcdefghijklm")


def _reference_hash(s: str) -> int:
    m = 2**64
    h = 0
    for ch in s:
        h = (h * 0x100000001B3 + ord(ch)) % m
    z = (h + 0x9E3779B97F4A7C15) % m
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % m
    return z ^ (z >> 31)


def test_winnowing_guarantee():
    rng = np.random.default_rng(0)
    hashes = rng.integers(0, 2**63, size=1000, dtype=np.uint64)
    chosen = set(fp.winnow(hashes, 8).tolist())
    assert all(any(int(h) in chosen for h in hashes[i : i + 8]) for i in range(len(hashes) - 7))
    assert len(chosen) < 0.35 * len(hashes)


def test_bundle_round_trip_checksum_and_word_lists(tmp_path):
    bundle = build_bundle(
        dictionaries=[{"id": "guide", "mode": "enforce", "keywords": [{"keyword": "东风工程", "level": "机密"}]},
                      {"id": "trial", "mode": "simulate", "keywords": ["新词"]}],
        carriers=[{"carrier_id": "C1", "level": "CONFIDENTIAL", "title": "标题", "text": CARRIER}],
        issuer="某单位保密办",
    )
    assert "关于加强" not in json.dumps(bundle, ensure_ascii=False)  # neither title nor text travels
    path = write_bundle(bundle, tmp_path / "rules.bundle")
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    rules = load_rules(path)
    assert [(k.keyword, k.level, k.simulate) for k in rules.keywords] == [
        ("东风工程", Level.SECRET, False), ("新词", Level.INTERNAL, True)]
    assert rules.fingerprints[0].carrier_id == "C1" and rules.fingerprints[0].hashes.size > 100

    bundle["dictionaries"][0]["keywords"][0]["level"] = "INTERNAL"
    (tmp_path / "edited.json").write_text(json.dumps(bundle), encoding="utf-8")
    with pytest.raises(RulesError, match="checksum"):
        load_rules(tmp_path / "edited.json")
    (tmp_path / "broken.bundle").write_bytes(gzip.compress(b"{not json"))
    with pytest.raises(RulesError, match="invalid JSON"):
        load_rules(tmp_path / "broken.bundle")

    words = tmp_path / "words.txt"
    words.write_text("# 自定义\n东风工程,机密,2\nJ-20\t秘密\n", encoding="gbk")
    rules = load_rules(words)
    assert [(k.keyword, k.level, k.weight) for k in rules.keywords] == [
        ("东风工程", Level.SECRET, 2.0), ("J-20", Level.CONFIDENTIAL, 1.0)]
