"""The meetings API: the life cycle and its refusals over /api/v1/meetings/."""

from __future__ import annotations

import pytest

from baomi.levels import Level
from baomi.meetings.models import Meeting, MeetingStatus
from tests.conftest import login
from tests.meetings.conftest import approve_all, papers, venue

pytestmark = pytest.mark.django_db


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def test_life_cycle_over_the_api(client, office):
    hall = venue(office, max_level=None, name="多功能厅")
    room = venue(office)
    login(client, office.sunwei)
    body = {"title": "选址专题会", "level": int(Level.SECRET), "venue_id": hall.pk,
            "starts_at": "2030-01-10T09:00:00+08:00", "ends_at": "2030-01-10T11:00:00+08:00",
            "clerk_id": office.wangfang.pk}
    refused = post(client, "/api/v1/meetings/", body)
    assert refused.status_code == 403 and "多功能厅" in refused.json()["error"]["message"]
    created = post(client, "/api/v1/meetings/", {**body, "venue_id": room.pk})
    assert created.status_code == 201, created.content
    mid = created.json()["id"]
    assert post(client, f"/api/v1/meetings/{mid}/attendees", {"person_id": office.zhoujing.pk}).status_code == 403
    assert post(client, f"/api/v1/meetings/{mid}/attendees", {"person_id": office.chen.pk}).status_code == 201
    carrier = papers(office, [office.sunwei, office.chen], copies=1)
    listed = post(client, f"/api/v1/meetings/{mid}/papers", {"register_no": carrier.register_no})
    assert listed.json()["paper_ids"] == [carrier.pk]
    assert post(client, f"/api/v1/meetings/{mid}/submit").json()["status"] == MeetingStatus.SUBMITTED
    approve_all(Meeting.objects.get(pk=mid).approval, office.chen)
    assert post(client, f"/api/v1/meetings/{mid}/start",
                {"no_wireless_mics": True, "rules_announced": False}).status_code == 403
    assert post(client, f"/api/v1/meetings/{mid}/start",
                {"no_wireless_mics": True, "rules_announced": True}).json()["status"] == MeetingStatus.IN_PROGRESS
    outsider = post(client, f"/api/v1/meetings/{mid}/check-in",
                    {"person_id": office.liumin.pk, "phone": "deposited", "rules_acknowledged": True})
    assert outsider.status_code == 403 and "刘敏" in outsider.json()["error"]["message"]
    for person in (office.sunwei, office.chen):
        assert post(client, f"/api/v1/meetings/{mid}/check-in",
                    {"person_id": person.pk, "phone": "deposited", "rules_acknowledged": True}).status_code == 200
    detail = client.get(f"/api/v1/meetings/{mid}").json()
    chen = next(a for a in detail["attendees"] if a["person_id"] == office.chen.pk)
    login(client, office.wangfang)
    issued = post(client, f"/api/v1/meetings/{mid}/materials",
                  {"copy_id": carrier.copies.get().pk, "attendee_id": chen["id"]})
    assert issued.status_code == 201, issued.content
    login(client, office.sunwei)
    blocked = post(client, f"/api/v1/meetings/{mid}/close")
    assert blocked.status_code == 403 and "第000001份" in blocked.json()["error"]["message"]
    login(client, office.wangfang)
    assert post(client, f"/api/v1/meetings/{mid}/materials/{issued.json()['id']}/collect").status_code == 200
    minutes = post(client, f"/api/v1/meetings/{mid}/minutes", {"title": "会议记录", "mark": "机密★10年"})
    assert minutes.status_code == 200 and minutes.json()["minutes_id"]
    login(client, office.sunwei)
    assert post(client, f"/api/v1/meetings/{mid}/close").json()["status"] == MeetingStatus.CLOSED
    assert [m["id"] for m in client.get("/api/v1/meetings/").json()] == [mid]
    login(client, office.liumin)
    assert client.get("/api/v1/meetings/").json() == []


def test_api_venues_need_the_secrecy_office(client, office):
    login(client, office.sunwei)
    assert post(client, "/api/v1/meetings/venues", {"name": "会议室", "max_level": 4}).status_code == 403
    login(client, office.lijianhua)
    assert post(client, "/api/v1/meetings/venues", {"name": "会议室", "max_level": 4}).status_code == 201
    assert client.get("/api/v1/meetings/venues").json()[0]["name"] == "会议室"
