"""Each movement of a copy and each refusal: state, ledger and audit event change together,
or nothing changes and a `denied` event says why."""

from __future__ import annotations

import datetime

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from baomi.approvals import services as approvals
from baomi.approvals.models import Status
from baomi.audit.models import AuditEvent
from baomi.audit.verify import verify
from baomi.carriers import selectors, services
from baomi.carriers.models import (
    Carrier,
    Channel,
    Copy,
    CopyStatus,
    DestructionMethod,
    DestructionStatus,
    Movement,
    MovementKind,
    Notice,
    NoticeKind,
    StorageClass,
)
from baomi.errors import Conflict, Invalid, Refused
from baomi.levels import Level
from tests.carriers.conftest import approve_all, events, first_copy, fresh, register, tomorrow
from tests.factories import PASSWORD, make_person


def ledger(copy: Copy) -> list[tuple[str, str | None, str | None, str]]:
    rows = Movement.objects.filter(copy=copy).select_related("from_person", "to_person").order_by("at", "id")
    return [(m.kind, m.from_person.username if m.from_person else None,
             m.to_person.username if m.to_person else None, m.status_after) for m in rows]


def snapshot() -> list[tuple]:
    copies = Copy.objects.order_by("pk").values_list("pk", "status", "custodian_id", "due_at", "storage")
    return [*copies, (Movement.objects.count(), Carrier.objects.count())]


def assert_refused(call, reason: str, action: str) -> None:
    before, seen = snapshot(), AuditEvent.objects.filter(outcome="denied").count()
    with pytest.raises(Refused, match=reason):
        call()
    assert snapshot() == before
    denied = AuditEvent.objects.filter(outcome="denied").order_by("-seq").first()
    assert AuditEvent.objects.filter(outcome="denied").count() == seen + 1
    assert denied.action == action and reason in denied.summary


# ---------------------------------------------------------------- 登记


def test_register_incoming_numbers_copies_and_signs_for_them(office):
    carrier = register(office.wangfang, mark="机密 * 5 年", copies=3, people=[office.sunwei])
    assert carrier.register_no == f"收{timezone.localdate().year}-0001"
    assert (carrier.level, carrier.marking, carrier.secret_type) == (Level.SECRET, "机密★5年", "state")
    copies = list(carrier.copies.order_by("serial"))
    assert [c.number for c in copies] == ["000001", "000002", "000003"]
    assert {(c.custodian_id, c.status, c.level) for c in copies} == {
        (office.wangfang.pk, CopyStatus.IN_CUSTODY, Level.SECRET)}
    assert ledger(copies[0]) == [(MovementKind.REGISTER, None, "wangfang", CopyStatus.IN_CUSTODY)]
    event = events("carrier.register").get()
    assert event.object_id == str(carrier.pk) and event.object_level == Level.SECRET
    assert carrier.register_no in event.summary and carrier.title not in event.summary  # never the title
    second = register(office.wangfang, direction="outgoing", destination_unit="市政府办公室", source_unit="")
    assert second.register_no == f"发{timezone.localdate().year}-0001"


def test_register_refusals(office):
    cases = [
        # CARRIER-03: only the 机要员 or 保密员 registers.
        (lambda: register(office.zhoujing, mark="秘密★10年"), "只有机要员或保密员", Refused),
        (lambda: register(office.sysadmin, mark="秘密★10年"), "三员分立", Refused),
        # A keeper cannot register what their clearance does not cover (赵磊 一般 → 秘密).
        (lambda: register(office.zhaolei, mark="机密★5年"), "涉密类别不能知悉机密", Refused),
        # CARRIER-27: 绝密 only in a safe.
        (lambda: register(office.wangfang, mark="绝密★长期", storage=StorageClass.CABINET), "保险柜", Refused),
        (lambda: register(office.wangfang, mark="机密"), "无法识别的密级标志", Invalid),
        (lambda: register(office.wangfang, mark="公开"), "无法识别的密级标志", Invalid),
        (lambda: register(office.wangfang, copies=0), "份数", Invalid),
        (lambda: register(office.wangfang, source_unit=""), "来文单位", Invalid),
        # CARRIER-05: 绝密 read only by named people.
        (lambda: register(office.wangfang, mark="绝密★30年", units=[office.units["planning"]]), "具体到人", Invalid),
        (lambda: register(office.wangfang, people=[office.zhengli]), "不能列入", Invalid),
    ]
    for call, reason, error in cases:
        with pytest.raises(error, match=reason):
            call()
    assert not Carrier.objects.exists() and not Copy.objects.exists()
    assert events("carrier.register", "denied").count() == 4


