"""载体盘点 pages and API: start, scan with htmx (one row per scan, no reload), close, the
report and its files; refusals; a hidden copy never named."""

from __future__ import annotations

import json

from django.test import Client

from baomi.audit.models import AuditEvent
from baomi.carriers.models import CopyStatus
from baomi.stocktake.models import Stocktake
from tests.conftest import login
from tests.stocktake.conftest import CABINET, code, shelf


def test_start_scan_with_htmx_close_and_report(office):
    s = shelf(office)
    client = login(Client(), office.wangfang)
    page = client.get("/stocktake/")
    assert page.status_code == 200 and CABINET in page.content.decode()  # the place list
    response = client.post("/stocktake/start/", {"scope": "location", "location": CABINET})
    take = Stocktake.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/stocktake/{take.pk}/"
    detail = client.get(f"/stocktake/{take.pk}/").content.decode()
    assert 'autofocus' in detail and 'hx-post' in detail
    row = client.post(f"/stocktake/{take.pk}/scan/", {"code": code(s["a"])}, HTTP_HX_REQUEST="true")
    body = row.content.decode()
    assert row.status_code == 200 and body.lstrip().startswith("<tr") and "关于价格监测情况的通报" in body
    again = client.post(f"/stocktake/{take.pk}/scan/", {"code": code(s["a"])}, HTTP_HX_REQUEST="true")
    assert "已扫描过" in again.content.decode() and take.scans.count() == 1
    bad = client.post(f"/stocktake/{take.pk}/scan/", {"code": "BM-C-1-00"}, HTTP_HX_REQUEST="true")
    assert 'data-testid="scan-error"' in bad.content.decode() and "校验位" in bad.content.decode()
    client.post(f"/stocktake/{take.pk}/scan/", {"code": code(s["safe"])}, HTTP_HX_REQUEST="true")
    closed = client.post(f"/stocktake/{take.pk}/close/", {"note": ""}, follow=True).content.decode()
    assert "差异报告" in closed and 'data-testid="missing-count">2<' in closed
    assert "登记存放于：机要室 1号保险柜" in closed
    assert f'action="/carriers/copies/{s["b"].pk}/lost/"' in closed  # report lost, one by one
    lost = client.post(f"/carriers/copies/{s['b'].pk}/lost/", {"note": f"盘点 {take.number} 未找到"})
    assert lost.status_code == 302
    s["b"].refresh_from_db()
    assert s["b"].status == CopyStatus.LOST
    for fmt, magic in (("xlsx", b"PK"), ("pdf", b"%PDF")):
        file = client.get(f"/stocktake/{take.pk}/report.{fmt}")
        assert file.status_code == 200 and file.content.startswith(magic)
    assert AuditEvent.objects.filter(action="stocktake.export").count() == 2
    scan_after = client.post(f"/stocktake/{take.pk}/scan/", {"code": code(s["b"])}, HTTP_HX_REQUEST="true")
    assert "已结束" in scan_after.content.decode()


def test_a_hidden_copy_is_an_unknown_code_on_the_page(office):
    s = shelf(office)
    client = login(Client(), office.zhaolei)
    client.post("/stocktake/start/", {"scope": "location", "location": CABINET})
    take = Stocktake.objects.get()
    row = client.post(f"/stocktake/{take.pk}/scan/", {"code": code(s["hidden"])}, HTTP_HX_REQUEST="true")
    body = row.content.decode()
    assert "未知编码" in body and "重大项目选址方案" not in body
    client.post(f"/stocktake/{take.pk}/close/")
    report = client.get(f"/stocktake/{take.pk}/").content.decode()
    assert "重大项目选址方案" not in report and "未知编码" in report
    xlsx = client.get(f"/stocktake/{take.pk}/report.xlsx").content
    from io import BytesIO

    from openpyxl import load_workbook

    cells = [str(c) for row in load_workbook(BytesIO(xlsx)).active.iter_rows(values_only=True) for c in row]
    assert not any("选址" in c for c in cells) and code(s["hidden"]) in cells


def test_pages_refuse_non_keepers(office):
    shelf(office)
    for who in ("zhoujing", "auditor"):
        client = login(Client(), office.people[who])
        assert client.get("/stocktake/").status_code == 403
        assert client.post("/stocktake/start/", {"scope": "custody"}).status_code == 403
    assert not Stocktake.objects.exists()
    from baomi import policy

    names = {name for _label, name in policy.navigation_for(office.wangfang)}
    assert "stocktake:list" in names
    assert "stocktake:list" not in {name for _label, name in policy.navigation_for(office.zhoujing)}


def api(user, method: str, path: str, body: dict | None = None):
    client = login(Client(), user)
    kwargs: dict = {"content_type": "application/json"}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    response = getattr(client, method)(f"/api/v1/stocktake{path}", **kwargs)
    return response.status_code, (response.json() if response["Content-Type"].startswith("application/json")
                                  else response.content)


def test_api_start_scan_close_and_report(office):
    s = shelf(office)
    status, started = api(office.wangfang, "post", "", {"scope": "location", "location": CABINET})
    assert status == 201 and started["expected"] == 3 and started["status"] == "open"
    sid = started["id"]
    status, scanned = api(office.wangfang, "post", f"/{sid}/scans", {"code": code(s["a"])})
    assert status == 200 and scanned["copy_id"] == s["a"].pk and scanned["created"] is True
    status, again = api(office.lijianhua, "post", f"/{sid}/scans", {"code": code(s["a"])})
    assert status == 200 and again["created"] is False
    status, error = api(office.wangfang, "post", f"/{sid}/scans", {"code": "nonsense"})
    assert status == 400 and error["error"]["code"] == "invalid"
    status, _refused = api(office.zhoujing, "post", f"/{sid}/scans", {"code": code(s["b"])})
    assert status == 403
    status, report = api(office.wangfang, "post", f"/{sid}/close", {"note": "完成"})
    assert status == 200 and report["status"] == "closed"
    assert {line["copy_id"] for line in report["missing"]} == {s["b"].pk, s["hidden"].pk}
    status, theirs = api(office.zhaolei, "get", f"/{sid}")
    assert status == 200 and {line["copy_id"] for line in theirs["missing"]} == {s["b"].pk}
    status, listed = api(office.wangfang, "get", "")
    assert status == 200 and [x["id"] for x in listed] == [sid]
    status, content = api(office.wangfang, "get", f"/{sid}/report?format=pdf")
    assert status == 200 and content.startswith(b"%PDF")
    status, _ = api(office.wangfang, "post", f"/{sid}/scans", {"code": code(s["b"])})
    assert status == 409
    assert api(office.zhoujing, "get", "")[0] == 403
