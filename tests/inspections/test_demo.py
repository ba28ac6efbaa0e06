"""The inspections part of the demo: the 国庆 inspection done with two open rectifications,
the 春节 inspection planned, three key sites with entries, a meeting, five risks."""

from __future__ import annotations

import pytest

from baomi import demo
from baomi.audit.verify import verify
from baomi.inspections.models import (
    CommitteeMeeting,
    EntryLog,
    Inspection,
    InspectionStatus,
    KeySite,
    PlanKind,
    Rectification,
    RectStatus,
    Risk,
)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BAOMI_DATA_DIR", str(tmp_path))
    return tmp_path


def test_demo_inspections(db, data_dir):
    demo.load()
    national = Inspection.objects.get(kind=PlanKind.NATIONAL_DAY)
    assert national.status == InspectionStatus.DONE
    from_it = Rectification.objects.filter(finding__inspection=national)
    assert from_it.exclude(status=RectStatus.CLOSED).count() == 2
    assert from_it.filter(status=RectStatus.CLOSED).count() == 1
    assert Inspection.objects.filter(kind=PlanKind.SPRING_FESTIVAL, status=InspectionStatus.PLANNED).exists()
    assert set(KeySite.objects.values_list("name", flat=True)) == {"财务室", "电脑室", "档案室"}
    assert EntryLog.objects.count() >= 4
    assert CommitteeMeeting.objects.count() == 1
    assert Risk.objects.count() == 5
    assert verify().ok
