"""携带外出 (CARRIER-30, CARRIER-31, EXT-03): request → approval (unit leader, then the secrecy
office) → taken out with a due time → brought back to the keeper; overdue ones are reminded."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from baomi.approvals.models import Status
from baomi.carriers import selectors, services
from baomi.carriers.models import CopyStatus, Movement, MovementKind, Notice, NoticeKind
from baomi.errors import Conflict, Invalid, Refused
from tests.carriers.conftest import approve_all, events, first_copy, fresh, register
from tests.carriers.test_services import assert_refused, ledger
from tests.factories import make_person


def in_days(days: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


def test_take_out_through_approval_and_bring_back(office):
    """CARRIER-30: 事由, 携带人, start and end, return confirmed — each a ledger entry with the approval."""
    copy = first_copy(register(office.wangfang, units=[office.units["planning"]]))
    due = in_days(2)
    request = services.copy_take_out_request(actor=office.sunwei, copy=copy, reason="参加省发改委项目调度会",
                                             destination="省发展改革委 3 楼会议室", due_at=due)
    assert request.title == f"携带外出 {fresh(copy).label}" and copy.carrier.title not in request.title
    assert [(s.approver_role, s.unit_id) for s in request.steps.order_by("order")] == [
        ("approver", office.units["planning"].pk), ("secrecy_officer", None)]
    assert fresh(copy).status == CopyStatus.IN_CUSTODY  # nothing moves before the approval
    with pytest.raises(Refused):
        approve_all(request, office.sunwei)  # nobody approves their own request
    approve_all(request, office.chen)
    assert fresh(copy).status == CopyStatus.IN_CUSTODY  # the secrecy office has not decided yet
    with pytest.raises(Refused, match="涉密类别不能知悉机密级事项"):
        approve_all(request, office.zhaolei)
    approve_all(request, office.lijianhua)
    copy = fresh(copy)
    assert (copy.status, copy.custodian_id, copy.due_at) == (CopyStatus.TAKEN_OUT, office.sunwei.pk, due)
    out = Movement.objects.get(copy=copy, kind=MovementKind.TAKE_OUT)
    assert (out.approval_id, out.actor_id, out.from_person_id, out.to_unit, out.due_at) == (
        request.pk, office.lijianhua.pk, office.wangfang.pk, "省发展改革委 3 楼会议室", due)
    event = events("copy.take_out").get()
    assert copy.label in event.summary and copy.carrier.title not in event.summary
    assert [c.pk for c in selectors.outstanding_for(office.sunwei)] == [copy.pk]
    # Anyone else may not bring it back for him.
    assert_refused(lambda: services.copy_bring_back(actor=office.zhoujing, copy=copy), "只有携带人或机要员",
                   "copy.bring_back")
    services.copy_bring_back(actor=office.sunwei, copy=copy)
    copy = fresh(copy)
    assert (copy.status, copy.custodian_id, copy.due_at) == (CopyStatus.IN_CUSTODY, office.wangfang.pk, None)
    assert ledger(copy)[-2:] == [
        (MovementKind.TAKE_OUT, "wangfang", "sunwei", CopyStatus.TAKEN_OUT),
        (MovementKind.RETURN, "sunwei", "wangfang", CopyStatus.IN_CUSTODY)]
    assert events("copy.bring_back").count() == 1
    with pytest.raises(Conflict, match="在册保管"):
        services.copy_bring_back(actor=office.wangfang, copy=copy)


def test_take_out_refused_for_home_leisure_and_foreign_affairs(office):
    """CARRIER-30 (never home), CARRIER-31 (sightseeing, visits, social events, public places), EXT-03."""
    copy = first_copy(register(office.wangfang, units=[office.units["planning"]]))
    for reason, destination, rule in [
        ("周末带回家阅办", "家中", "CARRIER-30"),
        ("顺路参观展览", "市博物馆", "CARRIER-31"),
        ("探亲期间处理", "老家", "CARRIER-31"),
        ("陪同外宾座谈", "涉外活动现场", "EXT-03"),
    ]:
        assert_refused(lambda r=reason, d=destination: services.copy_take_out_request(
            actor=office.sunwei, copy=copy, reason=r, destination=d, due_at=in_days(1)), rule,
            "copy.take_out_request")
    with pytest.raises(Invalid, match="带回时间"):
        services.copy_take_out_request(actor=office.sunwei, copy=copy, reason="参加会议", destination="省委",
                                       due_at=in_days(60))
    with pytest.raises(Invalid, match="带回时间"):
        services.copy_take_out_request(actor=office.sunwei, copy=copy, reason="参加会议", destination="省委",
                                       due_at=in_days(-1))
    with pytest.raises(Invalid, match="地点"):
        services.copy_take_out_request(actor=office.sunwei, copy=copy, reason="参加会议", destination=" ",
                                       due_at=in_days(1))


def test_take_out_refused_above_clearance_or_outside_need_to_know(office):
    copy = first_copy(register(office.wangfang, mark="秘密★10年", people=[office.sunwei],
                               units=[office.units["finance"]]))
    assert_refused(lambda: services.copy_take_out_request(actor=office.zhoujing, copy=copy, reason="参加会议",
                                                          destination="省委", due_at=in_days(1)),
                   "不在该载体的知悉范围内", "copy.take_out_request")
    assert_refused(lambda: services.copy_take_out_request(actor=office.zhengli, copy=copy, reason="参加会议",
                                                          destination="省委", due_at=in_days(1)),
                   "涉密类别不能知悉秘密", "copy.take_out_request")


def test_top_secret_take_out_goes_to_the_unit_leadership_and_a_stale_approval_changes_nothing(office):
    """绝密: the seed does not forbid taking it out for a meeting; the unit's leadership decides."""
    make_person("qianli", unit=office.units["secrecy"], clearance="CORE", roles=[("secrecy_officer", None)])
    copy = first_copy(register(office.wangfang, mark="绝密★长期", people=[office.chen, office.wangfang]))
    request = services.copy_take_out_request(actor=office.wangfang, copy=copy, reason="随同领导参加省委会议",
                                             destination="省委", due_at=in_days(1))
    assert [(s.approver_role, s.unit_id) for s in request.steps.order_by("order")] == [
        ("approver", office.units["root"].pk), ("secrecy_officer", None)]
    with pytest.raises(Refused):
        approve_all(request, office.liumin)  # 刘敏 leads 办公室 only
    approve_all(request, office.chen)
    services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.chen)  # meanwhile handed out
    from baomi.accounts.models import User

    with pytest.raises(Conflict, match="传阅中"):
        approve_all(request, User.objects.get(username="qianli"))
    request.refresh_from_db()
    assert request.status == Status.PENDING and fresh(copy).status == CopyStatus.CIRCULATING
    services.copy_return(actor=office.chen, copy=copy)
    approve_all(request, User.objects.get(username="qianli"))
    assert fresh(copy).status == CopyStatus.TAKEN_OUT


