"""Every carriers endpoint over HTTP: the life of a copy through the API, one error shape,
hidden = absent, and the OpenAPI schema."""

from __future__ import annotations

import datetime
import json

from django.test import Client
from django.utils import timezone

from baomi.accounts.models import User
from baomi.carriers.models import Copy, CopyStatus
from tests.carriers.conftest import approve_all, register
from tests.conftest import login
from tests.factories import PASSWORD

ENDPOINTS = {
    ("get", "/api/v1/carriers"), ("post", "/api/v1/carriers"), ("get", "/api/v1/carriers/{carrier_id}"),
    ("get", "/api/v1/carriers/copies/overdue"), ("get", "/api/v1/carriers/copies/mine"),
    ("get", "/api/v1/carriers/copies/{copy_id}"), ("post", "/api/v1/carriers/copies/{copy_id}/circulate"),
    ("post", "/api/v1/carriers/copies/{copy_id}/acknowledge"), ("post", "/api/v1/carriers/copies/{copy_id}/return"),
    ("post", "/api/v1/carriers/copies/{copy_id}/lend-requests"),
    ("post", "/api/v1/carriers/copies/{copy_id}/reproduce-requests"),
    ("post", "/api/v1/carriers/copies/{copy_id}/take-out-requests"),
    ("post", "/api/v1/carriers/copies/{copy_id}/bring-back"),
    ("post", "/api/v1/carriers/{carrier_id}/need-to-know-requests"),
    ("post", "/api/v1/carriers/{carrier_id}/need-to-know/remove"),
    ("post", "/api/v1/carriers/copies/{copy_id}/dispatch"), ("post", "/api/v1/carriers/copies/{copy_id}/archive"),
    ("post", "/api/v1/carriers/copies/{copy_id}/lost"), ("post", "/api/v1/carriers/hand-backs"),
    ("get", "/api/v1/carriers/notices"), ("get", "/api/v1/carriers/destructions"),
    ("post", "/api/v1/carriers/destructions"), ("get", "/api/v1/carriers/destructions/{list_id}"),
    ("post", "/api/v1/carriers/destructions/{list_id}/sign"),
    ("post", "/api/v1/carriers/destructions/{list_id}/execute"),
    ("get", "/api/v1/carriers/registers/{slug}"), ("get", "/api/v1/carriers/labels/{code}"),
    ("get", "/api/v1/carriers/{carrier_id}/labels"),
    ("post", "/api/v1/carriers/ledger-imports"),  # importing a paper ledger
    # printing, waste pages, excerpts, the annual clean-up
    ("get", "/api/v1/carriers/print-jobs"), ("post", "/api/v1/carriers/{carrier_id}/print-jobs"),
    ("get", "/api/v1/carriers/print-jobs/{job_id}"), ("post", "/api/v1/carriers/print-jobs/{job_id}/close"),
    ("get", "/api/v1/carriers/waste"), ("post", "/api/v1/carriers/waste/destroy"),
    ("post", "/api/v1/carriers/copies/{copy_id}/excerpt-requests"), ("get", "/api/v1/carriers/cleanup"),
}


def call(user: User, method: str, path: str, body: dict | None = None) -> tuple[int, dict | list | None]:
    client = login(Client(), user)
    kwargs: dict = {"content_type": "application/json"}
    if body is not None:
        kwargs["data"] = json.dumps(body, default=str)
    response = getattr(client, method)(f"/api/v1/carriers{path}", **kwargs)
    return response.status_code, (json.loads(response.content) if response.content else None)


def test_openapi_lists_every_carriers_endpoint(client, db):
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    found = {(method, path) for path, ops in schema["paths"].items() for method in ops
             if path.startswith("/api/v1/carriers")}
    assert found == ENDPOINTS
    for path, ops in schema["paths"].items():
        if path.startswith("/api/v1/carriers"):
            assert all(op.get("summary") for op in ops.values()), path


