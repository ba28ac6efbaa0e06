"""The packaged rule catalogue and mapping (built by `scripts/sync_rules.py` from the shared
RULES.md and docs/rules.md), read once per process."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Literal

from baomi.compliance.rulesmd import Embodiment, Mapping, parse_mapping, sort_key

State = Literal["embodied", "out", "not_yet", "unmapped"]


@dataclass(frozen=True)
class Rule:
    id: str
    group: str
    title: str
    english: str
    kind: str  # the catalogue's primary embodiment
    state: State
    embodiments: list[Embodiment] = field(default_factory=list)  # embodied: word, feature, tests
    out: Embodiment | None = None  # out of reach: what the rule asks, why

    @property
    def words(self) -> list[str]:
        seen: list[str] = []
        for e in self.embodiments:
            if e.word not in seen:
                seen.append(e.word)
        return seen


def _read(name: str) -> str:
    return resources.files("baomi.compliance").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def mapping() -> Mapping:
    return parse_mapping(_read("rules.md"))


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    """Every rule of the catalogue, with its state in the mapping; an id mapped in rules.md
    but missing from the catalogue is kept too (nothing silently dropped)."""
    catalogue = {row["id"]: row for row in json.loads(_read("catalogue.json"))}
    m = mapping()
    ids = set(catalogue) | set(m.embodied) | set(m.out) | set(m.not_yet)
    result = []
    for rule_id in sorted(ids, key=sort_key):
        row = catalogue.get(rule_id, {"group": rule_id.split("-")[0], "title": "", "english": "", "kind": ""})
        state: State
        if rule_id in m.embodied:
            state = "embodied"
        elif rule_id in m.out:
            state = "out"
        elif rule_id in m.not_yet:
            state = "not_yet"
        else:
            state = "unmapped"
        result.append(Rule(rule_id, row["group"], row["title"], row["english"], row["kind"], state,
                           m.embodied.get(rule_id, []), m.out.get(rule_id)))
    return tuple(result)
