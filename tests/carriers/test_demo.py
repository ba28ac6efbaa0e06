"""The carriers part of the demo office (DEMO.md): loaded through the services, relative to
today, and the audit chain still verifies."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from baomi import demo
from baomi.accounts.models import User
from baomi.approvals.models import ApprovalRequest, Status
from baomi.approvals.selectors import inbox_for
from baomi.audit.models import AuditEvent
from baomi.audit.verify import verify
from baomi.carriers import selectors
from baomi.carriers.models import Carrier, CarrierKind, Copy, CopyStatus, DestructionList, DestructionStatus
from baomi.levels import Level


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BAOMI_DATA_DIR", str(tmp_path))
    return tmp_path


def test_demo_register_tells_the_story(db, data_dir):
    demo.load()  # how long it takes is the demo's own concern, not a timed test
    who = {u.username: u for u in User.objects.all()}
    today = timezone.localdate()

    assert 190 <= Carrier.objects.count() <= 230
    assert set(Carrier.objects.values_list("level", flat=True)) == {1, 2, 3, 4, 5}
    statuses = set(Copy.objects.values_list("status", flat=True))
    assert statuses >= {CopyStatus.IN_CUSTODY, CopyStatus.CIRCULATING, CopyStatus.LENT, CopyStatus.SENT,
                        CopyStatus.RETURNED, CopyStatus.ARCHIVED, CopyStatus.DESTROYED, CopyStatus.LOST}

    # The 绝密 notice from the province, with 陈国强 today, due back today.
    notice = Copy.objects.get(carrier__level=Level.TOP_SECRET, status=CopyStatus.CIRCULATING)
    assert notice.custodian == who["chen"] and timezone.localtime(notice.due_at).date() == today
    assert notice.carrier.source_unit == "省委办公厅" and notice.carrier.registered_on == today

    # 周静's borrowed draft, due yesterday: overdue, on the keeper's and on her own list.
    lent = Copy.objects.get(custodian=who["zhoujing"], status=CopyStatus.LENT)
    assert timezone.localtime(lent.due_at).date() == today - datetime.timedelta(days=1)
    assert lent in selectors.overdue_copies(who["wangfang"]) and lent in selectors.overdue_copies(who["zhoujing"])
    assert AuditEvent.objects.filter(action="copy.lend_request", outcome="denied",
                                     actor_username="zhoujing").exists()  # the 机密 draft was refused
    assert Copy.objects.filter(custodian=who["wutao"], status=CopyStatus.LENT).exists()
    assert Copy.objects.filter(custodian=who["sunwei"], status=CopyStatus.TAKEN_OUT, due_at__gt=timezone.now()).exists()

    # A copy request awaiting 陈国强 (and nobody else).
    copy_request = ApprovalRequest.objects.get(request_type="carriers.reproduce", status=Status.PENDING)
    assert [s.request_id for s in inbox_for(who["chen"])].count(copy_request.pk) == 1
    assert copy_request.pk not in [s.request_id for s in inbox_for(who["liumin"])]

    # 秘密 documents due for 清退 this month.
    due = selectors.due_for_hand_back(who["wangfang"])
    assert due.count() >= 10 and {c.level for c in due} == {Level.CONFIDENTIAL}

    # A destruction list waiting for its second witness; an earlier one done.
    waiting = DestructionList.objects.get(status=DestructionStatus.APPROVED)
    assert waiting.signatures == 1 and waiting.witness_2 == who["liumin"]
    assert DestructionList.objects.filter(status=DestructionStatus.DONE, certificate_no__isnull=False).exists()

    # A USB drive registered as 秘密 media.
    assert Carrier.objects.filter(kind=CarrierKind.USB, level=Level.CONFIDENTIAL).exists()

    # 周静 sees what her clearance and need-to-know allow, nothing above 秘密.
    assert set(selectors.carriers_visible_to(who["zhoujing"]).values_list("level", flat=True)) <= {1, 2, 3}
    assert not selectors.carriers_visible_to(who["heping"]).exists()

    # A print job whose waste pages wait for destruction (past the reminder); an excerpt request;
    # a carrier compiled from two sources; papers brought back from a meeting.
    from baomi import inbox
    from baomi.carriers.models import PrintJob, WasteBatch

    job = PrintJob.objects.get(carrier__title="委主任办公会议纪要（第12次）")
    assert job.copies_printed == job.authorised == 5 and job.status == "closed"
    assert WasteBatch.objects.filter(print_job=job, destroyed_at__isnull=True, pages=6).exists()
    assert any(i.kind == "销毁废页" and i.overdue for i in inbox.items_for(who["wangfang"]))
    excerpt = ApprovalRequest.objects.get(request_type="carriers.excerpt", status=Status.PENDING)
    assert excerpt.pk in [s.request_id for s in inbox_for(who["chen"])]
    assert Carrier.objects.get(title="规划修编工作情况汇报（汇编）").sources.count() == 2
    assert Carrier.objects.get(direction="meeting").brought_by == who["chen"]

    report = verify()
    assert report.ok, report.problems
