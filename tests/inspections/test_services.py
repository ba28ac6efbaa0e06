"""Plans, checklists, findings → rectification → verification, the rectification_open
interface, key sites, risks, reminders, reports."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from baomi import jobs
from baomi.approvals import services as approvals
from baomi.approvals.models import ApprovalRequest
from baomi.audit.models import AuditEvent
from baomi.errors import Conflict, Invalid, Refused
from baomi.inspections import reports, services
from baomi.inspections.models import (
    EntryLog,
    Inspection,
    PlanKind,
    Rectification,
    RectStatus,
    Reminder,
    Result,
    SiteKind,
)
from tests.factories import PASSWORD, make_admin
from tests.inspections.conftest import Office

D = datetime.date


# ---------------------------------------------------------------- plans (INSP-01)


def test_spring_festival_dates_come_from_the_table():
    assert services.holiday_date(PlanKind.SPRING_FESTIVAL, 2026) == D(2026, 2, 17)
    assert services.holiday_date(PlanKind.SPRING_FESTIVAL, 2027) == D(2027, 2, 6)
    assert services.holiday_date(PlanKind.SPRING_FESTIVAL, 2035) == D(2035, 2, 8)
    assert services.holiday_date(PlanKind.SPRING_FESTIVAL, 2040) is None
    assert set(services.SPRING_FESTIVAL) == set(range(2024, 2036))


def test_tick_creates_the_holiday_inspections_once(db):
    jobs.tick(today=D(2027, 1, 2))
    kinds = {(i.kind, i.year): i for i in Inspection.objects.all()}
    assert (PlanKind.ANNUAL, 2027) in kinds
    spring = kinds[(PlanKind.SPRING_FESTIVAL, 2027)]
    assert spring.holiday_on == D(2027, 2, 6) and spring.planned_on == D(2027, 1, 27)
    assert kinds[(PlanKind.MAY_DAY, 2027)].holiday_on == D(2027, 5, 1)
    assert (PlanKind.NATIONAL_DAY, 2027) not in kinds  # not yet near
    count = Inspection.objects.count()
    jobs.tick(today=D(2027, 1, 2))
    jobs.tick(today=D(2027, 1, 3))
    assert Inspection.objects.count() == count
    jobs.tick(today=D(2027, 6, 1))
    assert Inspection.objects.filter(kind=PlanKind.NATIONAL_DAY, year=2027, planned_on=D(2027, 9, 21)).exists()
    jobs.tick(today=D(2027, 11, 1))  # next year's 春节 (2028-01-26) is near
    assert Inspection.objects.filter(kind=PlanKind.SPRING_FESTIVAL, year=2028, holiday_on=D(2028, 1, 26)).exists()
    assert Inspection.objects.filter(kind=PlanKind.SPRING_FESTIVAL).count() == 2
    # INSP-08: units are reminded to check themselves ahead of each holiday inspection
    assert Reminder.objects.filter(key="selfcheck-spring_festival-2028").exists()


def test_the_self_check_reminder_ends_when_its_inspection_is_done(office: Office):
    services.plans_ensure(today=D(2027, 1, 2))
    spring = Inspection.objects.get(kind=PlanKind.SPRING_FESTIVAL, year=2027)
    assert Reminder.objects.get(key="selfcheck-spring_festival-2027").done is False
    services.inspection_assign(actor=office.officer, inspection=spring, inspector=office.inspector)
    services.inspection_complete(actor=office.inspector, inspection=spring, summary="总体良好")
    assert Reminder.objects.get(key="selfcheck-spring_festival-2027").done is True


def test_auto_plan_is_unique_per_year_in_the_database(db):
    services.plans_ensure(today=D(2027, 1, 2))
    with pytest.raises(IntegrityError), transaction.atomic():
        Inspection.objects.create(kind=PlanKind.ANNUAL, year=2027, title="重复", planned_on=D(2027, 1, 1))


def test_self_inspection_by_hand_only_by_the_office(office: Office):
    insp = services.inspection_create(actor=office.officer, title="财务科保密自查", unit=office.finance,
                                      planned_on=D(2027, 3, 1), inspector=office.inspector)
    assert insp.kind == PlanKind.SELF and insp.template is not None
    with pytest.raises(Refused):
        services.inspection_create(actor=office.owner, title="自查", unit=office.finance, planned_on=D(2027, 3, 1))
    assert AuditEvent.objects.filter(action="inspections.create", outcome="denied").exists()


# ---------------------------------------------------------------- checklist (INSP-03, CHECKLIST rows)


def test_template_contains_the_catalogue_checklist_items(db):
    template = services.default_template()
    rules = set(template.items.values_list("rule_id", flat=True))
    assert {"CARRIER-28", "CARRIER-29", "CARRIER-27", "SITE-04", "SITE-07", "INSP-09", "EXT-02"} <= rules
    clear_desk = template.items.get(rule_id="CARRIER-28")
    assert "清桌" in clear_desk.text and "抽屉" in clear_desk.text
    assert "保密场所" in template.items.get(rule_id="CARRIER-29").text
    assert "保险柜" in template.items.get(rule_id="CARRIER-27").text
    assert template.items.count() == len(services.catalogue_items())
    assert services.default_template().pk == template.pk  # copied once


def test_template_is_editable_by_the_office_only(office: Office):
    copy = services.template_copy(actor=office.officer, name="财务科检查表")
    item = services.template_item_save(actor=office.officer, template=copy, text="保险柜密码定期更换",
                                       category="要害部位")
    assert copy.items.filter(pk=item.pk).exists()
    assert services.default_template().items.filter(text="保险柜密码定期更换").count() == 0
    with pytest.raises(Refused):
        services.template_item_save(actor=office.owner, template=copy, text="x", category="y")


def test_answers_only_from_the_template_and_by_the_inspector(office: Office):
    insp = services.inspection_create(actor=office.officer, title="自查", unit=office.finance,
                                      planned_on=D(2027, 3, 1), inspector=office.inspector)
    item = insp.template.items.get(rule_id="CARRIER-28")
    answer = services.inspection_answer(actor=office.inspector, inspection=insp, item=item, result=Result.NO,
                                        note="两张桌面有文件")
    assert answer.result == "no"
    with pytest.raises(Refused):
        services.inspection_answer(actor=office.owner, inspection=insp, item=item, result=Result.YES)
    with pytest.raises(Invalid):
        services.inspection_answer(actor=office.inspector, inspection=insp, item=item, result="maybe")


# ---------------------------------------------------------------- findings → rectification (INSP-05)


def _finding(office: Office):
    insp = services.inspection_create(actor=office.officer, title="国庆节前检查", unit=office.finance,
                                      planned_on=D(2027, 9, 21), inspector=office.inspector)
    finding = services.finding_record(actor=office.inspector, inspection=insp, text="文件柜未加锁", severity="major",
                                      owner=office.owner, due_on=D(2027, 10, 15), evidence=b"\x89PNG photo",
                                      evidence_name="cabinet.png")
    return insp, finding, Rectification.objects.get(finding=finding)


def test_finding_opens_a_rectification_closed_only_after_verification(office: Office):
    _insp, finding, rect = _finding(office)
    assert rect.owner == office.owner and rect.status == RectStatus.OPEN and bytes(finding.evidence).startswith(b"\x89")
    with pytest.raises(Refused, match="未经复查不能关闭"):
        services.rectification_verify(actor=office.inspector, rect=rect, accepted=True)
    with pytest.raises(Refused):
        services.rectification_report(actor=office.stranger, rect=rect, note="已加锁")
    services.rectification_report(actor=office.owner, rect=rect, note="已更换带锁文件柜")
    with pytest.raises(Refused, match="不能复查本人"):
        services.rectification_verify(actor=office.owner, rect=rect, accepted=True)
    with pytest.raises(Refused):
        services.rectification_verify(actor=office.stranger, rect=rect, accepted=True)
    services.rectification_verify(actor=office.inspector, rect=rect, accepted=False, note="锁未安装")
    rect.refresh_from_db()
    assert rect.status == RectStatus.OPEN
    services.rectification_report(actor=office.owner, rect=rect, note="锁已安装")
    services.rectification_verify(actor=office.inspector, rect=rect, accepted=True, note="现场复查已落实")
    rect.refresh_from_db()
    assert rect.status == RectStatus.CLOSED and rect.verifier == office.inspector
    with pytest.raises(Conflict):
        services.rectification_verify(actor=office.officer, rect=rect, accepted=True)


def test_database_refuses_closing_unverified_or_by_owner(office: Office):
    _insp, _f, rect = _finding(office)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rectification.objects.filter(pk=rect.pk).update(status=RectStatus.CLOSED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rectification.objects.filter(pk=rect.pk).update(verifier=office.owner)


def test_evidence_size_is_limited(office: Office):
    insp = services.inspection_create(actor=office.officer, title="自查", unit=office.finance,
                                      planned_on=D(2027, 3, 1), inspector=office.inspector)
    with pytest.raises(Invalid):
        services.finding_record(actor=office.inspector, inspection=insp, text="x", severity="minor",
                                owner=office.owner, evidence=b"0" * (services.EVIDENCE_MAX_BYTES + 1))


def test_rectification_open_interface_defaults(office: Office):
    rect = services.rectification_open(actor=office.officer, title="终端未安装防护软件", description="扫描发现",
                                       unit=office.finance, owner=None, due_on=None, source="devices.scan",
                                       source_ref="PC-17")
    assert rect.owner == office.unit_officer  # the unit's own 保密员
    assert (rect.due_on - timezone.localdate()).days in (29, 30, 31)
    assert rect.finding is None and rect.source == "devices.scan" and rect.source_ref == "PC-17"
    assert AuditEvent.objects.filter(action="inspections.rectification_open", object_id=str(rect.pk)).exists()
    chosen = services.rectification_open(actor=office.officer, title="事件整改", description="", unit=office.top,
                                         owner=None, due_on=D(2030, 1, 1), source="incidents", source_ref="7")
    assert chosen.owner == office.officer and chosen.due_on == D(2030, 1, 1)  # up the tree to the org-wide one
    with pytest.raises(Invalid):
        services.rectification_open(actor=office.officer, title=" ", description="", unit=office.finance,
                                    owner=None, due_on=None, source="x", source_ref="")
    # The secrecy office verifies a rectification that no inspection owns; the owner cannot.
    services.rectification_report(actor=office.unit_officer, rect=rect, note="已安装")
    with pytest.raises(Refused):
        services.rectification_verify(actor=office.unit_officer, rect=rect, accepted=True)
    services.rectification_verify(actor=office.officer, rect=rect, accepted=True)


def test_overdue_rectifications_are_reminded_once(office: Office):
    _insp, _f, rect = _finding(office)
    jobs.tick(today=D(2027, 10, 20))
    jobs.tick(today=D(2027, 10, 21))
    assert Reminder.objects.filter(key=f"rect-{rect.pk}-overdue").count() == 1
    from baomi import inbox

    titles = [i.title for i in inbox.items_for(office.owner)]
    assert rect.title in titles
    assert any("整改逾期" in i.title for i in inbox.items_for(office.officer))


# ---------------------------------------------------------------- committee, ORG-07 (ORG-01/02/07)


def test_committee_meetings_reminded_twice_a_year(office: Office):
    jobs.tick(today=D(2027, 6, 2))
    assert Reminder.objects.filter(key="committee-2027-1", done=False).exists()
    services.meeting_record(actor=office.officer, held_on=D(2027, 6, 10), attendees="王芳、孙伟",
                            topics="上半年保密工作", minutes="听取汇报", decisions="开展国庆前检查")
    assert not Reminder.objects.filter(key="committee-2027-1", done=False).exists()
    jobs.tick(today=D(2027, 11, 2))
    assert Reminder.objects.filter(key="committee-2027-2", done=False).exists()
    with pytest.raises(Refused):
        services.meeting_record(actor=office.owner, held_on=D(2027, 11, 3), attendees="x", topics="y")


def test_plan_mid_year_and_year_end_reminders(db):
    jobs.tick(today=D(2027, 12, 2))
    keys = set(Reminder.objects.values_list("key", flat=True))
    assert {"org07-plan-2027", "org07-mid-2027", "org07-end-2027"} <= keys


# ---------------------------------------------------------------- key sites (SITE)


def _site(office: Office):
    return services.site_register(actor=office.officer, name="财务室", kind=SiteKind.FINANCE, location="二楼 201",
                                  unit=office.finance, responsible=office.unit_officer, leader=office.leader,
                                  allowed=[office.owner], emergency_plan="发生火情先断电，保险柜就地封存")


def test_site_register_and_entry_refused_unless_listed_or_approved(office: Office):
    site = _site(office)
    assert site.leader == office.leader and set(site.allowed.all()) == {office.unit_officer, office.owner}
    services.entry_log(actor=office.unit_officer, site=site, person=office.owner, purpose="报账")
    with pytest.raises(Refused, match="不在 财务室 准入名单内"):
        services.entry_log(actor=office.unit_officer, site=site, person=office.stranger, purpose="送材料")
    with pytest.raises(Refused):
        services.entry_log(actor=office.stranger, site=site, person=office.owner, purpose="x")
    with pytest.raises(Refused):
        services.site_register(actor=office.owner, name="电脑室", kind=SiteKind.COMPUTER, location="3楼",
                               unit=office.finance, responsible=office.owner, leader=office.leader)
    entry = services.entry_request(actor=office.stranger, site=site, on_date=timezone.localdate(), purpose="审计取数")
    request = ApprovalRequest.objects.get(pk=entry.request_id)
    with pytest.raises(Refused):  # still pending
        services.entry_log(actor=office.unit_officer, site=site, person=office.stranger, purpose="审计取数")
    approvals.request_decide(actor=office.leader, request=request, approve=True, comment="同意", password=PASSWORD)
    log = services.entry_log(actor=office.unit_officer, site=site, person=office.stranger, purpose="审计取数")
    assert log.approval is not None and EntryLog.objects.filter(site=site).count() == 2


def test_rejected_entry_stays_refused(office: Office):
    site = _site(office)
    entry = services.entry_request(actor=office.stranger, site=site, on_date=timezone.localdate(), purpose="参观")
    approvals.request_decide(actor=office.leader, request=ApprovalRequest.objects.get(pk=entry.request_id),
                             approve=False, comment="无工作需要", password=PASSWORD)
    with pytest.raises(Refused):
        services.entry_log(actor=office.unit_officer, site=site, person=office.stranger, purpose="参观")


def test_duty_roster_and_handover(office: Office):
    site = _site(office)
    shift = services.shift_record(actor=office.unit_officer, site=site, on_date=D(2027, 10, 1), person=office.owner)
    with pytest.raises(Refused):
        services.shift_record(actor=office.unit_officer, site=site, on_date=D(2027, 10, 2), person=office.stranger)
    with pytest.raises(Refused):
        services.shift_handover(actor=office.unit_officer, shift=shift, to=office.owner, note="x")
    with pytest.raises(Refused):
        services.shift_handover(actor=office.owner, shift=shift, to=office.stranger, note="x")
    services.shift_handover(actor=office.owner, shift=shift, to=office.unit_officer, note="保险柜已锁，门窗完好")
    shift.refresh_from_db()
    assert shift.handover_to == office.unit_officer
    with pytest.raises(Conflict):
        services.shift_handover(actor=office.owner, shift=shift, to=office.unit_officer, note="again")


def test_drills_need_an_emergency_plan(office: Office):
    site = _site(office)
    drill = services.drill_record(actor=office.officer, site=site, held_on=D(2027, 6, 1), scenario="夜间盗窃报警",
                                  participants="刘洋、赵敏", findings="报警响应 8 分钟")
    assert drill.site == site
    services.site_plan_set(actor=office.officer, site=site, plan="")
    with pytest.raises(Refused, match="尚无突发事件处置预案"):
        services.drill_record(actor=office.officer, site=site, held_on=D(2027, 7, 1), scenario="x", participants="y")


# ---------------------------------------------------------------- risks (INSP-07)


def test_risk_register_from_findings_and_reminded_on_its_period(office: Office):
    jobs.tick(today=D(2027, 1, 5))
    assert Reminder.objects.filter(key="risk-first-2027").exists()
    assessment = services.assessment_record(actor=office.officer, title="2027年度保密风险评估",
                                            held_on=D(2027, 1, 10), period_months=6)
    _insp, finding, rect = _finding(office)
    risk = services.risk_from_finding(actor=office.officer, finding=finding, likelihood=3, impact=4,
                                      measures="更换带锁文件柜")
    assert risk.owner == rect.owner and risk.score == 12 and risk.assessment == assessment
    with pytest.raises(Invalid):
        services.risk_add(actor=office.officer, title="x", likelihood=6, impact=1, owner=office.owner)
    with pytest.raises(Refused):
        services.risk_add(actor=office.owner, title="x", likelihood=1, impact=1, owner=office.owner)
    jobs.tick(today=D(2027, 7, 9))
    assert not Reminder.objects.filter(key=f"risk-{assessment.pk}-due").exists()
    jobs.tick(today=D(2027, 7, 10))
    jobs.tick(today=D(2027, 7, 11))
    assert Reminder.objects.filter(key=f"risk-{assessment.pk}-due").count() == 1


# ---------------------------------------------------------------- reports (INSP-04)


def test_report_pdf_and_docx_list_findings_and_status(office: Office):
    insp, _f, _rect = _finding(office)
    item = insp.template.items.get(rule_id="CARRIER-28")
    services.inspection_answer(actor=office.inspector, inspection=insp, item=item, result=Result.NO)
    services.inspection_complete(actor=office.inspector, inspection=insp, summary="总体良好")
    pdf = reports.inspection_pdf(insp)
    assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf
    import docx

    document = docx.Document(io.BytesIO(reports.inspection_docx(insp)))
    text = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "文件柜未加锁" in text and "整改中" in text and "CARRIER-28" in text
    assert any("保密委员会" in p.text for p in document.paragraphs)
    with pytest.raises(Conflict):
        services.inspection_answer(actor=office.inspector, inspection=insp, item=item, result=Result.YES)


def test_administrators_hold_no_inspection_powers(office: Office):
    admin = make_admin("security", "fengxue")
    with pytest.raises(Refused):
        services.inspection_create(actor=admin, title="x", unit=None, planned_on=D(2027, 1, 1))


# ---------------------------------------------------------------- ORG-09 study log, annual report (ORG-06/08, SITE-05)


def test_study_log_by_the_office(office: Office):
    study = services.study_record(actor=office.officer, held_on=D(2027, 3, 5),
                                  document="《中华人民共和国保守国家秘密法》", participants="全体干部职工",
                                  notes="逐条学习")
    assert study.document.startswith("《中华")
    with pytest.raises(Refused):
        services.study_record(actor=office.owner, held_on=D(2027, 3, 5), document="x", participants="y")
    with pytest.raises(Invalid):
        services.study_record(actor=office.officer, held_on=D(2027, 3, 5), document=" ", participants="y")


def test_annual_report_per_unit_with_sites_meetings_and_risks(office: Office):
    _insp, finding, rect = _finding(office)
    site = _site(office)
    services.entry_log(actor=office.unit_officer, site=site, person=office.owner, purpose="报账")
    services.meeting_record(actor=office.officer, held_on=timezone.localdate(), attendees="王芳",
                            topics="年度保密工作总结")
    services.study_record(actor=office.officer, held_on=timezone.localdate(), document="保密工作要点",
                          participants="全体")
    services.risk_from_finding(actor=office.officer, finding=finding, likelihood=2, impact=3)
    import docx

    year = timezone.localdate().year
    Inspection.objects.filter(pk=_insp.pk).update(year=year)
    document = docx.Document(io.BytesIO(reports.annual_report_docx(year)))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert "国庆节前检查" in text and "财务室" in text and "年度保密工作总结" in text and "保密工作要点" in text
    assert "文件柜未加锁" in text  # the risk
    assert cells[4:8] == [office.finance.name, "1", "0", "1"] and rect.status == RectStatus.OPEN
