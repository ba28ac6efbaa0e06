"""我的待办 made cheap says exactly what it said before: for every person of the demo office
(/work/shared/DEMO.md), on several days of the year, `inbox.items_for` (gates asked in one
query, providers reading values) equals the providers as they were (tests/inbox_reference.py).

The demo is loaded once for this module, as in tests/test_demo_office.py; every test runs in its
own savepoint. Across the whole suite, BAOMI_INBOX_CHECK_GATES (tests/settings.py) also runs
every provider whose gate is closed and fails if it has items."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from baomi import demo, inbox
from baomi.accounts.models import User
from tests import inbox_reference
from tests.conftest import shared_data

pytestmark = [pytest.mark.django_db]


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    data_dir = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp, shared_data(django_db_blocker):
        mp.setenv("BAOMI_DATA_DIR", str(data_dir))
        demo.load_once()
        yield


def _on(monkeypatch: pytest.MonkeyPatch, day: datetime.date) -> None:
    """Make timezone.localdate() answer `day` (the demo's data stay where they are)."""
    real = timezone.localdate

    def fake(value: Any = None, tz: Any = None) -> datetime.date:
        return real(value, tz) if value is not None else day

    monkeypatch.setattr(timezone, "localdate", fake)


def _days() -> list[datetime.date]:
    """Today, and the days the date-bound items appear: the annual clean-up and report window
    (December, January), the half-year training count (July)."""
    today = timezone.localdate()
    return [today, datetime.date(today.year, 12, 15), datetime.date(today.year + 1, 1, 10),
            datetime.date(today.year, 7, 1)]


def _compare_everyone() -> dict[str, int]:
    counts = {}
    for pk, username in User.objects.order_by("pk").values_list("pk", "username"):
        expected = inbox_reference.items_for(User.objects.get(pk=pk))
        got = inbox.items_for(User.objects.get(pk=pk))  # a fresh object, as a page has
        assert got == expected, username
        assert inbox.count_for(User.objects.get(pk=pk)) == len(expected)
        counts[username] = len(got)
    return counts


@pytest.mark.parametrize("day_index", range(4))
def test_every_person_sees_what_the_providers_said_before(loaded, monkeypatch, day_index):
    _on(monkeypatch, _days()[day_index])
    counts = _compare_everyone()
    assert sum(counts.values()) > 0 and counts["qianyong"] == 0  # an administrator has no inbox


def _stir_the_demo() -> None:
    """Put the demo's rows in the states the story does not reach, so that every branch of every
    provider has something to say for someone: approved trips (before and after departure), a
    passport out, an open 重大事项报告, meeting reminders and papers out, a rectification waiting
    for review, inspections planned, incidents open, a device held by the person leaving, a
    delegation to someone without a role, readings approved and under way, an excerpt to
    review, a 人事档案专人."""
    from baomi.approvals.models import Delegation
    from baomi.archives.models import AccessRequest, AccessStatus, Custodian, Excerpt, ExcerptStatus
    from baomi.devices.models import Device, DeviceStatus
    from baomi.incidents.models import Incident, IncidentStatus
    from baomi.inspections.models import Inspection, InspectionStatus, Rectification, RectStatus
    from baomi.meetings.models import Attendee, Material, Meeting, MeetingStatus, Reminder
    from baomi.personnel.models import Departure, DepartureStatus
    from baomi.travel.models import CarrierApproval, DocumentIssue, MajorReport, ReportStatus, Trip, TripStatus

    today, now = timezone.localdate(), timezone.now()
    day = datetime.timedelta(days=1)
    who = {u.username: u for u in User.objects.all()}
    first, second = Trip.objects.order_by("pk")[:2]
    Trip.objects.filter(pk=first.pk).update(status=TripStatus.APPROVED, briefed_at=None, depart_on=today - day,
                                            return_on=today + 5 * day, report_due_on=today + 12 * day)
    Trip.objects.filter(pk=second.pk).update(status=TripStatus.APPROVED, briefed_at=now, depart_on=today + 3 * day,
                                             return_on=today + 9 * day, carrier_status=CarrierApproval.APPROVED)
    DocumentIssue.objects.update(returned_at=None, trip=first)  # the second trip waits for its passport
    MajorReport.objects.update(status=ReportStatus.OPEN)
    meetings = list(Meeting.objects.order_by("pk"))
    Meeting.objects.filter(pk=meetings[0].pk).update(status=MeetingStatus.IN_PROGRESS)
    Meeting.objects.filter(pk=meetings[1].pk).update(status=MeetingStatus.PLANNED)
    Material.objects.update(returned_at=None)
    for attendee in Attendee.objects.filter(person__isnull=False):
        for key in ("before", "after", "minutes"):
            Reminder.objects.create(key=f"meeting-{key}-{attendee.pk}", meeting_id=attendee.meeting_id,
                                    person=attendee.person, text=f"{key} {attendee.pk}")
    for meeting in meetings:
        Reminder.objects.create(key=f"meeting-after-organiser-{meeting.pk}", meeting=meeting,
                                person=meeting.organiser, text="after")
    Rectification.objects.filter(pk=Rectification.objects.order_by("pk")[0].pk).update(status=RectStatus.REPORTED)
    Inspection.objects.update(status=InspectionStatus.PLANNED)
    for inspection in Inspection.objects.filter(inspector__isnull=True):
        Inspection.objects.filter(pk=inspection.pk).update(inspector=who["zhengli"])
    for status in (IncidentStatus.DRAFT, IncidentStatus.OPEN):
        Incident.objects.create(title="U盘遗失", level=1, kind=Incident._meta.get_field("kind").choices[0][0],
                                status=status, reporter=who["wutao"], reported_at=now, discovered_at=now,
                                description="—", notify_due_at=now + day)
    leaving = Departure.objects.filter(status=DepartureStatus.OPEN).first()
    assert leaving is not None
    Device.objects.filter(pk=Device.objects.order_by("pk")[0].pk).update(custodian=leaving.person,
                                                                        status=DeviceStatus.IN_USE)
    Delegation.objects.update(delegate=who["zhengli"], starts_on=today - day, ends_on=today + day, revoked_at=None)
    requests = list(AccessRequest.objects.order_by("pk"))
    AccessRequest.objects.filter(pk=requests[0].pk).update(status=AccessStatus.APPROVED)
    AccessRequest.objects.filter(pk=requests[1].pk).update(status=AccessStatus.READING)
    Excerpt.objects.update(status=ExcerptStatus.PENDING)
    Custodian.objects.create(person=who["zhaolei"], basis="test", designated_by=who["lijianhua"])


@pytest.mark.parametrize("day_index", range(4))
def test_and_with_every_provider_having_its_say(loaded, monkeypatch, day_index):
    _on(monkeypatch, _days()[day_index])
    _stir_the_demo()  # around that day
    _compare_everyone()
    kinds = {item.kind for user in User.objects.all() for item in inbox.items_for(user)}
    assert kinds >= {"会议", "复查", "检查", "泄密事件", "交回", "查档", "摘抄审核", "证件", "跟进", "确认"}, kinds


def test_the_demo_people_have_items_from_most_providers(loaded):
    """The comparison above means something: the demo gives items of many kinds."""
    kinds = {item.kind for user in User.objects.all() for item in inbox.items_for(user)}
    assert len(kinds) >= 8, kinds


def test_a_gate_that_hides_items_fails_the_suite(loaded):
    """BAOMI_INBOX_CHECK_GATES: a gate closed on a provider that has items is a bug, not a
    silently shorter inbox."""
    wangfang = User.objects.get(username="wangfang")
    provider = inbox._PROVIDERS["carriers.waste"]
    assert list(provider(wangfang))
    try:
        inbox.register("carriers.waste", provider, gate=lambda person: False)
        with pytest.raises(AssertionError, match=r"carriers\.waste"):
            inbox.items_for(User.objects.get(pk=wangfang.pk))
    finally:
        inbox.register("carriers.waste", provider)


def test_the_gates_query_answers_each_condition(loaded):
    """One SELECT for every condition; a condition that can match nothing is not sent at all."""
    found = inbox._exist({"none": User.objects.filter(pk__in=[]), "some": User.objects.filter(username="chen"),
                          "nobody": User.objects.filter(username="nobody")})
    assert found == {"none": False, "some": True, "nobody": False}
