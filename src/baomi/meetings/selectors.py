"""Reading meetings: only those the reader organises, keeps the materials of or attends (all
for the 保密办), never above the reader's clearance. Hidden meetings are "not found"."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from baomi import inbox, policy
from baomi.accounts.models import User
from baomi.carriers.models import Copy
from baomi.errors import NotFound
from baomi.meetings.models import Attendee, Material, Meeting, MeetingStatus, Reminder, Venue


def meetings_visible_to(reader: User) -> QuerySet[Meeting]:
    return (Meeting.objects.filter(policy.meetings_visible_to(reader))
            .select_related("venue", "organiser", "unit").order_by("-starts_at", "-id"))


def meeting_for(reader: User, meeting_id: int) -> Meeting:
    found = meetings_visible_to(reader).filter(pk=meeting_id).first()
    if found is None:
        raise NotFound(_("对象不存在"))
    return found


def attendees_of(meeting: Meeting) -> QuerySet[Attendee]:
    return meeting.attendees.select_related("person__unit").order_by("id")


def materials_of(meeting: Meeting) -> QuerySet[Material]:
    return meeting.materials.select_related("copy__carrier", "attendee__person").order_by("id")


def venues() -> QuerySet[Venue]:
    return Venue.objects.order_by("name")


def material_for(reader: User, material_id: int) -> Material:
    found = Material.objects.filter(pk=material_id, meeting__in=meetings_visible_to(reader)).select_related(
        "meeting", "copy__carrier").first()
    if found is None:
        raise NotFound(_("对象不存在"))
    return found


def attendee_for(reader: User, attendee_id: int) -> Attendee:
    found = Attendee.objects.filter(pk=attendee_id, meeting__in=meetings_visible_to(reader)).select_related(
        "meeting", "person").first()
    if found is None:
        raise NotFound(_("对象不存在"))
    return found


def inbox_gate(person: User) -> list[QuerySet[Any]]:
    """inbox_items reads the person's reminders and the materials issued to them."""
    return [Reminder.objects.filter(person=person),
            Material.objects.filter(attendee__person=person, returned_at__isnull=True)]


def inbox_items(person: User) -> Iterable[inbox.Item]:
    """For the organiser: meetings in the next days to check (list, venue), and meetings over
    with copies still out; for everyone: copies of a meeting they still hold."""
    items: list[inbox.Item] = []
    if not person.is_active or person.admin_role:
        return items
    visible = Meeting.objects.filter(policy.meetings_visible_to(person)).values("pk")
    # Only the columns the items read (values, not instances: this runs on every page).
    reminders = (Reminder.objects.filter(person=person, meeting__in=visible).order_by("-created_at", "-id")
                 .values_list("key", "text", "meeting_id", "meeting__status", "meeting__minutes_id",
                              "meeting__starts_at"))
    for key, text, meeting_id, status, minutes_id, starts_at in reminders:
        if key.startswith("meeting-before-") and status not in (
                MeetingStatus.PLANNED, MeetingStatus.SUBMITTED, MeetingStatus.APPROVED):
            continue
        if key.startswith("meeting-after-") and (
                status != MeetingStatus.IN_PROGRESS
                or not Material.objects.filter(meeting_id=meeting_id, returned_at__isnull=True).exists()):
            continue
        if key.startswith("meeting-minutes-") and minutes_id is not None:
            continue
        items.append(inbox.Item(_("会议"), text, reverse("meetings:detail", args=[meeting_id]),
                                due=starts_at if key.startswith("meeting-before-") else None))
    materials = (Material.objects.filter(attendee__person=person, returned_at__isnull=True, meeting__in=visible)
                 .order_by("id").values_list("copy__carrier__register_no", "copy__serial", "meeting_id",
                                             "meeting__ends_at"))
    for register_no, serial, meeting_id, ends_at in materials:
        items.append(inbox.Item(_("归还"), _("会议结束时交回 %(copy)s") % {"copy": Copy.label_of(register_no, serial)},
                                reverse("meetings:detail", args=[meeting_id]), due=ends_at))
    return items
