"""The personnel part of the demo office (DEMO.md): everyone cleared was vetted and signed
first, one 脱密期 ends next month, one departure is blocked by a copy still out."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from baomi import demo
from baomi.accounts.models import User
from baomi.audit.verify import verify
from baomi.personnel import selectors
from baomi.personnel.models import DepartureStatus


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BAOMI_DATA_DIR", str(tmp_path))
    return tmp_path


def test_demo_personnel_story(db, data_dir):
    demo.load()
    who = {u.username: u for u in User.objects.all()}
    today = timezone.localdate()
    for person in User.objects.filter(clearance__gt=0):
        assert selectors.reason_clearance_blocked(person, person.clearance_category) is None, person
        assert selectors.current_assignment(person) is not None, person
    assert who["chen"].clearance == 3 and who["zhoujing"].clearance == 1 and who["zhengli"].clearance == 0
    majun = who["majun"]
    assert not majun.is_active and majun.clearance == 0
    period = selectors.separation_period_for(majun)
    assert period is not None and today < period.ends_on <= today + datetime.timedelta(days=62)
    overdue = selectors.overdue_for(who["lijianhua"])
    blocked = {d.person.username: blockers for d, blockers in overdue.departures}
    assert list(blocked) == ["zhoujing"] and "涉密载体" in blocked["zhoujing"][0]
    assert selectors.open_departure(who["zhoujing"]).status == DepartureStatus.OPEN
    assert [p.username for p in overdue.reports_missing] == ["wutao"]
    assert "wutao" in [p.username for p, _v in overdue.vetting]
    assert majun in [s.person for s in overdue.separations_ending]
    assert [c.person.username for c in overdue.commitments] == ["zhaolei"]
    assert verify().ok

    from django.test import Client

    from tests.conftest import login

    client = login(Client(), who["lijianhua"])
    html = client.get("/personnel/").content.decode()
    assert "马骏" in html and "份涉密载体未清退" in html
    person_page = client.get(f"/personnel/people/{majun.pk}/").content.decode()
    assert 'data-testid="separation"' in person_page and "某市建设工程咨询有限公司" in person_page
