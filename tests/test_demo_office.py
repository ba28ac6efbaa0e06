"""The whole demo organisation (/work/shared/DEMO.md), loaded once for this module: each app's
part of the story, the cast, `load_once` and the audit chain.

Loading the demo takes ~12 s, so it is loaded once (through `load_once`, into a fresh data
folder) inside an outer transaction (`tests.conftest.shared_data`); every test runs in its own
savepoint and reads, or rolls its writes back. With `-n 2` each worker that runs some of these
tests loads the demo once, the two in parallel.
Tests that need a database without the demo stay in their app's test_demo.py (e.g.
tests/accounts/test_demo.py)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from baomi import demo
from baomi.accounts.models import RoleAssignment, Unit, User
from baomi.audit.models import AuditEvent
from baomi.audit.verify import verify
from baomi.levels import Clearance, Level
from tests.conftest import shared_data

pytestmark = [pytest.mark.django_db]


@dataclass
class Loaded:
    data_dir: Path
    demo_before: bool  # is_demo() before loading
    loaded_now: bool  # what the first load_once() answered


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory) -> Loaded:  # type: ignore[no-untyped-def]
    """A fresh data folder (the demo marker and the signing key live there) with the demo in it."""
    data_dir = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp, shared_data(django_db_blocker):
        mp.setenv("BAOMI_DATA_DIR", str(data_dir))
        before = demo.is_demo()
        yield Loaded(data_dir, before, demo.load_once())


@pytest.fixture
def who(loaded: Loaded) -> dict[str, User]:
    return {u.username: u for u in User.objects.all()}


# ---------------------------------------------------------------- accounts (the cast)


def test_load_creates_the_cast(loaded):
    assert User.objects.count() == 13  # the cast, and 马骏 who left (涉密人员, issue 6)
    admins = dict(User.objects.exclude(admin_role="").values_list("admin_role", "username"))
    assert admins == {"system": "qianyong", "security": "fengxue", "auditor": "heping"}
    for admin in User.objects.exclude(admin_role=""):
        assert admin.unit.code == "it" and not admin.role_assignments.exists()
        assert admin.clearance == Clearance.NONE
        assert TOTPDevice.objects.filter(user=admin, confirmed=True).count() == 1

    tree = {u.code: (u.parent.code if u.parent else None) for u in Unit.objects.select_related("parent")}
    assert tree == {"fgw": None, "leaders": "fgw", "office": "fgw", "secretariat": "office", "secrecy": "fgw",
                    "planning": "fgw", "finance": "fgw", "it": "fgw"}
    assert Unit.objects.get(code="secretariat").path == "示范市发展和改革委员会 / 办公室 / 秘书股"

    expected = {
        "chen": ("陈国强", "leaders", Clearance.CORE, {("classification_authority", None), ("approver", None)}),
        "liumin": ("刘敏", "secretariat", Clearance.IMPORTANT, {("approver", "office"), ("editor", None)}),
        "wangfang": ("王芳", "secretariat", Clearance.CORE, {("confidential_secretary", None), ("courier", None)}),
        "lijianhua": ("李建华", "secrecy", Clearance.IMPORTANT, {("secrecy_officer", None)}),
        "zhaolei": ("赵磊", "secrecy", Clearance.GENERAL, {("secrecy_officer", None)}),
        "sunwei": ("孙伟", "planning", Clearance.IMPORTANT,
                   {("classification_authority", "planning"), ("approver", "planning")}),
        "zhoujing": ("周静", "planning", Clearance.GENERAL, {("staff", "planning")}),
        "wutao": ("吴涛", "finance", Clearance.GENERAL, {("approver", "finance")}),
        "zhengli": ("郑丽", "finance", Clearance.NONE, set()),
    }
    for username, (name, unit, clearance, roles) in expected.items():
        person = User.objects.select_related("unit").get(username=username)
        assert (person.full_name, person.unit.code, person.clearance) == (name, unit, clearance), username
        got = {(a.role, a.unit.code if a.unit else None) for a in RoleAssignment.objects.filter(user=person)}
        assert got == roles, username
        assert person.staff_no and person.staff_no.startswith("FGW")
    for person in User.objects.exclude(username="majun"):  # 马骏 left (his account is disabled)
        assert person.is_active and not person.must_change_password, person.username
        assert person.check_password(demo.PASSWORD), person.username

    # The log tells the same story, including the day-one refusal and logins, and verifies.
    assert AuditEvent.objects.filter(action="account.create", outcome="ok").count() == 10  # with 马骏
    assert AuditEvent.objects.filter(action="admin.bootstrap", outcome="ok").count() == 3
    refused = AuditEvent.objects.get(action="clearance.set", outcome="denied")
    assert refused.actor_username == "qianyong"
    assert AuditEvent.objects.filter(action="auth.login_failed", actor_username="zhoujing").exists()
    assert AuditEvent.objects.filter(action="auth.login", actor_username="zhoujing").exists()
    report = verify()
    assert report.ok, report.problems
    assert report.events == AuditEvent.objects.count() and report.checkpoints_checked >= 1


def test_load_once_loads_only_once(loaded):
    assert not loaded.demo_before
    assert loaded.loaded_now is True
    assert demo.is_demo() and (loaded.data_dir / demo.MARKER).exists()
    people, events = User.objects.count(), AuditEvent.objects.count()
    assert demo.load_once() is False
    assert (User.objects.count(), AuditEvent.objects.count()) == (people, events)
    assert verify().ok


def test_current_otp_only_for_the_demo(loaded, tmp_path, monkeypatch):
    with monkeypatch.context() as elsewhere:  # the same accounts, but not a demo data folder
        elsewhere.setenv("BAOMI_DATA_DIR", str(tmp_path))
        assert demo.current_otp("qianyong") is None
    code = demo.current_otp("qianyong")
    assert code is not None and len(code) == 6 and code.isdigit()
    device = TOTPDevice.objects.get(user__username="qianyong")
    assert device.verify_token(code)
    assert demo.current_otp("zhoujing") is None


def test_print_accounts(loaded, capsys):
    demo.print_accounts(fresh=True)
    out = capsys.readouterr().out
    assert demo.PASSWORD in out and "刚刚载入" in out
    for username in ("qianyong", "fengxue", "heping", "chen", "zhengli"):
        assert username in out


# ---------------------------------------------------------------- carriers


def test_demo_register_tells_the_story(who):
    from baomi import inbox
    from baomi.approvals.models import ApprovalRequest, Status
    from baomi.approvals.selectors import inbox_for
    from baomi.carriers import selectors
    from baomi.carriers.models import (
        Carrier,
        CarrierKind,
        Copy,
        CopyStatus,
        DestructionList,
        DestructionStatus,
        PrintJob,
        WasteBatch,
    )

    today = timezone.localdate()

    assert 190 <= Carrier.objects.count() <= 230
    assert set(Carrier.objects.values_list("level", flat=True)) == {1, 2, 3, 4, 5}
    statuses = set(Copy.objects.values_list("status", flat=True))
    assert statuses >= {CopyStatus.IN_CUSTODY, CopyStatus.CIRCULATING, CopyStatus.LENT, CopyStatus.SENT,
                        CopyStatus.RETURNED, CopyStatus.ARCHIVED, CopyStatus.DESTROYED, CopyStatus.LOST}

    # The 绝密 notice from the province, with 陈国强 today, due back today.
    notice = Copy.objects.get(carrier__level=Level.TOP_SECRET, status=CopyStatus.CIRCULATING)
    assert notice.custodian == who["chen"] and timezone.localtime(notice.due_at).date() == today
    assert notice.carrier.source_unit == "省委办公厅" and notice.carrier.registered_on == today

    # 周静's borrowed draft, due yesterday: overdue, on the keeper's and on her own list.
    lent = Copy.objects.get(custodian=who["zhoujing"], status=CopyStatus.LENT)
    assert timezone.localtime(lent.due_at).date() == today - datetime.timedelta(days=1)
    assert lent in selectors.overdue_copies(who["wangfang"]) and lent in selectors.overdue_copies(who["zhoujing"])
    assert AuditEvent.objects.filter(action="copy.lend_request", outcome="denied",
                                     actor_username="zhoujing").exists()  # the 机密 draft was refused
    assert Copy.objects.filter(custodian=who["wutao"], status=CopyStatus.LENT).exists()
    assert Copy.objects.filter(custodian=who["sunwei"], status=CopyStatus.TAKEN_OUT, due_at__gt=timezone.now()).exists()

    # A copy request awaiting 陈国强 (and nobody else).
    copy_request = ApprovalRequest.objects.get(request_type="carriers.reproduce", status=Status.PENDING)
    assert [s.request_id for s in inbox_for(who["chen"])].count(copy_request.pk) == 1
    assert copy_request.pk not in [s.request_id for s in inbox_for(who["liumin"])]

    # 秘密 documents due for 清退 this month.
    due = selectors.due_for_hand_back(who["wangfang"])
    assert due.count() >= 10 and {c.level for c in due} == {Level.CONFIDENTIAL}

    # A destruction list waiting for its second witness; an earlier one done.
    waiting = DestructionList.objects.get(status=DestructionStatus.APPROVED)
    assert waiting.signatures == 1 and waiting.witness_2 == who["liumin"]
    assert DestructionList.objects.filter(status=DestructionStatus.DONE, certificate_no__isnull=False).exists()

    # A USB drive registered as 秘密 media.
    assert Carrier.objects.filter(kind=CarrierKind.USB, level=Level.CONFIDENTIAL).exists()

    # 周静 sees what her clearance and need-to-know allow, nothing above 秘密.
    assert set(selectors.carriers_visible_to(who["zhoujing"]).values_list("level", flat=True)) <= {1, 2, 3}
    assert not selectors.carriers_visible_to(who["heping"]).exists()

    # A print job whose waste pages wait for destruction (past the reminder); an excerpt request;
    # a carrier compiled from two sources; papers brought back from a meeting.
    job = PrintJob.objects.get(carrier__title="委主任办公会议纪要（第12次）")
    assert job.copies_printed == job.authorised == 5 and job.status == "closed"
    assert WasteBatch.objects.filter(print_job=job, destroyed_at__isnull=True, pages=6).exists()
    assert any(i.kind == "销毁废页" and i.overdue for i in inbox.items_for(who["wangfang"]))
    excerpt = ApprovalRequest.objects.get(request_type="carriers.excerpt", status=Status.PENDING)
    assert excerpt.pk in [s.request_id for s in inbox_for(who["chen"])]
    assert Carrier.objects.get(title="规划修编工作情况汇报（汇编）").sources.count() == 2
    assert Carrier.objects.get(direction="meeting").brought_by == who["chen"]

    report = verify()
    assert report.ok, report.problems


# ---------------------------------------------------------------- classification


def test_the_demo_classification_story(who):
    from baomi.classification import selectors, services
    from baomi.classification.models import (
        Authority,
        Decision,
        DecisionStatus,
        GuideEntry,
        Notice,
        WorkSecretReference,
    )
    from baomi.periods import working_days_after

    today = services.today()
    chen, sunwei = who["chen"], who["sunwei"]
    head = Authority.objects.get(is_unit_head=True)
    designated = Authority.objects.get(person=sunwei)
    assert (head.person, head.max_level) == (chen, Level.SECRET)
    assert (designated.max_level, designated.unit.code, designated.designated_by) == (Level.SECRET, "planning", chen)
    assert GuideEntry.objects.filter(guide__is_current=True).count() >= 12
    assert set(WorkSecretReference.objects.values_list("category", flat=True)) == {
        "documents", "government", "special", "internal"}

    in_force = Decision.objects.filter(status=DecisionStatus.IN_FORCE)
    expiring = in_force.filter(expires_on__gt=today, expires_on__lte=today + datetime.timedelta(days=7))
    assert expiring.count() == 1
    assert selectors.review_queue(chen, today.year).count() == 3
    provisional = in_force.get(provisional=True)
    assert today <= provisional.report_deadline <= working_days_after(today, 2) and provisional.reported_on is None
    work = in_force.get(secret_type="work")
    assert work.mark == "内部事项 注意保管"
    assert Decision.objects.filter(status=DecisionStatus.PROPOSED, authority=designated).count() == 1
    assert Decision.objects.filter(derived=True).count() == 1
    lifted = Decision.objects.get(status=DecisionStatus.LIFTED)
    assert lifted.mark == "解密" and Notice.objects.filter(decision=lifted, acknowledged_at__isnull=True).count() == 3
    assert Notice.objects.filter(kind__in=["remind_expiry", "remind_report"]).count() >= 2
    # The three administrators see none of it.
    for admin in ("qianyong", "fengxue", "heping"):
        assert not selectors.decisions_visible_to(who[admin]).exists()
    assert verify().ok


# ---------------------------------------------------------------- devices


def test_demo_devices(loaded):
    """The register, the 秘密 USB drive linked to its carrier entry and bound to 规划科's 涉密计算机,
    one computer under repair with a supervisor, one scan report whose finding on the internet
    computer opened a rectification item and a counts-only sweep of 规划科's intranet computer;
    the chain still verifies."""
    from baomi.devices import rules
    from baomi.devices.models import Anomaly, Binding, Device, DeviceStatus, InputApproval, ScanAlert, ScanReport

    usb = Device.objects.get(asset_no="U-GH-03")
    assert usb.level == 3 and usb.carrier is not None and usb.carrier.level == 3
    assert Binding.objects.get(medium=usb, unbound_at__isnull=True).device.asset_no == "GH-PC-01"
    repair = Device.objects.get(status=DeviceStatus.REPAIR).repairs.get()
    assert repair.outside and repair.supervisor.username == "zhaolei" and not repair.disk_removed
    report = ScanReport.objects.get(device__asset_no="BGS-NET-01")
    assert report.files == 2 and report.files_with_findings == 1
    swept = ScanReport.objects.get(device__asset_no="GH-PC-02")  # a `baomi scan -c` report: counts only
    assert (swept.files_with_findings, swept.highest_level) == (1, 2) and swept.summary[0]["findings"] == []
    assert not ScanAlert.objects.filter(report=swept).exists()
    alert = ScanAlert.objects.get(report=report)
    assert alert.fingerprint and (alert.rectification_ref or alert.status == "pending")
    assert {d.asset_no for d in Device.objects.filter(kind="classified_pc")} >= {"JY-PC-01", "GH-PC-01"}
    # SYS-08/10/13/15/17
    inputs = {t.material[:4]: t.status for t in InputApproval.objects.all()}
    assert inputs == {"党组会议": "closed", "2027": "approved"}
    reused = Device.objects.get(asset_no="U-JY-07")
    assert (reused.level, reused.content_level) == (1, 0)
    assert reused.reuses.get().status == "done" and reused.sanitisations.get().specialist
    assert [d.unit.code for d in rules.reviews_due()] and "secretariat" not in {
        d.unit.code for d in rules.reviews_due()}
    assert Anomaly.objects.get().important
    assert verify().ok


# ---------------------------------------------------------------- incidents


def test_whole_demo_has_the_closed_incident(loaded):
    """The lost 秘密 copy closed with a 警告, reported in time."""
    from baomi.incidents.models import Incident, IncidentStatus

    closed = Incident.objects.get(status=IncidentStatus.CLOSED)
    assert closed.level == 3 and closed.notified_at is not None and not closed.notify_late
    assert closed.copies.get().copy.status == "lost"
    assert closed.penalties.get().get_kind_display() == "警告"
    assert verify().ok


# ---------------------------------------------------------------- inspections


def test_demo_inspections(loaded):
    """The 国庆 inspection done with two open rectifications, the 春节 inspection planned, three
    key sites with entries, a meeting, five risks."""
    from baomi.inspections.models import (
        CommitteeMeeting,
        EntryLog,
        Inspection,
        InspectionStatus,
        KeySite,
        PlanKind,
        Rectification,
        RectStatus,
        Risk,
    )

    national = Inspection.objects.get(kind=PlanKind.NATIONAL_DAY)
    assert national.status == InspectionStatus.DONE
    from_it = Rectification.objects.filter(finding__inspection=national)
    assert from_it.exclude(status=RectStatus.CLOSED).count() == 2
    assert from_it.filter(status=RectStatus.CLOSED).count() == 1
    assert Inspection.objects.filter(kind=PlanKind.SPRING_FESTIVAL, status=InspectionStatus.PLANNED).exists()
    assert set(KeySite.objects.values_list("name", flat=True)) == {"财务室", "电脑室", "档案室"}
    assert EntryLog.objects.count() >= 4
    assert CommitteeMeeting.objects.count() == 1
    assert Risk.objects.count() == 5
    assert verify().ok


# ---------------------------------------------------------------- personnel


def test_demo_personnel_story(who):
    """Everyone cleared was vetted and signed first, one 脱密期 ends next month, one departure is
    blocked by a copy still out."""
    from django.test import Client

    from baomi.personnel import selectors
    from baomi.personnel.models import DepartureStatus
    from tests.conftest import login

    today = timezone.localdate()
    for person in User.objects.filter(clearance__gt=0):
        assert selectors.reason_clearance_blocked(person, person.clearance_category) is None, person
        assert selectors.current_assignment(person) is not None, person
    assert who["chen"].clearance == 3 and who["zhoujing"].clearance == 1 and who["zhengli"].clearance == 0
    majun = who["majun"]
    assert not majun.is_active and majun.clearance == 0
    period = selectors.separation_period_for(majun)
    assert period is not None and today < period.ends_on <= today + datetime.timedelta(days=62)
    overdue = selectors.overdue_for(who["lijianhua"])
    blocked = {d.person.username: blockers for d, blockers in overdue.departures}
    assert list(blocked) == ["zhoujing"] and "涉密载体" in blocked["zhoujing"][0]
    assert selectors.open_departure(who["zhoujing"]).status == DepartureStatus.OPEN
    assert [p.username for p in overdue.reports_missing] == ["wutao"]
    assert "wutao" in [p.username for p, _v in overdue.vetting]
    assert majun in [s.person for s in overdue.separations_ending]
    assert [c.person.username for c in overdue.commitments] == ["zhaolei"]
    assert verify().ok

    client = login(Client(), who["lijianhua"])
    html = client.get("/personnel/").content.decode()
    assert "马骏" in html and "份涉密载体未清退" in html
    person_page = client.get(f"/personnel/people/{majun.pk}/").content.decode()
    assert 'data-testid="separation"' in person_page and "某市建设工程咨询有限公司" in person_page


# ---------------------------------------------------------------- stocktake


def test_demo_stocktakes(who):
    """One closed stocktake of the 秘书股's cabinet with one discrepancy, one in progress."""
    from baomi.stocktake import selectors
    from baomi.stocktake.models import Status, Stocktake

    closed, ongoing = Stocktake.objects.order_by("started_at")
    assert closed.status == Status.CLOSED and closed.location == "机要室 文件柜"
    report = selectors.report_for(who["wangfang"], closed)
    assert report.expected > 0 and not report.missing and not report.wrong_status
    assert [line.kind for line in report.unexpected] == [selectors.WRONG_PLACE]
    assert ongoing.status == Status.OPEN and ongoing.scans.count() == 3
    assert verify().ok
