"""泄密事件: report → measures → notify → investigate → responsibility → penalty → close, the
refusals on the way, the drafts other modules open, the database guards, statistics."""

from __future__ import annotations

import datetime

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from baomi import inbox, jobs
from baomi.audit.models import AuditEvent
from baomi.carriers import services as carriers
from baomi.carriers.models import CopyStatus
from baomi.errors import Conflict, Invalid, Refused
from baomi.incidents import selectors, services
from baomi.incidents.models import Entry, Incident, IncidentStatus, Liability, Penalty, Reminder
from tests.carriers.conftest import first_copy, fresh, register
from tests.incidents.conftest import ago, report


def _investigate_and_judge(office, incident: Incident) -> Incident:
    services.investigation_add(actor=office.lijianhua, incident=incident, text="调取会议签到表，询问当事人。")
    return services.responsibility_determine(
        actor=office.lijianhua, incident=incident, finding="周静未按规定随身保管，负直接责任。",
        severity="ordinary", responsible=[office.zhoujing], leaders=[office.sunwei])


def test_the_whole_case_from_report_to_closure(office):
    incident = report(office.zhoujing, people=[office.zhoujing])
    assert incident.status == IncidentStatus.OPEN
    assert incident.notify_due_at == incident.discovered_at + datetime.timedelta(hours=services.NOTIFY_HOURS)
    first = services.measure_add(actor=office.lijianhua, incident=incident, text="组织沿途寻找，通知会场", at=ago(1.5))
    services.measure_add(actor=office.lijianhua, incident=incident, text="通知发文单位")
    assert list(incident.entries.values_list("kind", flat=True)) == ["measure", "measure"]
    assert first.at < incident.entries.last().at  # type: ignore[union-attr]
    services.incident_notify(actor=office.lijianhua, incident=incident, at=timezone.now(), to="市国家保密局",
                             how="电话报告并书面报告")
    incident.refresh_from_db()
    assert incident.notified_to == "市国家保密局" and not incident.notify_late
    with pytest.raises(Refused, match="先作出责任认定"):
        services.penalty_decide(actor=office.lijianhua, incident=incident, person=office.zhoujing, kind="warning")
    incident = _investigate_and_judge(office, incident)
    assert incident.liability == Liability.DISCIPLINE  # a state secret (INC-08)
    penalty = services.penalty_decide(actor=office.lijianhua, incident=incident, person=office.zhoujing,
                                      kind="warning", basis="《行政机关公务员处分条例》第二十六条")
    assert penalty.get_kind_display() == "警告"
    with pytest.raises(Conflict):
        services.penalty_decide(actor=office.lijianhua, incident=incident, person=office.zhoujing, kind="demerit")
    with pytest.raises(Refused, match="责任人或当事人"):
        services.penalty_decide(actor=office.lijianhua, incident=incident, person=office.wutao, kind="warning")
    with pytest.raises(Invalid):
        services.incident_close(actor=office.lijianhua, incident=incident, reason=" ")
    services.incident_close(actor=office.lijianhua, incident=incident, reason="文件已找回，未造成扩散")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED and incident.closed_by == office.lijianhua
    # Closed: nothing changes any more, but a note may still be added.
    with pytest.raises(Conflict):
        services.measure_add(actor=office.lijianhua, incident=incident, text="补记")
    with pytest.raises(Conflict):
        services.incident_close(actor=office.lijianhua, incident=incident, reason="再次")
    services.note_add(actor=office.lijianhua, incident=incident, text="年度通报中列入")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"incidents.report", "incidents.measure", "incidents.notify", "incidents.investigate",
            "incidents.determine", "incidents.penalty", "incidents.close", "incidents.note"} <= actions


def test_the_full_penalty_scale_and_referrals(office):
    incident = report(office.zhoujing, people=[office.zhoujing, office.sunwei, office.wutao, office.liumin])
    services.incident_notify(actor=office.lijianhua, incident=incident, at=timezone.now(), to="市保密局", how="书面")
    services.responsibility_determine(actor=office.lijianhua, incident=incident, finding="多人违规",
                                      severity="grave")
    incident.refresh_from_db()
    assert incident.liability == Liability.CRIMINAL  # a grave state-secret case goes to the prosecutors
    for person, kind, referral in [(office.zhoujing, "demotion", ""), (office.sunwei, "removal", "discipline"),
                                   (office.wutao, "expulsion", "judicial"), (office.liumin, "major_demerit", "")]:
        services.penalty_decide(actor=office.lijianhua, incident=incident, person=person, kind=kind,
                                referral=referral)
    shown = {p.get_kind_display() for p in Penalty.objects.all()}
    assert shown == {"降级", "撤职", "开除", "记大过"}
    with pytest.raises(Invalid):
        services.penalty_decide(actor=office.lijianhua, incident=incident, person=office.zhoujing, kind="flogging")