def test_life_of_a_copy_through_the_api(office):
    o = office
    status, created = call(o.wangfang, "post", "", {
        "direction": "incoming", "title": "关于规划调整的函", "mark": "秘密★10年", "copies": 2,
        "source_unit": "省发展改革委", "need_to_know_units": [o.units["planning"].pk], "storage": "combination",
        "location": "机要室 2 号柜"})
    assert status == 201, created
    assert created["marking"] == "秘密★10年" and [c["number"] for c in created["copies"]] == ["000001", "000002"]
    copy_id, second_id = (c["id"] for c in created["copies"])

    status, body = call(o.wangfang, "post", f"/copies/{copy_id}/circulate", {"reader_id": o.zhoujing.pk})
    assert status == 200 and body["status"] == "circulating" and body["custodian_id"] == o.zhoujing.pk
    assert call(o.zhoujing, "get", "/copies/mine")[1][0]["id"] == copy_id
    status, body = call(o.zhoujing, "post", f"/copies/{copy_id}/acknowledge")
    assert status == 200 and body["movements"][-1]["kind"] == "acknowledge"
    # No sideways passing: the reader cannot circulate; the refusal is JSON and recorded.
    status, body = call(o.zhoujing, "post", f"/copies/{copy_id}/circulate", {"reader_id": o.sunwei.pk})
    assert status in (403, 404) and body["error"]["code"] in ("refused", "not_found")
    status, body = call(o.zhoujing, "post", f"/copies/{copy_id}/return", {"note": "阅毕"})
    assert status == 200 and body["status"] == "in_custody" and body["custodian_id"] == o.wangfang.pk

    due = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    status, ref = call(o.sunwei, "post", f"/copies/{copy_id}/lend-requests", {"due_on": due, "reason": "编制规划"})
    assert status == 201
    approve_all(o.sunwei.approval_requests.get(pk=ref["approval_id"]), o.chen)
    status, body = call(o.sunwei, "get", f"/copies/{copy_id}")
    assert body["status"] == "lent" and body["movements"][-1]["approval_id"] == ref["approval_id"]
    assert call(o.sunwei, "post", f"/copies/{copy_id}/return", {})[0] == 200

    status, ref = call(o.wangfang, "post", f"/copies/{copy_id}/reproduce-requests", {"count": 1, "reason": "会议"})
    assert status == 201
    status, body = call(o.wangfang, "post", f"/copies/{second_id}/dispatch",
                        {"recipient_unit": "市政府办公室", "channel": "email"})
    assert status == 403 and "不得普通邮寄" in body["error"]["message"]
    status, body = call(o.wangfang, "post", f"/copies/{second_id}/archive",
                        {"location": "档案室", "storage": "safe"})
    assert status == 200 and body["status"] == "archived"
    status, body = call(o.wangfang, "post", "/hand-backs", {"copy_ids": [second_id], "note": "清退"})
    assert status == 200 and body[0]["status"] == "returned"

    status, dlist = call(o.wangfang, "post", "/destructions", {
        "copy_ids": [copy_id], "method": "shred", "site": "机要室", "witness_ids": [o.lijianhua.pk, o.liumin.pk],
        "reason": "到期"})
    assert status == 201 and dlist["status"] == "pending"
    from baomi.approvals.models import ApprovalRequest

    approve_all(ApprovalRequest.objects.get(pk=dlist["approval_id"]), o.liumin, o.zhaolei)
    for witness in (o.lijianhua, o.liumin):
        status, dlist = call(witness, "post", f"/destructions/{dlist['id']}/sign", {"password": PASSWORD})
        assert status == 200, dlist
    status, dlist = call(o.wangfang, "post", f"/destructions/{dlist['id']}/execute")
    assert status == 200 and dlist["status"] == "done" and dlist["certificate_no"]
    assert call(o.liumin, "get", f"/destructions/{dlist['id']}")[0] == 200  # a witness sees the list
    assert call(o.zhoujing, "get", f"/destructions/{dlist['id']}")[0] == 404
    assert [d["id"] for d in call(o.wangfang, "get", "/destructions")[1]] == [dlist["id"]]
    assert Copy.objects.get(pk=copy_id).status == CopyStatus.DESTROYED

    status, body = call(o.wangfang, "post", f"/copies/{copy_id}/lost", {"note": "x"})
    assert status == 409 and body["error"]["code"] == "conflict"


def test_lost_overdue_and_notices_endpoints(office):
    o = office
    copy = register(o.wangfang, mark="秘密★10年", copies=1, units=[o.units["planning"]]).copies.get()
    status, _body = call(o.wangfang, "post", f"/copies/{copy.pk}/circulate", {
        "reader_id": o.zhoujing.pk, "due_at": (timezone.now() + datetime.timedelta(hours=1)).isoformat()})
    assert status == 200
    Copy.objects.filter(pk=copy.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    assert [c["id"] for c in call(o.wangfang, "get", "/copies/overdue")[1]] == [copy.pk]
    assert [c["id"] for c in call(o.zhoujing, "get", "/copies/overdue")[1]] == [copy.pk]
    assert call(o.wutao, "get", "/copies/overdue")[1] == []
    status, body = call(o.zhoujing, "post", f"/copies/{copy.pk}/lost", {"note": "遗失"})
    assert status == 200 and body["status"] == "lost"
    notices = call(o.lijianhua, "get", "/notices")[1]
    assert [(n["kind"], n["copy_id"]) for n in notices] == [("lost", copy.pk)]


def test_register_errors_are_in_chinese_and_change_nothing(office):
    status, body = call(office.wangfang, "post", "", {"direction": "incoming", "title": "x", "mark": "机密",
                                                       "source_unit": "省委"})
    assert status == 400 and "无法识别的密级标志" in body["error"]["message"]
    status, body = call(office.zhoujing, "post", "", {"direction": "incoming", "title": "x", "mark": "秘密★1年",
                                                       "source_unit": "省委"})
    assert status == 403 and body["error"]["code"] == "refused"
    status, body = call(office.sysadmin, "get", "")
    assert status == 200 and body == {"count": 0, "items": []}
    assert call(office.wangfang, "get", "")[1]["count"] == 0


def test_copy_detail_carries_the_latest_movements_and_their_total(office, monkeypatch):
    from baomi.carriers import api as carriers_api

    o = office
    monkeypatch.setattr(carriers_api, "MOVEMENTS_SHOWN", 2)
    copy = register(o.wangfang, copies=1, mark="秘密★10年", units=[o.units["planning"]],
                    storage="combination").copies.get()
    for _ in range(2):
        assert call(o.wangfang, "post", f"/copies/{copy.pk}/circulate", {"reader_id": o.zhoujing.pk})[0] == 200
        assert call(o.zhoujing, "post", f"/copies/{copy.pk}/acknowledge")[0] == 200
        assert call(o.wangfang, "post", f"/copies/{copy.pk}/return", {})[0] == 200
    status, body = call(o.wangfang, "get", f"/copies/{copy.pk}")
    assert status == 200 and body["movements_total"] >= 6  # registration, then two rounds  # type: ignore[index]
    assert [m["kind"] for m in body["movements"]] == ["acknowledge", "return"]  # type: ignore[index]
