"""Per-person figures computed once per state of the data, not once per page.

Every state change writes an audit event, so the audit chain head (one primary-key read) tells
whether anything changed since a figure was computed; what changes by the clock alone (a
deadline passing) is caught by a short lifetime. The cache is the process's own (LocMemCache
by default): nothing leaves the process, and nothing but counts and card labels is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.utils import translation

from baomi.accounts.models import User

T = TypeVar("T")
TTL_S = 60


def chain_state() -> str:
    from baomi.audit.models import ChainHead

    head = ChainHead.objects.filter(pk=1).values_list("seq", "hash").first() or (0, "")
    return f"{head[0]}:{head[1][:16]}"


def per_state(name: str, person: User, compute: Callable[[], T], ttl: int = TTL_S) -> T:
    key = f"baomi.{name}:{person.pk}:{translation.get_language()}:{chain_state()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, ttl)
    return value  # type: ignore[no-any-return]
