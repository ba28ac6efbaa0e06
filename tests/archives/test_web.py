"""档案 pages and API: thin over the services, hidden = not found, one error shape."""

from __future__ import annotations

import json

from django.test import Client

from baomi import policy
from baomi.accounts.models import User
from baomi.archives.models import AccessRequest, AccessStatus
from tests.archives.conftest import approve_all, archived
from tests.carriers.conftest import first_copy, tomorrow
from tests.conftest import login

ENDPOINTS = {
    ("get", "/api/v1/archives/entries"), ("post", "/api/v1/archives/entries"),
    ("get", "/api/v1/archives/entries/{entry_id}"), ("get", "/api/v1/archives/requests"),
    ("post", "/api/v1/archives/requests"), ("get", "/api/v1/archives/requests/{request_id}"),
    ("post", "/api/v1/archives/requests/{request_id}/session"),
    ("post", "/api/v1/archives/requests/{request_id}/session/close"),
    ("post", "/api/v1/archives/requests/{request_id}/parts/{part_id}/view"),
    ("post", "/api/v1/archives/requests/{request_id}/excerpts"),
    ("post", "/api/v1/archives/excerpts/{excerpt_id}/review"),
    ("post", "/api/v1/archives/requests/{request_id}/widen"),
    ("get", "/api/v1/archives/loans"), ("post", "/api/v1/archives/loans"),
    ("post", "/api/v1/archives/loans/{loan_id}/return"), ("post", "/api/v1/archives/custodians"),
}


def call(user: User, method: str, path: str, body: dict | None = None) -> tuple[int, dict | list | None]:
    client = login(Client(), user)
    kwargs: dict = {"content_type": "application/json"}
    if body is not None:
        kwargs["data"] = json.dumps(body, default=str)
    response = getattr(client, method)(f"/api/v1/archives{path}", **kwargs)
    return response.status_code, (json.loads(response.content) if response.content else None)


def test_openapi_lists_every_archives_endpoint(client, db):
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    found = {(method, path) for path, ops in schema["paths"].items() for method in ops
             if path.startswith("/api/v1/archives")}
    assert found == ENDPOINTS


def test_reading_through_the_api(office):
    o = office
    entry = archived(o)
    part_ids = [p.pk for p in entry.parts.order_by("seq")]
    status, body = call(o.zhoujing, "get", f"/entries/{entry.pk}")
    assert status == 404 and body == {"error": {"code": "not_found", "message": "对象不存在"}}
    status, listed = call(o.sunwei, "get", "/entries")
    assert status == 200 and [e["file_no"] for e in listed] == [entry.file_no]  # type: ignore[index]
    status, body = call(o.sunwei, "post", "/requests", {"part_ids": part_ids[:1], "purpose": "核对"})
    assert status == 201 and body["status"] == "pending"  # type: ignore[index]
    access = AccessRequest.objects.get(pk=body["id"])  # type: ignore[index]
    approve_all(access.approval, o.liumin)
    status, body = call(o.wangfang, "post", f"/requests/{access.pk}/session", {"room": "会议室"})
    assert status == 403 and body["error"]["code"] == "refused"  # type: ignore[index]
    status, body = call(o.wangfang, "post", f"/requests/{access.pk}/session", {"room": "档案室"})
    assert status == 200 and body["session"]["room"] == "档案室"  # type: ignore[index]
    status, _body = call(o.sunwei, "post", f"/requests/{access.pk}/parts/{part_ids[1]}/view")
    assert status == 403
    status, _body = call(o.sunwei, "post", f"/requests/{access.pk}/parts/{part_ids[0]}/view")
    assert status == 200
    status, excerpt = call(o.sunwei, "post", f"/requests/{access.pk}/excerpts",
                           {"part_id": part_ids[0], "description": "批复文号"})
    assert status == 201 and excerpt["status"] == "pending"  # type: ignore[index]
    status, stamped = call(o.wangfang, "post", f"/excerpts/{excerpt['id']}/review", {"approve": True})  # type: ignore[index]
    assert status == 200 and stamped["stamp_no"]  # type: ignore[index]
    status, body = call(o.wangfang, "post", f"/requests/{access.pk}/session/close", {})
    assert status == 200 and body["status"] == AccessStatus.DONE  # type: ignore[index]


