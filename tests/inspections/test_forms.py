"""The 保密办's forms on the 保密检查 pages: each creates through its service, and a refusal
comes back as a Chinese message on the page the form is on, changing nothing."""

from __future__ import annotations

import datetime

from baomi.inspections import services
from baomi.inspections.models import (
    ChecklistTemplate,
    CommitteeMeeting,
    Drill,
    DutyShift,
    Inspection,
    KeySite,
    Risk,
    RiskAssessment,
    SiteKind,
    StudySession,
)
from tests.conftest import login
from tests.inspections.conftest import Office

D = datetime.date


def _messages(page) -> str:
    return page.content.decode()


def _site(office: Office, plan: str = "") -> KeySite:
    return services.site_register(actor=office.officer, name="财务室", kind=SiteKind.FINANCE, location="201",
                                  unit=office.finance, responsible=office.unit_officer, leader=office.leader,
                                  allowed=[office.owner], emergency_plan=plan)


def test_office_registers_a_key_site_on_the_page(client, office: Office):
    login(client, office.officer)
    page = client.get("/inspections/").content.decode()
    assert "登记要害部位" in page and "安排保密检查" in page
    got = client.post("/inspections/manage/site/", {
        "name": "机要室", "kind": "computer", "location": "3楼302", "unit": office.top.pk,
        "responsible": office.inspector.pk, "leader": office.leader.pk, "allowed": [office.owner.pk],
        "emergency_plan": "发生失窃立即报告保密办"}, follow=True)
    site = KeySite.objects.get(name="机要室")
    assert set(site.allowed.all()) == {office.inspector, office.owner}
    assert "机要室" in got.content.decode() and got.redirect_chain[-1][0] == f"/inspections/sites/{site.pk}/"
    # the same name again is refused and said on the page
    again = client.post("/inspections/manage/site/", {
        "name": "机要室", "kind": "computer", "unit": office.top.pk, "responsible": office.inspector.pk,
        "leader": office.leader.pk}, follow=True)
    assert "已有同名要害部位" in _messages(again) and KeySite.objects.count() == 1
    missing = client.post("/inspections/manage/site/", {"name": "档案室", "kind": "archive", "unit": office.top.pk},
                          follow=True)
    assert "请选择责任人" in _messages(missing)


def test_allow_plan_shift_handover_and_drill_on_the_site_page(client, office: Office):
    site = _site(office)
    login(client, office.officer)
    url = f"/inspections/sites/{site.pk}/"
    client.post(url, {"action": "allow", "person": office.stranger.pk})
    assert site.allowed.filter(pk=office.stranger.pk).exists()
    refused = client.post(url, {"action": "disallow", "person": office.unit_officer.pk}, follow=True)
    assert "责任人不能从准入名单中移除" in _messages(refused)
    no_plan = client.post(url, {"action": "drill", "held_on": "2027-03-01", "scenario": "夜间失窃",
                                "participants": "财务科全体"}, follow=True)
    assert "尚无突发事件处置预案" in _messages(no_plan) and not Drill.objects.exists()
    client.post(url, {"action": "plan", "plan": "发现异常立即封闭现场并报告"})
    client.post(url, {"action": "drill", "held_on": "2027-03-01", "scenario": "夜间失窃", "participants": "财务科全体"})
    assert Drill.objects.filter(site=site).count() == 1
    client.logout()
    login(client, office.unit_officer)  # the site's 责任人 keeps the roster
    assert "排班" in client.get(url).content.decode()
    not_listed = client.post(url, {"action": "shift", "on_date": "2027-03-02", "person": office.inspector.pk},
                             follow=True)
    assert "值班人须在准入名单内" in _messages(not_listed)
    client.post(url, {"action": "shift", "on_date": "2027-03-02", "person": office.owner.pk})
    shift = DutyShift.objects.get(site=site)
    client.logout()
    login(client, office.owner)
    client.post(url, {"action": "handover", "shift": shift.pk, "to": office.stranger.pk, "note": "门窗已锁"})
    shift.refresh_from_db()
    assert shift.handover_to == office.stranger and shift.handover_note == "门窗已锁"
    assert client.post(url, {"action": "plan", "plan": "x"}, follow=True).status_code == 200
    site.refresh_from_db()
    assert site.emergency_plan == "发现异常立即封闭现场并报告"  # not the office: refused


