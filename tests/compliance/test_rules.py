"""The packaged rule catalogue and mapping: parsed robustly, complete, and in sync with
docs/rules.md (the single source)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from baomi.compliance import catalogue
from baomi.compliance.rulesmd import parse_catalogue, parse_mapping, short_title, split_row

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "baomi" / "compliance"
SHARED = ROOT.parent / "shared" / "RULES.md"


def test_packaged_rules_md_is_docs_rules_md():
    docs = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    packaged = (PACKAGE / "rules.md").read_text(encoding="utf-8")
    assert packaged == docs, (
        "src/baomi/compliance/rules.md differs from docs/rules.md: run `python scripts/sync_rules.py` "
        "after editing docs/rules.md (the 制度落实 page reads the packaged copy)")


def test_catalogue_has_all_174_rules_with_titles():
    rows = json.loads((PACKAGE / "catalogue.json").read_text(encoding="utf-8"))
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)) == 174
    assert all(r["title"] and r["group"] == r["id"].split("-")[0] for r in rows)
    titles = {r["id"]: r["title"] for r in rows}
    assert titles["CARRIER-06"] == "随阅随退" and titles["PERS-07"] == "年度培训" and titles["CLASS-01"] == "秘密类型"
    if SHARED.exists():  # the shared catalogue, where the repository sits beside it
        shared_ids = set(re.findall(r"^\| ([A-Z]+-\d+) \|", SHARED.read_text(encoding="utf-8"), re.M))
        assert set(ids) == shared_ids


def test_every_rule_is_on_the_page_nothing_silently_missing():
    rules = catalogue.rules()
    assert len(rules) >= 174
    assert {r.state for r in rules} <= {"embodied", "out", "not_yet", "unmapped"}
    assert not [r.id for r in rules if r.state == "unmapped"], "rules neither mapped, out nor listed as not yet"
    out = {r.id: r for r in rules if r.state == "out"}
    assert out["ORG-10"].out is not None and out["ORG-10"].out.tests[0]  # the reason is kept


def test_every_docs_row_is_parsed():
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    id_rows = [line for line in text.splitlines() if re.match(r"^\|\s*[A-Z]{2,8}-\d{2,3}\s*\|", line)]
    mapping = parse_mapping(text)
    assert mapping.rows == len(id_rows)
    for line in id_rows:
        rule_id = line.split("|")[1].strip()
        assert rule_id in mapping.embodied or rule_id in mapping.out
    for rule_id, embodiments in mapping.embodied.items():
        for e in embodiments:
            assert e.word in {"REFUSE", "APPROVAL", "RECORD", "REMIND", "CHECKLIST", "REPORT"}, (rule_id, e.word)
            assert e.tests and all(t.startswith("tests/") for t in e.tests), (rule_id, e.tests)


def test_parser_is_robust():
    assert split_row("| A | b \\| c | `x|y` |") == ["A", "b | c", "`x|y`"]
    assert split_row("| A | no closing pipe") == ["A", "no closing pipe"]
    assert split_row("not a row") is None
    text = """
## Embodied

| rule | how | feature | tests |
| --- | --- | --- | --- |
|  CARRIER-06 |  remind | 随阅随退 | tests/a.py::t1, tests/b.py::t2 |
| CARRIER-06 | REFUSE | again | tests/c.py::t3 |
| ORG-08, ORG-06 | REPORT | both | tests/d.py::t |

## Out of software's reach

| rule | how | what | why |
|---|---|---|---|
| ORG-10 | OUT | Write rules. | Human work. |

## Not yet embodied

- CARRIER: CARRIER-28, CARRIER-29
- MEET: MEET-01
"""
    m = parse_mapping(text)
    assert [e.word for e in m.embodied["CARRIER-06"]] == ["REMIND", "REFUSE"]
    assert m.embodied["CARRIER-06"][0].tests == ["tests/a.py::t1", "tests/b.py::t2"]
    assert "ORG-06" in m.embodied and "ORG-08" in m.embodied
    assert m.out["ORG-10"].tests == ["Human work."]
    assert m.not_yet == ["CARRIER-28", "CARRIER-29", "MEET-01"] and m.rows == 4


def test_short_title_variants():
    assert short_title('随阅随退: 绝密"做到随阅随退"(S13)') == "随阅随退"
    assert short_title("**年度培训**：每年一次") == "年度培训"
    assert short_title('"保证密级、保密期限和使用范围等被严格限制"(S22)') == "保证密级、保密期限和使用范围等被严格限制"
    assert short_title('"办公室保密委员会在办公室领导下具体负责全办的保密工作"(S13)').endswith("…")
    rows = parse_catalogue('| CLASS-06 | "保证密级"(S22) | Record. | RECORD | x | ×1 |\n| ID | 规则 | a | b | c | d |')
    assert rows == [{"id": "CLASS-06", "group": "CLASS", "title": "保证密级", "english": "Record.", "kind": "RECORD"}]


def test_sync_script_is_idempotent(tmp_path):
    """Run into a temporary folder: the test never rewrites the packaged files itself (that
    would hide a stale copy from test_packaged_rules_md_is_docs_rules_md)."""
    script = ROOT / "scripts" / "sync_rules.py"
    args = [sys.executable, str(script), "--docs", str(ROOT / "docs" / "rules.md"), "--out", str(tmp_path)]
    if SHARED.exists():
        args += ["--rules", str(SHARED)]
    else:
        (tmp_path / "catalogue.json").write_bytes((PACKAGE / "catalogue.json").read_bytes())
    first = subprocess.run(args, capture_output=True, text=True, check=True)
    second = subprocess.run(args, capture_output=True, text=True, check=True)
    assert "already up to date" in second.stdout, (first.stdout, second.stdout)
    assert (tmp_path / "rules.md").read_bytes() == (ROOT / "docs" / "rules.md").read_bytes()
    assert json.loads((tmp_path / "catalogue.json").read_text(encoding="utf-8")) == json.loads(
        (PACKAGE / "catalogue.json").read_text(encoding="utf-8"))
