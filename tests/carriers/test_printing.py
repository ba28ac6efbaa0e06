"""印制 (CARRIER-21..25): designated printer on a named 涉密计算机, exactly the authorised
copies (不得多印自留), waste pages kept and destroyed in front of a witness, reminded when
left too long, and the end-of-day checklist on closing."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from baomi import inbox
from baomi.carriers import selectors, services
from baomi.carriers.models import DestructionMethod, MovementKind, PrintJob, PrintJobStatus, WasteBatch
from baomi.errors import Conflict, Invalid, NotFound, Refused
from tests.carriers.conftest import events, register
from tests.conftest import login


@pytest.fixture
def draft(office):
    """A 机密 report drafted here, three copies authorised, readable by the planning section."""
    return register(office.wangfang, direction="made", copies=3, source_unit="", doc_number="",
                    title="示范市重大项目布局调整方案（送审稿）", units=[office.units["planning"]])


def test_print_exactly_the_authorised_copies_each_numbered_in_the_ledger(office, draft):
    """CARRIER-22 (专人专机, 经办人 recorded) and CARRIER-23 (按规定份数, 不得多印自留)."""
    job = services.print_job_create(actor=office.wangfang, carrier=draft, computer="机要室涉密计算机 JY-01",
                                    copies=2, proofreader=office.liumin)
    assert (job.authorised, job.first_serial, job.last_serial, job.copies_printed) == (3, 1, 2, 2)
    assert job.printed_by == office.wangfang and job.proofreader == office.liumin and job.number.startswith("印")
    printed = [c.serial for c in draft.copies.all() if c.movements.filter(kind=MovementKind.PRINT).exists()]
    assert printed == [1, 2]
    assert "JY-01" in draft.copies.get(serial=1).movements.get(kind=MovementKind.PRINT).note
    with pytest.raises(Refused, match="不得多印自留"):
        services.print_job_create(actor=office.wangfang, carrier=draft, computer="JY-01", copies=2)
    refusal = events("printing.create", "denied").get()
    assert json.loads(refusal.details)["asked"] == 2
    last = services.print_job_create(actor=office.wangfang, carrier=draft, computer="JY-01", copies=1)
    assert (last.first_serial, last.last_serial) == (3, 3)
    with pytest.raises(Refused, match="不得多印自留"):
        services.print_job_create(actor=office.wangfang, carrier=draft, computer="JY-01", copies=1)
    assert events("printing.create").count() == 2
    assert all(draft.title not in e.summary for e in events("printing.create"))
    # The database refuses a job beyond the authorised number too.
    with pytest.raises(IntegrityError), transaction.atomic():
        PrintJob.objects.create(number="印X", carrier=draft, level=draft.level, authorised=3, first_serial=1,
                                last_serial=4, computer="JY-01", printed_by=office.wangfang, printed_at=timezone.now())


def test_printing_refusals(office, draft):
    """Only a keeper cleared for the level prints; a proofreader must be cleared; only carriers made here."""
    with pytest.raises(Refused):
        services.print_job_create(actor=office.sunwei, carrier=draft, computer="JY-01", copies=1)
    with pytest.raises(Refused):  # 赵磊 is a 保密员 but 一般: not for 机密
        services.print_job_create(actor=office.zhaolei, carrier=draft, computer="JY-01", copies=1)
    with pytest.raises(Refused, match="校对"):
        services.print_job_create(actor=office.wangfang, carrier=draft, computer="JY-01", copies=1,
                                  proofreader=office.zhengli)
    with pytest.raises(Invalid):
        services.print_job_create(actor=office.wangfang, carrier=draft, computer="  ", copies=1)
    with pytest.raises(Invalid):
        services.print_job_create(actor=office.wangfang, carrier=draft, computer="JY-01", copies=0)
    incoming = register(office.wangfang, mark="秘密★10年")
    with pytest.raises(Invalid):
        services.print_job_create(actor=office.wangfang, carrier=incoming, computer="JY-01", copies=1)
    assert events("printing.create", "denied").count() == 3
    assert not PrintJob.objects.exists()


def test_closing_records_waste_and_needs_the_drafts_locked(office, draft):
    """CARRIER-21 (废弃稿纸 collected for central destruction), CARRIER-25 (下班时文稿入柜)."""
    job = services.print_job_create(actor=office.wangfang, carrier=draft, computer="JY-01", copies=3)
    with pytest.raises(Refused, match="入柜"):
        services.print_job_close(actor=office.wangfang, job=job, waste_pages=2, waste_description="校样",
                                 drafts_locked=False)
    assert events("printing.close", "denied").count() == 1
    with pytest.raises(Invalid):
        services.print_job_close(actor=office.wangfang, job=job, waste_pages=2, drafts_locked=True)
    with pytest.raises(Refused):
        services.print_job_close(actor=office.sunwei, job=job, waste_pages=0, drafts_locked=True)
    job = services.print_job_close(actor=office.wangfang, job=job, waste_pages=4,
                                   waste_description="校样 3 张、错页 1 张", drafts_locked=True)
    assert job.status == PrintJobStatus.CLOSED and job.drafts_locked and job.closed_by == office.wangfang
    with pytest.raises(Conflict):
        services.print_job_close(actor=office.wangfang, job=job, waste_pages=0, drafts_locked=True)
    batch = WasteBatch.objects.get()
    assert (batch.pages, batch.level, batch.destroyed_at) == (4, draft.level, None)
    assert list(selectors.waste_pending(office.wangfang)) == [batch]
    assert not selectors.waste_pending(office.sunwei).exists()  # not a keeper
    assert not selectors.waste_pending(office.zhaolei).exists()  # a keeper who may not see 机密


def test_waste_destroyed_in_front_of_a_witness_and_reminded_when_left(office, draft, settings):
    """CARRIER-24: 废页妥善保管, 定时烧毁 — reminded after N days (configurable), destruction recorded."""
    settings.BAOMI_WASTE_DESTROY_DAYS = 3
    job = services.print_job_create(actor=office.wangfang, carrier=draft, computer="JY-01", copies=3)
    services.print_job_close(actor=office.wangfang, job=job, waste_pages=2, waste_description="错页",
                             drafts_locked=True)
    batch = WasteBatch.objects.get()
    [item] = [i for i in inbox.items_for(office.wangfang) if i.kind == "销毁废页"]
    assert job.number in item.title and not item.overdue
    assert services.waste_remind() == []  # not yet three days
    later = timezone.now() + datetime.timedelta(days=4)
    assert len(services.waste_remind(now=later)) == 1
    assert services.waste_remind(now=later + datetime.timedelta(days=1)) == []  # once
    assert events("printing.remind_waste").count() == 1
    with pytest.raises(Invalid):
        services.waste_destroy(actor=office.wangfang, batches=[batch], witness=office.wangfang,
                               method=DestructionMethod.BURN)
    with pytest.raises(Refused, match="监销人"):
        services.waste_destroy(actor=office.wangfang, batches=[batch], witness=office.zhoujing,
                               method=DestructionMethod.BURN)
    with pytest.raises(Refused):
        services.waste_destroy(actor=office.sunwei, batches=[batch], witness=office.lijianhua,
                               method=DestructionMethod.BURN)
    assert events("printing.waste_destroy", "denied").count() == 2
    [done] = services.waste_destroy(actor=office.wangfang, batches=[batch], witness=office.lijianhua,
                                    method=DestructionMethod.BURN)
    assert done.destroyed_by == office.wangfang and done.witness == office.lijianhua and done.destroyed_at
    with pytest.raises(Conflict):
        services.waste_destroy(actor=office.wangfang, batches=[batch], witness=office.lijianhua,
                               method=DestructionMethod.BURN)
    assert not selectors.waste_pending(office.wangfang).exists()
    assert not [i for i in inbox.items_for(office.wangfang) if i.kind == "销毁废页"]
    assert services.waste_remind(now=later + datetime.timedelta(days=10)) == []


def test_printing_through_the_pages_and_the_api(office, draft):
    client = login(Client(), office.wangfang)
    assert login(Client(), office.sunwei).get("/carriers/printing/").status_code == 403
    response = client.post("/carriers/printing/", {"carrier": draft.pk, "computer": "JY-01", "copies": 2,
                                                   "proofreader": office.liumin.pk})
    job = PrintJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/carriers/printing/{job.pk}/"
    page = client.get(f"/carriers/printing/{job.pk}/").content.decode()
    assert "000001—000002" in page and 'data-testid="close-form"' in page
    response = client.post("/carriers/printing/", {"carrier": draft.pk, "computer": "JY-01", "copies": 2}, follow=True)
    assert "不得多印自留" in response.content.decode()
    response = client.post(f"/carriers/printing/{job.pk}/", {"waste_pages": 1, "waste_description": "错页"},
                           follow=True)
    assert "入柜" in response.content.decode()
    client.post(f"/carriers/printing/{job.pk}/", {"waste_pages": 1, "waste_description": "错页",
                                                  "drafts_locked": "on"})
    assert PrintJob.objects.get().status == PrintJobStatus.CLOSED
    batch = WasteBatch.objects.get()
    assert 'data-testid="waste-form"' in client.get("/carriers/printing/").content.decode()
    client.post("/carriers/printing/waste/destroy/", {"batches": [batch.pk], "method": "shred",
                                                      "witness": office.lijianhua.pk})
    assert WasteBatch.objects.get().destroyed_at is not None
    assert "印制登记" in client.get(f"/carriers/{draft.pk}/").content.decode()

    # The API: the last copy, closed with no waste; more is refused.
    response = client.post(f"/api/v1/carriers/{draft.pk}/print-jobs", {"computer": "JY-02", "copies": 1},
                           content_type="application/json")
    assert response.status_code == 201 and response.json()["first_serial"] == 3
    job_id = response.json()["id"]
    response = client.post(f"/api/v1/carriers/{draft.pk}/print-jobs", {"computer": "JY-02", "copies": 1},
                           content_type="application/json")
    assert response.status_code == 403 and "不得多印自留" in response.json()["error"]["message"]
    response = client.post(f"/api/v1/carriers/print-jobs/{job_id}/close",
                           {"waste_pages": 0, "drafts_locked": True}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert len(client.get("/api/v1/carriers/print-jobs").json()) == 2
    assert client.get("/api/v1/carriers/waste").json() == []
    # A keeper who may not see the carrier gets "not found".
    zhaolei = login(Client(), office.zhaolei)
    assert zhaolei.get(f"/api/v1/carriers/print-jobs/{job_id}").status_code == 404
    assert zhaolei.get(f"/carriers/printing/{job_id}/").status_code == 404
    with pytest.raises(NotFound):
        selectors.print_job_for(office.zhaolei, job_id)
