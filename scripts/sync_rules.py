#!/usr/bin/env python3
"""Copy docs/rules.md into the package and extract the rule catalogue.

    python scripts/sync_rules.py [--rules ../shared/RULES.md]

docs/rules.md stays the single source of the rule → feature → test mapping; the 制度落实 page
reads the packaged copy `src/baomi/compliance/rules.md` (it cannot read the repository's docs
at run time) and `src/baomi/compliance/catalogue.json` (id, group, short Chinese title, English
summary, primary embodiment of every rule of the shared RULES.md). Re-run after editing
docs/rules.md: tests/compliance/test_rules.py fails while the copy differs. Idempotent: files
are only rewritten when their content changes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from baomi.compliance.rulesmd import parse_catalogue, parse_mapping  # noqa: E402

PACKAGE = ROOT / "src" / "baomi" / "compliance"
DEFAULT_RULES = ROOT.parent / "shared" / "RULES.md"


def _write(path: Path, content: str) -> bool:
    if path.exists() and path.read_text(encoding="utf-8") == content:
        return False
    path.write_text(content, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULES, help="the shared RULES.md catalogue")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs" / "rules.md")
    parser.add_argument("--out", type=Path, default=PACKAGE, help="where the packaged copies go")
    args = parser.parse_args(argv)
    out: Path = args.out

    mapping_text = args.docs.read_text(encoding="utf-8")
    parse_mapping(mapping_text)  # fails loudly on a file it cannot read
    changed = _write(out / "rules.md", mapping_text)
    if args.rules.exists():
        catalogue = parse_catalogue(args.rules.read_text(encoding="utf-8"))
        if not catalogue:
            print(f"no rule rows found in {args.rules}", file=sys.stderr)
            return 1
        body = json.dumps(catalogue, ensure_ascii=False, indent=1) + "\n"
        changed |= _write(out / "catalogue.json", body)
        print(f"{len(catalogue)} rules in the catalogue")
    elif not (out / "catalogue.json").exists():
        print(f"{args.rules} not found and no catalogue.json yet", file=sys.stderr)
        return 1
    else:
        print(f"{args.rules} not found: catalogue.json kept as it is")
    print("updated" if changed else "already up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
