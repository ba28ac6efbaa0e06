"""The 定密 API over HTTP: the schema lists every endpoint, decisions and changes go through
their services (and the approval engine), hidden means 404, errors keep the one shape."""

from __future__ import annotations

import io
import json

from django.test import Client

from baomi.classification.models import ChangeStatus, Decision, DecisionStatus
from tests.classification.test_excel_and_reports import GOOD, workbook
from tests.conftest import login

ENDPOINTS = {
    ("get", "/authorities"), ("post", "/authorities"), ("post", "/authorities/{authority_id}/revoke"),
    ("get", "/guide/entries"), ("post", "/guide/entries"), ("put", "/guide/entries/{entry_id}"),
    ("get", "/guide/entries/{entry_id}/decisions"), ("post", "/guide/import"), ("get", "/guide/export"),
    ("get", "/references"), ("post", "/references"), ("get", "/decisions"), ("post", "/decisions"),
    ("post", "/proposals"), ("post", "/decisions/derive"), ("get", "/decisions/{decision_id}"),
    ("post", "/decisions/{decision_id}/confirm"), ("post", "/decisions/{decision_id}/reject"),
    ("post", "/decisions/{decision_id}/report"), ("get", "/decisions/{decision_id}/changes"),
    ("post", "/decisions/{decision_id}/changes"), ("get", "/decisions/{decision_id}/acknowledgements"),
    ("post", "/decisions/{decision_id}/release-check"), ("get", "/notices"),
    ("post", "/notices/{notice_id}/acknowledge"), ("get", "/reviews/queue"), ("post", "/reviews"),
    ("get", "/reports/summary"), ("get", "/reports/state-secrets"),
}


def call(user, method: str, path: str, body: dict | None = None, **kwargs):
    client = login(Client(), user)
    if body is not None:
        kwargs = {"data": json.dumps(body), "content_type": "application/json", **kwargs}
    response = getattr(client, method)(f"/api/v1/classification{path}", **kwargs)
    ctype = response.get("Content-Type", "")
    return response.status_code, json.loads(response.content) if ctype.startswith("application/json") else response


def test_openapi_lists_every_endpoint(client, db):
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    found = {(method, path.removeprefix("/api/v1/classification")) for path, ops in schema["paths"].items()
             if path.startswith("/api/v1/classification") for method in ops}
    assert found == ENDPOINTS
    for path, ops in schema["paths"].items():
        if path.startswith("/api/v1/classification"):
            assert all(op.get("summary") for op in ops.values()), path


def test_decide_change_approve_and_acknowledge_over_the_api(designated, sunwei, chen, zhoujing, wutao, head,
                                                            entries, units, password):
    status, data = call(chen, "post", "/decisions", {
        "title": "预算调整方案", "guide_entry_id": entries["3"].pk, "unit_id": units["finance"].pk,
        "need_to_know": {"people": [zhoujing.pk, wutao.pk]}, "proposer_id": zhoujing.pk})
    assert status == 201, data
    assert (data["mark"], data["period"], data["status"], data["proposer_id"]) == ("秘密★5年", "5年", "in_force",
                                                                                   zhoujing.pk)
    assert data["need_to_know"]["people"] == [zhoujing.pk, wutao.pk]
    decision_id = data["id"]
    status, change = call(zhoujing, "post", f"/decisions/{decision_id}/changes", {
        "kind": "raise", "new_level": "机密", "justification": "涉及重大项目"})
    assert status == 201 and change["status"] == "pending" and change["new_mark"] == "机密★5年"
    login_chen = login(Client(), chen)
    decided = login_chen.post(f"/api/v1/approvals/requests/{change['approval_id']}/decide",
                              json.dumps({"approve": True, "password": password}), content_type="application/json")
    assert decided.status_code == 200
    assert Decision.objects.get(pk=decision_id).mark == "机密★5年"
    # 周静 (一般) may no longer see it; 吴涛 neither: both still got the notice.
    assert call(zhoujing, "get", f"/decisions/{decision_id}")[0] == 404
    status, notices = call(wutao, "get", "/notices?outstanding=true")
    assert [n["decision_code"] for n in notices] == [f"DM{decision_id:06d}"]
    status, acked = call(wutao, "post", f"/notices/{notices[0]['id']}/acknowledge")
    assert status == 200 and acked["acknowledged_at"]
    status, outstanding = call(chen, "get", f"/decisions/{decision_id}/acknowledgements")
    assert [n["person_id"] for n in outstanding] == [zhoujing.pk]
    status, history = call(chen, "get", f"/decisions/{decision_id}/changes")
    assert history[0]["status"] == ChangeStatus.APPLIED


