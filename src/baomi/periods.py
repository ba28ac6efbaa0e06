"""Secrecy periods (保密期限) and the date arithmetic built on them.

Pure Python, no Django. A period is what follows the ★ in a mark: a number of years or
months, 长期, an end date, a declassification condition (解密条件), or nothing at all
("not stated", which the law does not allow for a new secret but which real documents
carry and which must be recorded and flagged rather than guessed).
"""

from __future__ import annotations

import calendar
import datetime
import enum
import re
from collections.abc import Set
from dataclasses import dataclass

from baomi.levels import Level

__all__ = [
    "CONDITION_FORBIDDEN_CHARS",
    "CONDITION_MAX_LEN",
    "STAR_CHARS",
    "Period",
    "PeriodKind",
    "add_months",
    "ceiling",
    "expiry",
    "working_days_after",
]

#: Longest condition text accepted; conditions are short phrases like 会议开始前.
CONDITION_MAX_LEN = 30

#: Characters accepted as the ★ between level and period: people type the half- or
#: full-width asterisk, the hollow star or a math/small asterisk when ★ is not at hand.
STAR_CHARS = "★☆*＊﹡∗"

# Characters a condition may not contain, so that a condition printed after ★ can always
# be read back unambiguously: digits would be confused with periods, whitespace and
# punctuation with the end of the mark, stars with rating asterisks. 《》 stay allowed:
# 《某协议》签署后 is a plausible condition. Shared with marking.py as a regex class body.
CONDITION_FORBIDDEN_CHARS = (
    r"\s0-9０-９" + re.escape(STAR_CHARS) + r"，。、；：？！,.;:?!“”‘’\"'（）()【】\[\]{}<>〈〉「」『』—…\-/\\|"
    r"·～~#%&+=@^`$．／＂＇［］｛｝＜＞｜"
)
_CONDITION_FORBIDDEN = re.compile(f"[{CONDITION_FORBIDDEN_CHARS}]")


class PeriodKind(enum.Enum):
    """Which of the mutually exclusive forms a Period takes."""

    YEARS = "years"
    MONTHS = "months"
    LONG_TERM = "long_term"
    UNTIL = "until"
    CONDITION = "condition"
    NOT_STATED = "not_stated"


