"""The carriers' periodic work, run by `baomi.jobs.tick()`."""

from __future__ import annotations

import datetime


def remind() -> list[str]:
    """Overdue copies and coming 清退 deadlines: one reminder each, idempotent."""
    from baomi.carriers.services import notices_issue, waste_remind

    return notices_issue() + waste_remind()


def yearly(*, today: datetime.date | None = None) -> list[str]:
    """The annual clean-up reminder (CARRIER-18), once in December."""
    from baomi.carriers.services import cleanup_remind

    return cleanup_remind(today=today)
