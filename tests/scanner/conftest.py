"""Shared fixtures: a scanner with a small dictionary, and helpers to read results."""

from __future__ import annotations

from typing import Any

import pytest

from baomi.scanner import FileResult, Kind, Scanner, build_bundle, parse_bundle

KEYWORDS: list[dict[str, Any]] = [
    {"keyword": "东风工程", "level": "SECRET", "weight": 3, "source": "指南 3.2"},
    {"keyword": "J-20", "level": "CONFIDENTIAL", "source": "custom"},
]


@pytest.fixture(scope="session")
def rules():
    return parse_bundle(build_bundle(keywords=KEYWORDS, issuer="tests"))


@pytest.fixture(scope="session")
def scanner(rules) -> Scanner:
    return Scanner(rules)


def marks(result: FileResult) -> list[tuple[str, dict[str, Any]]]:
    return [(f.rule, f.location) for f in result.findings if f.kind is Kind.MARK]


def mark_rules(result: FileResult) -> list[str]:
    return [f.rule for f in result.findings if f.kind is Kind.MARK]


def parts(result: FileResult, kind: Kind = Kind.MARK) -> set[str]:
    return {f.location.get("part", "") for f in result.findings if f.kind is kind}


@pytest.fixture(scope="session", autouse=True)
def _keyword_cache(tmp_path_factory):
    """Compiled keyword databases go to a folder of this test session, not ~/.cache."""
    import os

    folder = tmp_path_factory.mktemp("hyperscan-cache")
    folder.chmod(0o700)
    old = os.environ.get("BAOMI_SCAN_CACHE")
    os.environ["BAOMI_SCAN_CACHE"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("BAOMI_SCAN_CACHE", None)
    else:
        os.environ["BAOMI_SCAN_CACHE"] = old
