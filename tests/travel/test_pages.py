"""Pages and API: thin over the services; hidden things answer 404."""

from __future__ import annotations

from baomi import policy
from baomi.travel import services
from tests.conftest import login
from tests.factories import PASSWORD
from tests.travel.conftest import apply, approve, days


def _passport(office, holder):
    return services.document_register(actor=office.lijianhua, holder=holder, kind="passport", number="E12345678",
                                      expires_on=days(900))


def test_navigation_entry(office):
    assert ("出国境", "travel:index") in policy.navigation_for(office.zhoujing)
    assert ("出国境", "travel:index") in policy.navigation_for(office.lijianhua)
    assert ("出国境", "travel:index") not in policy.navigation_for(office.zhengli)  # no role, no clearance
    assert ("出国境", "travel:index") not in policy.navigation_for(office.secadmin)


def test_pages_for_traveller_and_secrecy_office(client, office):
    doc = _passport(office, office.zhoujing)
    trip = apply(office.zhoujing)
    approve(trip.approval, office.sunwei, office.lijianhua)
    login(client, office.zhoujing)
    page = client.get("/travel/").content.decode()
    assert "E******78" in page and "E12345678" not in page
    assert client.get("/travel/apply/").status_code == 200
    assert client.get("/travel/documents/").status_code == 403
    trip_page = client.get(f"/travel/trips/{trip.pk}/").content.decode()
    assert "行前保密教育" in trip_page
    response = client.post(f"/travel/trips/{trip.pk}/briefing/", {"password": PASSWORD})
    assert response.status_code == 302
    trip.refresh_from_db()
    assert trip.briefed_at is not None
    client.logout()
    login(client, office.lijianhua)
    assert "E12345678" in client.get("/travel/documents/").content.decode()
    response = client.post(f"/travel/trips/{trip.pk}/issue/", {"document": doc.pk})
    assert response.status_code == 302
    doc.refresh_from_db()
    assert doc.status == "out"
    assert client.get(f"/travel/people/{office.zhoujing.pk}/").status_code == 200
    index = client.get("/travel/").content.decode()
    assert "逾期未交回的证件" in index and f"#{trip.pk}" in index
    client.logout()
    login(client, office.sunwei)
    assert client.get(f"/travel/trips/{trip.pk}/").status_code == 404
    assert client.get(f"/travel/people/{office.zhoujing.pk}/").status_code == 404


def test_report_page_and_api_hidden_from_colleague(client, office):
    report = services.report_file(actor=office.zhoujing, kind="approach", event_on=days(0), description="对方索要资料")
    login(client, office.sunwei)
    assert client.get(f"/travel/reports/{report.pk}/").status_code == 404
    assert client.get(f"/api/v1/travel/reports/{report.pk}").status_code == 404
    assert client.get("/api/v1/travel/reports").json() == []
    client.logout()
    login(client, office.lijianhua)
    assert "跟进记录" in client.get(f"/travel/reports/{report.pk}/").content.decode()
    assert client.get("/travel/reports/").status_code == 200
    response = client.post(f"/travel/reports/{report.pk}/follow-up/", {"action": "电话了解情况"})
    assert response.status_code == 302 and report.follow_ups.count() == 1
    body = client.get(f"/api/v1/travel/reports/{report.pk}").json()
    assert body["kind"] == "approach" and body["late"] is False
    response = client.post(f"/api/v1/travel/reports/{report.pk}/follow-ups", {"action": "谈话了解情况"},
                           content_type="application/json")
    assert response.status_code == 201 and len(response.json()["follow_ups"]) == 2


def test_api_apply_and_refused_issue(client, office):
    doc = _passport(office, office.zhoujing)
    login(client, office.zhoujing)
    response = client.post("/api/v1/travel/trips", {
        "kind": "private", "destinations": "日本", "purpose": "探亲", "depart_on": days(10).isoformat(),
        "return_on": days(15).isoformat()}, content_type="application/json")
    assert response.status_code == 201, response.content
    trip_id = response.json()["id"]
    assert [t["id"] for t in client.get("/api/v1/travel/trips?limit=-1&offset=-5").json()] == []
    assert [t["id"] for t in client.get("/api/v1/travel/trips").json()] == [trip_id]
    assert client.get("/api/v1/travel/documents").json()[0]["number"] == "E******78"
    client.logout()
    login(client, office.lijianhua)
    response = client.post(f"/api/v1/travel/documents/{doc.pk}/issue", {"trip_id": trip_id},
                           content_type="application/json")
    assert response.status_code == 403 and "未经审批批准" in response.json()["error"]["message"]
    assert client.get("/api/v1/travel/documents").json()[0]["number"] == "E12345678"
