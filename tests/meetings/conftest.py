"""The carriers cast (DEMO.md's office, in small) and helpers to run a meeting through the services."""

from __future__ import annotations

import datetime

from django.utils import timezone

from baomi.accounts.models import User
from baomi.carriers import services as carriers
from baomi.carriers.models import Carrier, StorageClass
from baomi.levels import Level
from baomi.meetings import services
from baomi.meetings.models import Meeting, PhoneDeposit, Venue
from tests.carriers.conftest import Office, approve_all, build_office, office

__all__ = ["Office", "approve_all", "build_office", "office"]


def venue(office: Office, *, max_level: int | None = int(Level.SECRET), name: str = "第一会议室") -> Venue:
    found = Venue.objects.filter(name=name).first()
    if found is not None:
        return found
    return services.venue_register(actor=office.lijianhua, name=name, max_level=max_level, shielded=True)


def soon(hours: int = 1) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(hours=hours)


def plan(office: Office, *, level: int = int(Level.SECRET), at: Venue | None = None, organiser: User | None = None,
         **kwargs: object) -> Meeting:
    return services.meeting_plan(actor=organiser or office.sunwei, title="城东综合交通枢纽选址专题会",
                                 level=level,
                                 venue=at or venue(office), starts_at=soon(1), ends_at=soon(3),
                                 clerk=office.wangfang, **kwargs)  # type: ignore[arg-type]


def approved(office: Office, *people: User, **kwargs: object) -> Meeting:
    meeting = plan(office, **kwargs)
    for person in people:
        services.attendee_add(actor=office.sunwei, meeting=meeting, person=person)
    request = services.meeting_submit(actor=office.sunwei, meeting=meeting)
    approve_all(request, office.chen)
    return Meeting.objects.get(pk=meeting.pk)


def started(office: Office, *people: User) -> Meeting:
    meeting = approved(office, *people)
    services.meeting_start(actor=office.sunwei, meeting=meeting, no_wireless_mics=True, rules_announced=True)
    for attendee in meeting.attendees.all():
        services.attendee_check_in(actor=office.sunwei, meeting=meeting, attendee=attendee,
                                   phone=PhoneDeposit.DEPOSITED, rules_acknowledged=True)
    return Meeting.objects.get(pk=meeting.pk)


def papers(office: Office, people: list[User], copies: int = 3, mark: str = "机密★10年") -> Carrier:
    return carriers.carrier_register(actor=office.wangfang, direction="made", title="选址比选方案（会议材料）",
                                     mark=mark, copies=copies, storage=StorageClass.COMBINATION, location="机要室",
                                     need_to_know_people=people)

