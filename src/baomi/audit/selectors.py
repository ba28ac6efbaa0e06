"""Reads of the audit log, always filtered by what the reader's administrator role allows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from baomi import policy
from baomi.audit.models import AuditEvent

if TYPE_CHECKING:
    from baomi.accounts.models import User


@dataclass
class EventFilter:
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    outcome: str = ""
    since: datetime | None = None
    until: datetime | None = None


def _us(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def events_visible_to(reader: User, filters: EventFilter | None = None) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.filter(policy.audit_events_visible_to(reader))
    f = filters or EventFilter()
    if f.actor:
        qs = qs.filter(actor_username=f.actor)
    if f.action:
        qs = qs.filter(action__startswith=f.action)
    if f.object_type:
        qs = qs.filter(object_type=f.object_type)
    if f.object_id:
        qs = qs.filter(object_id=f.object_id)
    if f.outcome:
        qs = qs.filter(outcome=f.outcome)
    if f.since:
        qs = qs.filter(ts_us__gte=_us(f.since))
    if f.until:
        qs = qs.filter(ts_us__lt=_us(f.until))
    return qs.order_by("-seq")
