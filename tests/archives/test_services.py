"""档案 rules ARCH-01..10 through the services: every refusal, approval and record."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from baomi import inbox, jobs, policy
from baomi.approvals.models import ApprovalRequest, Status
from baomi.archives import selectors, services
from baomi.archives.models import AccessStatus, Entry, ExcerptStatus, LoanStatus
from baomi.audit.models import AuditEvent
from baomi.carriers import services as carriers
from baomi.carriers.models import CopyStatus, StorageClass
from baomi.errors import Conflict, Invalid, Refused
from baomi.levels import Clearance
from tests.archives.conftest import PARTS, approve_all, approved, archived, assert_refused, parts
from tests.carriers.conftest import first_copy, register, tomorrow
from tests.factories import PASSWORD


def events(action: str, outcome: str = "ok"):
    return AuditEvent.objects.filter(action=action, outcome=outcome)


# ---------------------------------------------------------------- ARCH-01


def test_only_keepers_archive_and_catalogue(office):
    """ARCH-01: the 秘书股 (the keepers' role) archives and catalogues; others are refused."""
    o = office
    carrier = register(o.wangfang, mark="秘密★5年", copies=1, units=[o.units["planning"]])
    assert_refused(lambda: carriers.copy_archive(actor=o.sunwei, copy=first_copy(carrier), location="档案室",
                                                 storage=StorageClass.SAFE), "只有机要员或保密员", "copy.archive")
    carriers.copy_archive(actor=o.wangfang, copy=first_copy(carrier), location="档案室 1 号柜",
                          storage=StorageClass.SAFE)
    assert_refused(lambda: services.entry_create(actor=o.sunwei, carrier=carrier, category="document", parts=PARTS),
                   "只有机要员或保密员", "archives.entry_create")
    with pytest.raises(Invalid):
        services.entry_create(actor=o.wangfang, carrier=carrier, category="photo", parts=PARTS)
    with pytest.raises(Invalid, match="卷内文件"):
        services.entry_create(actor=o.wangfang, carrier=carrier, category="document", parts=[(" ", "1")])
    entry = services.entry_create(actor=o.wangfang, carrier=carrier, category="document", parts=PARTS)
    assert entry.file_no.startswith("档") and entry.parts.count() == 3 and entry.keeper_id == o.wangfang.pk
    with pytest.raises(Conflict, match="已著录"):
        services.entry_create(actor=o.wangfang, carrier=carrier, category="document", parts=PARTS)
    shelf = register(o.wangfang, mark="秘密★5年", copies=1, units=[o.units["planning"]])
    with pytest.raises(Conflict, match="请先归档"):
        services.entry_create(actor=o.wangfang, carrier=shelf, category="document", parts=PARTS)
    assert events("archives.entry_create").count() == 1


# ---------------------------------------------------------------- ARCH-02, ARCH-03, ARCH-05


def test_request_goes_to_the_keepers_leader_and_is_registered_once_approved(office):
    """ARCH-02: request (content, purpose), approval by the archive keeper's leader, registration."""
    o = office
    entry = archived(o)
    access = services.access_request_submit(actor=o.sunwei, parts=parts(entry, 1, 2), purpose="核对规划依据")
    assert access.number.startswith("查") and access.status == AccessStatus.PENDING
    approval = access.approval
    assert approval is not None and approval.request_type == services.ACCESS
    assert [(s.approver_role, s.unit_id) for s in approval.steps.all()] == [("approver", o.units["secretariat"].pk)]
    with pytest.raises(Refused):  # the planning leader does not decide for the archive
        approve_all(approval, o.wutao)
    assert not access.items.filter(approved=True).exists()
    approve_all(approval, o.liumin)
    access.refresh_from_db()
    assert access.status == AccessStatus.APPROVED and access.items.filter(approved=True).count() == 2
    assert events("archives.access_approve").count() == 1


def test_request_refused_above_clearance_or_outside_need_to_know(office):
    """ARCH-02 with SYS-02/03: the requester must be cleared and inside the need-to-know."""
    o = office
    secret = archived(o)  # 机密, need-to-know 规划科
    assert_refused(lambda: services.access_request_submit(actor=o.zhoujing, parts=parts(secret, 1), purpose="学习"),
                   "涉密类别不能知悉机密", "archives.access_request")
    confidential = archived(o, mark="秘密★5年")
    assert_refused(lambda: services.access_request_submit(actor=o.wutao, parts=parts(confidential, 1), purpose="学习"),
                   "不在该载体的知悉范围内", "archives.access_request")
    with pytest.raises(Invalid):
        services.access_request_submit(actor=o.sunwei, parts=parts(confidential, 1), purpose=" ")
    with pytest.raises(Invalid):
        services.access_request_submit(actor=o.sunwei, parts=[], purpose="学习")


def test_outside_unit_needs_an_introduction_letter_recorded_by_the_keeper(office):
    """ARCH-02: 基层单位 bring a letter of introduction stating what they want to see."""
    o = office
    entry = archived(o, mark="秘密★5年")
    with pytest.raises(Invalid, match="介绍信"):
        services.access_request_submit(actor=o.wangfang, parts=parts(entry, 1), purpose="核对项目批复",
                                       outside=True, visitor_name="张明", visitor_unit="示范市东城区发展改革局")
    assert_refused(lambda: services.access_request_submit(
        actor=o.sunwei, parts=parts(entry, 1), purpose="核对", outside=True, visitor_name="张明",
        visitor_unit="东城区发展改革局", letter_no="东发改介〔2026〕5号", visitor_clearance=int(Clearance.GENERAL)),
        "只有机要员或保密员", "archives.access_request")
    assert_refused(lambda: services.access_request_submit(
        actor=o.wangfang, parts=parts(entry, 1), purpose="核对", outside=True, visitor_name="张明",
        visitor_unit="东城区发展改革局", letter_no="东发改介〔2026〕5号", visitor_clearance=int(Clearance.NONE)),
        "介绍信载明的查阅人涉密类别不能知悉秘密", "archives.access_request")
    access = services.access_request_submit(
        actor=o.wangfang, parts=parts(entry, 1), purpose="核对项目批复", outside=True, visitor_name="张明",
        visitor_unit="东城区发展改革局", letter_no="东发改介〔2026〕5号", visitor_clearance=int(Clearance.GENERAL))
    assert (access.outside, access.letter_no, access.requester_id) == (True, "东发改介〔2026〕5号", o.wangfang.pk)
    assert "介绍信 东发改介〔2026〕5号" in events("archives.access_request").get().summary
    assert access.approval is not None
    approve_all(access.approval, o.liumin)
    access.refresh_from_db()
    assert access.status == AccessStatus.APPROVED


def test_top_secret_and_leadership_minutes_go_to_the_office_leader(office):
    """ARCH-05: 绝密 archives and 全体/常务/党组 minutes need the 办公室主管领导."""
    o = office
    minutes = archived(o, category="minutes")  # 机密 party-group minutes
    access = services.access_request_submit(actor=o.sunwei, parts=parts(minutes, 1), purpose="核对会议决定")
    assert access.minutes and access.approval is not None
    assert access.approval.request_type == services.ACCESS_OFFICE
    assert [(s.approver_role, s.unit_id) for s in access.approval.steps.all()] == [("approver", o.units["office"].pk)]
    approve_all(access.approval, o.liumin)
    document = archived(o)
    flagged = services.access_request_submit(actor=o.sunwei, parts=parts(document, 1), purpose="会议记录核对",
                                             minutes=True)
    assert flagged.approval is not None and flagged.approval.request_type == services.ACCESS_OFFICE
    top = archived(o, mark="绝密★长期", people=[o.chen, o.wangfang], units=[])
    secret = services.access_request_submit(actor=o.wangfang, parts=parts(top, 1), purpose="起草报告")
    assert secret.approval is not None and secret.approval.request_type == services.ACCESS_OFFICE
    with pytest.raises(Refused, match="涉密类别不能知悉绝密"):  # 刘敏 (重要) may not decide 绝密
        approve_all(secret.approval, o.liumin)
    approve_all(secret.approval, o.chen)
    secret.refresh_from_db()
    assert secret.status == AccessStatus.APPROVED


def test_routing_is_data_and_a_rejection_closes_the_request(office):
    """ARCH-05: the security administrator may route 查档 elsewhere (routing rules are data)."""
    from baomi.approvals import services as approvals

    o = office
    approvals.rule_create(actor=o.secadmin, request_type=services.ACCESS, order=1, approver_role="approver",
                          scope="org")
    entry = archived(o, mark="秘密★5年")
    access = services.access_request_submit(actor=o.sunwei, parts=parts(entry, 1), purpose="学习")
    assert access.approval is not None
    assert [(s.approver_role, s.unit_id) for s in access.approval.steps.all()] == [("approver", None)]
    approvals.request_decide(actor=o.chen, request=access.approval, approve=False, comment="无必要",
                             password=PASSWORD)
    access.refresh_from_db()
    assert access.status == AccessStatus.REJECTED
    with pytest.raises(Conflict):
        services.session_open(actor=o.wangfang, access=access, room="档案室")


def test_only_the_approved_parts_can_be_opened_or_excerpted(office):
    """ARCH-03: only the approved parts are shown and opened; other parts are refused and recorded."""
    o = office
    entry = archived(o)
    access = approved(o, entry, o.sunwei, 1)
    session = services.session_open(actor=o.wangfang, access=access, room="档案室")
    assert [i.part.seq for i in selectors.items_of(access, approved_only=True)] == [1]
    item = services.session_view_part(actor=o.sunwei, session=session, part=entry.parts.get(seq=1))
    assert item.part.seq == 1 and events("archives.view").count() == 1
    assert_refused(lambda: services.session_view_part(actor=o.sunwei, session=session, part=entry.parts.get(seq=2)),
                   "只许查阅经批准的部分", "archives.view")
    assert_refused(lambda: services.excerpt_record(actor=o.sunwei, session=session, part=entry.parts.get(seq=2),
                                                   description="摘抄第二件"), "只许摘抄经批准查阅部分",
                   "archives.excerpt_record")
    assert_refused(lambda: services.session_view_part(actor=o.zhoujing, session=session, part=entry.parts.get(seq=1)),
                   "不是该查档申请的查阅人", "archives.view")


# ---------------------------------------------------------------- ARCH-06


def test_reading_only_in_the_archive_room_and_the_file_never_leaves(office):
    """ARCH-06: the keeper opens the reading in the archive (or reading) room; it ends there."""
    o = office
    entry = archived(o)
    access = services.access_request_submit(actor=o.sunwei, parts=parts(entry, 1), purpose="核对")
    with pytest.raises(Conflict, match="未获批准"):
        services.session_open(actor=o.wangfang, access=access, room="档案室")
    assert access.approval is not None
    approve_all(access.approval, o.liumin)
    access.refresh_from_db()
    assert_refused(lambda: services.session_open(actor=o.wangfang, access=access, room="规划科办公室"),
                   "必须在档案室", "archives.session_open")
    assert_refused(lambda: services.session_open(actor=o.sunwei, access=access, room="档案室"),
                   "只有机要员或保密员", "archives.session_open")
    session = services.session_open(actor=o.wangfang, access=access, room="查档室 2 号阅档桌")
    copy = first_copy(entry.carrier)
    assert copy.status == CopyStatus.ARCHIVED  # read where it is: nothing is lent by a reading
    access.refresh_from_db()
    assert access.status == AccessStatus.READING and session.room == "查档室 2 号阅档桌"
    with pytest.raises(Conflict):
        services.session_open(actor=o.wangfang, access=access, room="档案室")
    assert_refused(lambda: services.session_close(actor=o.sunwei, session=session), "只有机要员或保密员",
                   "archives.session_close")
    services.session_close(actor=o.wangfang, session=session, note="案卷完整收回")
    access.refresh_from_db()
    assert access.status == AccessStatus.DONE
    assert_refused(lambda: services.session_view_part(actor=o.sunwei, session=session, part=entry.parts.get(seq=1)),
                   "查阅已结束", "archives.view")
    assert events("archives.session_open").count() == 1 and events("archives.session_close").count() == 1


def test_a_file_lent_out_cannot_be_read_in_the_room(office):
    o = office
    entry = archived(o, mark="秘密★5年")
    access = approved(o, entry, o.sunwei, 1)
    services.loan_request(actor=o.sunwei, copy=first_copy(entry.carrier), due_on=tomorrow(),
                          reason="市委巡察组调阅，特殊情况")
    loan_approval = ApprovalRequest.objects.get(request_type=services.LEND)
    approve_all(loan_approval, o.liumin)
    with pytest.raises(Conflict, match="已不在档案室"):
        services.session_open(actor=o.wangfang, access=access, room="档案室")


# ---------------------------------------------------------------- ARCH-04


def test_excerpt_is_released_only_after_review_and_stamp(office):
    """ARCH-04 (S13/S16): the keeper reviews the excerpt and stamps it before it leaves."""
    o = office
    entry = archived(o)
    access = approved(o, entry, o.sunwei, 1)
    session = services.session_open(actor=o.wangfang, access=access, room="档案室")
    excerpt = services.excerpt_record(actor=o.sunwei, session=session, part=entry.parts.get(seq=1),
                                      description="会议决定：城东枢纽项目列入年度计划", pages="3")
    assert excerpt.status == ExcerptStatus.PENDING and excerpt.stamp_no is None
    with pytest.raises(Conflict, match="摘抄未审核"):
        services.session_close(actor=o.wangfang, session=session)
    assert_refused(lambda: services.excerpt_review(actor=o.sunwei, excerpt=excerpt, approve=True),
                   "只有机要员或保密员", "archives.excerpt_review")
    with pytest.raises(Invalid, match="审核意见"):
        services.excerpt_review(actor=o.wangfang, excerpt=excerpt, approve=False)
    stamped = services.excerpt_review(actor=o.wangfang, excerpt=excerpt, approve=True)
    assert stamped.status == ExcerptStatus.STAMPED and stamped.stamp_no and stamped.stamp_no.startswith("摘")
    assert stamped.reviewed_by_id == o.wangfang.pk
    with pytest.raises(Conflict):
        services.excerpt_review(actor=o.wangfang, excerpt=excerpt, approve=True)
    other = services.excerpt_record(actor=o.sunwei, session=session, part=entry.parts.get(seq=1),
                                    description="与查阅目的无关的人事安排")
    with override_settings(BAOMI_ARCHIVE_EXCERPTS="forbidden"):  # switched while it waited
        assert_refused(lambda: services.excerpt_review(actor=o.wangfang, excerpt=other, approve=True),
                       "不准摘抄", "archives.excerpt_review")
    rejected = services.excerpt_review(actor=o.wangfang, excerpt=other, approve=False, note="与查阅内容无关")
    assert rejected.status == ExcerptStatus.REJECTED and rejected.stamp_no is None
    services.session_close(actor=o.wangfang, session=session)


@override_settings(BAOMI_ARCHIVE_EXCERPTS="forbidden")
def test_excerpts_forbidden_by_the_unit_switch(office):
    """ARCH-04 (S20 不准摘抄): with the switch set to forbidden, every excerpt is refused."""
    o = office
    entry = archived(o)
    access = approved(o, entry, o.sunwei, 1)
    session = services.session_open(actor=o.wangfang, access=access, room="档案室")
    assert services.excerpt_mode() == "forbidden"
    assert_refused(lambda: services.excerpt_record(actor=o.sunwei, session=session, part=entry.parts.get(seq=1),
                                                   description="摘抄"), "不准摘抄", "archives.excerpt_record")


# ---------------------------------------------------------------- ARCH-07, ARCH-09


def test_archive_loan_only_by_exception_with_the_leaders_approval(office):
    """ARCH-07/09: lent only with a stated special case, approved by the archive's leader;
    due date recorded, overdue reminded once by jobs.tick, returned to the archive."""
    o = office
    entry = archived(o, mark="秘密★5年")
    copy = first_copy(entry.carrier)
    today = timezone.localdate() + datetime.timedelta(days=1)  # the due day
    with pytest.raises(Invalid, match="特殊情况"):
        services.loan_request(actor=o.sunwei, copy=copy, due_on=today, reason=" ")
    assert_refused(lambda: services.loan_request(actor=o.wutao, copy=copy, due_on=today, reason="审计需要"),
                   "不在该载体的知悉范围内", "archives.loan_request")
    approval = services.loan_request(actor=o.sunwei, copy=copy, due_on=today, reason="省审计厅现场审计调阅原件")
    assert [(s.approver_role, s.unit_id) for s in approval.steps.all()] == [("approver", o.units["secretariat"].pk)]
    assert first_copy(entry.carrier).status == CopyStatus.ARCHIVED  # nothing leaves before the approval
    with pytest.raises(Conflict, match="已有外借申请"):
        services.loan_request(actor=o.sunwei, copy=copy, due_on=today, reason="再次申请")
    approve_all(approval, o.liumin)
    loan = selectors.loans_visible_to(o.sunwei).get()
    out = first_copy(entry.carrier)
    assert loan.status == LoanStatus.OUT and (out.status, out.custodian_id) == (CopyStatus.LENT, o.sunwei.pk)
    assert out.movements.filter(kind="lend", approval=approval).exists()
    # Borrower's 我的待办 lists it with the due date.
    assert any(i.due == today for i in inbox.items_for(o.sunwei) if i.kind == "归还")
    later = today + datetime.timedelta(days=2)
    assert services.loans_remind(today=later) == [f"案卷外借逾期: {out.label}"]
    assert services.loans_remind(today=later) == []  # once
    assert events("archives.loan_overdue").count() == 1
    assert any("外借逾期未还" in i.title for i in inbox.items_for(o.wangfang))
    services.loan_return(actor=o.sunwei, loan=loan)
    back = first_copy(entry.carrier)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.RETURNED and (back.status, back.custodian_id) == (
        CopyStatus.ARCHIVED, o.wangfang.pk)
    with pytest.raises(Conflict):
        services.loan_return(actor=o.sunwei, loan=loan)


def test_jobs_tick_runs_the_loan_reminders(office):
    o = office
    entry = archived(o, mark="秘密★5年")
    approval = services.loan_request(actor=o.sunwei, copy=first_copy(entry.carrier), due_on=tomorrow(),
                                     reason="特殊情况")
    approve_all(approval, o.liumin)
    done = jobs.tick(today=timezone.localdate() + datetime.timedelta(days=4))
    assert any(line.startswith("案卷外借逾期") for line in done)


def test_top_secret_loan_goes_to_the_office_leadership(office):
    o = office
    entry = archived(o, mark="绝密★长期", people=[o.chen, o.wangfang], units=[])
    approval = services.loan_request(actor=o.wangfang, copy=first_copy(entry.carrier),
                                     due_on=tomorrow(), reason="特殊情况")
    assert [(s.approver_role, s.unit_id) for s in approval.steps.all()] == [("approver", o.units["office"].pk)]
    with pytest.raises(Refused):
        approve_all(approval, o.liumin)
    approve_all(approval, o.chen)
    assert first_copy(entry.carrier).status == CopyStatus.LENT


# ---------------------------------------------------------------- ARCH-08


def test_personnel_files_only_by_their_designated_custodian(office):
    """ARCH-08: personnel files are a separate domain kept by a designated 专人."""
    o = office
    carrier = register(o.wangfang, mark="秘密★5年", copies=1, units=[o.units["planning"]])
    carriers.copy_archive(actor=o.wangfang, copy=first_copy(carrier), location="人事档案室", storage=StorageClass.SAFE)
    assert_refused(lambda: services.entry_create(actor=o.wangfang, carrier=carrier, category="personnel",
                                                 parts=PARTS), "由专人保管", "archives.entry_create")
    assert_refused(lambda: services.custodian_designate(actor=o.wangfang, person=o.liumin, basis="办公室会议决定"),
                   "三员分立", "archives.custodian_designate")
    services.custodian_designate(actor=o.lijianhua, person=o.liumin, basis="示发改办〔2026〕8号")
    assert policy.is_archive_custodian(o.liumin)
    entry = services.entry_create(actor=o.liumin, carrier=carrier, category="personnel", parts=PARTS)
    assert entry.restricted and entry.keeper_id == o.liumin.pk
    assert entry in selectors.entries_visible_to(o.liumin)
    assert entry not in selectors.entries_visible_to(o.wangfang)  # the ordinary keeper does not see it
    assert entry not in selectors.entries_visible_to(o.sunwei)
    assert_refused(lambda: services.access_request_submit(actor=o.sunwei, parts=parts(entry, 1), purpose="了解情况"),
                   "由专人保管", "archives.access_request")
    assert_refused(lambda: services.loan_request(actor=o.sunwei, copy=first_copy(carrier),
                                                 due_on=tomorrow(), reason="特殊情况"),
                   "不外借", "archives.loan_request")
    # An outside inquiry (外调) is recorded by the custodian and approved as usual.
    access = services.access_request_submit(
        actor=o.liumin, parts=parts(entry, 1), purpose="干部考察外调", outside=True, visitor_name="王强",
        visitor_unit="市委组织部", letter_no="组外调〔2026〕11号", visitor_clearance=int(Clearance.IMPORTANT))
    assert_refused(lambda: services.session_open(actor=o.wangfang, access=access, room="档案室"),
                   "由专人保管", "archives.session_open")
    with pytest.raises(Conflict):
        services.custodian_revoke(actor=o.lijianhua, custodian=o.liumin.archive_custodianships.get())


# ---------------------------------------------------------------- ARCH-10


def test_widening_the_scope_of_use_needs_approval(office):
    """ARCH-10: archive staff may not add readers or parts without approval."""
    o = office
    entry = archived(o, mark="秘密★5年")
    access = approved(o, entry, o.sunwei, 1)
    assert_refused(lambda: services.access_widen_request(actor=o.sunwei, access=access, people=[o.zhoujing],
                                                         reason="一同核对"), "只有机要员或保密员",
                   "archives.widen_request")
    assert_refused(lambda: services.access_widen_request(actor=o.wangfang, access=access, people=[o.wutao],
                                                         reason="一同核对"), "不在该载体的知悉范围内",
                   "archives.widen_request")
    request = services.access_widen_request(actor=o.wangfang, access=access, people=[o.zhoujing],
                                            parts=[entry.parts.get(seq=2)], reason="周静协助核对数据")
    assert request.request_type == services.WIDEN
    assert not access.readers.exists() and access.items.count() == 1  # nothing before the approval
    session = services.session_open(actor=o.wangfang, access=access, room="档案室")
    with pytest.raises(Refused):
        services.session_view_part(actor=o.zhoujing, session=session, part=entry.parts.get(seq=1))
    approve_all(request, o.liumin)
    assert list(access.readers.all()) == [o.zhoujing]
    assert access.items.filter(approved=True).count() == 2
    assert services.session_view_part(actor=o.zhoujing, session=session, part=entry.parts.get(seq=2)).part.seq == 2
    assert events("archives.widen").count() == 1


def test_rejected_widening_changes_nothing(office):
    o = office
    entry = archived(o, mark="秘密★5年")
    access = approved(o, entry, o.sunwei, 1)
    request = services.access_widen_request(actor=o.wangfang, access=access, people=[o.zhoujing], reason="协助")
    from baomi.approvals import services as approvals

    approvals.request_decide(actor=o.liumin, request=request, approve=False, comment="不同意", password=PASSWORD)
    request.refresh_from_db()
    assert request.status == Status.REJECTED and not access.readers.exists()


# ---------------------------------------------------------------- visibility, inbox


def test_entries_and_requests_are_hidden_from_those_who_may_not_see_them(office):
    o = office
    entry = archived(o)  # 机密, 规划科
    access = approved(o, entry, o.sunwei, 1)
    assert entry in selectors.entries_visible_to(o.sunwei)
    for outsider in (o.zhoujing, o.wutao, o.zhengli, o.sysadmin, o.secadmin, o.auditor):
        assert entry not in selectors.entries_visible_to(outsider)
        assert access not in selectors.requests_visible_to(outsider)
    assert access in selectors.requests_visible_to(o.wangfang)
    assert Entry.objects.filter(policy.archive_entries_visible_to(o.lijianhua)).count() == 1


def test_keepers_inbox_lists_readings_to_open_and_excerpts_to_review(office):
    o = office
    entry = archived(o)
    access = approved(o, entry, o.sunwei, 1)
    assert any(access.number in i.title and "开启查阅" in i.title for i in inbox.items_for(o.wangfang))
    assert not any(i.kind == "查档" for i in inbox.items_for(o.zhoujing))
    session = services.session_open(actor=o.wangfang, access=access, room="档案室")
    services.excerpt_record(actor=o.sunwei, session=session, part=entry.parts.get(seq=1), description="摘抄")
    assert any(i.kind == "摘抄审核" for i in inbox.items_for(o.wangfang))
    assert policy.uses_archives(o.sunwei) and policy.uses_archives(o.wangfang)
    assert not policy.uses_archives(o.zhengli) and not policy.uses_archives(o.sysadmin)