def test_loan_through_the_api(office):
    o = office
    entry = archived(o, mark="秘密★5年")
    copy = first_copy(entry.carrier)
    status, body = call(o.sunwei, "post", "/loans",
                        {"copy_id": copy.pk, "due_on": str(tomorrow()), "reason": "督查调阅"})
    assert status == 201
    from baomi.approvals.models import ApprovalRequest

    approve_all(ApprovalRequest.objects.get(pk=body["approval_id"]), o.liumin)  # type: ignore[index]
    status, loans = call(o.sunwei, "get", "/loans")
    assert status == 200 and loans[0]["status"] == "out"  # type: ignore[index]
    status, back = call(o.sunwei, "post", f"/loans/{loans[0]['id']}/return", {})  # type: ignore[index]
    assert status == 200 and back["status"] == "returned"  # type: ignore[index]


def test_pages(office):
    o = office
    entry = archived(o)
    keeper = login(Client(), o.wangfang)
    page = keeper.get("/archives/")
    assert page.status_code == 200 and entry.file_no in page.content.decode()
    assert "archives:index" in {name for _label, name in policy.navigation_for(o.wangfang)}
    assert "archives:index" not in {name for _label, name in policy.navigation_for(o.sunwei)}
    reader = login(Client(), o.sunwei)
    assert reader.get(f"/archives/entries/{entry.pk}/").status_code == 200
    assert login(Client(), o.zhoujing).get(f"/archives/entries/{entry.pk}/").status_code == 404
    first = entry.parts.get(seq=1)
    response = reader.post(f"/archives/entries/{entry.pk}/", {"parts": [str(first.pk)], "purpose": "核对规划依据"})
    access = AccessRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/archives/requests/{access.pk}/"
    assert "archives:index" in {name for _label, name in policy.navigation_for(o.sunwei)}  # has a request now
    approve_all(access.approval, o.liumin)
    assert keeper.post(f"/archives/requests/{access.pk}/open/", {"room": "档案室"}).status_code == 302
    access.refresh_from_db()
    assert access.status == AccessStatus.READING
    detail = reader.get(f"/archives/requests/{access.pk}/").content.decode()
    assert first.title in detail and entry.parts.get(seq=2).title not in detail  # only the approved part
    reader.post(f"/archives/requests/{access.pk}/view/", {"part": str(entry.parts.get(seq=2).pk)})
    from baomi.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="archives.view", outcome="denied").count() == 1
    reader.post(f"/archives/requests/{access.pk}/excerpt/", {"part": str(first.pk), "description": "批复文号"})
    excerpt = access.session.excerpts.get()
    assert "批复文号" in keeper.get(f"/archives/requests/{access.pk}/").content.decode()
    keeper.post(f"/archives/requests/{access.pk}/stamp/", {"excerpt": str(excerpt.pk)})
    excerpt.refresh_from_db()
    assert excerpt.stamp_no
    assert keeper.post(f"/archives/requests/{access.pk}/close/", {}).status_code == 302
    access.refresh_from_db()
    assert access.status == AccessStatus.DONE


def test_custodian_designation_page_and_api(office):
    o = office
    officer = login(Client(), o.lijianhua)
    assert 'data-testid="custodian-form"' in officer.get("/archives/").content.decode()
    assert 'data-testid="custodian-form"' not in login(Client(), o.wangfang).get("/archives/").content.decode()
    officer.post("/archives/custodians/", {"person": str(o.liumin.pk), "basis": "示发改办〔2026〕8号"})
    assert policy.is_archive_custodian(o.liumin)
    status, body = call(o.wangfang, "post", "/custodians", {"person_id": o.zhoujing.pk, "basis": "会议决定"})
    assert status == 403 and body["error"]["code"] == "refused"  # type: ignore[index]
    status, body = call(o.lijianhua, "post", "/custodians", {"person_id": o.zhoujing.pk, "basis": "会议决定"})
    assert status == 201 and body["person_id"] == o.zhoujing.pk  # type: ignore[index]


def test_api_entry_detail(office):
    """The entry detail answers with its parts (it once failed on its own register number)."""
    o = office
    entry = archived(o)
    status, body = call(o.sunwei, "get", f"/entries/{entry.pk}")
    assert status == 200 and body["register_no"] == entry.carrier.register_no  # type: ignore[index]
    assert [p["seq"] for p in body["parts"]] == sorted(entry.parts.values_list("seq", flat=True))  # type: ignore[index]
    assert call(o.zhoujing, "get", f"/entries/{entry.pk}")[0] == 404
