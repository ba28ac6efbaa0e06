"""Training pages and API over HTTP: who may open what, an exam taken through the pages and
through the API, and no answer key before submission."""

from __future__ import annotations

import json

from django.test import Client

from baomi.accounts.models import User
from baomi.training.models import Attempt, AttemptStatus, Question
from tests.conftest import login
from tests.training.conftest import answer_key, make_exam, small_bank

ENDPOINTS = {
    ("get", "/api/v1/training/me"), ("get", "/api/v1/training/standings"),
    ("put", "/api/v1/training/requirements/{clearance}"),
    ("get", "/api/v1/training/courses"), ("post", "/api/v1/training/courses"),
    ("get", "/api/v1/training/courses/{course_id}/sessions"), ("post", "/api/v1/training/courses/{course_id}/sessions"),
    ("get", "/api/v1/training/sessions/{session_id}/attendance"),
    ("post", "/api/v1/training/sessions/{session_id}/attendance"),
    ("get", "/api/v1/training/questions"), ("post", "/api/v1/training/questions"),
    ("put", "/api/v1/training/questions/{question_id}"), ("post", "/api/v1/training/questions/import"),
    ("get", "/api/v1/training/exams"), ("post", "/api/v1/training/exams"),
    ("post", "/api/v1/training/exams/{exam_id}/attempts"), ("get", "/api/v1/training/attempts/{attempt_id}"),
    ("put", "/api/v1/training/attempts/{attempt_id}/answers"),
    ("post", "/api/v1/training/attempts/{attempt_id}/submit"),
    ("get", "/api/v1/training/attempts/{attempt_id}/certificate"),
    ("get", "/api/v1/training/certificates/{number}"),
}


def call(user: User, method: str, path: str, body: dict | None = None) -> tuple[int, dict | list | None]:
    client = login(Client(), user)
    kwargs: dict = {"content_type": "application/json"}
    if body is not None:
        kwargs["data"] = json.dumps(body, default=str)
    response = getattr(client, method)(f"/api/v1/training{path}", **kwargs)
    ctype = response.get("Content-Type", "")
    return response.status_code, (json.loads(response.content) if ctype.startswith("application/json") else None)


