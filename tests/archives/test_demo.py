"""The archives part of the demo office: an outside unit's 查档 read in the archive room, a
minutes request waiting for 刘敏, an archive loan due next week; the audit chain verifies.

Loaded on the carriers test office (the demo's cast, in small) so that this story is checked
on its own; `baomi demo` runs it after the carriers story."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from baomi.accounts.models import User
from baomi.approvals.selectors import inbox_for
from baomi.archives import demo, services
from baomi.archives.models import AccessRequest, AccessStatus, Entry, ExcerptStatus, Loan, LoanStatus
from baomi.audit.verify import verify
from tests.carriers.conftest import build_office
from tests.factories import PASSWORD


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BAOMI_DATA_DIR", str(tmp_path))
    return tmp_path


def test_demo_archive_story(db, data_dir):
    build_office()
    demo.load(PASSWORD)
    who = {u.username: u for u in User.objects.all()}
    assert Entry.objects.count() == 3
    visit = AccessRequest.objects.get(outside=True)
    assert (visit.status, visit.letter_no) == (AccessStatus.DONE, "东发改介〔2026〕5号")
    assert visit.session.closed_at is not None and visit.session.room.startswith("档案室")
    assert visit.session.excerpts.get().status == ExcerptStatus.STAMPED
    waiting = AccessRequest.objects.get(status=AccessStatus.PENDING)
    assert waiting.minutes and waiting.requester == who["sunwei"]
    assert waiting.approval is not None and waiting.approval.request_type == services.ACCESS_OFFICE
    assert waiting.approval in [step.request for step in inbox_for(who["liumin"])]
    loan = Loan.objects.get()
    assert loan.status == LoanStatus.OUT and loan.due_on == timezone.localdate() + datetime.timedelta(days=6)
    report = verify()
    assert report.ok, report.problems
