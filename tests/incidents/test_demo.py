"""The incidents part of the demo: the lost 秘密 copy closed with a 警告, reported in time
(here on the carriers test office; in the whole demo: tests/test_demo_office.py)."""

from __future__ import annotations

from baomi.carriers import services as carriers
from baomi.incidents import demo
from baomi.incidents.models import Incident, IncidentStatus
from tests.carriers.conftest import first_copy, register
from tests.factories import PASSWORD


def test_demo_story(office):
    copy = first_copy(register(office.wangfang, mark="秘密★5年", units=[office.units["planning"]]))
    carriers.copy_circulate(actor=office.wangfang, copy=copy, reader=office.zhoujing)
    carriers.copy_report_lost(actor=office.zhoujing, copy=copy, note="外出开会途中遗失")
    demo.load(PASSWORD)
    incident = Incident.objects.get()
    assert incident.status == IncidentStatus.CLOSED and not incident.notify_late
    assert [(p.person, p.get_kind_display()) for p in incident.penalties.all()] == [(office.zhoujing, "警告")]
    assert incident.entries.filter(kind="measure").count() == 2

