"""Classification marks (密级标志): parse every real-world variant, format the canonical one.

Pure Python, no Django; the scanner, forms and labels all go through this module.

A state-secret mark is a level, a star and a period: 机密★5年, 秘密★6个月, 绝密★长期,
机密★2030年6月30日, 机密★会议开始前, or 机密★ alone (period not stated). The star is what
tells a mark from prose, which uses 机密/秘密/绝密 freely; a level word without a star is
never a mark. Work secrets carry no star: 内部, 内部事项 注意保管 or 工作秘密, and they count
only when they stand alone on a line, never as words in a sentence.

Work-secret labels map to levels as follows (a choice, since 内部 is also a level name):
内部 → Level.INTERNAL; 内部事项 注意保管 and 工作秘密 → Level.WORK_SECRET.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from baomi.levels import Level
from baomi.periods import (
    CONDITION_FORBIDDEN_CHARS,
    CONDITION_MAX_LEN,
    STAR_CHARS,
    Period,
    expiry,
)

__all__ = [
    "HEADER_LINES",
    "STAR_CHARS",
    "WORK_SECRET_LABELS",
    "MarkMatch",
    "Marking",
    "find_all",
    "format_marking",
    "parse",
]

#: Canonical work-secret labels and the level each stands for.
WORK_SECRET_LABELS: dict[str, Level] = {
    "内部": Level.INTERNAL,
    "内部事项 注意保管": Level.WORK_SECRET,
    "工作秘密": Level.WORK_SECRET,
}

#: A mark in the first this many lines of a text is in header position.
HEADER_LINES = 5


@dataclass(frozen=True)
class Marking:
    """One mark: a state-secret level with its period, or a work-secret label.

    A mark found in a document is a fact even when it is wrong (秘密★15年), so construction
    only rejects marks that cannot exist in the notation; `problems()` says what is wrong.
    """

    level: Level
    period: Period = field(default_factory=Period.not_stated)
    work_secret_label: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.level, Level):
            raise TypeError(f"level must be a Level, got {self.level!r}")
        if self.level is Level.PUBLIC:
            raise ValueError("公开 carries no mark")
        if self.level.is_state_secret:
            if self.work_secret_label is not None:
                raise ValueError("a state-secret mark has no work-secret label")
            return
        if self.period.is_stated:
            raise ValueError("work-secret marks carry no period")
        if self.work_secret_label is None:
            # Normalise so that Marking(Level.WORK_SECRET) == parse("工作秘密").
            object.__setattr__(self, "work_secret_label", self.level.zh)
        elif not self.work_secret_label.strip() or "\n" in self.work_secret_label:
            raise ValueError(f"invalid work-secret label: {self.work_secret_label!r}")

    @property
    def is_state_secret(self) -> bool:
        return self.level.is_state_secret

    @property
    def period_stated(self) -> bool:
        """False for 机密★ alone (to be flagged) and for work-secret marks, which have none."""
        return self.period.is_stated

    def latest_expiry(self, start: datetime.date) -> datetime.date | None:
        """See periods.expiry: for a period not stated this is the ceiling, an upper bound."""
        return expiry(start, self.period, self.level)

    def problems(self, start: datetime.date | None = None) -> list[str]:
        """Why this mark needs the classification authority's attention; [] when none.

        Without `start`, only what the mark alone shows (period not stated, years above
        the ceiling) is checked; with it, end dates are checked too.
        """
        if not self.is_state_secret:
            return []
        found: list[str] = []
        if not self.period.is_stated:
            found.append("period not stated")
        check_from = start
        if check_from is None and self.period.until is None:
            check_from = datetime.date(2000, 1, 1)  # any date: only the period's length matters
        if check_from is not None:
            try:
                expiry(check_from, self.period, self.level)
            except ValueError as exc:
                found.append(str(exc))
        return found

    def __str__(self) -> str:
        if self.work_secret_label is not None:
            return self.work_secret_label
        return f"{self.level.zh}★{self.period.zh}"


def format_marking(level: Level, period: Period | None = None) -> str:
    """The canonical mark for a level and period, e.g. 机密★5年; work secrets give their label."""
    return str(Marking(level, period if period is not None else Period.not_stated()))


@dataclass(frozen=True)
class MarkMatch:
    """A mark found in running text; `text[start:end] == text` of the match."""

    marking: Marking
    start: int
    end: int
    text: str
    strong: bool  # header position: alone on its line, or within the first HEADER_LINES lines
    line: int = 0  # 1-based line of `start`


# --- the grammar --------------------------------------------------------------------------

_H = r"[ \t\u3000\xa0\r\f\v]"  # horizontal whitespace (\r so that \r\n line ends work)
_S = rf"{_H}*+"  # spaces inside a mark part, never a line break
_GAP = rf"{_H}*+(?:\n{_H}*+)?"  # between parts: spaces and at most one line break
_D = "[0-9０-９]"
_STAR = f"[{re.escape(STAR_CHARS)}]"
_C = f"[^{CONDITION_FORBIDDEN_CHARS}]"  # a character a condition may contain
# What may follow a period read across a line break: anything but more text.
_END_RE = re.compile(f"[{CONDITION_FORBIDDEN_CHARS}]")

_PERIOD = (
    "(?:"
    rf"(?P<y>{_D}{{4}}){_S}年{_S}(?P<m>{_D}{{1,2}}){_S}月{_S}(?P<d>{_D}{{1,2}}){_S}日"
    # `(?!...digit)`: 1年6个月 or 6月30日 are not periods we can read, so read none.
    rf"|(?P<years>{_D}{{1,2}}){_S}年(?!{_S}{_D})"
    rf"|(?P<months>{_D}{{1,2}}){_S}(?:[个個]{_S})?月(?!{_S}{_D})"
    rf"|(?P<long>[长長]期)(?!{_C})"
    # Possessive and bounded: a run longer than the limit fails at once (no backtracking).
    rf"|(?P<cond>{_C}{{1,{CONDITION_MAX_LEN}}}+)(?!{_C})"
    ")"
)

_STATE_RE = re.compile(
    # The level first, as literal characters, lets the regex engine skip ahead with a
    # character-set prefix scan; context checks (工作秘密★, *机密*) are done in Python.
    rf"(?P<level>[绝机秘]{_H}{{0,2}}密)"
    rf"(?P<gap1>{_GAP})"
    # A second star right after means ratings or markdown (机密**), not a mark.
    rf"(?P<star>{_STAR})(?!{_STAR})"
    rf"(?:(?P<gap2>{_GAP}){_PERIOD})?"
)

_WORK_RE = re.compile(
    rf"^{_H}*+(?P<mark>内部事项{_H}*+注意保管|内部|工作秘密){_H}*+$",
    re.MULTILINE,
)

_LEVEL_SPACES = re.compile(_H)
_WORK_SPACES = re.compile(rf"{_H}+")
_ASTERISKS = "*＊﹡∗"
# A condition separated from ★ by a space might just be the title on the same line
# (机密★ 关于……的通知), so in running text it must read like a condition.
_CONDITION_ENDINGS = ("前", "后", "後", "时", "時", "止", "日")


def _period_from(m: re.Match[str]) -> Period | None:
    """The period a match describes, or None when the digits do not make a valid one."""
    try:
        if m["y"] is not None:
            return Period(until=datetime.date(int(m["y"]), int(m["m"]), int(m["d"])))
        if m["years"] is not None:
            return Period(years=int(m["years"]))
        if m["months"] is not None:
            return Period(months=int(m["months"]))
        if m["long"] is not None:
            return Period(long_term=True)
        if m["cond"] is not None:
            return Period(condition=m["cond"])
    except ValueError:
        return None
    return Period.not_stated()


def _level_from(m: re.Match[str]) -> Level:
    return Level.from_zh(_LEVEL_SPACES.sub("", m["level"]))


def _work_marking(raw: str) -> Marking:
    label = _WORK_SPACES.sub(" ", raw) if raw.startswith("内部事项") else raw
    if label == "内部事项注意保管":
        label = "内部事项 注意保管"
    return Marking(WORK_SECRET_LABELS[label], work_secret_label=label)


def parse(text: str) -> Marking | None:
    """The mark that `text` (stripped) is in its entirety, or None if it is not exactly one.

    Accepts every variant find_all accepts, and a condition anywhere after the star.
    A bare level word (机密) is prose, not a mark, and gives None; so do unreadable
    periods (机密★0年, 秘密★18个月, 机密★2030年2月30日).
    """
    text = text.strip()
    m = _STATE_RE.fullmatch(text)
    if m is not None:
        period = _period_from(m)
        if period is None:
            return None
        return Marking(_level_from(m), period)
    w = _WORK_RE.fullmatch(text)
    if w is not None:
        return _work_marking(w["mark"])
    return None


def _line_start(text: str, pos: int) -> bool:
    """Whether only horizontal whitespace stands between the line's start and `pos`."""
    i = pos - 1
    while i >= 0 and text[i] in " \t\u3000\xa0\r\f\v":
        i -= 1
    return i < 0 or text[i] == "\n"


