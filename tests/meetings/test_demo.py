"""The meetings part of the demo, loaded through the services on the carriers cast."""

from __future__ import annotations

import pytest

from baomi import inbox
from baomi.carriers.models import CopyStatus
from baomi.meetings import demo
from baomi.meetings.models import Meeting, MeetingStatus
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_demo_story(office):
    demo.load(PASSWORD)
    held = Meeting.objects.get(status=MeetingStatus.CLOSED)
    assert held.minutes is not None and held.materials.filter(returned_at__isnull=True).count() == 0
    assert held.materials.count() == 3 and held.papers.count() == 1
    assert all(m.copy.status == CopyStatus.IN_CUSTODY for m in held.materials.select_related("copy"))
    planned = Meeting.objects.get(status=MeetingStatus.SUBMITTED)
    assert planned.attendees.count() == 6  # 刘敏, four colleagues and one from the 财政局
    assert any(item.is_decision and "召开涉密会议" in item.title for item in inbox.items_for(office.chen))
