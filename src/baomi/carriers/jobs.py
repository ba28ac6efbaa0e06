"""The carriers' periodic work, run by `baomi.jobs.tick()`."""

from __future__ import annotations


def remind() -> list[str]:
    """Overdue copies and coming 清退 deadlines: one reminder each, idempotent."""
    from baomi.carriers.services import notices_issue

    return notices_issue()
