"""End to end in a real Chromium: a meeting from planning to closure — plan, list, approval,
start, sign-in, a numbered copy handed out, closing refused while it is out, collected, closed."""

from __future__ import annotations

import pytest

from baomi.levels import Level
from baomi.meetings.models import Meeting, MeetingStatus
from tests.browser.test_login_browser import browser, flushable_audit_log, sign_in  # noqa: F401
from tests.carriers.conftest import approve_all, build_office
from tests.carriers.test_browser import flushable_ledger, session  # noqa: F401
from tests.meetings.conftest import papers, venue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_meeting_from_planning_to_closure(session, live_server):  # noqa: F811
    base = live_server.url
    office = build_office()
    room = venue(office, max_level=int(Level.SECRET), name="第一会议室")

    sunwei = session("sunwei")
    sunwei.get_by_role("link", name="涉密会议").first.click()
    sunwei.get_by_role("link", name="筹备会议").click()
    sunwei.fill("#id_title", "城东综合交通枢纽选址专题会")
    sunwei.select_option("#id_level", str(int(Level.SECRET)))
    sunwei.select_option("#id_venue", str(room.pk))
    sunwei.fill("#id_starts_at", "2030-01-10T09:00")
    sunwei.fill("#id_ends_at", "2030-01-10T11:00")
    sunwei.select_option("#id_clerk", label="王芳")
    sunwei.get_by_role("button", name="登记会议").click()
    meeting = Meeting.objects.get()
    sunwei.wait_for_url(f"{base}/meetings/{meeting.pk}/")
    sunwei.select_option("#id_person", label="陈国强（委领导）")
    sunwei.get_by_role("button", name="加入参会名单").click()
    assert "陈国强" in sunwei.get_by_test_id("attendees").inner_text()
    sunwei.get_by_role("button", name="报批").click()
    assert sunwei.get_by_test_id("status").inner_text() == "待审批"

    approve_all(Meeting.objects.get().approval, office.chen)
    sunwei.reload()
    sunwei.check("input[name=no_wireless_mics]")
    sunwei.check("input[name=rules_announced]")
    sunwei.get_by_role("button", name="开始会议").click()
    assert sunwei.get_by_test_id("status").inner_text() == "进行中"
    for attendee in meeting.attendees.order_by("id"):
        form = sunwei.get_by_test_id(f"check-in-{attendee.pk}")
        form.locator("input[name=acknowledged]").check()
        form.get_by_role("button", name="签到").click()
    assert Meeting.objects.get().attendees.filter(checked_in_at__isnull=True).count() == 0

    carrier = papers(office, [office.sunwei, office.chen], copies=1)
    wangfang = session("wangfang")
    wangfang.goto(f"{base}/meetings/{meeting.pk}/")
    wangfang.select_option("#id_copy", label=f"{carrier.register_no} 第000001份")
    wangfang.select_option("#id_attendee", label="陈国强")
    wangfang.get_by_role("button", name="发放").click()
    assert f"{carrier.register_no} 第000001份" in wangfang.get_by_test_id("materials").inner_text()

    sunwei.reload()
    sunwei.get_by_role("button", name="结束会议").click()
    assert "会议材料尚未全部收回" in sunwei.content() and f"{carrier.register_no} 第000001份" in sunwei.content()
    assert Meeting.objects.get().status == MeetingStatus.IN_PROGRESS

    wangfang.reload()
    wangfang.get_by_role("button", name="收回").click()
    sunwei.reload()
    sunwei.get_by_role("button", name="结束会议").click()
    assert sunwei.get_by_test_id("status").inner_text() == "已结束"
