"""Who sees what: the secrecy office all, the reporter their report's status, a person the
penalty decided about them, colleagues and administrators nothing; titles above clearance never."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from baomi import policy
from baomi.errors import NotFound
from baomi.incidents import selectors, services
from baomi.incidents.models import Incident
from baomi.personnel.selectors import module_sections
from tests.carriers.conftest import first_copy, register
from tests.conftest import login
from tests.incidents.conftest import report


def _judged(office) -> Incident:
    incident = report(office.wangfang, people=[office.zhoujing], title="规划科秘密文件丢失")
    services.incident_notify(actor=office.lijianhua, incident=incident, at=timezone.now(), to="市保密局", how="电话")
    services.responsibility_determine(actor=office.lijianhua, incident=incident, finding="未随身保管",
                                      severity="ordinary", responsible=[office.zhoujing])
    services.penalty_decide(actor=office.lijianhua, incident=incident, person=office.zhoujing, kind="warning")
    return incident


def test_each_reader_sees_only_their_part(office):
    incident = _judged(office)
    assert selectors.incident_for(office.lijianhua, incident.pk) == incident
    assert selectors.incident_for(office.wangfang, incident.pk) == incident  # the reporter
    assert selectors.incident_for(office.zhoujing, incident.pk) == incident  # the penalised person
    assert [p.person for p in selectors.penalties_for(office.zhoujing, incident)] == [office.zhoujing]
    assert not selectors.reads_case(office.zhoujing, incident)
    for colleague in (office.sunwei, office.wutao, office.secadmin, office.sysadmin, office.auditor):
        with pytest.raises(NotFound):
            selectors.incident_for(colleague, incident.pk)
        assert not selectors.incidents_visible_to(colleague).exists()


def test_penalty_on_the_persons_record(office):
    _judged(office)
    own = selectors.profile_section(office.zhoujing, office.zhoujing)
    assert own is not None and own["title"] == "泄密事件与处分" and "警告" in own["rows"][0][1]
    assert own["url"] is None
    assert selectors.profile_section(office.lijianhua, office.zhoujing)["url"] == "/incidents/"  # type: ignore[index]
    assert selectors.profile_section(office.sunwei, office.zhoujing) is None
    assert selectors.profile_section(office.secadmin, office.zhoujing) is None
    assert selectors.profile_section(office.zhoujing, office.wutao) is None  # nothing on 吴涛's record
    titles = [s["title"] for s in module_sections(office.zhoujing, office.zhoujing)]
    assert "泄密事件与处分" in titles


def test_titles_above_clearance_are_never_shown(office):
    incident = services.incident_draft(actor=office.wangfang, title="绝密文件传阅中缺页", level=5,
                                       circumstances="", source="test", source_ref="1")
    assert selectors.title_for(office.zhaolei, incident) == incident.number  # GENERAL clearance
    assert selectors.title_for(office.wangfang, incident) == "绝密文件传阅中缺页"  # CORE
    login_client = login(Client(), office.zhaolei)
    page = login_client.get("/incidents/").content.decode()
    assert "绝密文件传阅中缺页" not in page and incident.number.split()[-1] in page
    body = json.loads(login_client.get(f"/api/v1/incidents/{incident.pk}").content)
    assert body["title"] == incident.number


def test_pages_api_and_navigation(client, office):
    assert ("泄密事件", "incidents:list") in policy.navigation_for(office.lijianhua)
    assert ("泄密事件", "incidents:list") not in policy.navigation_for(office.zhoujing)
    assert ("泄密事件", "incidents:list") not in policy.navigation_for(office.secadmin)
    copy = first_copy(register(office.wangfang, mark="秘密★5年"))
    login(client, office.wangfang)
    assert client.get("/incidents/report/").status_code == 200
    response = client.post("/incidents/report/", {
        "title": "秘密文件疑似外泄", "kind": "suspected", "level": 3,
        "discovered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "description": "在复印机旁发现复印件",
        "people": "zhoujing"})
    assert response.status_code == 302
    incident = Incident.objects.get()
    mine = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "处理中" in mine and "处置记录" not in mine  # the reporter follows the status only
    assert client.post(f"/incidents/{incident.pk}/measure/", {"text": "x"}).status_code == 403
    client.logout()
    login(client, office.lijianhua)
    assert client.post(f"/incidents/{incident.pk}/measure/", {"text": "收回复印件"}).status_code == 302
    assert "收回复印件" in client.get(f"/incidents/{incident.pk}/").content.decode()
    assert client.get("/incidents/statistics/").status_code == 200
    assert client.get("/incidents/").status_code == 200
    # API
    api = login(Client(), office.lijianhua)
    status = api.post(f"/api/v1/incidents/{incident.pk}/notify", data=json.dumps(
        {"at": timezone.now().isoformat(), "to": "市国家保密局", "how": "电话"}), content_type="application/json")
    assert status.status_code == 200 and status.json()["notified_at"]
    created = api.post("/api/v1/incidents/", data=json.dumps({
        "title": "载体丢失", "kind": "lost", "level": 3, "description": "遗失", "copy_ids": [copy.pk],
        "discovered_at": timezone.now().isoformat()}), content_type="application/json")
    assert created.status_code == 201 and created.json()["copy_ids"] == [copy.pk]
    assert api.get("/api/v1/incidents/statistics").json()["by_kind"][0] == ["丢失", 1]
    other = login(Client(), office.sunwei)
    assert other.get(f"/api/v1/incidents/{incident.pk}").status_code == 404
    assert other.get("/api/v1/incidents/").json() == []
    assert other.get("/api/v1/incidents/statistics").status_code == 404
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    assert sum(1 for p in schema["paths"] if p.startswith("/api/v1/incidents")) >= 9


def test_the_reporter_is_not_named_to_the_people_involved(office):
    incident = _judged(office)
    client = login(Client(), office.zhoujing)
    body = json.loads(client.get(f"/api/v1/incidents/{incident.pk}").content)
    assert body["reporter_id"] is None and body["description"] is None
    assert [p["kind"] for p in body["penalties"]] == ["warning"]
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "王芳" not in page and "警告" in page
    office_view = json.loads(login(Client(), office.lijianhua).get(f"/api/v1/incidents/{incident.pk}").content)
    assert office_view["reporter_id"] == office.wangfang.pk