def test_secrecy_officer_registers_within_clearance_and_period_not_stated_is_flagged(office):
    carrier = register(office.zhaolei, mark="秘密★", copies=1)
    assert carrier.marking == "秘密★" and not carrier.period_stated
    work = register(office.zhaolei, mark="内部事项注意保管", copies=1, storage=StorageClass.CABINET)
    assert (work.level, work.secret_type, work.period_stated) == (Level.WORK_SECRET, "work", True)


def test_copy_constraints_hold_in_the_database(office):
    copy = first_copy(register(office.wangfang, mark="绝密★长期", copies=1, people=[office.chen]))
    with pytest.raises(IntegrityError), transaction.atomic():
        Copy.objects.filter(pk=copy.pk).update(storage=StorageClass.CABINET)
    with pytest.raises(IntegrityError), transaction.atomic():
        Copy.objects.filter(pk=copy.pk).update(status=CopyStatus.LENT)  # out without a due time
    with pytest.raises(IntegrityError), transaction.atomic():
        Copy.objects.create(carrier=copy.carrier, serial=1, level=5, custodian=office.wangfang, storage="safe")
    with pytest.raises(DatabaseError), transaction.atomic():
        Movement.objects.filter(copy=copy).update(note="改写")  # the ledger is append-only
    with pytest.raises(DatabaseError), transaction.atomic():
        Movement.objects.filter(copy=copy).delete()


# ---------------------------------------------------------------- 传阅, 签收, 退回


def test_circulate_acknowledge_and_return_to_the_secretary(office):
    carrier = register(office.wangfang, mark="秘密★10年", people=[office.sunwei], units=[office.units["planning"]])
    copy = first_copy(carrier)
    services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.zhoujing)  # via her unit
    copy = fresh(copy)
    assert (copy.status, copy.custodian_id) == (CopyStatus.CIRCULATING, office.zhoujing.pk)
    assert copy.due_at > timezone.now()
    assert [c.pk for c in selectors.outstanding_for(office.zhoujing)] == [copy.pk]
    services.copy_acknowledge(actor=office.zhoujing, copy=copy)
    with pytest.raises(Conflict):
        services.copy_acknowledge(actor=office.zhoujing, copy=copy)
    services.copy_return(actor=office.zhoujing, copy=copy)
    copy = fresh(copy)
    assert (copy.status, copy.custodian_id, copy.due_at) == (CopyStatus.IN_CUSTODY, office.wangfang.pk, None)
    assert ledger(copy) == [
        (MovementKind.REGISTER, None, "wangfang", CopyStatus.IN_CUSTODY),
        (MovementKind.CIRCULATE, "wangfang", "zhoujing", CopyStatus.CIRCULATING),
        (MovementKind.ACKNOWLEDGE, None, "zhoujing", CopyStatus.CIRCULATING),
        (MovementKind.RETURN, "zhoujing", "wangfang", CopyStatus.IN_CUSTODY),
    ]
    assert [e.action for e in AuditEvent.objects.filter(object_type="copy", outcome="ok").order_by("seq")] == [
        "copy.circulate", "copy.acknowledge", "copy.return"]
    assert not selectors.outstanding_for(office.zhoujing).exists()


def test_no_sideways_passing(office):
    """CARRIER-07: a reader cannot pass a copy on; it goes back to the 机要员, who redistributes."""
    copy = first_copy(register(office.wangfang, mark="秘密★10年", people=[office.sunwei, office.zhoujing]))
    services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.sunwei)
    assert_refused(lambda: services.copy_circulate(actor=office.sunwei, copy=copy, reader=office.zhoujing),
                   "不得横传", "copy.circulate")
    # A third person can neither return it on the reader's behalf.
    assert_refused(lambda: services.copy_return(actor=office.zhoujing, copy=copy), "只有持有人或机要员",
                   "copy.return")
    # While it is out, even the secretary cannot hand it to someone else.
    with pytest.raises(Conflict, match="传阅中"):
        services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.zhoujing)
    services.copy_return(actor=office.sunwei, copy=copy)
    services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.zhoujing)
    assert fresh(copy).custodian_id == office.zhoujing.pk


