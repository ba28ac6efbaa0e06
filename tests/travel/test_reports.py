"""重大事项报告 (PERS-20, PERS-21): reporter and secrecy office only; deadlines; follow-ups."""

from __future__ import annotations

import pytest

from baomi import inbox
from baomi.errors import Conflict, Invalid, NotFound, Refused
from baomi.periods import working_days_after
from baomi.travel import selectors, services
from baomi.travel.models import Reminder, ReportStatus
from tests.travel.conftest import days, events


def test_report_visible_to_reporter_and_secrecy_office_only(office):
    report = services.report_file(actor=office.zhoujing, kind="relative_foreign", event_on=days(-2),
                                  description="配偶获得某国永久居留资格。")
    assert not report.late
    assert selectors.report_for(office.zhoujing, report.pk) == report
    assert selectors.report_for(office.lijianhua, report.pk) == report
    for colleague in (office.sunwei, office.chen, office.wangfang, office.secadmin, office.auditor):
        with pytest.raises(NotFound):
            selectors.report_for(colleague, report.pk)
        assert not selectors.reports_visible_to(colleague).exists()
    assert "配偶" not in events("travel.report.file").get().summary  # sensitive content stays out of the log


def test_approach_must_be_reported_within_one_working_day(office):
    event_on = days(-10)
    report = services.report_file(actor=office.zhoujing, kind="approach", event_on=event_on,
                                  description="有人以高额报酬为诱饵索要规划资料。")
    assert report.due_on == working_days_after(event_on, 1)
    assert report.late  # accepted, flagged
    on_time = services.report_file(actor=office.zhoujing, kind="approach", event_on=days(0),
                                   description="今日再次接到对方电话。")
    assert not on_time.late
    with pytest.raises(Invalid):
        services.report_file(actor=office.zhoujing, kind="approach", event_on=days(1), description="x")
    with pytest.raises(Refused):
        services.report_file(actor=office.secadmin, kind="other", event_on=days(0), description="x")


def test_follow_up_and_close_by_the_secrecy_office(office, time_machine_days):
    report = services.report_file(actor=office.zhoujing, kind="approach", event_on=days(0), description="x")
    assert any(i.kind == "跟进" for i in inbox.items_for(office.lijianhua))
    assert not any(i.kind == "跟进" for i in inbox.items_for(office.sunwei))
    with pytest.raises(Refused):
        services.report_follow_up(actor=office.sunwei, report=report, action="谈话")
    with pytest.raises(Refused, match="尚无跟进记录"):
        services.report_close(actor=office.lijianhua, report=report, conclusion="办结")
    time_machine_days(5)
    services.reminders_send()
    assert Reminder.objects.filter(key__startswith="report-follow", person=office.lijianhua).exists()
    services.report_follow_up(actor=office.lijianhua, report=report, action="与本人谈话，报市国家安全机关。")
    services.report_close(actor=office.lijianhua, report=report, conclusion="已移交有关机关。")
    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED
    with pytest.raises(Conflict):
        services.report_close(actor=office.lijianhua, report=report, conclusion="again")


def test_officer_may_not_follow_up_own_report(office):
    report = services.report_file(actor=office.zhaolei, kind="other", event_on=days(0), description="x")
    with pytest.raises(Refused, match="本人"):
        services.report_follow_up(actor=office.zhaolei, report=report, action="x")
    services.report_follow_up(actor=office.lijianhua, report=report, action="已了解")
