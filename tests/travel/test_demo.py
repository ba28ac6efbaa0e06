"""The travel part of the demo (DEMO.md "Personnel"): loaded through the services on the demo
cast, relative to today."""

from __future__ import annotations

from baomi import inbox
from baomi.travel import demo, selectors
from baomi.travel.models import DocumentStatus, MajorReport, ReportStatus, TravelDocument, Trip, TripStatus
from tests.factories import PASSWORD


def test_demo_story(office):
    demo.load(PASSWORD)
    held = set(TravelDocument.objects.values_list("holder__username", flat=True))
    assert held == {"chen", "liumin", "wangfang", "lijianhua", "zhaolei", "sunwei", "zhoujing", "wutao"}
    assert "zhengli" not in held  # 非涉密
    waiting = Trip.objects.get(traveller=office.zhoujing)
    assert waiting.status == TripStatus.PENDING
    assert any(i.is_decision for i in inbox.items_for(office.sunwei))
    out = TravelDocument.objects.get(status=DocumentStatus.OUT)
    assert out.holder == office.sunwei
    issue = selectors.outstanding_issues(office.lijianhua).get()
    assert issue.due_back_on > issue.trip.return_on
    assert MajorReport.objects.get().status == ReportStatus.CLOSED
    assert any(i.kind == "归还" for i in inbox.items_for(office.sunwei))
