"""Every refusal of the meetings services, and the life cycle from planning to closure."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from baomi import inbox, jobs
from baomi.approvals.models import Status
from baomi.audit.models import AuditEvent
from baomi.carriers.models import CopyStatus
from baomi.errors import Conflict, Invalid, Refused
from baomi.levels import Level
from baomi.meetings import services
from baomi.meetings.models import Meeting, MeetingStatus, PhoneDeposit, Reminder
from tests.meetings.conftest import approve_all, approved, papers, plan, started, venue

pytestmark = pytest.mark.django_db


def denied(action: str) -> list[str]:
    return list(AuditEvent.objects.filter(action=action, outcome="denied").values_list("summary", flat=True))


def test_venue_not_approved_for_the_level_is_refused(office):
    small = venue(office, max_level=int(Level.CONFIDENTIAL), name="小会议室")
    hall = venue(office, max_level=None, name="多功能厅")
    with pytest.raises(Refused, match=r"小会议室.*未核准召开机密级会议"):
        plan(office, at=small)
    with pytest.raises(Refused, match="多功能厅"):
        plan(office, level=int(Level.CONFIDENTIAL), at=hall)
    assert not Meeting.objects.exists()
    assert AuditEvent.objects.filter(action="meetings.plan", outcome="denied").count() == 2
    assert plan(office, level=int(Level.CONFIDENTIAL), at=small).status == MeetingStatus.PLANNED


def test_only_the_secrecy_office_registers_venues(office):
    with pytest.raises(Refused):
        services.venue_register(actor=office.sunwei, name="科室会议室", max_level=int(Level.SECRET))


def test_attendee_without_clearance_is_refused_by_name(office):
    meeting = plan(office)
    with pytest.raises(Refused, match="周静 的涉密类别不能知悉机密级事项"):
        services.attendee_add(actor=office.sunwei, meeting=meeting, person=office.zhoujing)
    assert not meeting.attendees.filter(person=office.zhoujing).exists()


def test_attendee_outside_the_materials_need_to_know_is_refused(office):
    carrier = papers(office, [office.sunwei, office.chen])
    meeting = plan(office)
    services.attendee_add(actor=office.sunwei, meeting=meeting, person=office.chen)
    services.paper_add(actor=office.sunwei, meeting=meeting, register_no=carrier.register_no)
    # 刘敏 is cleared (重要) for 机密 but not inside the listed papers' need-to-know.
    with pytest.raises(Refused, match=r"刘敏 不在会议材料 .* 的知悉范围内"):
        services.attendee_add(actor=office.sunwei, meeting=meeting, person=office.liumin)
    # And papers whose need-to-know misses someone already listed are refused the other way.
    other = plan(office)
    services.attendee_add(actor=office.sunwei, meeting=other, person=office.liumin)
    with pytest.raises(Refused, match=r"刘敏 不在会议材料 .* 的知悉范围内"):
        services.paper_add(actor=office.sunwei, meeting=other, register_no=carrier.register_no)
    assert not other.papers.exists()


def test_copy_to_someone_outside_its_need_to_know_is_refused(office):
    meeting = started(office, office.liumin)
    carrier = papers(office, [office.sunwei])
    with pytest.raises(Refused, match="刘敏 不在该载体的知悉范围内"):
        services.material_issue(actor=office.wangfang, meeting=meeting, copy=carrier.copies.get(serial=1),
                                attendee=meeting.attendees.get(person=office.liumin))


def test_external_attendee_needs_a_letter_at_the_level(office):
    meeting = plan(office)
    with pytest.raises(Refused, match="马骏 的介绍信载明的知悉密级低于会议密级"):
        services.attendee_add_external(actor=office.sunwei, meeting=meeting, name="马骏", unit_name="市财政局",
                                       letter="示财介〔2026〕31号", cleared_level=int(Level.CONFIDENTIAL))
    with pytest.raises(Invalid):
        services.attendee_add_external(actor=office.sunwei, meeting=meeting, name="马骏", unit_name="市财政局",
                                       letter="", cleared_level=int(Level.SECRET))
    outsider = services.attendee_add_external(actor=office.sunwei, meeting=meeting, name="马骏", unit_name="市财政局",
                                              letter="示财介〔2026〕31号", cleared_level=int(Level.SECRET))
    assert outsider.name == "马骏（市财政局）"


def test_only_the_organiser_or_secrecy_office_runs_the_meeting(office):
    meeting = plan(office)
    with pytest.raises(Refused, match="只有会议组织人或保密办可以办理"):
        services.attendee_add(actor=office.chen, meeting=meeting, person=office.liumin)
    services.attendee_add(actor=office.lijianhua, meeting=meeting, person=office.liumin)


def test_check_in_of_someone_not_on_the_list_is_refused(office):
    meeting = approved(office, office.chen)
    services.meeting_start(actor=office.sunwei, meeting=meeting, no_wireless_mics=True, rules_announced=True)
    with pytest.raises(Refused, match="刘敏 不在经批准的参会名单中，不得入场"):
        services.attendee_check_in(actor=office.sunwei, meeting=meeting, person=office.liumin,
                                   phone=PhoneDeposit.DEPOSITED, rules_acknowledged=True)
    assert denied("meetings.check_in")


def test_check_in_needs_the_rules_acknowledged_and_the_phone_recorded(office):
    meeting = approved(office, office.chen)
    with pytest.raises(Refused, match="陈国强 未确认会议保密纪律"):
        services.attendee_check_in(actor=office.sunwei, meeting=meeting, person=office.chen,
                                   phone=PhoneDeposit.DEPOSITED, rules_acknowledged=False)
    with pytest.raises(Invalid):
        services.attendee_check_in(actor=office.sunwei, meeting=meeting, person=office.chen, phone="",
                                   rules_acknowledged=True)
    attendee = services.attendee_check_in(actor=office.sunwei, meeting=meeting, person=office.chen,
                                          phone=PhoneDeposit.DEPOSITED, rules_acknowledged=True)
    assert attendee.phone == PhoneDeposit.DEPOSITED and attendee.rules_acknowledged
    with pytest.raises(Conflict):
        services.attendee_check_in(actor=office.sunwei, meeting=meeting, person=office.chen,
                                   phone=PhoneDeposit.DEPOSITED, rules_acknowledged=True)


def test_start_needs_no_wireless_microphones_and_the_rules_announced(office):
    meeting = approved(office, office.chen)
    with pytest.raises(Refused, match="无线话筒"):
        services.meeting_start(actor=office.sunwei, meeting=meeting, no_wireless_mics=False, rules_announced=True)
    with pytest.raises(Refused, match="宣布保密纪律"):
        services.meeting_start(actor=office.sunwei, meeting=meeting, no_wireless_mics=True, rules_announced=False)
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.APPROVED


def test_a_meeting_starts_only_when_approved(office):
    meeting = plan(office)
    with pytest.raises(Conflict):
        services.meeting_start(actor=office.sunwei, meeting=meeting, no_wireless_mics=True, rules_announced=True)


def test_close_with_a_copy_out_is_refused_listing_numbers_only(office):
    meeting = started(office, office.chen, office.liumin)
    carrier = papers(office, [office.sunwei, office.chen, office.liumin])
    issued = [services.material_issue(actor=office.wangfang, meeting=meeting, copy=copy, attendee=attendee)
              for copy, attendee in zip(carrier.copies.order_by("serial"), meeting.attendees.order_by("id"),
                                        strict=True)]
    services.material_collect(actor=office.wangfang, material=issued[0])
    with pytest.raises(Refused) as refused:
        services.meeting_close(actor=office.sunwei, meeting=meeting)
    message = refused.value.message
    assert f"{carrier.register_no} 第000002份" in message and f"{carrier.register_no} 第000003份" in message
    assert "第000001份" not in message and carrier.title not in message
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.IN_PROGRESS
    for material in issued[1:]:
        services.material_collect(actor=office.wangfang, material=material)
    assert services.meeting_close(actor=office.sunwei, meeting=meeting).status == MeetingStatus.CLOSED


def test_full_life_cycle(office):
    meeting = plan(office, no_record=True)
    services.attendee_add(actor=office.sunwei, meeting=meeting, person=office.chen)
    request = services.meeting_submit(actor=office.sunwei, meeting=meeting)
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.SUBMITTED
    with pytest.raises(Conflict):
        services.attendee_add(actor=office.sunwei, meeting=meeting, person=office.liumin)
    approve_all(request, office.chen)
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert meeting.status == MeetingStatus.APPROVED and meeting.approval.status == Status.APPROVED
    services.meeting_start(actor=office.sunwei, meeting=meeting, no_wireless_mics=True, rules_announced=True)
    for attendee in meeting.attendees.all():
        services.attendee_check_in(actor=office.sunwei, meeting=meeting, attendee=attendee, phone=PhoneDeposit.NONE,
                                   rules_acknowledged=True)
    carrier = papers(office, [office.sunwei, office.chen], copies=2)
    copy = carrier.copies.get(serial=1)
    material = services.material_issue(actor=office.wangfang, meeting=meeting, copy=copy,
                                       attendee=meeting.attendees.get(person=office.chen))
    copy.refresh_from_db()
    assert copy.status == CopyStatus.CIRCULATING and copy.custodian == office.chen
    services.material_collect(actor=office.wangfang, material=material)
    copy.refresh_from_db()
    assert copy.status == CopyStatus.IN_CUSTODY and copy.custodian == office.wangfang
    with pytest.raises(Invalid, match="会议记录的密级须与会议密级"):
        services.minutes_register(actor=office.wangfang, meeting=meeting, title="会议记录", mark="秘密★10年")
    minutes = services.minutes_register(actor=office.wangfang, meeting=meeting, title="专题会会议记录",
                                        mark="机密★10年")
    assert minutes.level == Level.SECRET
    assert set(minutes.need_to_know_people.all()) == {office.sunwei, office.chen}
    services.meeting_close(actor=office.sunwei, meeting=meeting)
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert meeting.status == MeetingStatus.CLOSED and meeting.minutes == minutes
    actions = list(AuditEvent.objects.filter(outcome="ok", action__startswith="meetings.").values_list(
        "action", flat=True))
    for action in ("meetings.plan", "meetings.submit", "meetings.approved", "meetings.start", "meetings.check_in",
                   "meetings.material_issue", "meetings.material_collect", "meetings.minutes", "meetings.close"):
        assert action in actions
    assert not AuditEvent.objects.filter(summary__contains=meeting.title).exists()


def test_rejection_returns_the_meeting_to_planning(office):
    meeting = plan(office)
    request = services.meeting_submit(actor=office.sunwei, meeting=meeting)
    from baomi.approvals import services as approvals
    from tests.factories import PASSWORD

    approvals.request_decide(actor=office.chen, request=request, approve=False, comment="名单过宽", password=PASSWORD)
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED


def test_cancel(office):
    meeting = plan(office)
    services.meeting_submit(actor=office.sunwei, meeting=meeting)
    with pytest.raises(Invalid):
        services.meeting_cancel(actor=office.sunwei, meeting=meeting, reason=" ")
    services.meeting_cancel(actor=office.sunwei, meeting=meeting, reason="改期")
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert meeting.status == MeetingStatus.CANCELLED and meeting.approval.status == Status.CANCELLED


def test_reminders_before_and_after_the_meeting(office):
    meeting = approved(office, office.chen)
    jobs.tick(today=timezone.localdate())
    jobs.tick(today=timezone.localdate())  # idempotent
    assert Reminder.objects.filter(meeting=meeting, person=office.sunwei).count() == 1
    assert any("核对参会名单" in item.title for item in inbox.items_for(office.sunwei))
    assert not any(item.kind == "会议" for item in inbox.items_for(office.chen))
    services.meeting_start(actor=office.sunwei, meeting=meeting, no_wireless_mics=True, rules_announced=True)
    attendee = meeting.attendees.get(person=office.chen)
    services.attendee_check_in(actor=office.sunwei, meeting=meeting, attendee=attendee, phone=PhoneDeposit.DEPOSITED,
                               rules_acknowledged=True)
    carrier = papers(office, [office.chen])
    material = services.material_issue(actor=office.wangfang, meeting=meeting, copy=carrier.copies.get(serial=1),
                                       attendee=attendee)
    assert any("交回" in item.title for item in inbox.items_for(office.chen))
    services.reminders_send(today=timezone.localdate() + datetime.timedelta(days=2))
    assert Reminder.objects.filter(meeting=meeting, key__startswith="meeting-after-").count() == 2  # organiser, clerk
    assert any("尚有 1 份材料未收回" in item.title for item in inbox.items_for(office.wangfang))
    services.material_collect(actor=office.wangfang, material=material)
    assert not any("未收回" in item.title for item in inbox.items_for(office.wangfang))
    services.meeting_close(actor=office.sunwei, meeting=meeting)
    services.reminders_send(today=timezone.localdate() + datetime.timedelta(days=3))
    assert any("会议记录尚未登记" in item.title for item in inbox.items_for(office.sunwei))



def test_no_record_meeting_cannot_approve_recording(office):
    with pytest.raises(Invalid, match="不准记录的会议不能批准录音录像"):
        plan(office, no_record=True, recording_approved=True)
    assert plan(office, no_record=True).no_record


def test_minutes_are_read_only_by_attendees_until_an_approved_widening(office):
    from baomi import policy
    from baomi.carriers import services as carriers
    from baomi.carriers.models import Carrier

    meeting = started(office, office.chen)
    minutes = services.minutes_register(actor=office.wangfang, meeting=meeting, title="专题会会议记录",
                                        mark="机密★10年")
    assert Carrier.objects.filter(policy.carriers_visible_to(office.chen), pk=minutes.pk).exists()
    assert not Carrier.objects.filter(policy.carriers_visible_to(office.liumin), pk=minutes.pk).exists()
    assert policy.reason_may_hold_carrier(office.liumin, minutes)
    request = carriers.carrier_need_to_know_add_request(actor=office.wangfang, carrier=minutes,
                                                        people=[office.liumin], reason="传达落实会议决定")
    assert not Carrier.objects.filter(policy.carriers_visible_to(office.liumin), pk=minutes.pk).exists()
    approve_all(request, office.chen)
    assert Carrier.objects.filter(policy.carriers_visible_to(office.liumin), pk=minutes.pk).exists()
