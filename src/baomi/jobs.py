"""Periodic jobs, idempotent: run by `baomi tick` (cron) and by the scheduler in `baomi serve`."""

from __future__ import annotations

import datetime

from django.conf import settings

from baomi.audit.models import ChainHead
from baomi.audit.services import checkpoint_now, now_us


def tick(*, today: datetime.date | None = None) -> list[str]:
    """`today` (default: today in the installation's time zone) lets tests run a given day."""
    done: list[str] = []
    head = ChainHead.objects.filter(pk=1).first()
    minutes = settings.BAOMI_AUDIT_CHECKPOINT_MINUTES
    if head and head.seq and minutes and now_us() - head.last_checkpoint_ts_us >= minutes * 60_000_000:
        checkpoint = checkpoint_now()
        if checkpoint:
            done.append(f"audit checkpoint at {checkpoint.tree_size}")
    from baomi.carriers.jobs import remind as carrier_reminders

    done += carrier_reminders()
    from baomi.classification.services import daily as classification_daily

    done += classification_daily(on=today)
    return done
