"""The meetings part of the demo office (/work/shared/DEMO.md), created through the services:

- the venue register: the shielded 第一会议室 (up to 机密), the 小会议室 (up to 秘密) and the
  多功能厅 (not approved for classified meetings);
- last month's 机密 专题会 on the 城东综合交通枢纽 site selection: approved by 陈国强, held, three
  numbered copies handed out and all collected, minutes registered as a carrier, closed;
- a 秘密 meeting planned for next week (2027年重大项目计划安排审议), its list submitted and
  waiting for 陈国强's approval; 刘敏 is reminded to check the list and the venue.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from baomi.accounts.models import User
from baomi.approvals.services import request_decide
from baomi.carriers import services as carriers
from baomi.carriers.demo import as_of
from baomi.carriers.models import Direction, StorageClass
from baomi.levels import Level
from baomi.meetings import services
from baomi.meetings.models import PhoneDeposit


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def load(password: str) -> None:
    people = {u.username: u for u in User.objects.all()}
    chen, liumin, wangfang = people["chen"], people["liumin"], people["wangfang"]
    lijianhua, sunwei, zhoujing, wutao = people["lijianhua"], people["sunwei"], people["zhoujing"], people["wutao"]
    today = timezone.localdate()

    past = today - datetime.timedelta(days=30)
    with as_of(_at(past - datetime.timedelta(days=3), 9)):
        first = services.venue_register(actor=lijianhua, name="第一会议室", max_level=int(Level.SECRET), shielded=True,
                                         checked_on=past - datetime.timedelta(days=20), note="电磁屏蔽，手机存放柜")
        small = services.venue_register(actor=lijianhua, name="小会议室", max_level=int(Level.CONFIDENTIAL),
                                        checked_on=past - datetime.timedelta(days=20))
        services.venue_register(actor=lijianhua, name="多功能厅", max_level=None, note="有无线话筒，不得召开涉密会议")
        held = services.meeting_plan(
            actor=sunwei, title="城东综合交通枢纽选址专题会", level=int(Level.SECRET), venue=first,
            starts_at=_at(past, 9), ends_at=_at(past, 11, 30), clerk=wangfang, no_record=True)
        for person in (chen, liumin):
            services.attendee_add(actor=sunwei, meeting=held, person=person)
        papers = carriers.carrier_register(
            actor=wangfang, direction=Direction.MADE, title="城东综合交通枢纽选址比选方案（会议材料）",
            mark="机密★10年", copies=3, storage=StorageClass.COMBINATION, location="机要室 密码柜2",
            need_to_know_people=[sunwei, chen, liumin], unit=sunwei.unit)
        services.paper_add(actor=sunwei, meeting=held, register_no=papers.register_no)
        request = services.meeting_submit(actor=sunwei, meeting=held)
    with as_of(_at(past - datetime.timedelta(days=2), 10)):
        request_decide(actor=chen, request=request, approve=True, comment="同意", password=password)
    with as_of(_at(past, 8, 50)):
        services.meeting_start(actor=sunwei, meeting=held, no_wireless_mics=True, rules_announced=True)
        attendees = list(held.attendees.select_related("person").order_by("id"))
        for attendee in attendees:
            services.attendee_check_in(actor=sunwei, meeting=held, attendee=attendee, phone=PhoneDeposit.DEPOSITED,
                                       rules_acknowledged=True)
        materials = [services.material_issue(actor=wangfang, meeting=held, copy=copy, attendee=attendee)
                     for copy, attendee in zip(papers.copies.order_by("serial"), attendees, strict=True)]
    with as_of(_at(past, 11, 35)):
        for material in materials:
            services.material_collect(actor=wangfang, material=material)
        services.meeting_close(actor=sunwei, meeting=held)
    with as_of(_at(past, 15)):
        services.minutes_register(actor=wangfang, meeting=held, title="城东综合交通枢纽选址专题会会议记录",
                                  mark="机密★10年", location="机要室 密码柜2")

    # Next week: the list submitted, waiting for 陈国强.
    day = today + datetime.timedelta(days=7)
    planned = services.meeting_plan(
        actor=liumin, title="2027年重大项目计划安排审议会", level=int(Level.CONFIDENTIAL), venue=small,
        starts_at=_at(day, 14, 30), ends_at=_at(day, 17), clerk=wangfang)
    for person in (chen, sunwei, wutao, zhoujing):
        services.attendee_add(actor=liumin, meeting=planned, person=person)
    services.attendee_add_external(actor=liumin, meeting=planned, name="马骏", unit_name="市财政局",
                                   letter="示财介〔2026〕31号", cleared_level=int(Level.CONFIDENTIAL))
    services.meeting_submit(actor=liumin, meeting=planned)