def test_meeting_study_assessment_and_risks_on_the_page(client, office: Office):
    login(client, office.officer)
    bad = client.post("/inspections/manage/meeting/", {"held_on": "2027-03-05", "attendees": "", "topics": ""},
                      follow=True)
    assert "请填写出席人员和议题" in _messages(bad)
    client.post("/inspections/manage/meeting/", {
        "held_on": "2027-03-05", "attendees": "王芳、孙伟、刘洋", "topics": "年度保密工作计划",
        "minutes": "会议讨论了年度计划", "decisions": "通过年度计划"})
    assert CommitteeMeeting.objects.get().decisions == "通过年度计划"
    client.post("/inspections/manage/study/", {"held_on": "2027-03-06", "document": "保密法（2024修订）",
                                               "participants": "全体干部"})
    assert StudySession.objects.count() == 1
    bad = client.post("/inspections/manage/assessment/", {"title": "年度评估", "held_on": "2027-03-07",
                                                          "period_months": "99"}, follow=True)
    assert "评估周期须为 1 至 60 个月" in _messages(bad)
    client.post("/inspections/manage/assessment/", {"title": "2027年度保密风险评估", "held_on": "2027-03-07",
                                                    "period_months": "12", "summary": "总体可控"})
    assessment = RiskAssessment.objects.get()
    bad = client.post("/inspections/manage/risk/", {"title": "U盘混用", "likelihood": "9", "impact": "3",
                                                    "owner": office.owner.pk}, follow=True)
    assert "可能性和影响须为 1 至 5" in _messages(bad)
    client.post("/inspections/manage/risk/", {"title": "U盘混用", "likelihood": "4", "impact": "3",
                                              "owner": office.owner.pk, "measures": "专盘专用",
                                              "due_on": "2027-06-30", "assessment": assessment.pk})
    risk = Risk.objects.get()
    assert (risk.assessment, risk.owner, risk.due_on) == (assessment, office.owner, D(2027, 6, 30))
    assert "U盘混用" in client.get("/inspections/").content.decode()


def test_others_cannot_use_the_office_forms(client, office: Office):
    _site(office)
    login(client, office.owner)  # on a site's list: sees the page, not the office's forms
    assert "登记要害部位" not in client.get("/inspections/").content.decode()
    got = client.post("/inspections/manage/meeting/", {"held_on": "2027-03-05", "attendees": "x", "topics": "y"},
                      follow=True)
    assert "三员分立" in _messages(got) or "无权" in _messages(got)
    assert not CommitteeMeeting.objects.exists()
    assert client.post("/inspections/manage/nothing/").status_code == 404
    client.logout()
    login(client, office.stranger)
    assert client.post("/inspections/manage/meeting/", {}).status_code == 403


def test_template_copy_and_edit_then_plan_assign_and_promote_a_finding(client, office: Office):
    login(client, office.officer)
    got = client.post("/inspections/manage/template/", {"name": "财务科专项检查表"}, follow=True)
    template = ChecklistTemplate.objects.get(name="财务科专项检查表")
    assert got.redirect_chain[-1][0] == f"/inspections/templates/{template.pk}/"
    count = template.items.count()
    assert count == services.default_template().items.count() and count > 0
    first = template.items.order_by("sort_order").first()
    assert first is not None
    client.post(f"/inspections/templates/{template.pk}/", {"item": first.pk, "rule_id": first.rule_id,
                                                            "category": "财务", "text": "保险柜密码定期更换"})
    first.refresh_from_db()
    assert first.text == "保险柜密码定期更换"
    bad = client.post(f"/inspections/templates/{template.pk}/", {"category": "", "text": ""}, follow=True)
    assert "请填写检查内容和类别" in _messages(bad) and template.items.count() == count
    client.post(f"/inspections/templates/{template.pk}/", {"category": "财务", "text": "票据存放是否加锁"})
    assert template.items.count() == count + 1
    dup = client.post("/inspections/manage/template/", {"name": "财务科专项检查表"}, follow=True)
    assert "已有同名检查表" in _messages(dup)
    client.post("/inspections/manage/inspection/", {"title": "财务科保密自查", "unit": office.finance.pk,
                                                    "planned_on": "2027-04-10", "template": template.pk})
    insp = Inspection.objects.get(title="财务科保密自查")
    assert insp.template == template and insp.inspector == office.officer
    bad = client.post("/inspections/manage/inspection/", {"title": "x", "planned_on": "明天"}, follow=True)
    assert "日期格式应为 YYYY-MM-DD" in _messages(bad)
    client.post(f"/inspections/{insp.pk}/", {"action": "assign", "inspector": office.inspector.pk})
    insp.refresh_from_db()
    assert insp.inspector == office.inspector
    finding = services.finding_record(actor=office.inspector, inspection=insp, text="保险柜钥匙随意放置",
                                      severity="major", owner=office.owner, due_on=D(2027, 5, 1))
    assert "列入风险登记册" in client.get(f"/inspections/{insp.pk}/").content.decode()
    client.post(f"/inspections/{insp.pk}/", {"action": "risk", "finding": finding.pk, "likelihood": "3",
                                             "impact": "4", "measures": "钥匙专人保管"})
    risk = Risk.objects.get(finding=finding)
    assert (risk.owner, risk.likelihood, risk.impact) == (office.owner, 3, 4)
