"""The seed regulations say 机密/秘密/绝密 hundreds of times, and are never marked."""

from __future__ import annotations

from pathlib import Path

import pytest

from baomi.scanner import Kind, Scanner
from tests.scanner import corpus

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed"


@pytest.mark.skipif(not SEED.is_dir(), reason="shared/seed is not beside the repository")
def test_seed_regulations_yield_no_mark_findings(tmp_path):
    files = sorted(SEED.glob("*.txt"))
    assert files
    scanner = Scanner()
    total = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        total += sum(text.count(w) for w in ("机密", "秘密", "绝密"))
        for result in (scanner.scan_path(path),
                       scanner.scan_path(corpus.raw_docx(tmp_path / f"{path.stem}.docx", body=text.splitlines())),
                       scanner.scan_text(text)):
            assert [f for f in result.findings if f.kind is Kind.MARK] == [], path.name
        (tmp_path / "gbk.txt").write_bytes(text.encode("gb18030", "replace"))
        assert scanner.scan_path(tmp_path / "gbk.txt").findings == []
    assert total > 100
