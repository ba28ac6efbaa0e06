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
    from baomi.carriers.jobs import yearly as carrier_yearly

    done += carrier_yearly(today=today)  # the December clean-up reminder (CARRIER-18)
    from baomi.classification.services import daily as classification_daily

    done += classification_daily(on=today)
    from baomi.archives.services import loans_remind as archive_loans_remind

    done += archive_loans_remind(today=today)  # overdue archive loans (ARCH-07)
    from baomi.approvals.services import daily as approvals_daily

    done += approvals_daily()  # expiry and reminders, by the clock
    from baomi.travel.services import reminders_send as travel_reminders

    done += travel_reminders(on=today)
    from baomi.meetings.services import reminders_send as meeting_reminders

    done += meeting_reminders(today=today)  # before a meeting; copies out after it; minutes (MEET-07/09)
    from baomi.personnel.services import notices_issue as personnel_reminders

    done += personnel_reminders(today=today)  # re-vetting, 脱密期 ending, annual reports
    from baomi.training.services import daily as training_daily

    done += training_daily(on=today)  # exams past their time limit; hours behind, 集中保密教育 (PERS-07/08)
    from baomi.stocktake.services import reminders_issue as stocktake_reminders

    done += stocktake_reminders(today=today)  # no stocktake closed this half-year (载体盘点)
    from baomi.incidents.services import reminders_send as incident_reminders

    done += incident_reminders(today=today)  # reports to the superior secrecy department overdue (INC-01)
    from baomi.inspections.services import reminders_issue as inspection_reminders

    done += inspection_reminders(today=today)  # holiday inspections, 保密委员会, risk assessment, overdue 整改
    return done
