"""What each person may see of incidents, filtered in SQL by `policy.incidents_visible_to`;
hidden things are "not found". Titles above the reader's clearance are never shown."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import inbox, policy
from baomi.accounts.models import User
from baomi.errors import NotFound
from baomi.incidents.models import (
    OPEN_STATUSES,
    Commendation,
    CommendationStatus,
    Incident,
    IncidentKind,
    IncidentStatus,
    Penalty,
    Reminder,
)
from baomi.levels import Level


def incidents_visible_to(reader: User) -> QuerySet[Incident]:
    return (Incident.objects.filter(policy.incidents_visible_to(reader)).distinct()
            .select_related("reporter", "unit"))


def incident_for(reader: User, pk: int) -> Incident:
    incident = incidents_visible_to(reader).filter(pk=pk).first()
    if incident is None:
        raise NotFound(_("对象不存在"))
    return incident


def title_for(reader: User, incident: Incident) -> str:
    """The title, or only the number when it is above the reader's clearance."""
    if policy.may_know(reader, Level(incident.level)):
        return incident.title
    return incident.number


def reads_case(reader: User, incident: Incident) -> bool:
    """The whole case file (measures, investigation, finding, every penalty): the secrecy office."""
    return policy.is_incident_office(reader)


def penalties_for(reader: User, incident: Incident) -> QuerySet[Penalty]:
    """Every penalty for the office; a person only the one decided about them."""
    qs = incident.penalties.select_related("person")
    return qs if reads_case(reader, incident) else qs.filter(person=reader)


def overdue_notifications(reader: User) -> QuerySet[Incident]:
    """Reports to the superior department past their deadline (the office's)."""
    if not policy.is_incident_office(reader):
        return Incident.objects.none()
    return incidents_visible_to(reader).filter(status__in=OPEN_STATUSES, notified_at__isnull=True,
                                               notify_due_at__lt=timezone.now())


def is_overdue(incident: Incident) -> bool:
    return (incident.status in OPEN_STATUSES and incident.notified_at is None
            and incident.notify_due_at < timezone.now())


def statistics(reader: User) -> dict[str, Any]:
    """Counts by year, kind and level (the office only; counts carry no titles)."""
    if not policy.is_incident_office(reader):
        raise NotFound(_("对象不存在"))
    qs = Incident.objects.filter(policy.incidents_visible_to(reader)).exclude(status=IncidentStatus.DISMISSED)
    by_year = {row["year"]: row["n"] for row in qs.annotate(year=ExtractYear("discovered_at"))
               .values("year").annotate(n=Count("id")).order_by("year")}
    kinds = {row["kind"]: row["n"] for row in qs.values("kind").annotate(n=Count("id"))}
    levels = {row["level"]: row["n"] for row in qs.values("level").annotate(n=Count("id"))}
    penalties: Counter[str] = Counter(Penalty.objects.filter(incident__in=qs).values_list("kind", flat=True))
    return {
        "by_year": [(year, n) for year, n in sorted(by_year.items())],
        "by_kind": [(str(label), kinds.get(value, 0)) for value, label in IncidentKind.choices],
        "by_level": [(Level(v).zh, levels.get(v, 0)) for v in sorted(levels)],
        "penalties": dict(penalties),
        "late": qs.filter(notify_late=True).count(),
    }


def inbox_items(person: User) -> list[inbox.Item]:
    """For the office: drafts to confirm, reports to the superior department due or overdue, the
    tick's reminders. For a reporter: their open reports (to follow their status)."""
    items: list[inbox.Item] = []
    if not person.is_active or person.admin_role:
        return items
    if policy.is_incident_office(person):
        for incident in incidents_visible_to(person).filter(status__in=OPEN_STATUSES):
            url = reverse("incidents:detail", args=[incident.pk])
            if incident.status == IncidentStatus.DRAFT:
                items.append(inbox.Item(kind=_("泄密事件"), title=_("核实 %(n)s") % {"n": incident.number}, url=url,
                                        due=incident.notify_due_at))
            elif incident.notified_at is None:
                items.append(inbox.Item(kind=_("泄密事件"), title=_("向上级保密工作部门报告 %(n)s") % {
                    "n": incident.number}, url=url, due=incident.notify_due_at))
        return items
    for incident in Incident.objects.filter(reporter=person, status__in=OPEN_STATUSES):
        items.append(inbox.Item(kind=_("泄密事件"), title=_("我报告的 %(n)s：%(s)s") % {
            "n": incident.number, "s": incident.get_status_display()},
            url=reverse("incidents:detail", args=[incident.pk])))
    return items


def inbox_gate(person: User) -> bool | list[QuerySet[Incident]]:
    if policy.is_incident_office(person):
        return True
    return [Incident.objects.filter(reporter=person, status__in=OPEN_STATUSES)]


def reminders_for(person: User) -> QuerySet[Reminder]:
    return Reminder.objects.filter(person=person).order_by("-created_at")


def profile_section(viewer: User, person: User) -> dict[str, Any] | None:
    """The person page's 泄密事件与处分 section (INC-05): penalties decided about the person, seen by
    the person and the secrecy office."""
    if not policy.may_see_incident_profile(viewer, person):
        return None
    penalties = list(Penalty.objects.filter(person=person).select_related("incident").order_by("-decided_on"))
    praised = list(Commendation.objects.filter(person=person, status=CommendationStatus.APPROVED))
    if not penalties and not praised:
        return None
    rows = []
    for c in praised:
        rows.append((f"{timezone.localtime(c.decided_at or c.proposed_at):%Y-%m-%d} {_('表扬')}", c.reason[:60]))
    for p in penalties:
        value = p.get_kind_display() + (f"（{p.get_referral_display()}）" if p.referral else "")
        rows.append((f"{p.decided_on:%Y-%m-%d} {p.incident.number}", value))
    office = policy.is_incident_office(viewer)
    return {"title": _("泄密事件与处分"), "rows": rows, "overdue": [],
            "url": reverse("incidents:list") if office else None}


# ---------------------------------------------------------------- 表扬奖励 (INC-12)


def commendations_visible_to(reader: User) -> QuerySet[Commendation]:
    """The register and proposals for the 保密办; a person their own approved commendations."""
    qs = Commendation.objects.select_related("person", "unit", "approval")
    if not reader.is_active or reader.admin_role:
        return qs.none()
    if policy.is_incident_office(reader):
        return qs
    return qs.filter(person=reader, status=CommendationStatus.APPROVED)