def test_work_secret_brings_administrative_liability(office):
    incident = report(office.zhoujing, level=2, title="工作秘密外泄", kind="leak")
    services.responsibility_determine(actor=office.lijianhua, incident=incident, finding="违规转发",
                                      severity="serious")
    incident.refresh_from_db()
    assert incident.liability == Liability.ADMINISTRATIVE
    # Below 秘密 no report to the superior department is required before closing.
    services.incident_close(actor=office.lijianhua, incident=incident, reason="已处理")


def test_closing_a_state_secret_case_needs_the_report_and_the_finding(office):
    incident = report(office.zhoujing)
    with pytest.raises(Refused, match="上级保密工作部门"):
        services.incident_close(actor=office.lijianhua, incident=incident, reason="找回")
    services.incident_notify(actor=office.lijianhua, incident=incident, at=timezone.now(), to="市保密局", how="电话")
    with pytest.raises(Refused, match="责任认定"):
        services.incident_close(actor=office.lijianhua, incident=incident, reason="找回")
    with pytest.raises(Conflict):
        services.incident_notify(actor=office.lijianhua, incident=incident, at=timezone.now(), to="x", how="y")


def test_only_the_secrecy_office_handles_incidents(office):
    incident = report(office.zhoujing)
    for person in (office.zhoujing, office.wangfang, office.sunwei):
        with pytest.raises(Refused, match="只有保密办"):
            services.measure_add(actor=person, incident=incident, text="自行处理")
    with pytest.raises(Refused):
        report(office.secadmin)  # 三员: administrators handle no classified matters
    with pytest.raises(Refused, match="超出您的涉密等级"):
        report(office.zhoujing, level=5)  # GENERAL clearance: 绝密 is above it
    with pytest.raises(Invalid):
        report(office.zhoujing, discovered_at=timezone.now() + datetime.timedelta(days=1))
    assert AuditEvent.objects.filter(action="incidents.measure", outcome="denied").count() == 3


def test_overdue_report_is_highlighted_and_reminded_once(office):
    incident = report(office.zhoujing, discovered_at=ago(30))
    assert selectors.is_overdue(incident)
    assert list(selectors.overdue_notifications(office.lijianhua)) == [incident]
    assert not selectors.overdue_notifications(office.zhoujing).exists()
    jobs.tick()
    reminded = set(Reminder.objects.values_list("person__username", flat=True))
    assert reminded == {"lijianhua", "zhaolei"}
    jobs.tick()
    assert Reminder.objects.count() == 2  # idempotent
    items = [i for i in inbox.items_for(office.lijianhua) if i.kind == "泄密事件"]
    assert items and items[0].overdue
    services.incident_notify(actor=office.lijianhua, incident=incident, at=timezone.now(), to="市保密局", how="电话")
    incident.refresh_from_db()
    assert incident.notify_late and not selectors.is_overdue(incident)
    with pytest.raises(Invalid):
        other = report(office.zhoujing)
        services.incident_notify(actor=office.lijianhua, incident=other, at=ago(5), to="x", how="y")  # before found


def test_a_lost_copy_opens_a_draft_that_is_confirmed_or_dismissed(office):
    carrier = register(office.wangfang, mark="秘密★5年", units=[office.units["planning"]])
    copy = first_copy(carrier)
    carriers.copy_circulate(actor=office.wangfang, copy=copy, reader=office.zhoujing)
    carriers.copy_report_lost(actor=office.zhoujing, copy=copy, note="会议结束后未找到")
    draft = Incident.objects.get()
    assert draft.status == IncidentStatus.DRAFT and draft.reporter == office.zhoujing
    assert fresh(copy).status == CopyStatus.LOST
    with pytest.raises(Refused, match="尚待核实"):
        services.responsibility_determine(actor=office.lijianhua, incident=draft, finding="x", severity="minor")
    services.incident_confirm(actor=office.lijianhua, incident=draft)
    with pytest.raises(Conflict):
        services.incident_confirm(actor=office.lijianhua, incident=draft)
    # A second copy of the same carrier lost: its own draft, dismissed with a reason.
    second = first_copy(carrier, 2)
    carriers.copy_circulate(actor=office.wangfang, copy=second, reader=office.zhoujing)
    carriers.copy_report_lost(actor=office.zhoujing, copy=second, note="同上")
    other = Incident.objects.exclude(pk=draft.pk).get()
    services.incident_close(actor=office.lijianhua, incident=other, reason="与前一事件为同一次遗失，并案处理")
    other.refresh_from_db()
    assert other.status == IncidentStatus.DISMISSED