@dataclass(frozen=True)
class Period:
    """保密期限: exactly one of years, months, 长期, an end date or a condition, or none.

    Periods of a year or more are expressed in years (DESIGN "Marking"), so a number of
    months that is a whole number of years is normalised to years (24 months → 2 years);
    any other count of 12 months or more is rejected as not a valid way to write a period.
    """

    years: int | None = None
    months: int | None = None
    long_term: bool = False
    until: datetime.date | None = None
    condition: str | None = None

    def __post_init__(self) -> None:
        given = [
            self.years is not None,
            self.months is not None,
            self.long_term,
            self.until is not None,
            self.condition is not None,
        ]
        if sum(given) > 1:
            raise ValueError("a period is exactly one of years, months, long term, end date or condition")
        if self.years is not None:
            _check_int(self.years, "years")
            if self.years <= 0:
                raise ValueError(f"years must be positive, got {self.years}")
        if self.months is not None:
            _check_int(self.months, "months")
            if self.months <= 0:
                raise ValueError(f"months must be positive, got {self.months}")
            if self.months % 12 == 0:
                # Frozen dataclass: normalise through object.__setattr__ so that
                # Period(months=24) == Period(years=2).
                object.__setattr__(self, "years", self.months // 12)
                object.__setattr__(self, "months", None)
            elif self.months > 11:
                raise ValueError(f"periods of a year or more are given in years, not {self.months} months")
        if self.until is not None and (
            not isinstance(self.until, datetime.date) or isinstance(self.until, datetime.datetime)
        ):
            raise TypeError("until must be a datetime.date")
        if self.condition is not None:
            _check_condition(self.condition)

    @classmethod
    def not_stated(cls) -> Period:
        """A mark with a level alone: recorded as such, never silently given the ceiling."""
        return cls()

    @property
    def kind(self) -> PeriodKind:
        if self.years is not None:
            return PeriodKind.YEARS
        if self.months is not None:
            return PeriodKind.MONTHS
        if self.long_term:
            return PeriodKind.LONG_TERM
        if self.until is not None:
            return PeriodKind.UNTIL
        if self.condition is not None:
            return PeriodKind.CONDITION
        return PeriodKind.NOT_STATED

    @property
    def is_stated(self) -> bool:
        return self.kind is not PeriodKind.NOT_STATED

    @property
    def zh(self) -> str:
        """The period as printed after ★: 5年, 6个月, 长期, 2030年6月30日, the condition, or ""."""
        if self.years is not None:
            return f"{self.years}年"
        if self.months is not None:
            return f"{self.months}个月"
        if self.long_term:
            return "长期"
        if self.until is not None:
            return f"{self.until.year}年{self.until.month}月{self.until.day}日"
        if self.condition is not None:
            return self.condition
        return ""

    def __str__(self) -> str:
        return self.zh


def _check_int(value: object, name: str) -> None:
    # bool is an int subclass; Period(years=True) is a bug, not one year.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {value!r}")


def _check_condition(condition: str) -> None:
    if not condition:
        raise ValueError("condition must not be empty")
    if len(condition) > CONDITION_MAX_LEN:
        raise ValueError(f"condition longer than {CONDITION_MAX_LEN} characters: {condition!r}")
    if condition in ("长期", "長期"):
        raise ValueError("use long_term=True for 长期, not a condition")
    bad = _CONDITION_FORBIDDEN.search(condition)
    if bad:
        raise ValueError(
            f"condition may not contain digits, whitespace, punctuation or stars: {bad.group()!r} in {condition!r}"
        )


def ceiling(level: Level) -> int | None:
    """Statutory longest period in years (绝密 30, 机密 20, 秘密 10); None below 秘密."""
    return level.ceiling_years


def add_months(d: datetime.date, n: int) -> datetime.date:
    """d plus n calendar months, clamped to the month's end (Jan 31 + 1 month = Feb 28/29)."""
    index = d.year * 12 + (d.month - 1) + n
    year, month0 = divmod(index, 12)
    if not datetime.MINYEAR <= year <= datetime.MAXYEAR:
        raise OverflowError(f"date out of range: {d} + {n} months")
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return datetime.date(year, month0 + 1, min(d.day, last_day))


def expiry(start: datetime.date, period: Period, level: Level) -> datetime.date | None:
    """The date a secret's period ends, counted from `start` (the date it was classified).

    - years/months: added to start (month-end clamped);
    - end date: that date;
    - 长期 or a condition: None, because no date can be computed;
    - not stated: start + the level's ceiling. This is only the *latest possible* expiry,
      used to bound reviews; it is not the period, which stays "not stated" and flagged.
      For levels without a ceiling (work secrets) it is None.

    Raises ValueError when the period exceeds the level's ceiling (秘密★15年), ends before
    `start`, or is 长期 for a level that is not a state secret (长期 is a state-secret term).
    """
    years = ceiling(level)
    limit = add_months(start, 12 * years) if years is not None else None
    if period.years is not None:
        if years is not None and period.years > years:
            raise ValueError(f"{period.zh} exceeds the {years}-year ceiling for {level.zh}")
        return add_months(start, 12 * period.years)
    if period.months is not None:
        return add_months(start, period.months)
    if period.until is not None:
        if period.until < start:
            raise ValueError(f"end date {period.until} is before start {start}")
        if limit is not None and period.until > limit:
            raise ValueError(
                f"end date {period.until} exceeds the {years}-year ceiling for {level.zh} (latest {limit})"
            )
        return period.until
    if period.long_term:
        if years is None:
            raise ValueError(f"长期 applies to state secrets only, not {level.zh}")
        return None
    if period.condition is not None:
        return None
    return limit


def working_days_after(
    start: datetime.date,
    n: int,
    holidays: Set[datetime.date] = frozenset(),
    workdays: Set[datetime.date] = frozenset(),
) -> datetime.date:
    """The n-th working day after `start` (start itself not counted); n=0 gives start.

    For deadlines such as "report within 10 working days". Saturdays, Sundays and
    `holidays` are skipped; `workdays` are weekend days worked instead (调休) and count.
    """
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    day = start
    remaining = n
    one = datetime.timedelta(days=1)
    while remaining:
        day += one
        if day in workdays or (day.weekday() < 5 and day not in holidays):
            remaining -= 1
    return day
