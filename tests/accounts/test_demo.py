"""The demo organisation (/work/shared/DEMO.md) loads through the services and verifies."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from baomi import demo
from baomi.accounts.models import RoleAssignment, Unit, User
from baomi.audit.models import AuditEvent
from baomi.audit.verify import verify
from baomi.levels import Clearance


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A fresh data folder: the demo marker and the signing key live there."""
    monkeypatch.setenv("BAOMI_DATA_DIR", str(tmp_path))
    return tmp_path


def test_load_creates_the_cast(db, data_dir):
    demo.load()

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


def test_load_once_loads_only_once(db, data_dir):
    assert not demo.is_demo()
    assert demo.load_once() is True
    assert demo.is_demo() and (data_dir / demo.MARKER).exists()
    people, events = User.objects.count(), AuditEvent.objects.count()
    assert demo.load_once() is False
    assert (User.objects.count(), AuditEvent.objects.count()) == (people, events)
    assert verify().ok


def test_load_once_never_loads_into_a_database_with_people(db, data_dir, staff):
    assert demo.load_once() is False
    assert User.objects.count() == 1 and not demo.is_demo()


def test_current_otp_only_for_the_demo(db, data_dir):
    assert demo.current_otp("qianyong") is None
    demo.load_once()
    code = demo.current_otp("qianyong")
    assert code is not None and len(code) == 6 and code.isdigit()
    device = TOTPDevice.objects.get(user__username="qianyong")
    assert device.verify_token(code)
    assert demo.current_otp("zhoujing") is None


def test_print_accounts(db, data_dir, capsys):
    demo.load()
    demo.print_accounts(fresh=True)
    out = capsys.readouterr().out
    assert demo.PASSWORD in out and "刚刚载入" in out
    for username in ("qianyong", "fengxue", "heping", "chen", "zhengli"):
        assert username in out
