"""Reads for the 保密检查 pages, API and inbox, filtered in SQL by policy."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import inbox, policy
from baomi.accounts.models import User
from baomi.inspections.models import (
    CommitteeMeeting,
    Inspection,
    InspectionStatus,
    KeySite,
    Rectification,
    RectStatus,
    Reminder,
    Risk,
    RiskAssessment,
)


def inspections_visible_to(reader: User) -> QuerySet[Inspection]:
    return Inspection.objects.filter(policy.inspections_visible_to(reader)).select_related("unit", "inspector")


def rectifications_visible_to(reader: User) -> QuerySet[Rectification]:
    return (Rectification.objects.filter(policy.rectifications_visible_to(reader))
            .select_related("unit", "owner", "verifier", "finding__inspection"))


def sites_visible_to(reader: User) -> QuerySet[KeySite]:
    if not reader.is_active or reader.admin_role:
        return KeySite.objects.none()
    if policy.is_inspection_office(reader):
        return KeySite.objects.all()
    return KeySite.objects.filter(Q(responsible=reader) | Q(allowed=reader) | Q(leader=reader)).distinct()


def meetings_visible_to(reader: User) -> QuerySet[CommitteeMeeting]:
    if not policy.is_inspection_office(reader):
        return CommitteeMeeting.objects.none()
    return CommitteeMeeting.objects.all()


def risks_visible_to(reader: User) -> QuerySet[Risk]:
    if not reader.is_active or reader.admin_role:
        return Risk.objects.none()
    if policy.is_inspection_office(reader):
        return Risk.objects.select_related("owner")
    return Risk.objects.filter(owner=reader).select_related("owner")


def assessments_visible_to(reader: User) -> QuerySet[RiskAssessment]:
    if not policy.is_inspection_office(reader):
        return RiskAssessment.objects.none()
    return RiskAssessment.objects.all()


def reminders_open(reader: User) -> QuerySet[Reminder]:
    if not policy.is_inspection_office(reader):
        return Reminder.objects.none()
    return Reminder.objects.filter(done=False).order_by("due_on", "id")


def inbox_items(person: User) -> Iterable[inbox.Item]:
    """Owners: their open rectifications; verifiers: reported ones; inspectors: their planned
    inspections; the secrecy office: open reminders."""
    url = reverse("inspections:index")
    items: list[inbox.Item] = []
    fields = ("pk", "title", "due_on")
    for pk, title, due in (Rectification.objects.filter(owner=person, status=RectStatus.OPEN)
                           .order_by("due_on").values_list(*fields)[:50]):
        items.append(inbox.Item(kind=_("整改"), title=title, url=reverse("inspections:rect", args=[pk]), due=due))
    waiting = rectifications_visible_to(person).filter(status=RectStatus.REPORTED).exclude(owner=person)
    for pk, title, due in waiting.order_by("due_on").values_list(*fields)[:50]:
        items.append(inbox.Item(kind=_("复查"), title=title, url=reverse("inspections:rect", args=[pk]),
                                due=due, is_decision=True))
    for pk, title, due in (Inspection.objects.filter(inspector=person).exclude(status=InspectionStatus.DONE)
                           .order_by("-planned_on", "-id").values_list("pk", "title", "planned_on")[:20]):
        items.append(inbox.Item(kind=_("检查"), title=title, url=reverse("inspections:detail", args=[pk]), due=due))
    for reminder in reminders_open(person)[:50]:
        items.append(inbox.Item(kind=_("提醒"), title=reminder.message, url=url, due=reminder.due_on))
    return items


def inbox_gate(person: User) -> bool | list[QuerySet[Any]]:
    """inbox_items: the secrecy office from its role; anyone else needs a rectification they
    own or an inspection they carry out (the reported rectifications are of those)."""
    if policy.is_inspection_office(person):
        return True
    return [Rectification.objects.filter(owner=person, status=RectStatus.OPEN),
            Inspection.objects.filter(inspector=person)]


def overdue_count(reader: User) -> int:
    return rectifications_visible_to(reader).filter(status=RectStatus.OPEN, due_on__lt=timezone.localdate()).count()
