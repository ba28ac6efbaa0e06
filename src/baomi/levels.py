"""Classification levels and clearance categories: the domain's ordered vocabulary.

Pure Python, no Django. Levels are totally ordered; a clearance category caps the
highest level its holder may know.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TypeVar

E = TypeVar("E", bound=enum.IntEnum)


def _parse(cls: type[E], value: str | int | E, by_zh: Mapping[str, E], what: str) -> E:
    if isinstance(value, cls):
        return value
    if isinstance(value, int):
        return cls(value)
    text = str(value).strip()
    if text.upper() in cls.__members__:
        return cls[text.upper()]
    if text.isdigit():
        return cls(int(text))
    try:
        return by_zh[text]
    except KeyError:
        raise ValueError(f"unknown {what}: {text!r}") from None


class Level(enum.IntEnum):
    """密级, ordered so that comparison operators mean "more secret than"."""

    PUBLIC = 0  # 公开
    INTERNAL = 1  # 内部
    WORK_SECRET = 2  # 工作秘密
    CONFIDENTIAL = 3  # 秘密
    SECRET = 4  # 机密
    TOP_SECRET = 5  # 绝密

    @property
    def zh(self) -> str:
        return _ZH[self]

    @property
    def en(self) -> str:
        return _EN[self]

    @property
    def is_state_secret(self) -> bool:
        """秘密, 机密 and 绝密 are state secrets (国家秘密); they carry ★ marks."""
        return self >= Level.CONFIDENTIAL

    @property
    def ceiling_years(self) -> int | None:
        """Statutory longest period (保密法 第十六条): 30/20/10 years; None below 秘密."""
        return _CEILING_YEARS.get(self)

    @classmethod
    def from_zh(cls, text: str) -> Level:
        try:
            return _BY_ZH[text.strip()]
        except KeyError:
            raise ValueError(f"unknown level: {text!r}") from None

    @classmethod
    def parse(cls, value: str | int | Level) -> Level:
        """Accept a Level, its int value, its English name (any case) or its Chinese name."""
        return _parse(cls, value, _BY_ZH, "level")

    def __str__(self) -> str:
        return self.zh


_ZH = {
    Level.PUBLIC: "公开",
    Level.INTERNAL: "内部",
    Level.WORK_SECRET: "工作秘密",
    Level.CONFIDENTIAL: "秘密",
    Level.SECRET: "机密",
    Level.TOP_SECRET: "绝密",
}
_EN = {
    Level.PUBLIC: "Public",
    Level.INTERNAL: "Internal",
    Level.WORK_SECRET: "Work secret",
    Level.CONFIDENTIAL: "Confidential",
    Level.SECRET: "Secret",
    Level.TOP_SECRET: "Top secret",
}
_BY_ZH = {v: k for k, v in _ZH.items()}
_CEILING_YEARS = {Level.TOP_SECRET: 30, Level.SECRET: 20, Level.CONFIDENTIAL: 10}

STATE_SECRET_LEVELS = (Level.CONFIDENTIAL, Level.SECRET, Level.TOP_SECRET)


class Clearance(enum.IntEnum):
    """涉密人员类别. The value orders categories; `max_level` is what each may know."""

    NONE = 0  # 非涉密
    GENERAL = 1  # 一般
    IMPORTANT = 2  # 重要
    CORE = 3  # 核心

    @property
    def zh(self) -> str:
        return _CLEARANCE_ZH[self]

    @property
    def en(self) -> str:
        return _CLEARANCE_EN[self]

    @property
    def max_level(self) -> Level:
        return _CLEARANCE_MAX[self]

    def may_know(self, level: Level) -> bool:
        return level <= self.max_level

    @classmethod
    def parse(cls, value: str | int | Clearance) -> Clearance:
        """Accept a Clearance, its int value, its English name (any case) or its Chinese name."""
        return _parse(cls, value, {zh: member for member, zh in _CLEARANCE_ZH.items()}, "clearance")

    def __str__(self) -> str:
        return self.zh


_CLEARANCE_ZH = {
    Clearance.NONE: "非涉密",
    Clearance.GENERAL: "一般",
    Clearance.IMPORTANT: "重要",
    Clearance.CORE: "核心",
}
_CLEARANCE_EN = {
    Clearance.NONE: "Not cleared",
    Clearance.GENERAL: "General",
    Clearance.IMPORTANT: "Important",
    Clearance.CORE: "Core",
}
_CLEARANCE_MAX = {
    Clearance.NONE: Level.WORK_SECRET,
    Clearance.GENERAL: Level.CONFIDENTIAL,
    Clearance.IMPORTANT: Level.SECRET,
    Clearance.CORE: Level.TOP_SECRET,
}
