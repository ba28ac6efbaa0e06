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
    ("liumin", "刘敏", "secretariat", "秘书股长", "IMPORTANT", [("approver", "office"), ("editor", None)]),
    ("wangfang", "王芳", "secretariat", "机要员", "CORE",
     [("confidential_secretary", None), ("courier", None)]),
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
            cleared: list[tuple[User, Clearance]] = []
            for n, (username, name, unit, post, clearance, roles) in enumerate(PEOPLE, start=1):
                person, temporary = services.person_create(
                    actor=system, username=username, full_name=name, unit=units[unit],
                    staff_no=f"FGW{n:03d}", post=post)
                services.password_change(actor=person, old=temporary, new=PASSWORD)
                cleared.append((person, Clearance[clearance]))
                for role, scope in roles:
                    services.role_grant(actor=security, person=person, role=Role(role),
                                        unit=units[scope] if scope else None)
            # Clearance only after vetting and the signed commitment (PERS-01, PERS-04): 保密办 vets,
            # the person signs, the security administrator assigns the post that sets the category.
            from baomi.personnel.demo import clear_cast

            clear_cast(security, cleared, PASSWORD)
        _classification_story()
        from baomi.carriers.demo import load as carriers_story

        carriers_story(PASSWORD)
        from baomi.meetings.demo import load as meetings_story

        meetings_story(PASSWORD)
        from baomi.training.demo import load as training_story

        training_story(PASSWORD)
        from baomi.vault.demo import load as vault_story

        vault_story(PASSWORD)
        from baomi.archives.demo import load as archives_story

        archives_story(PASSWORD)
        from baomi.stocktake.demo import load as stocktake_story

        stocktake_story(PASSWORD)
        from baomi.travel.demo import load as travel_story

        travel_story(PASSWORD)
        from baomi.personnel.demo import load as personnel_story

        personnel_story(PASSWORD)
        from baomi.approvals.demo import load as approvals_story

        approvals_story(PASSWORD)
        from baomi.inspections.demo import load as inspections_story

        inspections_story(PASSWORD)
        from baomi.incidents.demo import load as incidents_story

        incidents_story(PASSWORD)  # the lost 秘密 copy: a closed incident with its 警告
        from baomi.devices.demo import load as devices_story

        devices_story(PASSWORD)
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


# The unit's 保密事项范围 (细目): code, parent, title, level, period, need-to-know hint, keywords.
GUIDE_ENTRIES = [
    ("1", "", "规划编制", "机密", "10年", "规划科、委领导", "规划"),
    ("1.1", "1", "国土空间总体规划修编草案（公布前）", "机密", "10年", "规划科、委领导", "总体规划,修编,草案"),
    ("1.2", "1", "专项规划中涉及军事设施的内容", "机密", "长期", "委领导", "军事设施,专项规划"),
    ("1.3", "1", "重大区域发展战略研究报告（未公开）", "秘密", "5年", "规划科", "战略研究"),
    ("2", "", "重大项目管理", "机密", "项目批复后", "委领导", "项目"),
    ("2.1", "2", "重大项目选址方案（批复前）", "机密", "项目批复后", "委领导、规划科", "选址"),
    ("2.2", "2", "重大项目投资估算及谈判底价", "秘密", "3年", "委领导、相关科室", "投资估算,底价"),
    ("3", "", "财政预算", "秘密", "5年", "财务科、委领导", "预算"),
    ("3.1", "3", "预算执行明细", "秘密", "5年", "财务科", "预算执行"),
    ("3.2", "3", "政府债务风险评估报告", "秘密", "5年", "财务科、委领导", "债务,风险"),
    ("4.1", "", "重要物资储备数量及储备库分布", "机密", "20年", "委领导", "储备"),
    ("4.2", "", "价格调控预案（实施前）", "秘密", "预案实施后", "委领导", "价格调控"),
    ("5.1", "", "能源安全应急预案", "秘密", "10年", "委领导、办公室", "能源,应急"),
]
# 《工作秘密确定参考范围》: category, code, title, period.
WORK_SECRET_REFERENCES = [
    ("documents", "W-1", "不宜公开的内部请示、报告、会议纪要和领导讲话", "1年"),
    ("government", "W-2", "领导政务活动方案", "6个月"),
    ("government", "W-3", "公务接待方案", "3个月"),
    ("special", "W-4", "尚在酝酿中的人事调整方案", "6个月"),
    ("internal", "W-5", "特殊岗位职责和内部奖惩规定", "2年"),
]


