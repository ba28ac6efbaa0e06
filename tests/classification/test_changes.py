"""Changes and lifting (变更 / 解除), each through the approval engine: raise, lower, extend,
shorten, lift; written justification; extension only before expiry; who may decide; notices
to everyone in the need-to-know, their acknowledgement and the outstanding list."""

from __future__ import annotations

import datetime
import json

import pytest

from baomi.approvals.models import ApprovalRequest, Status
from baomi.approvals.services import request_decide, request_withdraw
from baomi.classification import selectors, services
from baomi.classification.models import ChangeStatus, DecisionStatus, Notice, NoticeKind
from baomi.errors import Conflict, Invalid, NotFound, Refused
from baomi.levels import Level
from baomi.periods import Period
from tests.classification.conftest import events, last_event, ntk
from tests.factories import PASSWORD, make_person


def approve(person, change, password=PASSWORD):
    return request_decide(actor=person, request=change.approval, approve=True, comment="同意", password=password)


@pytest.mark.parametrize(("kind", "kwargs", "mark"), [
    ("raise", {"new_level": Level.SECRET}, "机密★5年"),
    ("lower", {}, None),  # 秘密 is the lowest state level: lowering is refused below
    ("extend", {"new_period": Period(years=8)}, "秘密★8年"),
    ("shorten", {"new_period": Period(years=2)}, "秘密★2年"),
    ("lift", {}, "解密"),
])
def test_every_change_path_through_the_approval_engine(budget, chen, zhoujing, wutao, designated, kind, kwargs,
                                                       mark):
    if mark is None:
        with pytest.raises(Invalid, match="新密级"):
            services.change_request(actor=zhoujing, decision=budget, kind=kind, justification="理由",
                                    new_level=Level.INTERNAL)
        return
    change = services.change_request(actor=zhoujing, decision=budget, kind=kind, justification="书面理由", **kwargs)
    assert change.status == ChangeStatus.PENDING and change.approval.status == Status.PENDING
    assert change.old_mark == "秘密★5年" and change.new_mark == mark
    assert change.approval.request_type == "classification.change"
    assert "预算" not in change.approval.title, "the approval title names the code, not the matter"
    budget.refresh_from_db()
    assert budget.mark == "秘密★5年", "nothing changes before the approval"

    approve(chen, change)
    budget.refresh_from_db()
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPLIED and budget.mark == mark
    assert budget.previous_mark == "秘密★5年"
    if kind == "lift":
        assert budget.status == DecisionStatus.LIFTED and budget.ended_on == services.today()
    action = "classification.lift" if kind == "lift" else "classification.change.apply"
    event = events(action)[-1]
    assert event.actor_username == "chen" and json.loads(event.details)["notified"] == 2
    # Everyone in the need-to-know gets a notice to acknowledge.
    notices = Notice.objects.filter(change=change)
    assert {n.person for n in notices} == {zhoujing, wutao}
    assert all(n.kind == (NoticeKind.LIFT if kind == "lift" else NoticeKind.CHANGE) for n in notices)
    assert all((n.mark_before, n.mark_after) == ("秘密★5年", mark) for n in notices)


def test_lowering_a_secret(planning_draft, sunwei, chen):
    change = services.change_request(actor=sunwei, decision=planning_draft, kind="lower",
                                     new_level=Level.CONFIDENTIAL, justification="部分内容已公开")
    approve(chen, change)
    planning_draft.refresh_from_db()
    assert planning_draft.mark == "秘密★10年" and planning_draft.previous_mark == "机密★10年"


def test_lowering_refused_when_the_period_exceeds_the_new_levels_ceiling(head, chen, sunwei, designated, entries,
                                                                          units):
    d = services.decision_create(actor=sunwei, title="规划", secret_type="state", guide_entry=entries["1.1"],
                                 period=Period(years=15), need_to_know=ntk(sunwei), unit=units["planning"])
    with pytest.raises(Invalid, match="秘密的法定最长期限10年"):
        services.change_request(actor=sunwei, decision=d, kind="lower", new_level=Level.CONFIDENTIAL,
                                justification="理由")


@pytest.mark.parametrize("kind", ["lower", "lift"])
def test_lowering_or_lifting_needs_a_written_justification(planning_draft, sunwei, kind):
    with pytest.raises(Invalid, match="降低密级或解除定密须有书面理由"):
        services.change_request(actor=sunwei, decision=planning_draft, kind=kind, justification="  ",
                                new_level=Level.CONFIDENTIAL)
    assert not planning_draft.changes.exists()


def test_rejection_and_withdrawal_leave_the_decision_unchanged(budget, zhoujing, chen):
    change = services.change_request(actor=zhoujing, decision=budget, kind="lift", justification="已公开")
    request_decide(actor=chen, request=change.approval, approve=False, comment="仍需保密", password=PASSWORD)
    change.refresh_from_db()
    budget.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED and budget.in_force and budget.mark == "秘密★5年"
    assert events("classification.change.reject")
    again = services.change_request(actor=zhoujing, decision=budget, kind="lift", justification="已公开")
    request_withdraw(actor=zhoujing, request=again.approval)
    again.refresh_from_db()
    assert again.status == ChangeStatus.REJECTED
    assert not Notice.objects.exists()


def test_one_pending_change_at_a_time(budget, zhoujing, wutao):
    services.change_request(actor=zhoujing, decision=budget, kind="lift", justification="已公开")
    with pytest.raises(Conflict, match="审批中"):
        services.change_request(actor=wutao, decision=budget, kind="extend", new_period=Period(years=6),
                                justification="延长")


