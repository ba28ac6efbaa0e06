"""The demo's classification story (DEMO.md): created through the services, dates relative to
today, and the audit chain still verifies."""

from __future__ import annotations

import datetime

import pytest

from baomi import demo
from baomi.accounts.models import User
from baomi.audit.verify import verify
from baomi.classification import selectors, services
from baomi.classification.models import Authority, Decision, DecisionStatus, GuideEntry, Notice, WorkSecretReference
from baomi.levels import Level
from baomi.periods import working_days_after


@pytest.fixture
def loaded(db, tmp_path, monkeypatch):
    monkeypatch.setenv("BAOMI_DATA_DIR", str(tmp_path))
    demo.load()
    return {u.username: u for u in User.objects.all()}


def test_the_demo_classification_story(loaded):
    today = services.today()
    chen, sunwei = loaded["chen"], loaded["sunwei"]
    head = Authority.objects.get(is_unit_head=True)
    designated = Authority.objects.get(person=sunwei)
    assert (head.person, head.max_level) == (chen, Level.SECRET)
    assert (designated.max_level, designated.unit.code, designated.designated_by) == (Level.SECRET, "planning", chen)
    assert GuideEntry.objects.filter(guide__is_current=True).count() >= 12
    assert set(WorkSecretReference.objects.values_list("category", flat=True)) == {
        "documents", "government", "special", "internal"}

    in_force = Decision.objects.filter(status=DecisionStatus.IN_FORCE)
    expiring = in_force.filter(expires_on__gt=today, expires_on__lte=today + datetime.timedelta(days=7))
    assert expiring.count() == 1
    assert selectors.review_queue(chen, today.year).count() == 3
    provisional = in_force.get(provisional=True)
    assert today <= provisional.report_deadline <= working_days_after(today, 2) and provisional.reported_on is None
    work = in_force.get(secret_type="work")
    assert work.mark == "内部事项 注意保管"
    assert Decision.objects.filter(status=DecisionStatus.PROPOSED, authority=designated).count() == 1
    assert Decision.objects.filter(derived=True).count() == 1
    lifted = Decision.objects.get(status=DecisionStatus.LIFTED)
    assert lifted.mark == "解密" and Notice.objects.filter(decision=lifted, acknowledged_at__isnull=True).count() == 3
    assert Notice.objects.filter(kind__in=["remind_expiry", "remind_report"]).count() >= 2
    # The three administrators see none of it.
    for admin in ("qianyong", "fengxue", "heping"):
        assert not selectors.decisions_visible_to(loaded[admin]).exists()
    assert verify().ok
