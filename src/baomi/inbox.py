"""我的待办: one personal inbox that every module feeds.

A module registers a provider in its AppConfig.ready():

    from baomi import inbox
    inbox.register("carriers.returns", copies_to_return)

A provider takes a person and returns the items waiting for them, already filtered by
what they may see (it reads through the module's selectors). Items carry no secret
content beyond what the person may see anyway: their titles are the module's own.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone

if TYPE_CHECKING:
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

_PROVIDERS: dict[str, Provider] = {}


def register(code: str, provider: Provider) -> None:
    _PROVIDERS[code] = provider


def items_for(person: User) -> list[Item]:
    """Everything waiting for the person, decisions first, then by due date."""
    if not person.is_active or person.admin_role:
        return []
    items = [item for _code, provider in sorted(_PROVIDERS.items()) for item in provider(person)]
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)

    def key(item: Item) -> tuple[bool, datetime.datetime]:
        due = item.due
        if isinstance(due, datetime.date) and not isinstance(due, datetime.datetime):
            due = datetime.datetime.combine(due, datetime.time.max, tzinfo=datetime.UTC)
        return (not item.is_decision, due or far)

    return sorted(items, key=key)


def count_for(person: User) -> int:
    return len(items_for(person))
