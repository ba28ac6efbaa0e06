"""Run one function in many threads released together, each with its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def run_in_threads(target: Callable[[int], Any], count: int, *, join_s: float = 180) -> list[BaseException]:
    """target(0..count-1) in threads started at once; the errors they raised (none: [])."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(n: int) -> None:
        try:
            start.wait(timeout=300)
            target(n)
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=join_s)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return errors