def test_circulation_only_inside_need_to_know_and_clearance(office):
    """CARRIER-04: people outside the circulation list never get the copy."""
    copy = first_copy(register(office.wangfang, mark="秘密★10年", people=[office.sunwei],
                               units=[office.units["finance"]]))
    assert_refused(lambda: services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.zhoujing),
                   "不在该载体的知悉范围内", "copy.circulate")
    # 郑丽 is in 财务科 (inside) but not cleared.
    assert_refused(lambda: services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.zhengli),
                   "涉密类别不能知悉秘密", "copy.circulate")
    assert_refused(lambda: services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.sysadmin),
                   "不能持有涉密载体", "copy.circulate")
    services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.wutao)


def test_top_secret_is_due_back_the_same_working_day(office, settings):
    """CARRIER-06: 随阅随退."""
    settings.BAOMI_WORKDAY_END = "17:30"
    copy = first_copy(register(office.wangfang, mark="绝密★长期", copies=1, people=[office.chen]))
    services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.chen)
    due = timezone.localtime(fresh(copy).due_at)
    now = timezone.localtime()
    assert due.date() == now.date() and due > now
    assert (due.hour, due.minute) == ((17, 30) if now.hour * 60 + now.minute < 17 * 60 + 30 else (23, 59))
    services.copy_return(actor=office.chen, copy=copy)
    later = timezone.now() + datetime.timedelta(days=1)
    assert_refused(lambda: services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.chen,
                                                   due_at=later), "须当日阅毕退回", "copy.circulate")


def test_same_working_day_end(settings):
    settings.BAOMI_WORKDAY_END = "17:30"
    tz = timezone.get_current_timezone()
    morning = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=tz)
    evening = datetime.datetime(2026, 3, 2, 19, 0, tzinfo=tz)
    assert services.same_working_day_end(morning) == datetime.datetime(2026, 3, 2, 17, 30, tzinfo=tz)
    assert services.same_working_day_end(evening) == datetime.datetime(2026, 3, 2, 23, 59, 59, tzinfo=tz)


# ---------------------------------------------------------------- 借阅


def test_lend_through_approval_and_return(office):
    """CARRIER-10: request → approval → issue with a due date → return, all in the ledger."""
    copy = first_copy(register(office.wangfang, units=[office.units["planning"]]))
    due = timezone.localdate() + datetime.timedelta(days=5)
    request = services.copy_lend_request(actor=office.sunwei, copy=copy, due_on=due, reason="编制规划需要")
    assert request.title == f"借阅 {fresh(copy).label}" and request.level == Level.SECRET
    assert [(s.approver_role, s.unit_id) for s in request.steps.all()] == [("approver", office.units["planning"].pk)]
    assert fresh(copy).status == CopyStatus.IN_CUSTODY  # nothing moves before the approval
    # 孙伟 cannot approve his own request; 陈国强 (whole unit) can.
    with pytest.raises(Refused):
        approve_all(request, office.sunwei)
    approve_all(request, office.chen)
    copy = fresh(copy)
    assert (copy.status, copy.custodian_id) == (CopyStatus.LENT, office.sunwei.pk)
    assert timezone.localtime(copy.due_at).date() == due
    lend = Movement.objects.get(copy=copy, kind=MovementKind.LEND)
    assert (lend.approval_id, lend.actor_id, lend.from_person_id, lend.due_at) == (
        request.pk, office.chen.pk, office.wangfang.pk, copy.due_at)
    services.copy_return(actor=office.wangfang, copy=copy)  # the secretary records receiving it
    copy = fresh(copy)
    assert (copy.status, copy.custodian_id) == (CopyStatus.IN_CUSTODY, office.wangfang.pk)
    assert events("copy.lend").count() == 1 and events("copy.return").count() == 1