def keys_in(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_in(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_in(v)}
    return set()


def test_openapi_lists_every_training_endpoint(client, db):
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    found = {(method, path) for path, ops in schema["paths"].items() for method in ops
             if path.startswith("/api/v1/training")}
    assert found == ENDPOINTS
    for path, ops in schema["paths"].items():
        if path.startswith("/api/v1/training"):
            assert all(op.get("summary") for op in ops.values()), path


def test_exam_through_the_api_leaks_no_key_before_submission(office):
    officer, person = office.lijianhua, office.zhoujing
    status, body = call(officer, "post", "/questions/import")
    assert status == 200 and body["created"] >= 40
    status, exam = call(officer, "post", "/exams", {
        "title": "2026年度保密知识考试", "purpose": "annual", "question_count": 10, "time_limit_minutes": 30,
        "pass_mark": 80, "max_attempts": 2})
    assert status == 201, exam
    assert [e["id"] for e in call(person, "get", "/exams")[1]] == [exam["id"]]

    status, attempt = call(person, "post", f"/exams/{exam['id']}/attempts")
    assert status == 201 and len(attempt["questions"]) == 10 and attempt["results"] is None
    assert keys_in(attempt).isdisjoint({"answer", "explanation", "correct"})
    # Another tab gets the same attempt; reading it back leaks nothing either.
    assert call(person, "post", f"/exams/{exam['id']}/attempts")[1]["id"] == attempt["id"]
    status, again = call(person, "get", f"/attempts/{attempt['id']}")
    assert status == 200 and again["results"] is None and "explanation" not in json.dumps(again)
    bank = {q.text: q for q in Question.objects.all()}
    for q in attempt["questions"]:
        assert bank[q["text"]].explanation not in json.dumps(attempt, ensure_ascii=False)
    # The bank with its keys is the secrecy office's only.
    assert call(person, "get", "/questions")[0] == 403
    assert call(office.sysadmin, "get", "/questions")[0] == 403

    first = attempt["questions"][0]
    status, saved = call(person, "put", f"/attempts/{attempt['id']}/answers", {"answers": {first["position"]: [0]}})
    assert status == 200 and saved["questions"][0]["given"] == [0]
    status, body = call(person, "put", f"/attempts/{attempt['id']}/answers", {"answers": {first["position"]: [9]}})
    assert status == 400 and body["error"]["code"] == "invalid"
    # Someone else's attempt is not found.
    assert call(office.wutao, "get", f"/attempts/{attempt['id']}")[0] == 404
    assert call(office.wutao, "post", f"/attempts/{attempt['id']}/submit", {"answers": {}})[0] == 404

    model = Attempt.objects.get(pk=attempt["id"])
    status, done = call(person, "post", f"/attempts/{attempt['id']}/submit", {"answers": answer_key(model)})
    assert status == 200 and done["status"] == "submitted" and done["score"] == 100 and done["passed"]
    assert done["results"] and all(r["correct"] for r in done["results"]) and done["results"][0]["explanation"]
    status, body = call(person, "post", f"/attempts/{attempt['id']}/submit", {"answers": {}})
    assert status == 409 and body["error"]["code"] == "conflict"

    client = login(Client(), person)
    pdf = client.get(f"/api/v1/training/attempts/{attempt['id']}/certificate")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    status, cert = call(office.wutao, "get", f"/certificates/{done['certificate_no']}")
    assert status == 200 and cert["name"] == "周静" and cert["score"] == 100
    assert call(office.wutao, "get", "/certificates/BMT2026-999999-00")[0] == 404

    status, me = call(person, "get", "/me")
    assert status == 200 and me["annual_passed"] and float(me["required"]) == 8
    assert call(office.sysadmin, "get", "/me")[0] == 404


def test_office_endpoints_refuse_everyone_else(office):
    officer = office.lijianhua
    status, course = call(officer, "post", "/courses", {"title": "保密法专题", "kind": "annual", "hours": "4",
                                                        "topics": ["law"]})
    assert status == 201
    status, session = call(officer, "post", f"/courses/{course['id']}/sessions",
                           {"held_on": "2026-04-28", "place": "三楼会议室", "trainer": "李建华"})
    assert status == 201
    status, rows = call(officer, "post", f"/sessions/{session['id']}/attendance",
                        {"person_ids": [office.zhoujing.pk, office.wutao.pk]})
    assert status == 201 and len(rows) == 2
    # A person sees only their own attendance row.
    assert [r["person_id"] for r in call(office.zhoujing, "get", f"/sessions/{session['id']}/attendance")[1]] == [
        office.zhoujing.pk]
    for who in ("zhoujing", "chen", "sysadmin", "auditor"):
        actor = office.people[who]
        assert call(actor, "post", "/courses", {"title": "x", "kind": "annual", "hours": 1})[0] == 403, who
        assert call(actor, "post", f"/sessions/{session['id']}/attendance",
                    {"person_ids": [office.zhoujing.pk]})[0] in (403, 404), who
        assert call(actor, "put", "/requirements/1", {"hours": 20})[0] == 403, who
        assert call(actor, "post", "/questions/import")[0] == 403, who
    status, rows = call(officer, "get", "/standings?behind_only=true")
    assert status == 200 and {r["name"] for r in rows} >= {"陈国强", "周静"}
    assert [r["name"] for r in call(office.zhoujing, "get", "/standings")[1]] == ["周静"]
    assert call(office.sysadmin, "get", "/standings")[1] == []
    assert call(officer, "put", "/requirements/1", {"hours": 10})[0] == 200


def page(user, path: str, data: dict | None = None):
    client = login(Client(), user)
    return client.get(path) if data is None else client.post(path, data, follow=True)


def test_who_may_open_each_page(office):
    small_bank(office.lijianhua)
    exam = make_exam(office.lijianhua)
    office_pages = ["/training/behind/", "/training/questions/", "/training/questions/new/", "/training/exams/",
                    f"/training/exams/{exam.pk}/", "/training/requirements/"]
    everyone_pages = ["/training/", "/training/courses/", "/training/verify/"]
    for who in ("lijianhua", "zhoujing", "chen", "zhengli", "sysadmin", "auditor"):
        user = office.people[who]
        for path in office_pages:
            expected = 200 if who == "lijianhua" else 403
            assert page(user, path).status_code == expected, (who, path)
        for path in everyone_pages:
            expected = 404 if user.admin_role else 200
            assert page(user, path).status_code == expected, (who, path)
    assert page(office.lijianhua, f"/training/people/{office.zhoujing.pk}/").status_code == 200
    assert page(office.zhoujing, f"/training/people/{office.zhoujing.pk}/").status_code == 200
    assert page(office.wutao, f"/training/people/{office.zhoujing.pk}/").status_code == 404
    # The navigation shows the entry to business users only.
    assert "培训考试" in page(office.zhoujing, "/").content.decode()
    assert "/training/" not in page(office.sysadmin, "/").content.decode()


def test_exam_through_the_pages_shows_no_key_before_submission(office):
    small_bank(office.lijianhua)
    exam = make_exam(office.lijianhua, pass_mark=100)
    person = office.zhoujing
    index = page(person, "/training/").content.decode()
    assert "2026年度保密知识考试" in index and "开始考试" in index
    response = page(person, f"/training/exams/{exam.pk}/start/", {})
    body = response.content.decode()
    attempt = Attempt.objects.get(person=person)
    assert response.redirect_chain[-1][0] == f"/training/attempts/{attempt.pk}/"
    assert "守则第一条是？" in body
    for explanation in ("守则第九条", "守则第八条"):
        assert explanation not in body
    assert "正确答案" not in body
    # Save one answer (htmx), then hand in the rest through the form.
    items = {i.kind: i for i in attempt.items.all()}
    client = login(Client(), person)
    saved = client.post(f"/training/attempts/{attempt.pk}/save/", {f"q{items['single'].position}": "1"},
                        HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and "已保存" in saved.content.decode()
    data = {f"q{items['multiple'].position}": ["0", "2"], f"q{items['true_false'].position}": "1"}
    result = client.post(f"/training/attempts/{attempt.pk}/submit/", data, follow=True).content.decode()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.score == 100 and attempt.passed
    assert "守则第九条" in result and "正确答案" in result and attempt.certificate_no in result
    again = client.post(f"/training/attempts/{attempt.pk}/submit/", data, follow=True).content.decode()
    assert "不能重复提交" in again
    pdf = client.get(f"/training/attempts/{attempt.pk}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert page(office.wutao, f"/training/attempts/{attempt.pk}/").status_code == 404
    assert page(office.wutao, f"/training/attempts/{attempt.pk}/certificate.pdf").status_code == 404
    verify = page(office.wutao, f"/training/verify/?no={attempt.certificate_no}").content.decode()
    assert "证书真实有效" in verify and "周静" in verify


def test_office_pages_create_through_the_services(office):
    officer = office.lijianhua
    body = page(officer, "/training/courses/", {"title": "2026年上半年集中保密教育", "kind": "concentrated",
                                                "hours": "2", "topics": ["law", "situation"]}).content.decode()
    assert "已新建课程" in body
    from baomi.training.models import Course, Session

    course = Course.objects.get()
    body = page(officer, f"/training/courses/{course.pk}/", {"held_on": "2026-04-28", "place": "三楼会议室",
                                                             "trainer": "李建华",
                                                             "with_inspection": "五一节前保密检查"}).content.decode()
    session = Session.objects.get()
    body = page(officer, f"/training/sessions/{session.pk}/",
                {"people": [office.zhoujing.pk, office.chen.pk]}).content.decode()
    assert "已登记 2 人参训" in body
    body = page(officer, "/training/questions/", {}).content.decode()
    assert "导入题库" in body and Question.objects.count() >= 40
    body = page(officer, "/training/questions/new/", {"kind": "single", "text": "新题？", "options": "甲\n乙",
                                                      "answer": "B", "explanation": "依据", "topics": ["law"]})
    assert Question.objects.filter(text="新题？", answer=[1]).exists()
    body = page(officer, "/training/exams/", {"title": "上岗考核", "purpose": "onboarding", "question_count": 5,
                                              "time_limit_minutes": 20, "pass_mark": 80,
                                              "max_attempts": 3}).content.decode()
    assert "已新建试卷" in body
    body = page(officer, "/training/requirements/", {"core": "20", "important": "12", "general": "8"})
    assert "已保存年度学时要求" in body.content.decode()
    behind = page(officer, "/training/behind/").content.decode()
    assert "陈国强" in behind and "20" in behind and "规划科" in behind
    # A non-officer posting to an office form is refused.
    assert page(office.zhoujing, "/training/courses/", {"title": "x", "kind": "annual", "hours": "1"}).status_code \
        == 403
