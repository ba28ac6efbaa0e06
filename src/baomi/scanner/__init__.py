"""保密检查: find classification marks, dictionary keywords and copies of registered
classified documents in files. Pure Python, usable without Django (issue 5, docs/scanner.md).

    from baomi.scanner import Scanner, load_rules
    result = Scanner(load_rules("rules.bundle")).scan_path("报告.docx")
    for finding in result.findings: ...
"""

from __future__ import annotations

from baomi.scanner.engine import Scanner, sniff
from baomi.scanner.limits import Limits
from baomi.scanner.model import SCHEMA_VERSION, FileResult, Finding, Kind, Problem, Status
from baomi.scanner.rules import (
    CarrierFingerprint,
    KeywordRule,
    Rules,
    RulesError,
    build_bundle,
    load_rules,
    parse_bundle,
    write_bundle,
)

__all__ = [
    "SCHEMA_VERSION",
    "CarrierFingerprint",
    "FileResult",
    "Finding",
    "KeywordRule",
    "Kind",
    "Limits",
    "Problem",
    "Rules",
    "RulesError",
    "Scanner",
    "Status",
    "build_bundle",
    "load_rules",
    "parse_bundle",
    "sniff",
    "write_bundle",
]