def test_lend_refused_above_clearance_or_outside_need_to_know(office):
    """CARRIER-12."""
    copy = first_copy(register(office.wangfang, mark="秘密★10年", people=[office.sunwei],
                               units=[office.units["finance"]]))
    assert_refused(lambda: services.copy_lend_request(actor=office.zhoujing, copy=copy, due_on=tomorrow(),
                                                      reason="工作需要"), "不在该载体的知悉范围内",
                   "copy.lend_request")
    assert_refused(lambda: services.copy_lend_request(actor=office.zhengli, copy=copy, due_on=tomorrow(),
                                                      reason="工作需要"), "涉密类别不能知悉秘密", "copy.lend_request")
    with pytest.raises(Invalid, match="归还日期"):
        services.copy_lend_request(actor=office.sunwei, copy=copy, due_on=tomorrow() + datetime.timedelta(days=60),
                                   reason="工作需要")


def test_top_secret_lending_goes_to_the_unit_leadership(office):
    """CARRIER-11: only the leadership of the whole unit (陈国强), cleared 核心, decides."""
    copy = first_copy(register(office.wangfang, mark="绝密★长期", people=[office.chen, office.wangfang]))
    carrier = register(office.lijianhua, mark="机密★10年", people=[office.sunwei])  # 李建华 keeps up to 机密
    request = services.copy_lend_request(actor=office.sunwei, copy=first_copy(carrier), due_on=tomorrow(),
                                         reason="研究")
    assert request.steps.get().unit_id == office.units["planning"].pk  # below 绝密: the borrower's unit leader
    top = services.copy_lend_request(actor=office.wangfang, copy=copy, due_on=tomorrow(), reason="研究部署")
    step = top.steps.get()
    assert (step.approver_role, step.unit_id) == ("approver", office.units["root"].pk)
    with pytest.raises(Refused):  # 刘敏 leads 办公室 only
        approve_all(top, office.liumin)
    approve_all(top, office.chen)
    assert fresh(copy).status == CopyStatus.LENT
    # Nobody but the requester could decide: refused at the door.
    with pytest.raises(Refused, match="没有可审批此申请的人员"):
        services.copy_lend_request(actor=office.chen, copy=first_copy(copy.carrier, 2), due_on=tomorrow(),
                                   reason="研究部署")


def test_a_decider_below_the_level_may_not_approve(office):
    deputy = make_person("deputy", unit=office.units["planning"], clearance="GENERAL",
                         roles=[("approver", office.units["planning"])])
    copy = first_copy(register(office.wangfang, units=[office.units["planning"]]))
    request = services.copy_lend_request(actor=office.sunwei, copy=copy, due_on=tomorrow(), reason="编制规划")
    with pytest.raises(Refused, match="涉密类别不能知悉机密级事项"):
        approve_all(request, deputy)
    assert fresh(copy).status == CopyStatus.IN_CUSTODY
    approve_all(request, office.chen)
    assert fresh(copy).status == CopyStatus.LENT


def test_the_change_and_its_event_commit_together(office, monkeypatch):
    copy = first_copy(register(office.wangfang, mark="秘密★10年", units=[office.units["planning"]]))
    before = snapshot()

    def broken(**kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(services, "record", broken)
    with pytest.raises(RuntimeError):
        services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.zhoujing)
    assert snapshot() == before


def test_approval_of_a_copy_no_longer_available_changes_nothing(office):
    copy = first_copy(register(office.wangfang, units=[office.units["planning"]]))
    request = services.copy_lend_request(actor=office.sunwei, copy=copy, due_on=tomorrow(), reason="工作需要")
    services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.sunwei)
    with pytest.raises(Conflict, match="传阅中"):
        approve_all(request, office.chen)
    request.refresh_from_db()
    assert request.status == Status.PENDING and fresh(copy).status == CopyStatus.CIRCULATING


def test_archived_copies_are_not_lent_through_ordinary_borrowing(office):
    """ARCH-01, ARCH-07: archived files leave only through the archive's loan flow."""
    copy = first_copy(register(office.wangfang, units=[office.units["planning"]]))
    assert_refused(lambda: services.copy_archive(actor=office.zhoujing, copy=copy, location="档案室",
                                                 storage=StorageClass.COMBINATION), "只有机要员或保密员",
                   "copy.archive")
    services.copy_archive(actor=office.wangfang, copy=copy, location="档案室 3 号柜", storage=StorageClass.COMBINATION)
    with pytest.raises(Conflict, match="已归档"):
        services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.sunwei)
    assert_refused(lambda: services.copy_lend_request(actor=office.sunwei, copy=copy, due_on=tomorrow(),
                                                      reason="查阅档案"), "概不外借", "copy.lend_request")
    assert fresh(copy).status == CopyStatus.ARCHIVED


