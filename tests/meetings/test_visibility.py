"""Who sees which meetings: organiser, clerk and attendees; the 保密办 all within clearance;
never a title above the reader's clearance; administrators nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from baomi import policy
from baomi.levels import Level
from baomi.meetings import selectors
from baomi.meetings.models import Meeting
from tests.conftest import login
from tests.meetings.conftest import plan, venue

pytestmark = pytest.mark.django_db


def test_list_shows_only_own_meetings_and_all_for_the_secrecy_office(office):
    secret = plan(office)  # 孙伟 organises, 王芳 clerk
    other = plan(office, organiser=office.liumin, level=int(Level.CONFIDENTIAL))
    assert set(selectors.meetings_visible_to(office.sunwei)) == {secret}
    assert set(selectors.meetings_visible_to(office.wangfang)) == {secret, other}
    assert set(selectors.meetings_visible_to(office.liumin)) == {other}
    assert set(selectors.meetings_visible_to(office.lijianhua)) == {secret, other}
    assert list(selectors.meetings_visible_to(office.zhoujing)) == []
    for admin in (office.sysadmin, office.secadmin, office.auditor):
        assert list(selectors.meetings_visible_to(admin)) == []


def test_secrecy_officer_never_sees_a_meeting_above_clearance(client, office):
    plan(office)  # 机密
    # 赵磊 is a 保密员 cleared 一般 (up to 秘密).
    assert list(selectors.meetings_visible_to(office.zhaolei)) == []
    page = login(client, office.zhaolei).get(reverse("meetings:index"))
    assert page.status_code == 200 and "城东综合交通枢纽" not in page.content.decode()


def test_hidden_meeting_is_not_found(client, office):
    meeting = plan(office)
    login(client, office.liumin)
    assert client.get(reverse("meetings:detail", args=[meeting.pk])).status_code == 404
    assert client.get(f"/api/v1/meetings/{meeting.pk}").status_code == 404
    assert client.post(reverse("meetings:action", args=[meeting.pk, "close"])).status_code == 404


def test_navigation_entry(office):
    assert ("涉密会议", "meetings:index") in policy.navigation_for(office.zhoujing)
    assert ("涉密会议", "meetings:index") not in policy.navigation_for(office.zhengli)  # no business role
    assert ("涉密会议", "meetings:index") not in policy.navigation_for(office.sysadmin)


def test_pages_render_for_the_organiser(client, office):
    meeting = plan(office)
    venue(office, max_level=None, name="多功能厅")
    login(client, office.sunwei)
    index = client.get(reverse("meetings:index")).content.decode()
    assert "城东综合交通枢纽选址专题会" in index
    detail = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "入场须知" in detail and "不得携带手机" in detail
    assert "多功能厅" in client.get(reverse("meetings:venues")).content.decode()
    assert client.get(reverse("meetings:plan")).status_code == 200
    response = client.post(reverse("meetings:action", args=[meeting.pk, "attendee"]),
                           {"person": office.zhoujing.pk}, follow=True)
    assert "周静 的涉密类别不能知悉机密级事项" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).attendees.count() == 1