def test_the_decider_must_cover_the_new_level(budget, zhoujing, sunwei, chen, secadmin, units):
    # 孙伟 (规划科) does not cover 财务科's decisions; 陈国强 cannot fix 绝密: nobody may decide a raise to 绝密.
    with pytest.raises(Refused, match="没有可审批此申请的人员"):
        services.change_request(actor=zhoujing, decision=budget, kind="raise", new_level=Level.TOP_SECRET,
                                justification="涉及重大决策")
    change = services.change_request(actor=zhoujing, decision=budget, kind="raise", new_level=Level.SECRET,
                                     justification="涉及重大决策")
    with pytest.raises(Refused):
        request_decide(actor=sunwei, request=change.approval, approve=True, password=PASSWORD)
    with pytest.raises(Refused, match="签批密码"):
        request_decide(actor=chen, request=change.approval, approve=True, password="wrong")
    approve(chen, change)


def test_the_requester_must_see_the_decision(planning_draft, zhoujing, wutao):
    with pytest.raises(NotFound):
        services.change_request(actor=zhoujing, decision=planning_draft, kind="lift", justification="理由")
    with pytest.raises(NotFound):
        services.change_request(actor=wutao, decision=planning_draft, kind="lift", justification="理由")


def test_extend_and_shorten_must_really_extend_and_shorten(budget, zhoujing):
    with pytest.raises(Invalid, match="须晚于原期限"):
        services.change_request(actor=zhoujing, decision=budget, kind="extend", new_period=Period(years=3),
                                justification="延长")
    with pytest.raises(Invalid, match="须早于原期限"):
        services.change_request(actor=zhoujing, decision=budget, kind="shorten", new_period=Period(years=7),
                                justification="缩短")
    with pytest.raises(Invalid, match="法定最长期限10年"):
        services.change_request(actor=zhoujing, decision=budget, kind="extend", new_period=Period(years=12),
                                justification="延长")


def test_extension_after_expiry_is_refused(head, chen, zhoujing, entries, units):
    start = services.today() - datetime.timedelta(days=400)
    d = services.decision_create(actor=chen, title="旧预算", secret_type="state", guide_entry=entries["3"],
                                 period=Period(years=1), need_to_know=ntk(zhoujing), unit=units["finance"],
                                 decided_on=start)
    assert d.expires_on < services.today()
    # Not yet run by the daily job, but past its end: refused all the same, and recorded.
    with pytest.raises(Refused, match="保密期限已届满"):
        services.change_request(actor=chen, decision=d, kind="extend", new_period=Period(years=3),
                                justification="仍需保密")
    assert last_event().outcome == "denied" and last_event().action == "classification.change.request"
    services.decisions_expire()
    with pytest.raises(Refused, match="保密期限已届满"):
        services.change_request(actor=chen, decision=d, kind="extend", new_period=Period(years=3),
                                justification="仍需保密")


def test_extension_approved_after_the_period_ended_is_refused(head, chen, sunwei, designated, zhoujing, entries,
                                                               units, monkeypatch):
    start = services.today() - datetime.timedelta(days=360)
    d = services.decision_create(actor=sunwei, title="规划", secret_type="state", guide_entry=entries["1"],
                                 level=Level.CONFIDENTIAL, period=Period(years=1), need_to_know=ntk(sunwei),
                                 unit=units["planning"], decided_on=start)
    change = services.change_request(actor=sunwei, decision=d, kind="extend", new_period=Period(years=3),
                                     justification="仍需保密")
    # The approver signs only after the end date: the extension came too late.
    later = d.expires_on
    monkeypatch.setattr(services, "today", lambda: later)
    with pytest.raises(Refused, match="保密期限已届满"):
        approve(chen, change)
    change.refresh_from_db()
    d.refresh_from_db()
    assert change.status == ChangeStatus.PENDING
    assert ApprovalRequest.objects.get(pk=change.approval_id).status == Status.PENDING
    assert d.mark == "秘密★1年"
    assert last_event().action == "approval.approve" and last_event().outcome == "denied"


def test_notices_are_acknowledged_and_outstanding_ones_listed(budget, zhoujing, wutao, chen, sunwei):
    change = services.change_request(actor=zhoujing, decision=budget, kind="extend", new_period=Period(years=8),
                                     justification="项目延期")
    approve(chen, change)
    outstanding = selectors.outstanding_acknowledgements(chen, budget)
    assert {n.person for n in outstanding} == {zhoujing, wutao}
    mine = selectors.notices_for(wutao, outstanding=True).get()
    with pytest.raises(NotFound):  # only the recipient acknowledges
        services.notice_acknowledge(actor=zhoujing, notice=mine)
    services.notice_acknowledge(actor=wutao, notice=mine)
    mine.refresh_from_db()
    assert mine.acknowledged_at is not None
    assert [n.person for n in selectors.outstanding_acknowledgements(chen, budget)] == [zhoujing]
    event = events("classification.notice.ack")[-1]
    assert event.actor_username == "wutao" and event.object_id == str(budget.pk)
    with pytest.raises(Conflict):
        services.notice_acknowledge(actor=wutao, notice=mine)
    # Someone who may not see the decision sees none of its outstanding list.
    assert not selectors.outstanding_acknowledgements(sunwei, budget).exists()


def test_need_to_know_by_unit_and_role_reaches_their_members(planning_draft, sunwei, chen, officer, units):
    colleague = make_person("wangfang", unit=units["leaders"], clearance="CORE")
    change = services.change_request(actor=sunwei, decision=planning_draft, kind="extend",
                                     new_period=Period(years=15), justification="规划期延长")
    approve(chen, change)
    assert {n.person for n in Notice.objects.filter(change=change)} == {chen, colleague, officer}