# ---------------------------------------------------------------- 复制


def test_reproduce_with_approval_numbers_new_copies_with_the_same_mark(office):
    """CARRIER-13, CARRIER-14."""
    carrier = register(office.wangfang, copies=2, units=[office.units["planning"]])
    original = first_copy(carrier)
    assert_refused(lambda: services.copy_reproduce_request(actor=office.sunwei, copy=original, count=1,
                                                           reason="会议需要"), "只有机要员或保密员",
                   "copy.reproduce_request")
    request = services.copy_reproduce_request(actor=office.wangfang, copy=original, count=2, reason="会议需要")
    assert [(s.approver_role, s.unit_id) for s in request.steps.all()] == [("approver", None)]
    assert carrier.copies.count() == 2  # nothing made before the approval
    with pytest.raises(Refused):
        approve_all(request, office.liumin)  # org-level step: the unit's leadership only
    approve_all(request, office.chen)
    made = list(carrier.copies.filter(origin=original).order_by("serial"))
    assert [c.number for c in made] == ["000003", "000004"]
    assert {(c.level, c.custodian_id, c.storage, c.status) for c in made} == {
        (Level.SECRET, office.wangfang.pk, StorageClass.SAFE, CopyStatus.IN_CUSTODY)}
    assert all(ledger(c)[0][0] == MovementKind.REPRODUCE for c in made)
    assert "000003、000004" in events("copy.reproduce").get().summary


# ---------------------------------------------------------------- 发出, 清退, 丢失


def test_dispatch_only_through_the_confidential_channel_or_a_named_courier(office):
    carrier = register(office.wangfang, direction="outgoing", destination_unit="市政府办公室", source_unit="",
                       copies=4)
    c1, c2, _c3, _c4 = carrier.copies.order_by("serial")
    for channel in (Channel.POST, Channel.EMAIL, Channel.FAX):
        assert_refused(lambda ch=channel: services.copy_dispatch(actor=office.wangfang, copy=c1,
                                                                 recipient_unit="市政府办公室", channel=ch),
                       "不得普通邮寄", "copy.dispatch")
    with pytest.raises(Invalid, match="递送人"):
        services.copy_dispatch(actor=office.wangfang, copy=c1, recipient_unit="市政府办公室", channel=Channel.COURIER)
    services.copy_dispatch(actor=office.wangfang, copy=c1, recipient_unit="市政府办公室", channel=Channel.CONFIDENTIAL)
    make_person("zhangqiang", unit=office.wangfang.unit, clearance="CORE", full_name="张强",
                roles=[("courier", None)])
    services.copy_dispatch(actor=office.wangfang, copy=c2, recipient_unit="市政府办公室", channel=Channel.COURIER,
                           courier="张强")
    sent = Movement.objects.get(copy=c2, kind=MovementKind.DISPATCH)
    assert (sent.to_unit, sent.channel, sent.courier, fresh(c2).status) == (
        "市政府办公室", Channel.COURIER, "张强", CopyStatus.SENT)
    with pytest.raises(Conflict):
        services.copy_dispatch(actor=office.wangfang, copy=c1, recipient_unit="x", channel=Channel.CONFIDENTIAL)
    # Work secrets may go by post.
    work = first_copy(register(office.wangfang, mark="内部", direction="outgoing", destination_unit="区发改局",
                               source_unit="", storage=StorageClass.CABINET))
    services.copy_dispatch(actor=office.wangfang, copy=work, recipient_unit="区发改局", channel=Channel.POST)


