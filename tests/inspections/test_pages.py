"""Pages and API: who sees the 保密检查 entry, the rectification report/verify forms, the
report downloads, and what others get (not found / refused)."""

from __future__ import annotations

import datetime

from baomi import policy
from baomi.inspections import services
from baomi.inspections.models import Rectification, RectStatus, SiteKind
from tests.conftest import login
from tests.factories import make_admin
from tests.inspections.conftest import Office

D = datetime.date


def _setup(office: Office) -> Rectification:
    insp = services.inspection_create(actor=office.officer, title="国庆节前检查", unit=office.finance,
                                      planned_on=D(2027, 9, 21), inspector=office.inspector)
    finding = services.finding_record(actor=office.inspector, inspection=insp, text="文件柜未加锁", severity="major",
                                      owner=office.owner, due_on=D(2027, 10, 15))
    return Rectification.objects.get(finding=finding)


def test_navigation_entry_for_office_inspector_and_owner_only(office: Office):
    _setup(office)
    entry = ("保密检查", "inspections:index")
    for person in (office.officer, office.inspector, office.owner):
        assert entry in [(str(a), b) for a, b in policy.navigation_for(person)]
    assert entry not in [(str(a), b) for a, b in policy.navigation_for(office.stranger)]
    assert entry not in [(str(a), b) for a, b in policy.navigation_for(make_admin("security", "fengxue"))]


def test_owner_reports_and_inspector_verifies_on_the_pages(client, office: Office):
    rect = _setup(office)
    login(client, office.owner)
    page = client.get("/inspections/")
    assert page.status_code == 200 and "文件柜未加锁" in page.content.decode()
    client.post(f"/inspections/rectifications/{rect.pk}/", {"action": "report", "note": "已加锁"})
    # the owner's own verification is refused and shown as a message
    client.post(f"/inspections/rectifications/{rect.pk}/", {"action": "verify", "accepted": "1"})
    rect.refresh_from_db()
    assert rect.status == RectStatus.REPORTED
    client.logout()
    login(client, office.inspector)
    client.post(f"/inspections/rectifications/{rect.pk}/", {"action": "verify", "accepted": "1", "note": "已落实"})
    rect.refresh_from_db()
    assert rect.status == RectStatus.CLOSED


def test_others_get_refused_or_not_found(client, office: Office):
    rect = _setup(office)
    login(client, office.stranger)
    assert client.get("/inspections/").status_code == 403
    client.logout()
    other = services.rectification_open(actor=office.officer, title="另一单位事项", description="", unit=office.top,
                                        owner=office.officer, due_on=None, source="x", source_ref="")
    login(client, office.owner)
    assert client.get(f"/inspections/rectifications/{rect.pk}/").status_code == 200
    assert client.get(f"/inspections/rectifications/{other.pk}/").status_code == 404
    assert "另一单位事项" not in client.get("/inspections/").content.decode()


def test_report_downloads(client, office: Office):
    rect = _setup(office)
    login(client, office.inspector)
    insp_id = rect.finding.inspection_id  # type: ignore[union-attr]
    pdf = client.get(f"/inspections/{insp_id}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    doc = client.get(f"/inspections/{insp_id}/report.docx")
    assert doc.status_code == 200 and doc.content.startswith(b"PK")
    assert client.get(f"/inspections/{insp_id}/report.exe").status_code == 404


def test_api_rectifications_and_site_entry(client, office: Office):
    rect = _setup(office)
    site = services.site_register(actor=office.officer, name="财务室", kind=SiteKind.FINANCE, location="201",
                                  unit=office.finance, responsible=office.unit_officer, leader=office.leader)
    login(client, office.owner)
    listed = client.get("/api/v1/inspections/rectifications").json()
    assert [r["id"] for r in listed] == [rect.pk]
    done = client.post(f"/api/v1/inspections/rectifications/{rect.pk}/report", {"note": "已加锁"},
                       content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "reported"
    refused = client.post(f"/api/v1/inspections/rectifications/{rect.pk}/verify", {"accepted": True},
                          content_type="application/json")
    assert refused.status_code == 403
    client.logout()
    login(client, office.unit_officer)
    entry = client.post(f"/api/v1/inspections/sites/{site.pk}/entries", {"person_id": office.stranger.pk,
                                                                        "purpose": "送材料"},
                        content_type="application/json")
    assert entry.status_code == 403
    ok = client.post(f"/api/v1/inspections/sites/{site.pk}/entries", {"person_id": office.unit_officer.pk,
                                                                     "purpose": "值班"},
                     content_type="application/json")
    assert ok.status_code == 200


def test_inspector_records_a_finding_with_evidence_on_the_page(client, office: Office):
    from django.core.files.uploadedfile import SimpleUploadedFile

    insp = services.inspection_create(actor=office.officer, title="自查", unit=office.finance,
                                      planned_on=D(2027, 3, 1), inspector=office.inspector)
    login(client, office.inspector)
    assert "记录问题" in client.get(f"/inspections/{insp.pk}/").content.decode()
    photo = SimpleUploadedFile("desk.jpg", b"\xff\xd8photo", content_type="image/jpeg")
    client.post(f"/inspections/{insp.pk}/", {"action": "finding", "text": "桌面有秘密文件", "severity": "minor",
                                             "owner": office.owner.username, "due_on": "2027-03-20",
                                             "evidence": photo})
    rect = Rectification.objects.get(finding__inspection=insp)
    assert rect.owner == office.owner and rect.due_on == D(2027, 3, 20)
    assert bytes(rect.finding.evidence) == b"\xff\xd8photo"  # type: ignore[union-attr,arg-type]
    got = client.get(f"/inspections/findings/{rect.finding_id}/evidence")
    assert got.status_code == 200 and got.content == b"\xff\xd8photo"
    client.post(f"/inspections/{insp.pk}/", {"action": "complete", "summary": "完成"})
    insp.refresh_from_db()
    assert insp.status == "done"
    client.logout()
    login(client, office.owner)  # an owner is no inspector: not found
    assert client.get(f"/inspections/{insp.pk}/").status_code == 404
    assert client.get(f"/inspections/findings/{rect.finding_id}/evidence").status_code == 404
