"""The scanner's fast paths give exactly what the general code gives: snippets of a lone
keyword, counts beyond the listing, and a plain-text scan that loads no heavy library."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from baomi.scanner import Limits, Rules, Scanner, build_bundle, engine, parse_bundle

WORDS = ["东风工程", "J-20", "红旗九号", "ab"]
FILLER = "".join(chr(c) for c in range(0x5800, 0x5990))  # CJK, none of them in WORDS or 密


def _text(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(1, 40)):
        parts = []
        for _ in range(rng.randint(1, 8)):
            parts.append("".join(rng.choices(FILLER + " \t", k=rng.randint(0, 40))))
            if rng.random() < 0.6:
                parts.append(rng.choice(WORDS))
            if rng.random() < 0.05:
                parts.append(rng.choice(["机密★5年", "\n秘密★\n", "内部"]))
        lines.append("".join(parts))
    return rng.choice(["\n", "\r\n"]).join(lines)


@pytest.fixture(scope="module")
def rules() -> Rules:
    enforced = parse_bundle(build_bundle(keywords=[{"keyword": w, "level": "SECRET"} for w in WORDS[:3]]))
    trial = parse_bundle(build_bundle(keywords=[{"keyword": w, "level": "INTERNAL"} for w in WORDS[2:]]))
    return enforced.merge(trial.as_simulation())


def _json(scanner: Scanner, data: bytes) -> str:
    result = scanner.scan_bytes(data, "sample.txt").to_json()
    result.pop("elapsed_ms")
    return json.dumps(result, ensure_ascii=False, sort_keys=True)


def test_fast_snippets_equal_the_general_path(rules, monkeypatch):
    scanner = Scanner(rules)
    rng = random.Random(5)
    samples = [_text(rng).encode() for _ in range(150)]
    fast = [_json(scanner, data) for data in samples]
    monkeypatch.setattr(engine, "_FAST_SNIPPETS", False)
    slow = [_json(scanner, data) for data in samples]
    assert fast == slow
    assert sum(s.count('"kind": "keyword"') for s in fast) > 1000  # the samples do exercise it


@pytest.mark.parametrize("listed", [0, 1, 7, 50])
def test_counts_beyond_the_listing_are_exact(rules, listed):
    rng = random.Random(listed)
    data = "\n".join(_text(rng) for _ in range(5)).encode()
    full = Scanner(rules).scan_bytes(data, "sample.txt")
    capped = Scanner(rules, limits=Limits(max_findings=listed)).scan_bytes(data, "sample.txt")
    assert full.omitted == 0 and len(full.findings) > listed
    assert capped.counts() == full.counts()
    assert capped.levels == full.levels and capped.max_level == full.max_level
    assert sum(capped.levels.values()) == sum(n for kind, n in full.counts().items() if kind != "simulated")
    assert capped.counts()["simulated"] > 0 and capped.counts()["mark"] > 0
    assert len(capped.findings) == listed
    assert capped.omitted == len(full.findings) - listed


def test_the_level_of_a_file_counts_findings_beyond_the_listing(rules):
    """The first 1,000 findings are listed; a higher level after them still is the file's."""
    from baomi.levels import Level

    data = ("东风工程 " * 1200 + "\n绝密★\n").encode()
    result = Scanner(rules).scan_bytes(data, "sample.txt")
    assert {f.level for f in result.findings} == {Level.SECRET} and result.omitted == 201
    assert result.max_level == Level.TOP_SECRET and result.highest(engine.Kind.MARK) == Level.TOP_SECRET
    assert result.to_json()["level"] == "TOP_SECRET"
    assert result.to_json()["levels"] == {"TOP_SECRET": {"mark": 1}, "SECRET": {"keyword": 1200}}


def test_plain_text_scan_loads_no_heavy_library(tmp_path):
    """numpy (fingerprints), lxml (office formats) and cryptography (signatures) cost a
    tenth of a second each at start-up: a keyword scan of text files needs none of them."""
    sample = tmp_path / "a.txt"
    sample.write_text("机密★5年\n东风工程的计划", encoding="utf-8")
    code = (
        "import sys\n"
        "from baomi.scanner import Scanner, build_bundle, parse_bundle\n"
        "from baomi.scanner.runner import Filters, run, walk\n"
        "rules = parse_bundle(build_bundle(keywords=['东风工程']))\n"
        f"run(walk([{str(tmp_path)!r}], Filters(), []), Scanner(rules), 1, lambda r: print(r.counts()))\n"
        "print(sorted(m for m in ('numpy', 'lxml', 'cryptography', 'pypdf') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "'keyword': 1" in out and "'mark': 1" in out
    assert out.strip().splitlines()[-1] == "[]"


def test_results_cross_from_a_worker_unchanged(rules, tmp_path):
    """Workers hand results back in a compact pickled form (FileResult.__reduce__): every
    kind of finding, with its location, details and level, must arrive as it left."""
    import pickle

    from baomi.levels import Level
    from baomi.scanner import Kind, Status
    from baomi.scanner.model import Problem

    carrier = "".join(random.Random(3).choices(FILLER, k=600))
    printed = parse_bundle(build_bundle(carriers=[{"carrier_id": "C-1", "level": "SECRET", "text": carrier}]))
    scanner = Scanner(rules.merge(printed), show=True)
    data = ("机密★5年\n" + _text(random.Random(9)) + "\n" + carrier).encode()
    result = scanner.scan_bytes(data, "sample.txt")
    result.problems.append(Problem("a.zip/b.doc", Status.UNSUPPORTED, "legacy Word .doc"))
    assert {f.kind for f in result.findings} == set(Kind) and result.counts()["simulated"] > 0
    back = pickle.loads(pickle.dumps(result))
    assert back == result and back.to_json() == result.to_json()
    assert all(type(b.level) is Level and type(b.kind) is Kind for b in back.findings)
    assert type(back.tally) is type(result.tally) and back.status is result.status


def test_bundle_rules_are_ordinary_keyword_rules(rules):
    """parse_bundle builds its rules without the dataclass's __init__: still equal, hashable,
    frozen and replaceable like any other."""
    import dataclasses

    from baomi.scanner import KeywordRule

    rule = rules.keywords[0]
    again = KeywordRule(**dataclasses.asdict(rule))
    assert rule == again and hash(rule) == hash(again) and repr(rule) == repr(again)
    assert dataclasses.replace(rule, simulate=True).simulate
    with pytest.raises(dataclasses.FrozenInstanceError):
        rule.keyword = "x"  # type: ignore[misc]


def test_plain_text_scan_imports_no_container_or_mail_module(tmp_path):
    """Formats other than text are imported when a file needs them (about 20 ms of start-up)."""
    (tmp_path / "a.txt").write_text("机密★5年\n东风工程的计划", encoding="utf-8")
    code = (
        "import sys\n"
        "from baomi.scanner import Scanner, build_bundle, parse_bundle\n"
        "from baomi.scanner.runner import Filters, run, walk\n"
        "rules = parse_bundle(build_bundle(keywords=['东风工程']))\n"
        f"run(walk([{str(tmp_path)!r}], Filters(), []), Scanner(rules), 1, lambda r: print(r.counts()))\n"
        "names = ('baomi.scanner.archive', 'baomi.scanner.documents', 'baomi.scanner.mail', 'baomi.scanner.ocr',\n"
        "         'baomi.scanner.office', 'zipfile', 'email.policy', 'concurrent.futures')\n"
        "print(sorted(m for m in names if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "'keyword': 1" in out and "'mark': 1" in out
    assert out.strip().splitlines()[-1] == "[]"