def test_refusals_and_bad_input_keep_the_one_error_shape(designated, sunwei, zhoujing, entries, units,
                                                         planning_draft):
    status, data = call(sunwei, "post", "/decisions", {
        "title": "绝密事项", "guide_entry_id": entries["1.1"].pk, "level": "TOP_SECRET", "period": "20年",
        "unit_id": units["planning"].pk, "need_to_know": {"people": [sunwei.pk]}})
    assert status == 403 and data["error"]["code"] == "refused" and "超出定密权限" in data["error"]["message"]
    status, data = call(sunwei, "post", "/decisions", {
        "title": "x", "guide_entry_id": entries["1.1"].pk, "period": "18个月", "need_to_know": {}})
    assert status == 400 and "无法识别的保密期限" in data["error"]["message"]
    status, data = call(sunwei, "post", f"/decisions/{planning_draft.pk}/release-check", {"purpose": "publication"})
    assert status == 403 and data["error"]["code"] == "still_secret"
    status, data = call(zhoujing, "post", f"/decisions/{planning_draft.pk}/changes",
                        {"kind": "lift", "justification": "x"})
    assert status == 404 and data == {"error": {"code": "not_found", "message": "对象不存在"}}


def test_proposal_confirm_derive_and_review_over_the_api(designated, sunwei, zhoujing, chen, head, entries, units):
    status, data = call(zhoujing, "post", "/proposals", {
        "title": "科室测算", "guide_entry_id": entries["1"].pk, "level": "秘密", "period": "3年",
        "unit_id": units["planning"].pk, "need_to_know": {"units": [units["planning"].pk]},
        "authority_id": designated.pk})
    assert status == 201 and data["status"] == DecisionStatus.PROPOSED
    status, data = call(sunwei, "post", f"/decisions/{data['id']}/confirm", {"period": "2年"})
    assert status == 200 and data["mark"] == "秘密★2年"
    status, derived = call(zhoujing, "post", "/decisions/derive", {
        "sources": [data["id"]], "title": "测算摘要", "need_to_know": {"people": [zhoujing.pk]}})
    assert status == 201 and derived["derived"] and derived["sources"] == [data["id"]]
    status, queue = call(chen, "get", "/reviews/queue")
    assert status == 200 and queue == []  # everything here was decided this year
    status, summary = call(chen, "get", "/reports/summary")
    assert status == 200 and sum(c["count"] for c in summary["by_level"]) == 2
    status, report = call(chen, "get", "/reports/state-secrets?format=pdf")
    assert status == 200 and report.content.startswith(b"%PDF")


def test_guide_and_references_over_the_api(officer, guide, entries, zhoujing, secadmin):
    status, listed = call(zhoujing, "get", "/guide/entries?q=预算")
    assert status == 200 and [e["code"] for e in listed] == ["3"]
    status, created = call(officer, "post", "/guide/entries", {"code": "5", "title": "招商引资谈判底价",
                                                               "level": "秘密", "period": "2年"})
    assert status == 201 and created["mark"] == "秘密★2年"
    status, updated = call(officer, "put", f"/guide/entries/{created['id']}", {
        "code": "5", "title": "招商引资谈判底价", "level": "机密", "period": "5年"})
    assert status == 200 and updated["mark"] == "机密★5年"
    assert call(zhoujing, "post", "/guide/entries", {"code": "6", "title": "x", "level": "秘密"})[0] == 403
    upload = io.BytesIO(workbook([*GOOD, ["9", "", "坏行", "秘密", "99年"]]))
    upload.name = "g.xlsx"
    response = login(Client(), officer).post("/api/v1/classification/guide/import",
                                             {"file": upload, "title": "新版", "dry_run": "false"})
    body = json.loads(response.content)
    assert response.status_code == 400 and body["error"]["details"]["rows"][0]["row"] == 6
    status, ref = call(officer, "post", "/references", {"category": "documents", "code": "D-1",
                                                        "title": "内部工作研究", "period": "1年"})
    assert status == 201 and ref["mark_label"] == "内部事项 注意保管"
    assert call(secadmin, "get", "/references")[0] == 403
    status, export = call(zhoujing, "get", "/guide/export")
    assert status == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
