"""Per-person figures and pages computed once per state of the data, not once per request.

Every state change writes an audit event, so the audit chain head (one primary-key read) tells
whether anything changed since a figure was computed; what changes by the clock alone (a
deadline passing) is caught by a short lifetime (BAOMI_STATE_CACHE_SECONDS, 60 by default; 0
turns the cache off). The cache is the process's own (`_local`, never Django's configurable
cache): what it keeps (counts, card labels, the carrier list a person may see) never leaves
the process that computed it for that person.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.utils import translation

from baomi.accounts.models import User

T = TypeVar("T")
# At most ~1,000 entries: a carrier list page is ~20 KB, so some 20 MB per worker at worst.
_local = LocMemCache("baomi-statecache", {"OPTIONS": {"MAX_ENTRIES": 1000}})


def chain_state() -> str:
    from baomi.audit.models import ChainHead

    head = ChainHead.objects.filter(pk=1).values_list("seq", "hash").first() or (0, "")
    return f"{head[0]}:{head[1][:16]}"


def per_state(name: str, person: User, compute: Callable[[], T]) -> T:
    ttl = settings.BAOMI_STATE_CACHE_SECONDS
    if ttl <= 0:
        return compute()
    key = f"baomi.{name}:{person.pk}:{translation.get_language()}:{chain_state()}"
    value = _local.get(key)
    if value is None:
        value = compute()
        _local.set(key, value, ttl)
    return value  # type: ignore[no-any-return]


def clear() -> None:
    """Forget everything (tests)."""
    _local.clear()
