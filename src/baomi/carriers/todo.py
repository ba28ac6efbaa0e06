"""The carriers' items in 我的待办 (`baomi.inbox`): copies to return, copies to sign for,
waste pages awaiting destruction and, in December, the annual clean-up (keepers).
Registered in `CarriersConfig.ready()`; items name register numbers and 份号, never titles."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import policy
from baomi.inbox import Item

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from baomi.accounts.models import User
    from baomi.carriers.models import Copy


def copies_to_return(person: User) -> Iterable[Item]:
    """Copies circulated, lent or taken out to the person, with their due time (CARRIER-06, -17)."""
    from baomi.carriers.models import OUT_STATUSES, Copy

    for copy in (Copy.objects.filter(custodian=person, status__in=OUT_STATUSES).select_related("carrier")
                 .order_by("due_at", "pk")[:100]):
        yield Item(kind=_("归还"), title=_("退回 %(copy)s（%(status)s）") % {
            "copy": copy.label, "status": copy.get_status_display()},
            url=reverse("carriers:copy", args=[copy.pk]), due=copy.due_at)


def copies_to_acknowledge(person: User) -> Iterable[Item]:
    """Copies handed to the person that they have not signed for yet."""
    from baomi.carriers import selectors

    for copy in selectors.copies_to_acknowledge(person)[:100]:
        yield Item(kind=_("签收"), title=_("签收 %(copy)s") % {"copy": copy.label},
                   url=reverse("carriers:copy", args=[copy.pk]), due=copy.due_at)


def waste_to_destroy(person: User) -> Iterable[Item]:
    """待销毁废页, for the keepers (CARRIER-24), due N days after they were recorded."""
    from baomi.carriers import selectors, services

    days = datetime.timedelta(days=services.waste_days())
    for batch in selectors.waste_pending(person)[:100]:
        yield Item(kind=_("销毁废页"), title=_("印制单 %(no)s 废页 %(n)s 张待销毁") % {
            "no": batch.print_job.number, "n": batch.pages},
            url=reverse("carriers:printing"), due=batch.recorded_at + days)


def annual_cleanup(person: User) -> Iterable[Item]:
    """In December, the keepers' annual clean-up (CARRIER-18)."""
    from baomi.carriers.services import CLEANUP_MONTH

    today = timezone.localdate()
    if today.month == CLEANUP_MONTH and policy.is_carrier_keeper(person):
        yield Item(kind=_("年度清理"), title=_("%(year)s 年度文件清理") % {"year": today.year},
                   url=reverse("carriers:cleanup"), due=datetime.date(today.year, 12, 31))


def copies_out_gate(person: User) -> list[QuerySet[Copy]]:
    """Both copies_to_return and copies_to_acknowledge list copies out to the person."""
    from baomi.carriers.models import OUT_STATUSES, Copy

    return [Copy.objects.filter(custodian=person, status__in=OUT_STATUSES)]


def register() -> None:
    from baomi import inbox

    inbox.register("carriers.returns", copies_to_return, gate=copies_out_gate)
    inbox.register("carriers.acknowledge", copies_to_acknowledge, gate=copies_out_gate)
    inbox.register("carriers.waste", waste_to_destroy)
    inbox.register("carriers.cleanup", annual_cleanup)
