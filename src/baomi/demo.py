"""The demo organisation (示范市发展和改革委员会), created through the services so that
the audit log tells the same story as the data. Loaded once per data folder."""

from __future__ import annotations

import sys

from django.db import transaction
from django.test import RequestFactory

from baomi import conf

PASSWORD = "Demo#2026bm"
MARKER = "demo_loaded"

UNITS = [  # code, name, parent code
    ("fgw", "示范市发展和改革委员会", None),
    ("leaders", "委领导", "fgw"),
    ("office", "办公室", "fgw"),
    ("secretariat", "秘书股", "office"),
    ("secrecy", "保密办", "fgw"),
    ("planning", "规划科", "fgw"),
    ("finance", "财务科", "fgw"),
    ("it", "信息中心", "fgw"),
]

# username, name, unit, post, clearance, [(role, scope unit code or None)]
PEOPLE: list[tuple[str, str, str, str, str, list[tuple[str, str | None]]]] = [
    ("chen", "陈国强", "leaders", "主任", "CORE", [("classification_authority", None), ("approver", None)]),
    ("liumin", "刘敏", "secretariat", "秘书股长", "IMPORTANT", [("approver", "office")]),
    ("wangfang", "王芳", "secretariat", "机要员", "CORE", [("confidential_secretary", None)]),
    ("lijianhua", "李建华", "secrecy", "保密办主任", "IMPORTANT", [("secrecy_officer", None)]),
    ("zhaolei", "赵磊", "secrecy", "保密员", "GENERAL", [("secrecy_officer", None)]),
    ("sunwei", "孙伟", "planning", "科长", "IMPORTANT",
     [("classification_authority", "planning"), ("approver", "planning")]),
    ("zhoujing", "周静", "planning", "科员", "GENERAL", [("staff", "planning")]),
    ("wutao", "吴涛", "finance", "科长", "GENERAL", [("approver", "finance")]),
    ("zhengli", "郑丽", "finance", "科员", "NONE", []),
]
ADMINS = [("qianyong", "钱勇", "system"), ("fengxue", "冯雪", "security"), ("heping", "何平", "auditor")]


def _marker_path():  # type: ignore[no-untyped-def]
    return conf.data_dir() / MARKER


def is_demo() -> bool:
    return _marker_path().exists()


def load_once() -> bool:
    """Load the demo unless this data folder already has it. Returns True when loaded now."""
    from baomi.accounts.models import User

    if is_demo() or User.objects.exists():
        return False
    load()
    _marker_path().write_text("1")
    return True


def load() -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from baomi.accounts import services
    from baomi.accounts.models import AdminRole, Role, Unit, User
    from baomi.audit.services import checkpoint_now
    from baomi.core.context import client_address
    from baomi.errors import Refused
    from baomi.levels import Clearance

    token = client_address.set("127.0.0.1")
    try:
        with transaction.atomic():
            admins = {}
            for username, name, role in ADMINS:
                admins[role] = services.admin_bootstrap(role=AdminRole(role), username=username,
                                                        full_name=name, password=PASSWORD)
                # Demo administrators start with a bound TOTP device (see `baomi otp-code`).
                TOTPDevice.objects.create(user=admins[role], name="TOTP (demo)", confirmed=True)
                User.objects.filter(pk=admins[role].pk).update(must_change_password=False)
            system, security = admins["system"], admins["security"]
            units: dict[str, Unit] = {}
            for i, (code, name, parent) in enumerate(UNITS):
                units[code] = services.unit_create(actor=system, name=name, code=code,
                                                   parent=units[parent] if parent else None, sort_order=i)
            User.objects.filter(username__in=[a[0] for a in ADMINS]).update(unit=units["it"])
            for n, (username, name, unit, post, clearance, roles) in enumerate(PEOPLE, start=1):
                person, temporary = services.person_create(
                    actor=system, username=username, full_name=name, unit=units[unit],
                    staff_no=f"FGW{n:03d}", post=post)
                services.password_change(actor=person, old=temporary, new=PASSWORD)
                services.person_set_clearance(actor=security, person=person, clearance=Clearance[clearance])
                for role, scope in roles:
                    services.role_grant(actor=security, person=person, role=Role(role),
                                        unit=units[scope] if scope else None)
        # Outside the transaction above: what a real office's log holds after day one,
        # including a refusal (the system administrator may not grant clearance).
        try:
            zhengli = User.objects.get(username="zhengli")
            services.person_set_clearance(actor=system, person=zhengli, clearance=Clearance.IMPORTANT)
        except Refused:
            pass
        _demo_logins()
        checkpoint_now()
    finally:
        client_address.reset(token)


def _demo_logins() -> None:
    from django.contrib.auth import authenticate

    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="127.0.0.1")
    authenticate(request, username="zhoujing", password="wrong-password")
    user = authenticate(request, username="zhoujing", password=PASSWORD)
    if user is not None:
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.send(sender=type(user), request=request, user=user)


def current_otp(username: str) -> str | None:
    """The current TOTP code of a demo account, for trying the demo without a phone."""
    if not is_demo():
        return None
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    if device is None:
        return None
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{code:0{device.digits}d}"


def print_accounts(*, fresh: bool) -> None:
    from baomi.accounts.models import User

    print("=" * 64)
    print("Baomi 演示单位：示范市发展和改革委员会" + ("（刚刚载入）" if fresh else ""))
    print(f"所有演示账户的密码均为: {PASSWORD}")
    print("-" * 64)
    for person in User.objects.select_related("unit").order_by("id"):
        role = person.get_admin_role_display() if person.admin_role else person.post
        print(f"  {person.username:<10} {person.full_name:<5} {person.unit.name if person.unit else '':<8} {role}")
    print("-" * 64)
    command = sys.argv[0] if sys.argv and sys.argv[0].endswith("baomi") else "baomi"
    print(f"三员账户须输入动态口令：在另一个终端运行  {command} otp-code qianyong  获取当前口令")
    print("=" * 64, flush=True)