def test_hand_back_returns_incoming_copies_to_the_issuer(office):
    carrier = register(office.wangfang, mark="秘密★10年", copies=2,
                       return_by=timezone.localdate() + datetime.timedelta(days=10))
    assert list(selectors.due_for_hand_back(office.wangfang, until=carrier.return_by)) == list(
        carrier.copies.order_by("serial"))
    done = services.copies_hand_back(actor=office.wangfang, copies=list(carrier.copies.all()), note="半年清退")
    assert {c.status for c in done} == {CopyStatus.RETURNED}
    assert set(Movement.objects.filter(kind=MovementKind.HAND_BACK).values_list("to_unit", flat=True)) == {
        "省发展改革委"}
    assert not selectors.due_for_hand_back(office.wangfang, until=carrier.return_by).exists()
    made = register(office.wangfang, direction="made", source_unit="")
    with pytest.raises(Invalid, match="不是收文"):
        services.copies_hand_back(actor=office.wangfang, copies=[first_copy(made)])


def test_loss_is_recorded_and_alerts_the_secrecy_office(office):
    copy = first_copy(register(office.wangfang, units=[office.units["planning"]]))
    services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.sunwei)
    with pytest.raises(Invalid):
        services.copy_report_lost(actor=office.sunwei, copy=copy, note=" ")
    services.copy_report_lost(actor=office.sunwei, copy=copy, note="出差途中遗失")
    copy = fresh(copy)
    assert (copy.status, copy.due_at, copy.custodian_id) == (CopyStatus.LOST, None, office.sunwei.pk)
    notice = Notice.objects.get(kind=NoticeKind.LOST)
    assert notice.copy_id == copy.pk
    assert list(selectors.notices_for(office.lijianhua)) == [notice]  # the secrecy office sees it
    assert "已通知保密办" in events("copy.lost").get().summary
    with pytest.raises(Conflict):
        services.copy_return(actor=office.sunwei, copy=copy)
    # 泄密事件: an incident draft (待核实) for the secrecy office, linked to the copy and its holder.
    from baomi.incidents.models import Incident

    incident = Incident.objects.get(source="carriers.lost", source_ref=str(copy.pk))
    assert (incident.status, incident.kind, incident.level) == ("draft", "lost", copy.level)
    assert list(incident.copies.values_list("copy_id", "outcome")) == [(copy.pk, "lost")]
    assert list(incident.involved.values_list("person_id", flat=True)) == [office.sunwei.pk]


# ---------------------------------------------------------------- 销毁


def _destruction(office, copies, witnesses=None):
    return services.destruction_create(
        actor=office.wangfang, copies=copies, method=DestructionMethod.SHRED, site="机要室",
        witnesses=witnesses or [office.lijianhua, office.liumin], reason="已过保存期限")


def test_destruction_needs_approval_and_two_witnesses_and_is_final(office):
    """CARRIER-19, CARRIER-20."""
    carrier = register(office.wangfang, mark="秘密★10年", copies=3)
    copies = list(carrier.copies.order_by("serial"))[:2]
    dlist = _destruction(office, copies)
    assert dlist.number.startswith("销") and dlist.level == Level.CONFIDENTIAL
    request = dlist.approval
    assert [s.approver_role for s in request.steps.all()] == ["approver", "secrecy_officer"]
    with pytest.raises(Conflict, match="已在其他待销毁清单"):
        _destruction(office, copies[:1])
    with pytest.raises(Conflict, match="尚未批准"):
        services.destruction_sign(actor=office.lijianhua, destruction=dlist, password=PASSWORD)
    approve_all(request, office.liumin, office.zhaolei)
    dlist.refresh_from_db()
    assert dlist.status == DestructionStatus.APPROVED
    # Only the witnesses sign, each with their own password; nothing is destroyed before both did.
    assert_refused(lambda: services.destruction_sign(actor=office.zhaolei, destruction=dlist, password=PASSWORD),
                   "不是该销毁清单的监销人", "destruction.sign")
    with pytest.raises(Refused, match="签字密码不正确"):
        services.destruction_sign(actor=office.liumin, destruction=dlist, password="wrong")
    services.destruction_sign(actor=office.liumin, destruction=dlist, password=PASSWORD)
    assert_refused(lambda: services.destruction_execute(actor=office.wangfang, destruction=dlist),
                   "须两名监销人签字", "destruction.execute")
    services.destruction_sign(actor=office.lijianhua, destruction=dlist, password=PASSWORD)
    # CARRIER-19: destruction itself only by the keepers.
    assert_refused(lambda: services.destruction_execute(actor=office.sunwei, destruction=dlist),
                   "只有机要员或保密员", "destruction.execute")
    services.destruction_execute(actor=office.wangfang, destruction=dlist)
    dlist.refresh_from_db()
    assert dlist.status == DestructionStatus.DONE and dlist.certificate_no.startswith("销证")
    for copy in copies:
        copy = fresh(copy)
        assert copy.status == CopyStatus.DESTROYED
        assert ledger(copy)[-1][0] == MovementKind.DESTROY
        # Never again: not through a service ...
        with pytest.raises(Conflict):
            services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.chen)
        with pytest.raises(Conflict):
            services.copy_report_lost(actor=office.wangfang, copy=copy, note="x")
        # ... nor behind the services' back: the database refuses it.
        with pytest.raises(DatabaseError), transaction.atomic():
            Copy.objects.filter(pk=copy.pk).update(location="别处")
        with pytest.raises(DatabaseError), transaction.atomic():
            Movement.objects.create(copy=copy, kind=MovementKind.RETURN, actor=office.wangfang,
                                    status_after=CopyStatus.IN_CUSTODY, at=timezone.now())
        with pytest.raises(DatabaseError), transaction.atomic():
            Copy.objects.filter(pk=copy.pk).delete()
    assert events("copy.destroy").count() == 2 and verify().ok


