"""What a scan reports: findings, per-file results and their JSON form.

The JSON form is a stable, versioned schema (docs/scanner.md) because reports travel:
an inspector imports a computer's `--json` report into that device's record on the
server, possibly months later and from an older scanner version.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from baomi.levels import Level

#: Version of the JSON Lines record schema; bump on any incompatible change.
SCHEMA_VERSION = 1


class Status(enum.StrEnum):
    """Outcome for one file. Only ERROR makes the scan's exit code 2."""

    OK = "ok"  # read completely (findings or not)
    ERROR = "error"  # could not be read: malformed, truncated, limit exceeded, I/O error
    UNSUPPORTED = "unsupported"  # a format we know but cannot read here (legacy .doc, images, encrypted)
    SKIPPED = "skipped"  # deliberately not read: over the size limit, binary of unknown type, not a regular file


class Kind(enum.StrEnum):
    MARK = "mark"
    KEYWORD = "keyword"
    FINGERPRINT = "fingerprint"


@dataclass
class Finding:
    """One thing found in one place of a file.

    `snippet` is masked unless the scan was run with show=True: a report about an
    ordinary computer must not itself become a classified document.
    """

    kind: Kind
    level: Level
    location: dict[str, Any]
    snippet: str
    rule: str  # canonical mark, keyword rule id, or carrier id
    strong: bool = False  # marks: header position (own line, first lines, header/footer part)
    weight: float | None = None  # keywords: the dictionary weight
    simulated: bool = False  # from a dictionary under trial: reported, never enforced
    text: str | None = None  # the matched text itself, only with show=True
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind.value,
            "level": self.level.name,
            "level_zh": self.level.zh,
            "location": self.location,
            "snippet": self.snippet,
            "rule": self.rule,
            "simulated": self.simulated,
        }
        if self.kind is Kind.MARK:
            out["strong"] = self.strong
        if self.weight is not None:
            out["weight"] = self.weight
        if self.text is not None:
            out["text"] = self.text
        if self.details:
            out.update(self.details)
        return out


@dataclass
class Problem:
    """A member of a container (archive entry, mail attachment) that could not be read."""

    member: str
    status: Status
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"member": self.member, "status": self.status.value, "message": self.message}


@dataclass
class FileResult:
    """Everything the scan learnt about one file (top level; containers included)."""

    path: str
    status: Status = Status.OK
    error: str | None = None
    type: str = ""
    size: int = 0
    findings: list[Finding] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    omitted: int = 0  # findings beyond Limits.max_findings, counted but not listed
    # Every finding by kind ("simulated" for trial dictionaries), listed or omitted.
    tally: Counter[str] = field(default_factory=Counter)
    members: int = 0  # container members read
    elapsed_ms: int = 0
    # Enforced findings by (kind, level), listed or omitted: a file's level is the highest of
    # everything in it, not of the first max_findings listed (a 机密 mark after 1,000 内部
    # keywords still makes the file 机密, and an upload declared below that is refused).
    levels: Counter[tuple[str, Level]] = field(default_factory=Counter)
    trial: Counter[str] = field(default_factory=Counter)  # trial-dictionary hits by rule id, listed or not
    # This file's lines of the report, made where it was scanned (runner.run(render=...)):
    # a -j worker renders in parallel and the main process only writes them out.
    rendered: str | None = field(default=None, repr=False, compare=False)

    @property
    def enforced(self) -> list[Finding]:
        return [f for f in self.findings if not f.simulated]

    @property
    def has_findings(self) -> bool:
        """Findings that count for the exit code: simulated ones never do."""
        return any(n for key, n in self.tally.items() if key != "simulated")

    @property
    def has_errors(self) -> bool:
        return self.status is Status.ERROR or any(p.status is Status.ERROR for p in self.problems)

    @property
    def max_level(self) -> Level | None:
        return self.highest()

    def highest(self, kind: Kind | None = None) -> Level | None:
        """The highest level among the enforced findings (of one kind), listed or not."""
        return max((level for (k, level), n in self.levels.items() if n and (kind is None or k == kind.value)),
                   default=None)

    def counts(self) -> dict[str, int]:
        """How many of each kind were found, including those beyond the listing limit."""
        return {key: self.tally.get(key, 0) for key in (*(k.value for k in Kind), "simulated")}

    def level_counts(self) -> dict[str, dict[str, int]]:
        """Enforced findings by level name and kind, listed or not: {"SECRET": {"keyword": 3}}."""
        out: dict[str, dict[str, int]] = {}
        for (kind, level), n in sorted(self.levels.items(), key=lambda item: (-item[0][1], item[0][0])):
            if n:
                out.setdefault(level.name, {})[kind] = n
        return out

    def count(self, kind: str, level: Level, n: int = 1) -> None:
        """Count n enforced findings of one kind and level, listed or not: the kind's tally and
        the levels the file's level is read from move together."""
        self.tally[kind] += n
        self.levels[kind, level] += n

    def record(self, finding: Finding, listed: bool = True) -> None:
        """Count a finding, and list it unless the listing limit was reached."""
        if finding.simulated:
            self.tally["simulated"] += 1
            self.trial[finding.rule] += 1
        else:
            self.count(finding.kind.value, finding.level)
        if listed:
            self.findings.append(finding)
        else:
            self.omitted += 1

    def __reduce__(self) -> tuple[Any, ...]:
        # How a worker process hands its result back (runner.py): each finding as a plain
        # tuple, which pickles and unpickles in two thirds of the time of a dataclass
        # instance; a dense file lists 1,000 findings.
        findings = [(f.kind.value, f.level.value, f.location, f.snippet, f.rule, f.strong, f.weight, f.simulated,
                     f.text, f.details) for f in self.findings]
        return _result, (self.path, self.status.value, self.error, self.type, self.size, findings, self.problems,
                         self.omitted, dict(self.tally), self.members, self.elapsed_ms,
                         [(kind, level.value, n) for (kind, level), n in self.levels.items()], dict(self.trial),
                         self.rendered)

    def to_json(self) -> dict[str, Any]:
        level = self.max_level
        return {
            "v": SCHEMA_VERSION,
            "path": self.path,
            "status": self.status.value,
            "error": self.error,
            "type": self.type,
            "size": self.size,
            "level": level.name if level is not None else None,
            "counts": self.counts(),
            "levels": self.level_counts(),
            "findings": [f.to_json() for f in self.findings],
            "omitted": self.omitted,
            "problems": [p.to_json() for p in self.problems],
            "members": self.members,
            "elapsed_ms": self.elapsed_ms,
        }


_KINDS = {kind.value: kind for kind in Kind}
_LEVELS = {level.value: level for level in Level}


def _result(path: str, status: str, error: str | None, type_: str, size: int, findings: list[tuple[Any, ...]],
            problems: list[Problem], omitted: int, tally: dict[str, int], members: int,
            elapsed_ms: int, levels: list[tuple[str, int, int]], trial: dict[str, int],
            rendered: str | None) -> FileResult:
    """A FileResult from its __reduce__ form."""
    kinds, levels_ = _KINDS, _LEVELS
    return FileResult(
        path=path, status=Status(status), error=error, type=type_, size=size,
        findings=[Finding(kinds[k], levels_[lv], loc, snippet, rule, strong, weight, simulated, text, details)
                  for k, lv, loc, snippet, rule, strong, weight, simulated, text, details in findings],
        problems=problems, omitted=omitted, tally=Counter(tally), members=members, elapsed_ms=elapsed_ms,
        levels=Counter({(kind, levels_[lv]): n for kind, lv, n in levels}), trial=Counter(trial), rendered=rendered,
    )
