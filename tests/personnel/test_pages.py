"""The personnel pages and API: who sees what, the person page, signing through the page."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from baomi.levels import Clearance, Level
from baomi.personnel import services
from baomi.personnel.models import Commitment
from tests.conftest import login
from tests.factories import PASSWORD
from tests.personnel.conftest import commit, post, vet


def page(user, url: str) -> tuple[int, str]:
    response = login(Client(), user).get(url)
    return response.status_code, response.content.decode()


def test_visibility_of_person_pages(office):
    url = f"/personnel/people/{office.zhoujing.pk}/"
    assert page(office.zhoujing, url)[0] == 200  # own page
    assert page(office.lijianhua, url)[0] == 200  # 保密办
    assert page(office.secadmin, url)[0] == 200  # grants clearance: sees the statuses
    assert page(office.sunwei, url)[0] == 404  # a colleague
    assert page(office.auditor, url)[0] == 404
    assert page(office.sysadmin, url)[0] == 404


def test_report_texts_are_for_the_person_and_the_secrecy_office(office, monkeypatch):
    import datetime

    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2026, 12, 10))
    services.annual_report_submit(actor=office.zhoujing, year=2026, text="全年无违规情况", duties=[])
    url = f"/personnel/people/{office.zhoujing.pk}/"
    assert "全年无违规情况" in page(office.zhoujing, url)[1]
    assert "全年无违规情况" in page(office.lijianhua, url)[1]
    assert "全年无违规情况" not in page(office.secadmin, url)[1]


def test_person_page_brings_everything_together(office):
    vet(office, office.sunwei, Clearance.IMPORTANT)
    commit(office, office.sunwei)
    services.post_assign(actor=office.secadmin, person=office.sunwei, post=post(office, "规划科科长", Level.SECRET))
    status, html = page(office.lijianhua, f"/personnel/people/{office.sunwei.pk}/")
    assert status == 200
    assert "规划科科长" in html and 'data-testid="category">重要<' in html
    assert "上岗保密承诺书" in html and "审查有效，上岗承诺书已签署" in html


def test_index_lists_overdue_for_the_secrecy_office_and_redirects_others(office):
    services.commitment_prepare(actor=office.lijianhua, person=office.zhoujing, kind="hire")
    status, html = page(office.lijianhua, "/personnel/")
    assert status == 200 and "待签署的承诺书" in html and "周静" in html
    response = login(Client(), office.zhoujing).get("/personnel/")
    assert response.status_code == 302 and response.url == f"/personnel/people/{office.zhoujing.pk}/"
    assert page(office.auditor, "/personnel/")[0] == 404


def test_signing_through_the_page(office):
    c = services.commitment_prepare(actor=office.lijianhua, person=office.zhoujing, kind="hire")
    client = login(Client(), office.zhoujing)
    wrong = client.post(f"/personnel/commitments/{c.pk}/", {"password": "nope"})
    assert "密码不正确" in wrong.content.decode()
    done = client.post(f"/personnel/commitments/{c.pk}/", {"password": PASSWORD})
    assert done.status_code == 302
    assert Commitment.objects.get(pk=c.pk).signed_at is not None
    pdf = client.get(f"/personnel/commitments/{c.pk}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert page(office.sunwei, f"/personnel/commitments/{c.pk}/")[0] == 404


def test_navigation_entry(office):
    html = page(office.zhoujing, "/")[1]
    assert 'href="/personnel/"' in html


def api(user, method: str, url: str, body: dict | None = None) -> tuple[int, dict]:
    client = login(Client(), user)
    if method == "get":
        response = client.get(f"/api/v1/personnel{url}")
    else:
        response = getattr(client, method)(f"/api/v1/personnel{url}", data=json.dumps(body or {}),
                                           content_type="application/json")
    return response.status_code, (response.json() if response.content else {})


@pytest.mark.parametrize("who", ["sunwei", "auditor"])
def test_api_hides_other_people(office, who):
    status, data = api(office.people[who], "get", f"/people/{office.zhoujing.pk}")
    assert status == 404 and data["error"]["code"] == "not_found"


def test_api_register_flow(office):
    status, created = api(office.secadmin, "post", "/posts",
                          {"name": "规划编制岗", "unit_id": office.units["planning"].pk, "level": 4})
    assert status == 201 and created["category"] == 2
    status, refused = api(office.secadmin, "post", "/assignments",
                          {"person_id": office.zhengli.pk, "post_id": created["id"]})
    assert status == 403 and "尚未经过涉密人员审查" in refused["error"]["message"]
    status, _v = api(office.lijianhua, "post", f"/people/{office.zhengli.pk}/vettings",
                     {"category": 2, "result": "pass", "documents": ["政审表.pdf"]})
    assert status == 201
    status, c = api(office.lijianhua, "post", f"/people/{office.zhengli.pk}/commitments", {"kind": "hire"})
    assert status == 201
    assert api(office.zhengli, "post", f"/commitments/{c['id']}/sign", {"password": "bad"})[0] == 403
    assert api(office.zhengli, "post", f"/commitments/{c['id']}/sign", {"password": PASSWORD})[0] == 200
    body = {"person_id": office.zhengli.pk, "post_id": created["id"]}
    status, _a = api(office.secadmin, "post", "/assignments", body)
    assert status == 201
    status, person = api(office.zhengli, "get", f"/people/{office.zhengli.pk}")
    assert person["clearance"] == 2 and person["post"]["name"] == "规划编制岗" and person["clearance_blocked"] is None
    assert api(office.zhoujing, "get", "/overdue")[0] == 403
    status, overdue = api(office.lijianhua, "get", "/overdue")
    assert status == 200 and "reports_missing" in overdue


def test_home_card(office):
    services.commitment_prepare(actor=office.lijianhua, person=office.zhoujing, kind="hire")
    assert "我的涉密人员事项" in page(office.zhoujing, "/")[1]
    assert "涉密人员逾期事项" in page(office.lijianhua, "/")[1]


def test_person_page_shows_the_other_modules_sections_to_whom_they_allow(office):
    url = f"/personnel/people/{office.zhoujing.pk}/"
    officer_view = page(office.lijianhua, url)[1]
    assert "<h2>培训与考试</h2>" in officer_view and "<h2>出国境与重大事项</h2>" in officer_view
    security_view = page(office.secadmin, url)[1]
    assert "<h2>培训与考试</h2>" not in security_view and "<h2>出国境与重大事项</h2>" not in security_view


def test_openapi_lists_the_personnel_endpoints(office):
    schema = login(Client(), office.lijianhua).get("/api/v1/openapi.json").json()
    paths = [p for p in schema["paths"] if p.startswith("/api/v1/personnel/")]
    assert "/api/v1/personnel/people/{person_id}" in paths and len(paths) >= 15