def _line_end(text: str, pos: int) -> bool:
    """Whether only horizontal whitespace stands between `pos` and the line's end."""
    n = len(text)
    while pos < n and text[pos] in " \t\u3000\xa0\r\f\v":
        pos += 1
    return pos >= n or text[pos] == "\n"


def _state_match(text: str, m: re.Match[str]) -> tuple[Marking, int] | None:
    """Judge one regex match in running text: the marking and where it ends, or None."""
    start = m.start()
    level = _level_from(m)
    if start and text[start - 1] in _ASTERISKS:  # *机密* is emphasis, not a mark
        return None
    if level is Level.CONFIDENTIAL and text[max(0, start - 2) : start] == "工作":
        return None  # 工作秘密★… is a mis-marked work secret, not a state secret
    if "\n" in m["gap1"] and not _line_start(text, start):
        # Prose ending in 机密 followed by a "★ …" bullet line: a split mark only counts
        # when the level word begins its line, as in a header.
        return None
    star_end = m.end("star")
    if m["gap2"] is None:
        return Marking(level), star_end
    period = _period_from(m)
    if period is None:
        return Marking(level), star_end
    if "\n" in m["gap2"]:
        # Across a line break only self-delimiting periods count, and only when something
        # other than more text follows: 机密★ then a title line 2024年工作要点 is no period.
        if m["cond"] is not None or (m.end() < len(text) and not _END_RE.match(text, m.end())):
            return Marking(level), star_end
    elif m["cond"] is not None and m["gap2"] and not m["cond"].endswith(_CONDITION_ENDINGS):
        return Marking(level), star_end
    return Marking(level, period), m.end()


