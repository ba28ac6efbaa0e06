"""Live figures: one small registry every module feeds.

    from baomi.compliance import figures
    figures.register("INSP-05", overdue_rectifications, overdue=True)

A figure function takes the viewer and returns a `Figure` computed now through the module's
own selectors (so it counts only what the viewer may see), or None when the figure does not
apply to this viewer (an administrator, a clearance below what the figure counts). The code is
a rule id (CARRIER-06) when the figure shows how that rule is kept; `overdue=True` also puts it
in the secrecy office's "逾期事项" list on the home page. Modules register in their
AppConfig.ready(); a module that is not installed simply adds nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from baomi.accounts.models import User

Status = Literal["ok", "warn", "bad"]
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Figure:
    value: int
    text: str  # one Chinese sentence, counts only, never a title
    status: Status = "ok"
    url: str = ""  # the page where the items are listed (shows only what the viewer may see)


FigureFn = Callable[["User"], "Figure | None"]


@dataclass(frozen=True)
class Provider:
    code: str
    fn: FigureFn
    label: str
    overdue: bool


_PROVIDERS: dict[str, Provider] = {}


def register(code: str, fn: FigureFn, *, label: str = "", overdue: bool = False) -> None:
    """Register (or replace) the figure for `code` (a rule id, or a module's own code)."""
    _PROVIDERS[code] = Provider(code, fn, label or code, overdue)


def registered() -> dict[str, Provider]:
    return dict(_PROVIDERS)


def compute(code: str, viewer: User) -> Figure | None:
    """The figure for `code` now, or None (none registered, not for this viewer). A figure
    that fails is logged and shown as missing: one module's bug never takes the page down."""
    provider = _PROVIDERS.get(code)
    if provider is None:
        return None
    try:
        return provider.fn(viewer)
    except Exception:  # one module's failing figure must not take the page down; logged
        logger.exception("compliance figure %s failed", code)
        return None


def overdue_for(viewer: User) -> list[tuple[Provider, Figure]]:
    """The registered overdue figures for the viewer, in code order, those that apply."""
    result = []
    for code, provider in sorted(_PROVIDERS.items()):
        if provider.overdue:
            figure = compute(code, viewer)
            if figure is not None:
                result.append((provider, figure))
    return result