def test_destruction_refusals(office):
    carrier = register(office.wangfang, mark="机密★5年", copies=2)
    copies = list(carrier.copies.all())
    with pytest.raises(Invalid, match="两名不同"):
        _destruction(office, copies, [office.lijianhua, office.lijianhua])
    with pytest.raises(Invalid, match="不能兼任"):
        _destruction(office, copies, [office.wangfang, office.lijianhua])
    with pytest.raises(Refused, match="监销人 赵磊"):
        _destruction(office, copies, [office.zhaolei, office.lijianhua])  # 一般 cannot witness 机密
    with pytest.raises(Refused, match="只有机要员或保密员"):
        services.destruction_create(actor=office.sunwei, copies=copies, method=DestructionMethod.BURN, site="x",
                                    witnesses=[office.lijianhua, office.liumin], reason="x")
    dlist = _destruction(office, copies)
    approvals.request_decide(actor=office.liumin, request=dlist.approval, approve=False, comment="尚需保存",
                             password=PASSWORD)
    dlist.refresh_from_db()
    assert dlist.status == DestructionStatus.REJECTED
    _destruction(office, copies)  # a rejected list no longer holds its copies


# ---------------------------------------------------------------- reminders


def test_reminders_are_issued_once_per_due_time(office):
    """CARRIER-06, CARRIER-17: overdue holders are reminded; CARRIER-16: 清退 deadlines too."""
    copy = first_copy(register(office.wangfang, mark="秘密★10年", units=[office.units["planning"]],
                               return_by=timezone.localdate() + datetime.timedelta(days=20)))
    services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.zhoujing)
    later = fresh(copy).due_at + datetime.timedelta(minutes=1)
    assert [c.pk for c in selectors.overdue_copies(office.wangfang, now=later)] == [copy.pk]
    first = services.notices_issue(now=later)
    assert len(first) == 2  # copy 1 overdue; copy 2 (in custody) near its 清退 deadline
    assert services.notices_issue(now=later) == []
    overdue = Notice.objects.get(kind=NoticeKind.OVERDUE)
    assert (overdue.copy_id, overdue.person_id) == (copy.pk, office.zhoujing.pk)
    assert list(selectors.notices_for(office.zhoujing)) == [overdue]
    assert events("copy.remind_overdue").count() == 1
    # Returned and re-issued with a new due time: a new reminder when that one passes.
    services.copy_return(actor=office.zhoujing, copy=copy)
    services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.zhoujing)
    assert len(services.notices_issue(now=fresh(copy).due_at + datetime.timedelta(minutes=1))) == 1


