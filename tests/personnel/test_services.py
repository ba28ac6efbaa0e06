"""涉密人员: the clearance gate, posts, vetting, commitments, departures and the 脱密期,
annual reports and reminders — every refusal, and the 脱密期's exact last day."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from baomi.accounts import services as accounts
from baomi.accounts.models import ApiToken, RoleAssignment, User
from baomi.audit.models import AuditEvent
from baomi.carriers import selectors as carrier_selectors
from baomi.carriers import services as carriers
from baomi.errors import Conflict, Invalid, NotFound, Refused
from baomi.jobs import tick
from baomi.levels import Clearance, Level
from baomi.personnel import commitments, selectors, services
from baomi.personnel.models import (
    Assignment,
    Commitment,
    Departure,
    DepartureStatus,
    Notice,
    SeparationPeriod,
)
from tests.carriers.conftest import first_copy, register
from tests.factories import PASSWORD
from tests.personnel.conftest import approve, commit, post, vet


def denied(action: str) -> AuditEvent | None:
    return AuditEvent.objects.filter(action=action, outcome="denied").order_by("-seq").first()


# ---------------------------------------------------------------- THE GATE (PERS-01, PERS-04)


def test_raising_clearance_is_refused_without_vetting(office):
    with pytest.raises(Refused, match="尚未经过涉密人员审查"):
        accounts.person_set_clearance(actor=office.secadmin, person=office.zhengli, clearance=Clearance.GENERAL)
    office.zhengli.refresh_from_db()
    assert office.zhengli.clearance == 0
    event = denied("clearance.set")
    assert event is not None and "尚未经过涉密人员审查" in event.summary


def test_raising_clearance_is_refused_after_a_failed_vetting(office):
    vet(office, office.zhengli, Clearance.GENERAL)
    commit(office, office.zhengli)
    vet(office, office.zhengli, Clearance.GENERAL, result="fail")
    with pytest.raises(Refused, match="未通过"):
        accounts.person_set_clearance(actor=office.secadmin, person=office.zhengli, clearance=Clearance.GENERAL)


def test_raising_clearance_is_refused_when_vetting_expired(office):
    vet(office, office.zhengli, Clearance.GENERAL, on=timezone.localdate() - datetime.timedelta(days=3 * 365))
    commit(office, office.zhengli)
    with pytest.raises(Refused, match="过期"):
        accounts.person_set_clearance(actor=office.secadmin, person=office.zhengli, clearance=Clearance.GENERAL)


def test_raising_clearance_is_refused_above_the_vetted_category(office):
    vet(office, office.zhengli, Clearance.GENERAL)
    commit(office, office.zhengli)
    with pytest.raises(Refused, match="审查类别为一般"):
        accounts.person_set_clearance(actor=office.secadmin, person=office.zhengli, clearance=Clearance.IMPORTANT)


def test_raising_clearance_is_refused_until_the_hiring_commitment_is_signed(office):
    vet(office, office.zhengli, Clearance.GENERAL)
    services.commitment_prepare(actor=office.lijianhua, person=office.zhengli, kind="hire")  # prepared, unsigned
    with pytest.raises(Refused, match="尚未签署上岗保密承诺书"):
        accounts.person_set_clearance(actor=office.secadmin, person=office.zhengli, clearance=Clearance.GENERAL)
    commit_id = Commitment.objects.get(person=office.zhengli).pk
    services.commitment_sign(actor=office.zhengli, commitment=Commitment.objects.get(pk=commit_id), password=PASSWORD)
    accounts.person_set_clearance(actor=office.secadmin, person=office.zhengli, clearance=Clearance.GENERAL)
    office.zhengli.refresh_from_db()
    assert office.zhengli.clearance == Clearance.GENERAL


def test_lowering_clearance_is_always_allowed(office):
    # 周静 has neither vetting nor commitment on record: lowering needs neither.
    accounts.person_set_clearance(actor=office.secadmin, person=office.zhoujing, clearance=Clearance.NONE)
    office.zhoujing.refresh_from_db()
    assert office.zhoujing.clearance == 0


# ---------------------------------------------------------------- posts (PERS-03)


def test_assignment_sets_clearance_through_the_gate_and_keeps_history(office):
    clerk = post(office, "财务科员", Level.CONFIDENTIAL, "finance")
    with pytest.raises(Refused, match="尚未经过涉密人员审查"):
        services.post_assign(actor=office.secadmin, person=office.zhengli, post=clerk)
    assert not Assignment.objects.filter(person=office.zhengli).exists()  # rolled back with the refusal
    assert denied("personnel.assign") is not None
    vet(office, office.zhengli, Clearance.GENERAL)
    commit(office, office.zhengli)
    services.post_assign(actor=office.secadmin, person=office.zhengli, post=clerk,
                         starts_on=timezone.localdate() - datetime.timedelta(days=10))
    office.zhengli.refresh_from_db()
    assert office.zhengli.clearance == Clearance.GENERAL
    planner = post(office, "规划编制岗", Level.SECRET)
    with pytest.raises(Refused, match="审查类别为一般"):
        services.post_assign(actor=office.secadmin, person=office.zhengli, post=planner)
    vet(office, office.zhengli, Clearance.IMPORTANT)
    services.post_assign(actor=office.secadmin, person=office.zhengli, post=planner)
    office.zhengli.refresh_from_db()
    assert office.zhengli.clearance == Clearance.IMPORTANT
    history = list(Assignment.objects.filter(person=office.zhengli).order_by("starts_on"))
    assert [a.post for a in history] == [clerk, planner]
    assert history[0].ends_on == timezone.localdate() and history[1].ends_on is None
    # 调岗: an 在岗（调岗）承诺书 now waits for the person's signature.
    assert Commitment.objects.filter(person=office.zhengli, kind="change", signed_at__isnull=True).exists()
    with pytest.raises(Conflict):
        services.post_assign(actor=office.secadmin, person=office.zhengli, post=planner)


def test_post_refusals(office):
    with pytest.raises(Refused):
        services.post_create(actor=office.zhoujing, name="岗", unit=office.units["planning"], level=Level.SECRET)
    with pytest.raises(Invalid):
        services.post_create(actor=office.secadmin, name="岗", unit=office.units["planning"], level=Level.INTERNAL)
    secret_post = post(office, "规划编制岗", Level.SECRET)
    with pytest.raises(Invalid):
        post(office, "规划编制岗", Level.SECRET)
    # Only the security administrator (who grants clearance) assigns posts; the secrecy officer may not.
    with pytest.raises(Refused):
        services.post_assign(actor=office.lijianhua, person=office.sunwei, post=secret_post)


def test_moving_to_a_lower_post_cuts_access_at_once(office):
    """A 机密 carrier disappears from the carrier lists of a person moved from a 机密 post to a 秘密 post."""
    vet(office, office.sunwei, Clearance.IMPORTANT)
    commit(office, office.sunwei)
    secret_post = post(office, "规划科科长", Level.SECRET)
    services.post_assign(actor=office.secadmin, person=office.sunwei, post=secret_post)
    carrier = register(office.wangfang, mark="机密★10年", people=[office.sunwei])
    visible = carrier_selectors.carriers_visible_to(User.objects.get(pk=office.sunwei.pk))
    assert carrier in visible
    services.post_assign(actor=office.secadmin, person=office.sunwei, post=post(office, "综合岗", Level.CONFIDENTIAL))
    sunwei = User.objects.get(pk=office.sunwei.pk)
    assert sunwei.clearance == Clearance.GENERAL
    assert carrier not in carrier_selectors.carriers_visible_to(sunwei)
    with pytest.raises(NotFound):
        carrier_selectors.carrier_for(sunwei, carrier.pk)


# ---------------------------------------------------------------- vetting (PERS-01, PERS-02)


def test_vetting_refusals(office):
    with pytest.raises(Refused):  # not the secrecy office
        services.vetting_record(actor=office.sunwei, person=office.zhengli, category=Clearance.GENERAL, result="pass")
    with pytest.raises(Refused, match="不能审查本人"):
        services.vetting_record(actor=office.lijianhua, person=office.lijianhua, category=Clearance.GENERAL,
                                result="pass")
    with pytest.raises(Refused, match="三员分立"):
        services.vetting_record(actor=office.lijianhua, person=office.sysadmin, category=Clearance.GENERAL,
                                result="pass")
    with pytest.raises(Refused):  # the security administrator grants clearance but does not vet
        services.vetting_record(actor=office.secadmin, person=office.zhengli, category=Clearance.GENERAL,
                                result="pass")
    with pytest.raises(Invalid, match="理由"):
        services.vetting_record(actor=office.lijianhua, person=office.zhengli, category=Clearance.GENERAL,
                                result="fail")
    with pytest.raises(Invalid):
        services.vetting_record(actor=office.lijianhua, person=office.zhengli, category=Clearance.NONE,
                                result="pass")
    with pytest.raises(Invalid):
        services.vetting_record(actor=office.lijianhua, person=office.zhengli, category=Clearance.GENERAL,
                                result="pass", vetted_on=timezone.localdate() + datetime.timedelta(days=1))


def test_vetting_is_valid_for_the_configured_interval(office, settings):
    settings.BAOMI_VETTING_INTERVAL_YEARS = 1
    vetting = services.vetting_record(actor=office.lijianhua, person=office.zhengli, category=Clearance.GENERAL,
                                      result="pass", vetted_on=datetime.date(2024, 2, 29),
                                      documents=["政审表.pdf", " ", "体检报告.pdf"])
    assert vetting.valid_until == datetime.date(2025, 2, 28)
    assert vetting.documents == ["政审表.pdf", "体检报告.pdf"]


# ---------------------------------------------------------------- commitments (PERS-04, PERS-05, PERS-16)


def test_commitment_text_pdf_and_electronic_signature(office):
    from baomi.core.context import client_address

    c = services.commitment_prepare(actor=office.lijianhua, person=office.zhoujing, kind="hire")
    assert "本人周静" in c.text and "出入境证件由组织人事部门集中保管" in c.text
    assert c.text_sha256 == commitments.digest(c.text)
    assert commitments.pdf(c).startswith(b"%PDF")
    with pytest.raises(Conflict):
        services.commitment_prepare(actor=office.lijianhua, person=office.zhoujing, kind="hire")
    with pytest.raises(Refused, match="本人"):
        services.commitment_sign(actor=office.sunwei, commitment=c, password=PASSWORD)
    with pytest.raises(Refused, match="密码不正确"):
        services.commitment_sign(actor=office.zhoujing, commitment=c, password="wrong")
    assert denied("personnel.commitment.sign") is not None
    token = client_address.set("10.1.2.3")
    try:
        signed = services.commitment_sign(actor=office.zhoujing, commitment=c, password=PASSWORD)
    finally:
        client_address.reset(token)
    assert signed.signed_at is not None and signed.signed_ip == "10.1.2.3" and signed.sign_method == "electronic"
    event = AuditEvent.objects.filter(action="personnel.commitment.sign", outcome="ok").get()
    assert c.text_sha256 in event.details
    with pytest.raises(Conflict):
        services.commitment_sign(actor=office.zhoujing, commitment=c, password=PASSWORD)


def test_commitment_text_tampering_is_refused(office):
    c = services.commitment_prepare(actor=office.lijianhua, person=office.zhoujing, kind="hire")
    Commitment.objects.filter(pk=c.pk).update(text=c.text + "补充条款")
    with pytest.raises(Conflict, match="不一致"):
        services.commitment_sign(actor=office.zhoujing, commitment=c, password=PASSWORD)


def test_commitment_scan_upload(office, settings):
    c = services.commitment_prepare(actor=office.lijianhua, person=office.zhoujing, kind="hire")
    with pytest.raises(Refused):
        services.commitment_upload_scan(actor=office.zhoujing, commitment=c, name="a.pdf", data=b"%PDF-1.4 x")
    with pytest.raises(Invalid, match="PDF、PNG 或 JPEG"):
        services.commitment_upload_scan(actor=office.lijianhua, commitment=c, name="a.exe", data=b"MZ...")
    settings.BAOMI_COMMITMENT_SCAN_MAX_BYTES = 1024 * 1024
    with pytest.raises(Invalid, match="不能超过"):
        services.commitment_upload_scan(actor=office.lijianhua, commitment=c, name="a.pdf",
                                        data=b"%PDF-" + b"0" * (1024 * 1024))
    done = services.commitment_upload_scan(actor=office.lijianhua, commitment=c, name="承诺书.pdf",
                                           data=b"%PDF-1.4 signed")
    assert done.sign_method == "scan" and bytes(Commitment.objects.get(pk=c.pk).scan) == b"%PDF-1.4 signed"
    assert selectors.hire_commitment_signed(office.zhoujing)


# ---------------------------------------------------------------- departure (PERS-13..17)


def _ready_departure(office, person, *, kind="job"):
    departure = services.departure_open(actor=office.lijianhua, person=person, kind=kind, reason="调往外单位工作")
    to = office.sunwei if person.pk != office.sunwei.pk else office.zhoujing
    services.departure_handover(actor=office.lijianhua, departure=departure, to=to,
                                items="规划编制资料移交；机要柜钥匙一把")
    leave = Commitment.objects.get(person=person, kind="leave", signed_at__isnull=True)
    services.commitment_sign(actor=person, commitment=leave, password=PASSWORD)
    return Departure.objects.get(pk=departure.pk)


def test_departure_is_blocked_while_a_copy_is_out(office):
    carrier = register(office.wangfang, mark="秘密★5年", people=[office.zhoujing], copies=1)
    copy = carriers.copy_circulate(actor=office.wangfang, copy=first_copy(carrier), reader=office.zhoujing)
    departure = _ready_departure(office, office.zhoujing)
    with pytest.raises(Refused, match="仍持有 1 份涉密载体") as refused:
        services.departure_submit(actor=office.lijianhua, departure=departure)
    assert copy.label in refused.value.message
    assert denied("personnel.departure.submit") is not None
    assert [b for b in selectors.checklist_for(departure).blockers() if copy.label in b]
    carriers.copy_return(actor=office.zhoujing, copy=copy)
    services.departure_submit(actor=office.lijianhua, departure=departure)
    assert Departure.objects.get(pk=departure.pk).status == DepartureStatus.PENDING


def test_departure_needs_handover_and_the_leaving_commitment(office):
    departure = services.departure_open(actor=office.lijianhua, person=office.zhoujing, kind="job", reason="辞职")
    with pytest.raises(Refused, match=r"尚未登记工作交接.*尚未签署离岗保密承诺书"):
        services.departure_submit(actor=office.lijianhua, departure=departure)
    with pytest.raises(Conflict):
        services.departure_open(actor=office.lijianhua, person=office.zhoujing, kind="job", reason="辞职")
    with pytest.raises(Refused):
        services.departure_open(actor=office.sunwei, person=office.wutao, kind="job", reason="辞职")
    with pytest.raises(Refused):
        services.departure_open(actor=office.lijianhua, person=office.lijianhua, kind="job", reason="辞职")
    with pytest.raises(Invalid):
        services.departure_handover(actor=office.lijianhua, departure=departure, to=office.zhoujing, items="资料")
    with pytest.raises(Refused, match="业务人员"):
        services.departure_handover(actor=office.lijianhua, departure=departure, to=office.sysadmin, items="资料")
    with pytest.raises(Refused, match="正在办理离岗离职"):
        services.post_assign(actor=office.secadmin, person=office.zhoujing, post=post(office, "岗", Level.SECRET))
    services.departure_handover(actor=office.lijianhua, departure=departure, to=office.sunwei, items="资料")
    with pytest.raises(Refused):
        services.departure_confirm_handover(actor=office.wutao, departure=departure)
    services.departure_confirm_handover(actor=office.sunwei, departure=departure)
    with pytest.raises(Refused, match="尚未签署离岗保密承诺书"):
        services.departure_submit(actor=office.lijianhua, departure=departure)


def test_approved_departure_releases_the_person_and_starts_the_separation_period(office):
    person = office.zhoujing  # 一般
    token, _raw = accounts.token_create(actor=person, name="脚本")
    secret_post = post(office, "规划科员", Level.CONFIDENTIAL)
    vet(office, person, Clearance.GENERAL)
    commit(office, person)
    services.post_assign(actor=office.secadmin, person=person, post=secret_post)
    departure = services.departure_submit(actor=office.lijianhua, departure=_ready_departure(office, person))
    assert departure.approval is not None
    with pytest.raises(Refused):  # the person cannot approve their own departure
        approve(departure.approval, person)
    approve(departure.approval, office.sunwei)
    departure.refresh_from_db()
    person.refresh_from_db()
    today = timezone.localdate()
    assert departure.status == DepartureStatus.COMPLETED and departure.completed_on == today
    assert not person.is_active and person.clearance == 0
    assert not RoleAssignment.objects.filter(user=person).exists()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert Assignment.objects.get(person=person).ends_on == today
    period = SeparationPeriod.objects.get(person=person)
    assert (period.starts_on, period.ends_on) == (today, today.replace(year=today.year + 1)
                                                  if not (today.month == 2 and today.day == 29)
                                                  else datetime.date(today.year + 1, 2, 28))
    assert any("出国（境）须经原单位审批" in r for r in period.restrictions)
    assert AuditEvent.objects.filter(action="account.release", outcome="ok").exists()


def test_departure_from_a_post_keeps_the_account(office, settings):
    settings.BAOMI_SEPARATION_YEARS = {"IMPORTANT": 4}
    departure = services.departure_submit(actor=office.lijianhua,
                                          departure=_ready_departure(office, office.sunwei, kind="post"))
    approve(departure.approval, office.chen)
    sunwei = User.objects.get(pk=office.sunwei.pk)
    assert sunwei.is_active and sunwei.clearance == 0
    period = SeparationPeriod.objects.get(person=sunwei)
    assert period.ends_on.year - period.starts_on.year == 4


def test_approval_is_refused_if_a_copy_went_out_meanwhile(office):
    departure = services.departure_submit(actor=office.lijianhua, departure=_ready_departure(office, office.zhoujing))
    carrier = register(office.wangfang, mark="秘密★5年", people=[office.zhoujing], copies=1)
    carriers.copy_circulate(actor=office.wangfang, copy=first_copy(carrier), reader=office.zhoujing)
    with pytest.raises(Refused, match="仍持有"):
        approve(departure.approval, office.sunwei)
    assert Departure.objects.get(pk=departure.pk).status == DepartureStatus.PENDING
    assert User.objects.get(pk=office.zhoujing.pk).is_active


def test_rejected_departure_reopens(office):
    from baomi.approvals import services as approvals

    departure = services.departure_submit(actor=office.lijianhua, departure=_ready_departure(office, office.zhoujing))
    approvals.request_decide(actor=office.sunwei, request=departure.approval, approve=False, comment="交接不全",
                             password=PASSWORD)
    assert Departure.objects.get(pk=departure.pk).status == DepartureStatus.OPEN


def _period(office, person, starts_on: datetime.date, ends_on: datetime.date) -> SeparationPeriod:
    departure = Departure.objects.create(person=person, kind="job", reason="离职", category=1,
                                         opened_by=office.lijianhua, status=DepartureStatus.COMPLETED,
                                         completed_on=starts_on)
    return SeparationPeriod.objects.create(person=person, departure=departure, category=1, starts_on=starts_on,
                                           ends_on=ends_on)


def test_separation_period_ends_on_the_exact_day(office):
    """Convention: the period runs from its start up to its end date; on the end date it has ended."""
    period = _period(office, office.wutao, datetime.date(2025, 3, 1), datetime.date(2026, 3, 1))
    assert selectors.separation_period_for(office.wutao, on=datetime.date(2025, 2, 28)) is None
    assert selectors.separation_period_for(office.wutao, on=datetime.date(2025, 3, 1)) == period
    assert selectors.separation_period_for(office.wutao, on=datetime.date(2026, 2, 28)) == period
    assert selectors.separation_period_for(office.wutao, on=datetime.date(2026, 3, 1)) is None


def test_employment_report_only_during_the_period(office):
    today = timezone.localdate()
    period = _period(office, office.wutao, today - datetime.timedelta(days=30), today + datetime.timedelta(days=30))
    services.employment_report_record(actor=office.lijianhua, period=period, employer="某咨询公司", position="顾问")
    services.employment_report_record(actor=office.wutao, period=period, employer="某设计院")
    with pytest.raises(Refused):
        services.employment_report_record(actor=office.sunwei, period=period, employer="某公司")
    with pytest.raises(Refused, match="只在脱密期内"):
        services.employment_report_record(actor=office.lijianhua, period=period, employer="某公司",
                                          reported_on=today + datetime.timedelta(days=30))
    with pytest.raises(Invalid):
        services.employment_report_record(actor=office.lijianhua, period=period, employer=" ")
    assert period.employment_reports.count() == 2


# ---------------------------------------------------------------- annual reports (PERS-11, PERS-12)


def _in_december(monkeypatch, year: int = 2026) -> datetime.date:
    day = datetime.date(year, 12, 10)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day)
    return day


def test_annual_report_refusals_and_leaders_section(office, monkeypatch):
    day = _in_december(monkeypatch)
    with pytest.raises(Refused, match="只有涉密人员"):
        services.annual_report_submit(actor=office.zhengli, year=day.year, text="无", duties=[])
    with pytest.raises(Refused, match="三员分立"):
        services.annual_report_submit(actor=office.secadmin, year=day.year, text="无", duties=[])
    with pytest.raises(Invalid):
        services.annual_report_submit(actor=office.zhoujing, year=day.year - 2, text="无", duties=[])
    with pytest.raises(Invalid):
        services.annual_report_submit(actor=office.zhoujing, year=day.year, text="无", duties=["bribe"])
    report = services.annual_report_submit(actor=office.zhoujing, year=day.year, text="全年遵守保密纪律",
                                           duties=["training", "carriers"])
    assert not report.is_leader and report.duties == ["carriers", "training"]
    with pytest.raises(Conflict):
        services.annual_report_submit(actor=office.zhoujing, year=day.year, text="再交", duties=[])
    # 孙伟 is an 审批领导: his report must carry the 保密工作责任制 section (PERS-12).
    with pytest.raises(Invalid, match="领导干部"):
        services.annual_report_submit(actor=office.sunwei, year=day.year, text="全年遵守保密纪律", duties=[])
    leader = services.annual_report_submit(actor=office.sunwei, year=day.year, text="全年遵守保密纪律",
                                           duties=["training"], leader_section="组织科室学习保密法两次")
    assert leader.is_leader and leader.leader_section
    missing = selectors.reports_missing(day.year)
    assert office.zhoujing not in missing and office.sunwei not in missing and office.wutao in missing
    assert office.zhengli not in missing  # not cleared


def test_this_years_report_opens_in_december(office, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2026, 11, 20))
    with pytest.raises(Invalid, match="12 月"):
        services.annual_report_submit(actor=office.zhoujing, year=2026, text="无", duties=[])
    services.annual_report_submit(actor=office.zhoujing, year=2025, text="补交", duties=[])


# ---------------------------------------------------------------- reminders (jobs.tick) and 我的待办


def test_tick_reminds_once(office):
    today = timezone.localdate()
    vet(office, office.zhoujing, Clearance.GENERAL, on=today - datetime.timedelta(days=700))  # due in ~30 days
    _period(office, office.wutao, today - datetime.timedelta(days=300), today + datetime.timedelta(days=20))
    services.notices_issue(today=today)
    kinds = set(Notice.objects.values_list("kind", "person__username"))
    assert ("vetting_due", "zhoujing") in kinds and ("separation_ending", "wutao") in kinds
    count = Notice.objects.count()
    tick(today=today)
    assert Notice.objects.count() == count
    services.notices_issue(today=datetime.date(today.year, 12, 5))
    assert Notice.objects.filter(kind="annual_report", person=office.zhoujing).exists()


def test_inbox_items(office, monkeypatch):
    from baomi import inbox

    services.commitment_prepare(actor=office.lijianhua, person=office.zhoujing, kind="hire")
    departure = services.departure_open(actor=office.lijianhua, person=office.zhoujing, kind="job", reason="辞职")
    services.departure_handover(actor=office.lijianhua, departure=departure, to=office.sunwei, items="资料")
    _in_december(monkeypatch)
    titles = [i.title for i in inbox.items_for(office.zhoujing)]
    assert "签署上岗保密承诺书" in titles and "签署离岗保密承诺书" in titles
    assert any("年度保密自查报告" in t for t in titles)
    assert "尚未签署离岗保密承诺书" in titles
    assert any("确认接收 周静" in i.title for i in inbox.items_for(office.sunwei))