def test_overdue_take_outs_are_listed_and_reminded(office):
    copy = first_copy(register(office.wangfang, mark="秘密★10年", units=[office.units["planning"]]))
    request = services.copy_take_out_request(actor=office.zhoujing, copy=copy, reason="参加项目评审会",
                                             destination="市政府", due_at=in_days(1))
    approve_all(request, office.sunwei, office.zhaolei)
    later = fresh(copy).due_at + datetime.timedelta(minutes=1)
    assert [c.pk for c in selectors.overdue_copies(office.wangfang, now=later)] == [copy.pk]
    assert [c.pk for c in selectors.overdue_copies(office.zhoujing, now=later)] == [copy.pk]
    assert len(services.notices_issue(now=later)) == 1
    assert services.notices_issue(now=later) == []
    notice = Notice.objects.get(kind=NoticeKind.OVERDUE)
    take_out = Movement.objects.get(copy=copy, kind=MovementKind.TAKE_OUT)
    assert (notice.copy_id, notice.person_id, notice.issue_id) == (copy.pk, office.zhoujing.pk, take_out.pk)
    # The keeper records it back; the ledger says it was late.
    copy.refresh_from_db()
    from django.db.models import F

    type(copy).objects.filter(pk=copy.pk).update(due_at=F("due_at") - datetime.timedelta(days=2))
    services.copy_bring_back(actor=office.wangfang, copy=fresh(copy))
    assert Movement.objects.filter(copy=copy, kind=MovementKind.RETURN).get().note == "逾期带回"
    assert "（逾期）" in events("copy.bring_back").get().summary


def test_take_out_through_the_api_and_the_pages(office):
    from django.test import Client

    from baomi.approvals.models import ApprovalRequest
    from tests.carriers.test_api import call
    from tests.conftest import login

    copy = first_copy(register(office.wangfang, mark="秘密★10年", units=[office.units["planning"]]))
    status, body = call(office.zhoujing, "post", f"/copies/{copy.pk}/take-out-requests",
                        {"reason": "回家加班阅办", "destination": "家中", "due_at": in_days(1).isoformat()})
    assert status == 403 and "CARRIER-30" in str(body)
    status, body = call(office.zhoujing, "post", f"/copies/{copy.pk}/take-out-requests",
                        {"reason": "参加市政府专题会", "destination": "市政府", "due_at": in_days(1).isoformat()})
    assert status == 201
    approve_all(ApprovalRequest.objects.get(pk=body["approval_id"]), office.sunwei, office.zhaolei)
    status, body = call(office.zhoujing, "post", f"/copies/{copy.pk}/bring-back", {})
    assert status == 200 and body["status"] == CopyStatus.IN_CUSTODY
    # The page: the form is offered to someone allowed to hold the copy, and goes to approval.
    client = login(Client(), office.zhoujing)
    assert 'data-testid="take-out"' in client.get(f"/carriers/copies/{copy.pk}/").content.decode()
    due = timezone.localtime(in_days(1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/carriers/copies/{copy.pk}/take_out/",
                           {"reason": "参加省里会议", "destination": "省发展改革委", "due_at": due})
    request = ApprovalRequest.objects.filter(request_type=services.TAKE_OUT).latest("pk")
    assert response.status_code == 302 and response.url == f"/approvals/{request.pk}/"
    approve_all(request, office.sunwei, office.zhaolei)
    page = client.get(f"/carriers/copies/{copy.pk}/").content.decode()
    assert 'data-testid="bring-back"' in page and "携带外出" in page
    client.post(f"/carriers/copies/{copy.pk}/bring_back/", {"note": ""})
    assert fresh(copy).status == CopyStatus.IN_CUSTODY
    assert login(Client(), office.wutao).get(f"/carriers/copies/{copy.pk}/").status_code == 404