def test_jobs_tick_runs_the_reminders(office):
    from baomi import jobs

    copy = first_copy(register(office.wangfang, mark="秘密★10年", units=[office.units["planning"]]))
    services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.zhoujing,
                            due_at=timezone.now() + datetime.timedelta(seconds=1))
    Copy.objects.filter(pk=copy.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    assert any("逾期未还" in line for line in jobs.tick())
    assert not any("逾期未还" in line for line in jobs.tick())


# ---------------------------------------------------------------- 保密本


def test_secrecy_notebook_is_registered_issued_to_its_holder_and_returned(office):
    """CARRIER-32: a 保密本 is a registered carrier (编号, 密级), issued to its holder through the
    borrowing approval for up to a year, held in their name, and returned to the register."""
    from baomi.carriers.models import CarrierKind
    from baomi.carriers.selectors import outstanding_for

    notebook = register(office.wangfang, mark="秘密★5年", copies=1, kind=CarrierKind.NOTEBOOK, direction="made",
                        title="2026年度保密工作笔记本（孙伟）", people=[office.sunwei])
    copy = first_copy(notebook)
    assert notebook.get_kind_display() == "保密本"
    a_year = timezone.localdate() + datetime.timedelta(days=365)
    with pytest.raises(Invalid, match="30 天"):  # an ordinary document comes back within a month
        services.copy_lend_request(actor=office.sunwei, copy=first_copy(register(
            office.wangfang, mark="秘密★5年", people=[office.sunwei])), due_on=a_year, reason="工作需要")
    request = services.copy_lend_request(actor=office.sunwei, copy=copy, due_on=a_year, reason="领用保密本")
    approve_all(request, office.chen)
    copy = fresh(copy)
    assert (copy.status, copy.custodian_id) == (CopyStatus.LENT, office.sunwei.pk)
    assert copy in outstanding_for(office.sunwei)  # departure is blocked while it is out
    services.copy_return(actor=office.wangfang, copy=copy)
    assert (fresh(copy).status, fresh(copy).custodian_id) == (CopyStatus.IN_CUSTODY, office.wangfang.pk)


def test_a_classified_item_goes_by_hand_only_with_a_registered_confidential_courier(office):
    """COMM-06: 机要信件由机要通信人员亲自投送，不准委托其他人员捎带."""
    carrier = register(office.wangfang, direction="outgoing", destination_unit="市委办公室", source_unit="",
                       copies=3)
    c1, c2, c3 = carrier.copies.order_by("serial")
    unit = office.wangfang.unit
    # A colleague asked to take it along, and a name nobody holds: refused and audited.
    make_person("lixiao", unit=unit, clearance="CORE", full_name="李晓")
    for name in ("李晓", "lixiao", "不存在的人"):
        assert_refused(lambda n=name: services.copy_dispatch(actor=office.wangfang, copy=c1,
                                                             recipient_unit="市委办公室",
                                                             channel=Channel.COURIER, courier=n),
                       "不得委托他人捎带", "copy.dispatch")
    # A courier not cleared for the level carried.
    make_person("xuming", unit=unit, clearance="NONE", full_name="徐明", roles=[("courier", None)])
    assert_refused(lambda: services.copy_dispatch(actor=office.wangfang, copy=c1, recipient_unit="市委办公室",
                                                  channel=Channel.COURIER, courier="xuming"),
                   "不能投送", "copy.dispatch")
    assert fresh(c1).status == CopyStatus.IN_CUSTODY
    # The registered, cleared courier, by login or by name.
    make_person("zhangqiang", unit=unit, clearance="CORE", full_name="张强", roles=[("courier", None)])
    services.copy_dispatch(actor=office.wangfang, copy=c1, recipient_unit="市委办公室", channel=Channel.COURIER,
                           courier="zhangqiang")
    services.copy_dispatch(actor=office.wangfang, copy=c2, recipient_unit="市委办公室", channel=Channel.COURIER,
                           courier="张强")
    assert set(Movement.objects.filter(copy__in=[c1, c2], kind=MovementKind.DISPATCH)
               .values_list("courier", flat=True)) == {"张强"}
    # A departed courier no longer carries anything.
    from baomi.accounts.models import User

    User.objects.filter(username="zhangqiang").update(is_active=False)
    assert_refused(lambda: services.copy_dispatch(actor=office.wangfang, copy=c3, recipient_unit="市委办公室",
                                                  channel=Channel.COURIER, courier="张强"),
                   "不得委托他人捎带", "copy.dispatch")
