"""Pages without a total: fetch one row more than the page to know whether a next page
exists. Counting every row a reader may see costs a pass over all of them, which a large
register cannot afford on every list view; the total is fetched separately when wanted."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class SlicePage(Generic[T]):
    def __init__(self, rows: Sequence[T], number: int, size: int) -> None:
        self.object_list = list(rows[:size])
        self.number = number
        self.has_next = len(rows) > size
        self.has_previous = number > 1
        self.has_other_pages = self.has_next or self.has_previous
        self.next_page_number = number + 1
        self.previous_page_number = number - 1

    def __iter__(self) -> Iterator[T]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and 0 < int(raw) < 100_000 else 1


def slice_page(qs: Any, raw_number: str | None, size: int,
               prepare: Callable[[Any], Sequence[T]] = list) -> SlicePage[T]:
    """The page `raw_number` (bad input means page 1) of `qs`; `prepare` turns the fetched
    slice into rows (e.g. adds per-row counts in one query)."""
    number = page_number(raw_number)
    start = (number - 1) * size
    return SlicePage(prepare(qs[start : start + size + 1]), number, size)


MAX_API_LIMIT = 500
MAX_API_OFFSET = 10**9


def api_window(limit: int, offset: int) -> tuple[int, int]:
    """An API list's `limit` and `offset` brought within bounds (0–500 rows, offsets the database
    can take): a negative or absurd value gives a sensible (perhaps empty) page, never an overflow."""
    return max(0, min(limit, MAX_API_LIMIT)), max(0, min(offset, MAX_API_OFFSET))
