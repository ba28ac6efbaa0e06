"""出入境证件集中保管 (PERS-18): registered by the secrecy office, issued only for an approved,
current, briefed trip (PERS-19), due back N days after return, overdue listed and reminded."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings

from baomi import inbox
from baomi.errors import Conflict, Refused
from baomi.travel import selectors, services
from baomi.travel.models import DocumentStatus, Reminder
from tests.factories import PASSWORD
from tests.travel.conftest import apply, approve, days, events


def passport(office, holder, number="E12345678", expires=900):
    return services.document_register(actor=office.lijianhua, holder=holder, kind="passport", number=number,
                                      expires_on=days(expires))


def ready_trip(office, person, **kwargs):
    trip = apply(person, **kwargs)
    approve(trip.approval, office.sunwei if person.unit == office.units["planning"] else office.chen,
            office.lijianhua)
    trip.refresh_from_db()
    return trip


def test_only_the_secrecy_office_registers_and_numbers_are_masked(office):
    with pytest.raises(Refused):
        services.document_register(actor=office.wangfang, holder=office.zhoujing, kind="passport",
                                   number="E12345678", expires_on=days(900))
    doc = passport(office, office.zhoujing)
    assert doc.masked_number == "E******78"
    assert [d.pk for d in selectors.documents_visible_to(office.zhoujing)] == [doc.pk]
    assert not selectors.documents_visible_to(office.sunwei).exists()
    assert not selectors.documents_visible_to(office.secadmin).exists()
    assert "E12345678" not in events("travel.document.register").filter(outcome="ok").get().summary
    with pytest.raises(Conflict, match="已登记"):
        passport(office, office.zhoujing)


def test_issue_refused_without_an_approved_trip(office):
    doc = passport(office, office.zhoujing)
    trip = apply(office.zhoujing)
    with pytest.raises(Refused, match="未经审批批准"):
        services.document_issue(actor=office.lijianhua, document=doc, trip=trip)
    assert events("travel.document.issue").filter(outcome="denied").count() == 1
    other = ready_trip(office, office.wutao)
    with pytest.raises(Refused, match="持证人本人"):
        services.document_issue(actor=office.lijianhua, document=doc, trip=other)
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.HELD


def test_issue_requires_the_briefing(office):
    doc = passport(office, office.zhoujing)
    trip = ready_trip(office, office.zhoujing)
    with pytest.raises(Refused, match="行前保密教育"):
        services.document_issue(actor=office.lijianhua, document=doc, trip=trip)
    assert not any(i.kind == "证件" for i in inbox.items_for(office.lijianhua))
    services.trip_acknowledge_briefing(actor=office.zhoujing, trip=trip, password=PASSWORD)
    assert any(i.kind == "证件" for i in inbox.items_for(office.lijianhua))
    with pytest.raises(Refused):
        services.document_issue(actor=office.zhoujing, document=doc, trip=trip)  # not a custodian
    issue = services.document_issue(actor=office.lijianhua, document=doc, trip=trip)
    assert not any(i.kind == "证件" for i in inbox.items_for(office.lijianhua))
    assert issue.due_back_on == trip.return_on + datetime.timedelta(days=7)
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.OUT
    with pytest.raises(Conflict):
        services.document_issue(actor=office.lijianhua, document=doc, trip=trip)


def test_issue_waits_for_the_carrier_abroad_approval(office):
    doc = passport(office, office.sunwei)
    trip = apply(office.sunwei, carriers_planned=True, carrier_items="秘密★ 资料 1 份", bureau_doc_no="示保〔2026〕7号")
    approve(trip.approval, office.chen, office.lijianhua)
    services.trip_acknowledge_briefing(actor=office.sunwei, trip=trip, password=PASSWORD)
    with pytest.raises(Refused, match="EXT-04"):
        services.document_issue(actor=office.lijianhua, document=doc, trip=trip)
    approve(trip.carrier_approval, office.chen, office.lijianhua, office.chen)
    services.document_issue(actor=office.lijianhua, document=doc, trip=trip)


def test_issue_refused_when_the_passport_expires_during_the_trip(office):
    doc = passport(office, office.zhoujing, expires=5)
    trip = ready_trip(office, office.zhoujing)
    services.trip_acknowledge_briefing(actor=office.zhoujing, trip=trip, password=PASSWORD)
    with pytest.raises(Refused, match="有效期"):
        services.document_issue(actor=office.lijianhua, document=doc, trip=trip)


@override_settings(BAOMI_TRAVEL_DOCUMENT_RETURN_DAYS=3)
def test_overdue_listed_reminded_and_returned_late(office, time_machine_days):
    doc = passport(office, office.zhoujing)
    trip = ready_trip(office, office.zhoujing, depart_on=days(0), return_on=days(2))
    services.trip_acknowledge_briefing(actor=office.zhoujing, trip=trip, password=PASSWORD)
    issue = services.document_issue(actor=office.lijianhua, document=doc, trip=trip)
    assert issue.due_back_on == days(5)
    assert not selectors.overdue_issues(office.lijianhua).exists()
    kinds = [i.kind for i in inbox.items_for(office.zhoujing)]
    assert "归还" in kinds
    time_machine_days(10)  # due back on day 5; the 回国报告 was due on day 9
    assert [i.pk for i in selectors.overdue_issues(office.lijianhua)] == [issue.pk]
    assert not selectors.overdue_issues(office.sunwei).exists()  # a colleague sees nothing
    services.reminders_send()
    services.reminders_send()  # idempotent
    keys = set(Reminder.objects.values_list("person__username", flat=True).filter(key__startswith="doc-overdue"))
    assert keys == {"zhoujing", "lijianhua", "zhaolei"}
    assert Reminder.objects.filter(key__startswith="trip-report").count() == 1  # report overdue too
    section = selectors.profile_section(office.lijianhua, office.zhoujing)
    assert section is not None and any("逾期未交回" in o for o in section["overdue"])
    issue = services.document_return(actor=office.lijianhua, document=doc)
    assert issue.returned_late
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.HELD
    assert not selectors.overdue_issues(office.lijianhua).exists()


def test_expiry_reminder(office):
    passport(office, office.zhoujing, expires=30)
    services.reminders_send()
    assert Reminder.objects.filter(key__startswith="doc-expiry", person=office.zhoujing).count() == 1


def test_profile_section_visibility(office):
    passport(office, office.zhoujing)
    assert selectors.profile_section(office.sunwei, office.zhoujing) is None  # colleague / unit leader
    assert selectors.profile_section(office.secadmin, office.zhoujing) is None  # administrator
    own = selectors.profile_section(office.zhoujing, office.zhoujing)
    assert own is not None and own["title"] == "出国境与重大事项"
    assert any("E******78" in label for label, _value in own["rows"])
    full = selectors.profile_section(office.lijianhua, office.zhoujing)
    assert full is not None and any("E12345678" in label for label, _value in full["rows"])
    assert full["url"] and str(office.zhoujing.pk) in full["url"]
