"""Pages and API: who sees the register (保密办: all; custodians: their own; administrators
and others: none), the navigation entry, registering and importing through the edges."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from baomi import policy
from baomi.devices.models import Device, ScanReport
from tests.conftest import login
from tests.devices.conftest import device


def _nav(user) -> list[str]:
    return [name for _label, name in policy.navigation_for(user)]


def test_navigation_entry_for_the_secrecy_office_and_custodians_only(office):
    assert "devices:list" in _nav(office.lijianhua)
    assert "devices:list" not in _nav(office.zhoujing)
    assert "devices:list" not in _nav(office.secadmin)
    device(office, "GH-PC-01", level=3, custodian=office.zhoujing, unit="planning")
    assert "devices:list" in _nav(office.zhoujing)


def test_custodian_sees_own_devices_only_and_no_actions(office):
    mine = device(office, "GH-PC-01", level=3, custodian=office.zhoujing, unit="planning")
    other = device(office, "JY-PC-01")
    client = login(Client(), office.zhoujing)
    page = client.get("/devices/").content.decode()
    assert "GH-PC-01" in page and "JY-PC-01" not in page and 'data-testid="register"' not in page
    assert client.get(f"/devices/{other.pk}/").status_code == 404
    detail = client.get(f"/devices/{mine.pk}/").content.decode()
    assert "GH-PC-01" in detail and 'data-testid="scan"' not in detail
    client.post(f"/devices/{mine.pk}/repair/", {"repairer_unit": "x"})
    assert Device.objects.get(pk=mine.pk).status == "in_use"


def test_people_without_devices_and_administrators_are_refused(office):
    device(office, "JY-PC-01")
    for person in (office.zhengli, office.secadmin, office.auditor):
        response = login(Client(), person).get("/devices/")
        assert response.status_code == 403, person
        assert "JY-PC-01" not in response.content.decode()


def test_secrecy_office_registers_and_imports_through_the_pages(office):
    client = login(Client(), office.lijianhua)
    response = client.post("/devices/register/", {
        "asset_no": "GH-PC-02", "kind": "plain_pc", "network": "intranet", "level": "2",
        "custodian": office.zhoujing.pk, "unit": office.units["planning"].pk, "location": "规划科"})
    pc = Device.objects.get(asset_no="GH-PC-02")
    assert response.status_code == 302
    refused = client.post("/devices/register/", {
        "asset_no": "BGS-NET-09", "kind": "internet_pc", "network": "internet", "level": "3",
        "custodian": office.liumin.pk, "unit": office.units["office"].pk}, follow=True)
    assert "上网微机不办公" in refused.content.decode() and not Device.objects.filter(asset_no="BGS-NET-09").exists()
    upload = SimpleUploadedFile("scan.jsonl", b'{"v": 1, "path": "/a.txt", "status": "ok", "findings": []}\n')
    client.post(f"/devices/{pc.pk}/scan/", {"report": upload})
    assert ScanReport.objects.filter(device=pc).count() == 1
    bad = SimpleUploadedFile("scan.jsonl", b"oops\n")
    page = client.post(f"/devices/{pc.pk}/scan/", {"report": bad}, follow=True).content.decode()
    assert "第 1 行不是有效的 JSON" in page and ScanReport.objects.count() == 1
    detail = client.get(f"/devices/{pc.pk}/").content.decode()
    assert "/a.txt" not in detail  # no findings: only files with findings are kept
    assert 'data-testid="scan"' in detail and "#" in detail
    counted = SimpleUploadedFile("scan.jsonl", json.dumps({
        "v": 1, "path": "/台账.xlsx", "status": "ok", "findings": [], "omitted": 3,
        "counts": {"mark": 0, "keyword": 3, "fingerprint": 0}, "levels": {"INTERNAL": {"keyword": 3}}},
        ensure_ascii=False).encode())
    client.post(f"/devices/{pc.pk}/scan/", {"report": counted})
    detail = client.get(f"/devices/{pc.pk}/").content.decode()
    assert "/台账.xlsx" in detail and "未列出明细（仅计数）：标志 0，关键词 3，指纹 0" in detail


def test_medium_page_shows_its_bindings_and_refusals(office):
    usb = device(office, "U-GH-03", kind="usb", network="standalone", level=3, content_level=3,
                 custodian=office.sunwei, unit="planning")
    net = device(office, "BGS-NET-01", kind="internet_pc", network="internet", level=0, unit="office",
                 custodian=office.liumin)
    pc = device(office, "GH-PC-01", custodian=office.sunwei, unit="planning")
    client = login(Client(), office.lijianhua)
    page = client.post(f"/devices/{usb.pk}/bind/", {"device": net.pk}, follow=True).content.decode()
    assert "涉密介质不得接入非涉密设备" in page
    client.post(f"/devices/{usb.pk}/bind/", {"device": pc.pk})
    page = client.get(f"/devices/{usb.pk}/").content.decode()
    assert "GH-PC-01" in page and "存储内容最高密级" in page
    assert client.post(f"/devices/{usb.pk}/nonsense/").status_code == 404


def test_api_lists_registers_and_imports(office):
    device(office, "JY-PC-01")
    mine = device(office, "GH-PC-01", level=3, custodian=office.zhoujing, unit="planning")
    officer, staff = login(Client(), office.lijianhua), login(Client(), office.zhoujing)
    assert [d["asset_no"] for d in json.loads(staff.get("/api/v1/devices").content)] == ["GH-PC-01"]
    assert len(json.loads(officer.get("/api/v1/devices").content)) == 2
    body = {"asset_no": "BGS-NET-01", "kind": "internet_pc", "network": "internet", "level": 3,
            "custodian_id": office.liumin.pk}
    response = officer.post("/api/v1/devices", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 403 and "上网微机不办公" in json.loads(response.content)["error"]["message"]
    response = officer.post("/api/v1/devices", data=json.dumps({**body, "level": 0}),
                            content_type="application/json")
    assert response.status_code == 201 and json.loads(response.content)["network"] == "internet"
    assert staff.post("/api/v1/devices", data=json.dumps({**body, "asset_no": "Z"}),
                      content_type="application/json").status_code == 403
    upload = SimpleUploadedFile("scan.jsonl", b'{"v": 1, "path": "/a.txt", "status": "ok", "findings": []}\n')
    response = officer.post(f"/api/v1/devices/{mine.pk}/scan-reports", {"file": upload})
    assert response.status_code == 201 and json.loads(response.content)["files"] == 1
    bad = SimpleUploadedFile("scan.jsonl", b"{bad\n")
    response = officer.post(f"/api/v1/devices/{mine.pk}/scan-reports", {"file": bad})
    assert response.status_code == 400 and ScanReport.objects.count() == 1
