"""The 保密审查 pages and API: upload and paste, verdicts, visibility, the rules bundle."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from baomi.review import services
from baomi.review.models import ContentCheck, Result
from tests.conftest import login
from tests.review.conftest import events, everything_stored
from tests.scanner.corpus import raw_docx

pytestmark = pytest.mark.django_db


def api(user, method: str, path: str, **kwargs):
    response = getattr(login(Client(), user), method)(f"/api/v1/review{path}", **kwargs)
    return response.status_code, (json.loads(response.content) if response["Content-Type"].startswith(
        "application/json") else response.content)


def test_page_upload_of_a_marked_docx_shows_the_refusal(zhoujing, entries, tmp_path):
    data = raw_docx(tmp_path / "a.docx", ["正文"], header="机密★5年").read_bytes()
    client = login(Client(), zhoujing)
    assert "保密审查" in client.get("/").content.decode()
    response = client.post("/review/", {"file": SimpleUploadedFile("通知.docx", data), "purpose": "publication"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "不予通过" in page and "机密★5年" in page and "通知.docx" in page
    check = ContentCheck.objects.get()
    assert check.result == Result.REFUSED
    assert client.get(f"/review/{check.pk}/").status_code == 200


def test_page_pasted_text_with_keyword_is_masked(zhoujing, entries):
    client = login(Client(), zhoujing)
    response = client.post("/review/", {"text": "讨论规划进度", "purpose": "send"})
    page = response.content.decode()
    assert "有发现" in page and "■■" in page and "讨论规划进度" not in page
    assert ContentCheck.objects.get().result == Result.FINDINGS


def test_page_refuses_nothing_or_both(zhoujing, entries):
    response = login(Client(), zhoujing).post("/review/", {"purpose": "send"})
    assert "二者选一" in response.content.decode() and not ContentCheck.objects.exists()


def test_api_multipart_and_json(zhoujing, entries, tmp_path):
    status, body = api(zhoujing, "post", "/checks", data={
        "file": SimpleUploadedFile("plain.txt", "今天天气晴".encode()), "purpose": "publication"})
    assert status == 201 and body["result"] == "clear" and body["filename"] == "plain.txt"
    status, body = api(zhoujing, "post", "/checks", data=json.dumps({"text": "秘密★\n附件", "purpose": "send",
                                                                      "declared_level": "内部"}),
                       content_type="application/json")
    assert status == 403 and body["error"]["code"] == "content_refused" and "不得降级" in body["error"]["message"]
    status, body = api(zhoujing, "post", "/checks", data=json.dumps({"text": "讨论规划", "purpose": "send"}),
                       content_type="application/json")
    assert status == 201 and body["result"] == "findings" and body["findings"][0]["kind"] == "keyword"
    status, listing = api(zhoujing, "get", "/checks")
    assert status == 200 and [c["result"] for c in listing] == ["findings", "refused", "clear"]
    assert "讨论规划" not in everything_stored()


def test_api_oversize_and_bad_input(zhoujing, entries):
    big = SimpleUploadedFile("big.txt", b"a" * (services.MAX_BYTES + 1))
    status, body = api(zhoujing, "post", "/checks", data={"file": big, "purpose": "send"})
    assert status == 400 and "20 MB" in body["error"]["message"]
    status, body = api(zhoujing, "post", "/checks", data="{", content_type="application/json")
    assert status == 400
    status, body = api(zhoujing, "post", "/checks", data=json.dumps({"text": "a", "decision_id": 999999}),
                       content_type="application/json")
    assert status == 404
    assert not ContentCheck.objects.exists()


def test_api_linked_decision_in_force_is_refused(zhoujing, budget):
    status, body = api(zhoujing, "post", "/checks", data=json.dumps(
        {"text": "今天天气晴", "purpose": "publication", "decision_id": budget.pk}), content_type="application/json")
    assert status == 403 and "仍为国家秘密" in body["error"]["message"]
    assert ContentCheck.objects.get().decision_id == budget.pk


def test_visibility(zhoujing, wutao, officer, sysadmin, auditor, entries):
    mine = services.content_check(actor=zhoujing, text="今天天气晴", purpose="send")
    theirs = services.content_check(actor=wutao, text="今天天气晴", purpose="send")
    assert api(zhoujing, "get", f"/checks/{theirs.pk}")[0] == 404
    assert login(Client(), zhoujing).get(f"/review/{theirs.pk}/").status_code == 404
    assert [c["id"] for c in api(zhoujing, "get", "/checks")[1]] == [mine.pk]
    assert {c["id"] for c in api(officer, "get", "/checks")[1]} == {mine.pk, theirs.pk}
    assert api(officer, "get", f"/checks/{theirs.pk}")[0] == 200
    assert [c["id"] for c in api(officer, "get", "/checks?mine=true")[1]] == []
    for admin in (sysadmin, auditor):
        assert api(admin, "get", "/checks")[1] == []
        assert api(admin, "get", f"/checks/{mine.pk}")[0] == 404
        client = login(Client(), admin)
        assert "保密审查" not in client.get("/").content.decode()
        assert client.get("/review/").status_code == 403


def test_rules_bundle_download(officer, zhoujing, sysadmin, secadmin, entries, tmp_path):
    from baomi.scanner import load_rules

    response = login(Client(), officer).get("/review/rules.bundle")
    assert response.status_code == 200 and response["Content-Type"] == "application/gzip"
    (tmp_path / "r.bundle").write_bytes(response.content)
    assert {r.keyword for r in load_rules(tmp_path / "r.bundle").keywords} == {"规划", "草案"}
    assert "规则包" in login(Client(), officer).get("/review/").content.decode()
    status, payload = api(officer, "get", "/rules-bundle")
    assert status == 200 and payload[:2] == b"\x1f\x8b"
    assert len(events("review.rules_export")) == 2
    for person in (zhoujing, sysadmin, secadmin):
        assert login(Client(), person).get("/review/rules.bundle").status_code == 403
        assert api(person, "get", "/rules-bundle")[0] == 403
    assert "规则包" not in login(Client(), zhoujing).get("/review/").content.decode()
    assert len(events("review.rules_export", "denied")) == 6


def test_openapi_lists_the_review_endpoints(client, db):
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    found = {(m, p) for p, ops in schema["paths"].items() for m in ops if p.startswith("/api/v1/review")}
    assert found == {("post", "/api/v1/review/checks"), ("get", "/api/v1/review/checks"),
                     ("get", "/api/v1/review/checks/{check_id}"), ("get", "/api/v1/review/rules-bundle"),
                     ("get", "/api/v1/review/rules-key.pub"), ("post", "/api/v1/review/checks/{check_id}/publication")}


def test_rules_public_key_download(officer, zhoujing, entries):
    response = login(Client(), officer).get("/review/rules-key.pub")
    assert response.status_code == 200 and response.content.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert api(officer, "get", "/rules-key.pub")[1] == response.content
    assert Client().get("/review/rules-key.pub").status_code == 302  # login first


def test_a_publication_passes_only_with_the_editor_in_chiefs_sign_off(zhoujing, officer, units, entries):
    """EXT-09: 出版主编负责出版物的保密审查 — a passed check goes to the editor, who signs it off."""
    from baomi.approvals import services as approvals
    from baomi.approvals.models import ApprovalRequest
    from baomi.errors import Conflict, Refused
    from baomi.review.models import PublicationStatus
    from tests.factories import PASSWORD, make_person

    editor = make_person("liumin", unit=units["leaders"], clearance="IMPORTANT", full_name="刘敏",
                         roles=[("editor", None)])
    check = services.content_check(actor=zhoujing, text="我委召开年度工作会议，部署全年重点工作。",
                                   purpose="publication")
    assert check.result == Result.CLEAR
    # Someone else's check, another purpose, or a refused check never goes to the editor.
    with pytest.raises(Refused, match="本人"):
        services.publication_submit(actor=officer, check=check, title="工作动态")
    send = services.content_check(actor=zhoujing, text="会议通知", purpose="send")
    with pytest.raises(Refused, match="宣传出版"):
        services.publication_submit(actor=zhoujing, check=send, title="工作动态")
    with pytest.raises(Refused):
        services.content_check(actor=zhoujing, text="机密★5年 规划方案", purpose="publication")
    refused = ContentCheck.objects.get(result=Result.REFUSED)
    with pytest.raises(Refused, match="未通过"):
        services.publication_submit(actor=zhoujing, check=refused, title="工作动态")

    # Submitted from the page; the editor sees it, decides, and the check carries the sign-off.
    client = login(Client(), zhoujing)
    assert "提交出版主编审核" in client.get(f"/review/{check.pk}/").content.decode()
    assert client.post(f"/review/{check.pk}/publication", {"title": "《发改工作动态》第 12 期"}).status_code == 302
    check.refresh_from_db()
    assert check.publication_status == PublicationStatus.PENDING and check.title == "《发改工作动态》第 12 期"
    with pytest.raises(Conflict):
        services.publication_submit(actor=zhoujing, check=check, title="again")
    request = ApprovalRequest.objects.get(pk=check.approval_id)
    assert [s.approver_role for s in request.steps.all()] == ["editor"]
    with pytest.raises(Refused):  # the secrecy officer is not the editor-in-chief
        approvals.request_decide(actor=officer, request=request, approve=True, password=PASSWORD)
    assert "发改工作动态" in login(Client(), editor).get(f"/review/{check.pk}/").content.decode()
    approvals.request_decide(actor=editor, request=request, approve=True, password=PASSWORD)
    check.refresh_from_db()
    assert check.publication_status == PublicationStatus.APPROVED
    assert events("review.publication.approve") and events("review.publication.submit")
    # The API shows the sign-off and takes submissions too.
    status, body = api(zhoujing, "get", f"/checks/{check.pk}")
    assert status == 200 and body["publication_status"] == "approved"
    other = services.content_check(actor=zhoujing, text="招商引资工作简讯", purpose="publication")
    status, body = api(zhoujing, "post", f"/checks/{other.pk}/publication", data={"title": "简讯"},
                       content_type="application/json")
    assert status == 200 and body["publication_status"] == "pending"