def test_incident_draft_for_other_modules_is_idempotent(office):
    first = services.incident_draft(actor=office.wangfang, title="非涉密计算机发现秘密标志", level=3,
                                    circumstances="扫描发现", source="devices.scan", source_ref="42",
                                    people=[office.zhoujing])
    again = services.incident_draft(actor=office.wangfang, title="非涉密计算机发现秘密标志", level=3,
                                    circumstances="再次扫描", source="devices.scan", source_ref="42")
    assert first.pk == again.pk and first.status == IncidentStatus.DRAFT
    with pytest.raises(Invalid):
        services.incident_draft(actor=office.wangfang, title=" ", level=3, circumstances="", source="x",
                                source_ref="1")


def test_an_office_marks_a_named_copy_lost_through_the_carriers_service(office):
    carrier = register(office.wangfang, mark="秘密★5年")
    copy = first_copy(carrier)
    incident = report(office.wangfang, carrier_copies=[copy], kind="suspected")
    services.copy_mark_lost(actor=office.lijianhua, incident=incident, copy=copy, note="核实后确认丢失")
    assert fresh(copy).status == CopyStatus.LOST
    assert Incident.objects.count() == 1  # the carriers' draft joined this incident
    assert incident.copies.get().outcome == "lost"


def test_the_database_refuses_deleting_or_rewriting(office):
    incident = report(office.zhoujing, people=[office.zhoujing])
    services.measure_add(actor=office.lijianhua, incident=incident, text="寻找")
    with pytest.raises(DatabaseError), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        Entry.objects.filter(incident=incident).update(text="改写")
    with pytest.raises(DatabaseError), transaction.atomic():
        Entry.objects.filter(incident=incident).delete()
    services.incident_notify(actor=office.lijianhua, incident=incident, at=timezone.now(), to="市保密局", how="电话")
    _investigate_and_judge(office, incident)
    services.penalty_decide(actor=office.lijianhua, incident=incident, person=office.zhoujing, kind="warning")
    with pytest.raises(DatabaseError), transaction.atomic():
        Penalty.objects.update(kind="none")
    services.incident_close(actor=office.lijianhua, incident=incident, reason="已处理")
    with pytest.raises(DatabaseError), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(close_reason="另写")
    assert Incident.objects.get(pk=incident.pk).close_reason == "已处理"


def test_statistics_by_year_kind_and_level(office):
    report(office.zhoujing)
    report(office.zhoujing, kind="leak", level=2, title="工作秘密外泄")
    last_year = timezone.now() - datetime.timedelta(days=400)
    report(office.zhoujing, discovered_at=last_year)
    stats = selectors.statistics(office.lijianhua)
    years = dict(stats["by_year"])
    assert sum(years.values()) == 3 and years[timezone.localtime(last_year).year] >= 1
    assert dict(stats["by_kind"])["丢失"] == 2 and dict(stats["by_kind"])["泄露"] == 1
    assert dict(stats["by_level"]) == {"秘密": 2, "工作秘密": 1}
    from baomi.errors import NotFound

    with pytest.raises(NotFound):
        selectors.statistics(office.zhoujing)


def test_company_sanctions_on_the_scale(office):
    incident = report(office.zhoujing, people=[office.zhoujing, office.wutao], level=2, kind="violation",
                      title="违规使用个人邮箱传送内部资料")
    services.responsibility_determine(actor=office.lijianhua, incident=incident, finding="违规传送",
                                      severity="serious")
    services.penalty_decide(actor=office.lijianhua, incident=incident, person=office.zhoujing, kind="suspension")
    services.penalty_decide(actor=office.lijianhua, incident=incident, person=office.wutao, kind="dismissal")
    assert {p.get_kind_display() for p in incident.penalties.all()} == {"停职", "辞退"}


def test_a_hazard_is_reported_and_passed_on_to_the_superior_department(office):
    incident = report(office.zhoujing, kind="hazard", level=2, title="档案室窗户防盗栏损坏",
                      description="巡查发现档案室窗户防盗栏松动")
    assert incident.get_kind_display() == "泄密隐患"
    services.measure_add(actor=office.lijianhua, incident=incident, text="临时加固，档案移入备用库房")
    services.incident_notify(actor=office.lijianhua, incident=incident, at=timezone.now(), to="市国家保密局",
                             how="书面报告")
    incident.refresh_from_db()
    assert incident.notified_to == "市国家保密局"


def test_leaders_answer_from_the_responsibility_matrix(office):
    incident = report(office.zhoujing, people=[office.zhoujing])
    assert services.responsible_leaders([office.zhoujing]) == [office.sunwei]  # 规划科's 分管领导
    assert services.responsible_leaders([office.wutao]) == [office.chen]  # 财务科's own head answers to the 主任
    assert services.responsible_leaders([office.wangfang]) == [office.liumin]  # 秘书股 is under 办公室
    services.responsibility_determine(actor=office.lijianhua, incident=incident, finding="未随身保管",
                                      severity="minor", responsible=[office.zhoujing])
    roles = dict(incident.involved.values_list("person__username", "role"))
    assert roles == {"zhoujing": "responsible", "sunwei": "leader"}