def find_all(text: str) -> list[MarkMatch]:
    """Every mark in running text, in order of position.

    State-secret marks need a star after the level word; work-secret marks must be alone
    on their line. Built for the file scanner: a cheap pre-check skips texts that hold no
    star and no work-secret word, and the regexes cannot backtrack catastrophically.
    """
    found: list[tuple[int, int, Marking]] = []
    if any(c in text for c in STAR_CHARS):
        pos = 0
        while (m := _STATE_RE.search(text, pos)) is not None:
            judged = _state_match(text, m)
            if judged is None:
                # Resume after the star: what the regex read as a period may hold a mark.
                pos = m.end("star")
                continue
            found.append((m.start(), judged[1], judged[0]))
            pos = judged[1]
    if "内部" in text or "工作秘密" in text:
        for w in _WORK_RE.finditer(text):
            found.append((w.start("mark"), w.end("mark"), _work_marking(w["mark"])))
    if not found:
        return []
    found.sort(key=lambda t: t[0])

    # Line numbers incrementally, so that many marks in a big text stay O(n).
    result: list[MarkMatch] = []
    line, counted_to = 1, 0
    for start, end, marking in found:
        line += text.count("\n", counted_to, start)
        counted_to = start
        own_line = _line_start(text, start) and _line_end(text, end)
        result.append(
            MarkMatch(
                marking=marking,
                start=start,
                end=end,
                text=text[start:end],
                strong=own_line or line <= HEADER_LINES,
                line=line,
            )
        )
    return result
