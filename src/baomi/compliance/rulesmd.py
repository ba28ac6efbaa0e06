"""Parsing of the rule catalogue (`RULES.md`) and of the project's mapping (`docs/rules.md`).

Pure Python, no Django: `scripts/sync_rules.py` uses it to build the packaged copies, and the
compliance page reads those copies at run time (the page never reads `../shared`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

RULE_ID = re.compile(r"\b([A-Z]{2,8}-\d{2,3})\b")
_ID_CELL = re.compile(r"^\s*[A-Z]{2,8}-\d{2,3}(\s*[,，、/]\s*[A-Z]{2,8}-\d{2,3})*\s*$")
WORDS = ("REFUSE", "APPROVAL", "RECORD", "REMIND", "CHECKLIST", "REPORT", "OUT")


def split_row(line: str) -> list[str] | None:
    """The cells of one markdown table row, or None when the line is not a row. A `\\|` inside
    a cell and a `|` inside backticks stay in the cell."""
    text = line.strip()
    if not text.startswith("|"):
        return None
    cells, current, in_code, i = [], [], False, 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] == "|":
            current.append("|")
            i += 2
            continue
        if ch == "`":
            in_code = not in_code
        if ch == "|" and not in_code:
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        i += 1
    if current and "".join(current).strip():
        cells.append("".join(current).strip())  # a row without its closing pipe
    return cells


def _is_separator(cells: list[str]) -> bool:
    return all(re.fullmatch(r":?-{2,}:?", c.replace(" ", "")) for c in cells if c) and any(cells)


# ---------------------------------------------------------------- the shared catalogue (RULES.md)


def short_title(cell: str, limit: int = 24) -> str:
    """The rule's short Chinese title: the first cell's text before its colon (随阅随退), or, for a
    row that starts with a quotation, the quoted phrase shortened."""
    text = cell.strip().replace("**", "")
    match = re.match(r'^([^"“”:：]{1,40}?)\s*[:：]', text)
    if match:
        return match.group(1).strip()
    quoted = re.search(r'["“]([^"”]+)["”]', text)
    phrase = (quoted.group(1) if quoted else text).strip()
    phrase = re.split(r"[,，;；。]", phrase)[0].strip() or phrase
    return phrase if len(phrase) <= limit else phrase[: limit - 1] + "…"


def parse_catalogue(text: str) -> list[dict[str, str]]:
    """Every rule row of RULES.md: id, group, title, english, kind (the primary embodiment)."""
    rules: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        cells = split_row(line)
        if not cells or len(cells) < 4 or not re.fullmatch(r"[A-Z]{2,8}-\d{2,3}", cells[0]):
            continue
        rule_id = cells[0]
        kind = next((w for w in (*WORDS, "BLOCK") if w == cells[3].strip().upper()), cells[3].strip())
        rules.setdefault(rule_id, {
            "id": rule_id, "group": rule_id.split("-")[0], "title": short_title(cells[1]),
            "english": cells[2].replace("**", "").strip(), "kind": kind,
        })
    return sorted(rules.values(), key=lambda r: sort_key(r["id"]))


def sort_key(rule_id: str) -> tuple[int, str, int]:
    group, _sep, number = rule_id.partition("-")
    order = ("CLASS", "CARRIER", "ARCH", "MEET", "PERS", "SYS", "EXT", "COMM", "INSP", "INC", "ORG", "SITE")
    return (order.index(group) if group in order else len(order), group, int(number or 0))


# ---------------------------------------------------------------- the project's mapping (docs/rules.md)


@dataclass
class Embodiment:
    word: str
    feature: str
    tests: list[str] = field(default_factory=list)


@dataclass
class Mapping:
    embodied: dict[str, list[Embodiment]] = field(default_factory=dict)
    out: dict[str, Embodiment] = field(default_factory=dict)  # feature = what the rule asks, tests = [why]
    not_yet: list[str] = field(default_factory=list)
    rows: int = 0  # table rows naming a rule id, each one parsed into one of the above


def _tests(cell: str) -> list[str]:
    return [t.strip().strip("`") for t in re.split(r"[,，;；]\s*|\s+(?=tests/)", cell) if t.strip().strip("`")]


def parse_mapping(text: str) -> Mapping:
    """docs/rules.md: the Embodied table (rule | how | feature | tests), the Out table
    (rule | how | what the rule asks | why) and the Not-yet list. A row is sorted by its word:
    OUT rows wherever they stand are out of reach; every other word is an embodiment."""
    result = Mapping()
    section = ""
    for line in text.splitlines():
        if line.startswith("#"):
            section = line.lstrip("#").strip().lower()
            continue
        cells = split_row(line)
        if cells is not None:
            if len(cells) < 3 or _is_separator(cells) or not _ID_CELL.match(cells[0]):
                continue
            ids = RULE_ID.findall(cells[0])
            word = cells[1].strip().upper().split()[0] if cells[1].strip() else ""
            result.rows += 1
            for rule_id in ids:
                if word == "OUT":
                    result.out[rule_id] = Embodiment("OUT", cells[2] if len(cells) > 2 else "",
                                                     [cells[3]] if len(cells) > 3 else [])
                else:
                    result.embodied.setdefault(rule_id, []).append(
                        Embodiment(word, cells[2], _tests(cells[3]) if len(cells) > 3 else []))
            continue
        if "not yet" in section and line.lstrip().startswith(("-", "*")):
            result.not_yet += [i for i in RULE_ID.findall(line) if i not in result.not_yet]
    return result
