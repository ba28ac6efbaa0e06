"""Per-person figures and pages computed once per state of the data, not once per request.

Every state change writes an audit event, so the audit chain head (one primary-key read) tells
whether anything changed since a figure was computed; what changes by the clock alone (a
deadline passing) is caught by a short lifetime (BAOMI_STATE_CACHE_SECONDS, 60 by default; 0
turns the cache off). The cache is the process's own (`_local`, never Django's configurable
cache): what it keeps (counts, card labels, the carrier list a person may see) never leaves
the process that computed it for that person.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.utils import translation

if TYPE_CHECKING:
    from baomi.accounts.models import User

T = TypeVar("T")
# At most ~1,000 entries: a carrier list page is ~20 KB, so some 20 MB per worker at worst.
_local = LocMemCache("baomi-statecache", {"OPTIONS": {"MAX_ENTRIES": 1000}})


# Within one request the head is read once (pages ask for the menu and their own figures):
# `request_scope` opens the memo, `forget` (called by audit.services.record when this request
# moves the chain) empties it. Outside a request (jobs, shells) every read goes to the database.
_memo: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("baomi_chain_state", default=None)


@contextlib.contextmanager
def request_scope() -> Iterator[None]:
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def forget() -> None:
    memo = _memo.get()
    if memo:
        memo.clear()


def chain_state() -> str:
    memo = _memo.get()
    if memo is not None and "head" in memo:
        return memo["head"]
    from baomi.audit.models import ChainHead

    # Plain SQL: this runs on every page, and the ORM's building costs more than the read.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT seq, hash FROM {connection.ops.quote_name(ChainHead._meta.db_table)} WHERE id = 1")
        row = cursor.fetchone()
    state = f"{row[0]}:{row[1][:16]}" if row else "0:"
    if memo is not None:
        memo["head"] = state
    return state


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
