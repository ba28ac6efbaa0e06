"""我的待办: one personal inbox that every module feeds.

A module registers a provider in its AppConfig.ready():

    from baomi import inbox
    inbox.register("carriers.returns", copies_to_return)

A provider takes a person and returns the items waiting for them, already filtered by
what they may see (it reads through the module's selectors). Items carry no secret
content beyond what the person may see anyway: their titles are the module's own.

Every page shows the count, and most people have nothing from most providers, so a provider
may come with a gate: from the person's roles (read once per request) it answers True (run
the provider) or False (nothing for them), or it names the rows without which the provider
has nothing (querysets; it runs if one of them has a row). The gates of all providers are
asked in one query, and only the open ones run:

    inbox.register("incidents", selectors.inbox_items, gate=selectors.inbox_gate)

A gate may let a provider run that then finds nothing, never the reverse: with the setting
BAOMI_INBOX_CHECK_GATES (the test suite's) every closed provider runs anyway and must be empty.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from baomi.accounts.models import User


@dataclass(frozen=True)
class Item:
    kind: str  # short Chinese label of the item's kind: 审批, 归还, 确认, 培训…
    title: str
    url: str
    due: datetime.datetime | datetime.date | None = None
    # Approvals the person decides; other items are reminders of what they owe.
    is_decision: bool = False

    @property
    def overdue(self) -> bool:
        if self.due is None:
            return False
        if isinstance(self.due, datetime.datetime):
            return self.due < timezone.now()
        return self.due < timezone.localdate()


Provider = Callable[["User"], Iterable[Item]]
# True: run the provider; False: it has nothing for the person; querysets: it has nothing
# unless one of them has a row.
Gate = Callable[["User"], "bool | Sequence[QuerySet[Any]]"]

_PROVIDERS: dict[str, Provider] = {}
_GATES: dict[str, Gate] = {}


def register(code: str, provider: Provider, *, gate: Gate | None = None) -> None:
    _PROVIDERS[code] = provider
    if gate is None:
        _GATES.pop(code, None)
    else:
        _GATES[code] = gate


def _closed(person: User) -> set[str]:
    """The providers whose gates say they have nothing for the person (one query for all)."""
    verdicts: dict[Gate, bool | list[str]] = {}  # a gate that several providers share is asked once
    conditions: dict[str, QuerySet[Any]] = {}
    for code, gate in _GATES.items():
        if code in _PROVIDERS and gate not in verdicts:
            answer = gate(person)
            if isinstance(answer, bool):
                verdicts[gate] = answer
            else:
                names = [f"gate{len(conditions) + i}" for i in range(len(answer))]
                conditions.update(zip(names, answer, strict=True))
                verdicts[gate] = names  # no condition at all: nothing to find
    found = _exist(conditions)

    def is_open(verdict: bool | list[str]) -> bool:
        return verdict if isinstance(verdict, bool) else any(found[name] for name in verdict)

    return {code for code, gate in _GATES.items() if code in _PROVIDERS and not is_open(verdicts[gate])}


def _exist(conditions: dict[str, QuerySet[Any]]) -> dict[str, bool]:
    """Whether each queryset has a row, in one query: each compiled as QuerySet.exists() compiles
    it (SELECT 1 … LIMIT 1), all in one SELECT (annotating them onto a row costs more to build
    than to run)."""
    from django.core.exceptions import EmptyResultSet
    from django.db import connection

    found: dict[str, bool] = {}
    asked: list[str] = []
    parts, params = [], []
    for name, qs in conditions.items():
        try:
            sql, more = qs.query.exists().get_compiler(connection=connection).as_sql()
        except EmptyResultSet:  # a condition that can match nothing (an empty IN list)
            found[name] = False
            continue
        asked.append(name)
        parts.append(f"EXISTS({sql})")
        params.extend(more)
    if parts:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(parts)}", params)
            found.update(zip(asked, (bool(value) for value in cursor.fetchone()), strict=True))
    return found


def items_for(person: User) -> list[Item]:
    """Everything waiting for the person, decisions first, then by due date."""
    if not person.is_active or person.admin_role:
        return []
    closed = _closed(person)
    if closed and getattr(settings, "BAOMI_INBOX_CHECK_GATES", False):
        for code in sorted(closed):
            found = list(_PROVIDERS[code](person))
            if found:
                raise AssertionError(f"the inbox gate of {code} is closed for person {person.pk}: {found}")
    return in_order(item for code, provider in sorted(_PROVIDERS.items()) if code not in closed
                    for item in provider(person))


def in_order(items: Iterable[Item]) -> list[Item]:
    """Decisions first, then by due date (a date counts as its end), undated last."""
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)

    def key(item: Item) -> tuple[bool, datetime.datetime]:
        due = item.due
        if isinstance(due, datetime.date) and not isinstance(due, datetime.datetime):
            due = datetime.datetime.combine(due, datetime.time.max, tzinfo=datetime.UTC)
        return (not item.is_decision, due or far)

    return sorted(items, key=key)


def count_for(person: User) -> int:
    return len(items_for(person))