def _classification_story() -> None:
    """定密: authorities, the guide, the reference list, and decisions in every state, with
    dates relative to today (one expiring next week, three in this year's review queue, a
    provisional one whose report is due within two working days, a work secret)."""
    import datetime

    from baomi.accounts.models import Unit, User
    from baomi.approvals.services import request_decide
    from baomi.classification import services as cls
    from baomi.classification.models import GuideEntry, WorkSecretReference
    from baomi.levels import Level
    from baomi.periods import add_months, working_days_after

    people = {u.username: u for u in User.objects.all()}
    units = {u.code: u for u in Unit.objects.all()}
    today = cls.today()
    security, office = people["fengxue"], people["lijianhua"]
    chen, sunwei, zhoujing, wutao = people["chen"], people["sunwei"], people["zhoujing"], people["wutao"]

    cls.authority_designate(actor=security, person=chen, max_level=Level.SECRET, unit_head=True)
    cls.authority_designate(
        actor=security, person=sunwei, max_level=Level.SECRET, unit=units["planning"], scope_codes=["1", "2"],
        scope_text="规划编制、重大项目管理中的国家秘密事项；规划科的工作秘密", basis_number="示发改〔2025〕12号",
        basis_date=today - datetime.timedelta(days=400), designated_by=chen)

    guide = cls.guide_create(actor=office, title="示范市发展和改革委员会国家秘密事项范围（细目）",
                             document_no="示发改保〔2025〕3号", issued_on=today - datetime.timedelta(days=420))
    for code, parent, title, level, period, hint, keywords in GUIDE_ENTRIES:
        cls.guide_entry_create(actor=office, guide=guide, data=cls.EntryData(
            code=code, parent_code=parent, title=title, level=Level.from_zh(level),
            period=cls.period_from_text(period), need_to_know_hint=hint, keywords=keywords,
            legal_basis="《发展改革工作国家秘密范围的规定》"))
    for category, code, title, period in WORK_SECRET_REFERENCES:
        cls.reference_create(actor=office, category=category, code=code, title=title,
                             period=cls.period_from_text(period))
    entry = {e.code: e for e in GuideEntry.objects.filter(guide=guide)}
    ref = {r.code: r for r in WorkSecretReference.objects.all()}

    def need(*who: str, units_: tuple[str, ...] = (), roles: tuple[str, ...] = ()) -> cls.NeedToKnowSpec:
        return cls.NeedToKnowSpec(people=[people[w] for w in who], units=[units[u] for u in units_], roles=roles)

    def years_ago(n: int, days: int = 0) -> datetime.date:
        return today.replace(year=today.year - n, day=min(today.day, 28)) - datetime.timedelta(days=days)

    # Three from earlier years, in this year's review queue.
    cls.decision_create(actor=sunwei, title="示范市国土空间总体规划（2021—2035年）修编草案", secret_type="state",
                        guide_entry=entry["1.1"], need_to_know=need(units_=("leaders", "planning")),
                        unit=units["planning"], proposer=sunwei, reasons="规划布局尚未公布，泄露将影响土地市场",
                        decided_on=years_ago(2, 30))
    cls.decision_create(actor=sunwei, title="城东综合交通枢纽选址比选方案", secret_type="state",
                        guide_entry=entry["2.1"], need_to_know=need("chen", "sunwei"), unit=units["planning"],
                        reasons="项目尚未批复", decided_on=years_ago(1, 60))
    budget = cls.decision_create(actor=chen, title="2024年度部门预算执行明细", secret_type="state",
                                 guide_entry=entry["3.1"], need_to_know=need("wutao", units_=("finance",)),
                                 unit=units["finance"], proposer=wutao, decided_on=years_ago(2, 90))
    # One expiring next week (reviewed and kept this year, so it is not in the queue).
    expiring = cls.decision_create(
        actor=chen, title="产业园区招商项目谈判底价", secret_type="state", guide_entry=entry["2.2"],
        period=cls.period_from_text("1年"), need_to_know=need("wutao", "sunwei"), unit=units["finance"],
        proposer=wutao, reasons="谈判结束后无需继续保密",
        decided_on=add_months(today + datetime.timedelta(days=7), -12))
    if expiring.decided_on is not None and expiring.decided_on.year < today.year:
        cls.review_record(actor=chen, decisions=[expiring], year=today.year, outcome="keep",
                          note="谈判仍在进行，维持至期满自行解密")
    # A provisional classification whose 10-working-day report deadline is near.
    target = working_days_after(today, 2)
    start = next(today - datetime.timedelta(days=k) for k in range(1, 40)
                 if working_days_after(today - datetime.timedelta(days=k), 10) <= target)
    cls.decision_create(actor=chen, title="新能源汽车产业链链主企业引进方案", secret_type="state", provisional=True,
                        level=Level.CONFIDENTIAL, period=cls.period_from_text("2年"),
                        need_to_know=need("sunwei", units_=("leaders",)), unit=units["planning"], proposer=sunwei,
                        reasons="保密事项范围未涵盖，参照 2.2 先行拟定", decided_on=start)
    # A work secret.
    cls.decision_create(actor=sunwei, title="市领导赴规划科调研活动方案", secret_type="work",
                        work_reference=ref["W-2"], need_to_know=need(units_=("planning",)), unit=units["planning"],
                        proposer=zhoujing)
    # A proposal waiting for 孙伟, a derived item, and a lifted one with its notices.
    cls.decision_propose(actor=zhoujing, authority=sunwei.authorities.get(revoked_at__isnull=True),
                         title="规划科2026年重点课题研究计划", secret_type="state", guide_entry=entry["1.3"],
                         need_to_know=need("zhoujing", "sunwei"), unit=units["planning"])
    cls.decision_derive(actor=chen, sources=[budget], title="部门预算执行情况分析报告（摘编）",
                        need_to_know=need("wutao", "chen"), unit=units["finance"])
    listed = cls.decision_create(actor=sunwei, title="2024年市重点建设项目清单（送审稿）", secret_type="state",
                                 guide_entry=entry["1"], level=Level.CONFIDENTIAL, period=cls.period_from_text("3年"),
                                 need_to_know=need("zhoujing", "sunwei", "chen"), unit=units["planning"],
                                 decided_on=today - datetime.timedelta(days=200))
    change = cls.change_request(actor=sunwei, decision=listed, kind="lift",
                                justification="清单已由市政府正式公布，无需继续保密")
    assert change.approval is not None
    request_decide(actor=chen, request=change.approval, approve=True, comment="同意解密", password=PASSWORD)
    cls.reminders_send()


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
        if not person.is_active:
            role += "（已离职，账户停用，不能登录）"
        print(f"  {person.username:<10} {person.full_name:<5} {person.unit.name if person.unit else '':<8} {role}")
    print("-" * 64)
    command = sys.argv[0] if sys.argv and sys.argv[0].endswith("baomi") else "baomi"
    print(f"三员账户须输入动态口令：在另一个终端运行  {command} otp-code qianyong  获取当前口令")
    print("=" * 64, flush=True)
