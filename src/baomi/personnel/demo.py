"""The personnel part of the demo office (/work/shared/DEMO.md), created through the services.

`clear_cast` runs while the cast is set up: every cleared person is vetted by 保密办, signs the
上岗保密承诺书 and is put on a classified post by the security administrator, which grants
their clearance (the gate in accounts.person_set_clearance). `load` then adds what is going on:

- 马骏, a former 财务科 clerk (一般), left about eleven months ago: his 脱密期 ends next month,
  with an employment report on file;
- 周静's departure from her post is blocked: she still holds the 秘密 planning draft she
  borrowed (overdue in the carriers story);
- 吴涛's re-vetting falls due within the month; 赵磊 has an 在岗保密承诺书 to sign;
- last year's self-reports are in, except 吴涛's.

Past events run with the clock set back (as the carriers story does); the audit log records
them in order, and its chain verifies.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from baomi.accounts import services as accounts
from baomi.accounts.models import Unit, User
from baomi.approvals.services import request_decide
from baomi.carriers.demo import as_of
from baomi.levels import Clearance, Level
from baomi.personnel import selectors, services
from baomi.personnel.models import Commitment, Post

# username → (post, unit code, level, leadership); the level gives the category (DEMO.md's cast).
POSTS = {
    "chen": ("委主任", "leaders", Level.TOP_SECRET, True),
    "liumin": ("秘书股股长", "secretariat", Level.SECRET, True),
    "wangfang": ("机要员", "secretariat", Level.TOP_SECRET, False),
    "lijianhua": ("保密办主任", "secrecy", Level.SECRET, True),
    "zhaolei": ("保密员", "secrecy", Level.CONFIDENTIAL, False),
    "sunwei": ("规划科科长", "planning", Level.SECRET, True),
    "zhoujing": ("规划编制科员", "planning", Level.CONFIDENTIAL, False),
    "wutao": ("财务科科长", "finance", Level.CONFIDENTIAL, True),
    "majun": ("财务科会计", "finance", Level.CONFIDENTIAL, False),
}
# Days ago each person was last vetted (吴涛's two-year vetting runs out within the month).
VETTED_DAYS_AGO = {"chen": 420, "liumin": 380, "wangfang": 300, "lijianhua": 500, "zhaolei": 260,
                   "sunwei": 450, "zhoujing": 200, "wutao": 705, "majun": 900}


def _at(days_ago: int, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _officer_for(person: User) -> User:
    """保密办 vets and prepares; nobody vets themself."""
    officers = list(User.objects.filter(role_assignments__role="secrecy_officer").order_by("pk"))
    return next(o for o in officers if o.pk != person.pk)


def _post(security: User, username: str) -> Post:
    name, unit, level, leadership = POSTS[username]
    found = Post.objects.filter(name=name, unit__code=unit).first()
    return found or services.post_create(actor=security, name=name, unit=Unit.objects.get(code=unit), level=level,
                                         is_leadership=leadership)


def _clear(security: User, person: User, clearance: Clearance, password: str) -> None:
    officer = _officer_for(person)
    days = VETTED_DAYS_AGO.get(person.username, 365)
    with as_of(_at(days, 9)):
        services.vetting_record(actor=officer, person=person, category=clearance, result="pass",
                                kind="appointment" if days > 700 else "periodic",
                                notes="政治审查、背景调查合格", documents=["涉密人员审查表.pdf", "个人事项报告表.pdf"])
    with as_of(_at(days, 11)):
        commitment = services.commitment_prepare(actor=officer, person=person, kind="hire")
        services.commitment_sign(actor=person, commitment=commitment, password=password)
    with as_of(_at(days, 15)):
        post = _post(security, person.username)
        services.post_assign(actor=security, person=person, post=post)
    if post.category != clearance:  # a cast member whose post and category differ: granted directly
        accounts.person_set_clearance(actor=security, person=person, clearance=clearance)


def clear_cast(security: User, cleared: list[tuple[User, Clearance]], password: str) -> None:
    """Vet, commit and post every cleared member of the cast (called while the cast is created)."""
    for person, clearance in cleared:
        if clearance > Clearance.NONE:
            _clear(security, person, clearance, password)


def load(password: str) -> None:
    people = {u.username: u for u in User.objects.all()}
    security = User.objects.get(admin_role="security")
    system = User.objects.get(admin_role="system")
    lijianhua, zhaolei, wutao, sunwei = people["lijianhua"], people["zhaolei"], people["wutao"], people["sunwei"]

    # ------------------------------------------------------------ 马骏: left eleven months ago
    left = 335
    with as_of(_at(left + 1200, 9)):
        majun, temporary = accounts.person_create(actor=system, username="majun", full_name="马骏",
                                                  unit=Unit.objects.get(code="finance"), staff_no="FGW010",
                                                  post="会计")
        accounts.password_change(actor=majun, old=temporary, new=password)
    _clear(security, majun, Clearance.GENERAL, password)
    with as_of(_at(left + 10)):
        departure = services.departure_open(actor=lijianhua, person=majun, kind="job",
                                            reason="本人申请辞职，调往外地企业工作")
        services.departure_handover(actor=lijianhua, departure=departure, to=wutao,
                                    items="会计凭证及账簿（内部）移交吴涛；财务科文件柜钥匙一把；经办的预算执行资料")
        services.departure_confirm_handover(actor=wutao, departure=departure)
        leave = Commitment.objects.get(person=majun, kind="leave", signed_at__isnull=True)
        services.commitment_sign(actor=majun, commitment=leave, password=password)
        departure = services.departure_submit(actor=lijianhua, departure=departure, reason="离岗清单已完成")
    with as_of(_at(left, 10)):
        assert departure.approval is not None
        request_decide(actor=wutao, request=departure.approval, approve=True, comment="同意，按规定进入脱密期",
                       password=password)
    period = selectors.separation_period_for(majun)
    if period is not None:
        with as_of(_at(left - 40)):
            services.employment_report_record(actor=lijianhua, period=period, employer="某市建设工程咨询有限公司",
                                              position="财务专员", note="本人电话报告，已提醒脱密期管理要求")

    # ------------------------------------------------------------ 周静: departure blocked by a copy still out
    zhoujing = people["zhoujing"]
    with as_of(_at(2, 9)):
        departure = services.departure_open(actor=lijianhua, person=zhoujing, kind="post",
                                            reason="拟调往市政务服务中心（非涉密岗位）")
    with as_of(_at(1, 14)):
        services.departure_handover(actor=lijianhua, departure=departure, to=sunwei,
                                    items="规划编制工作底稿及在办事项清单移交孙伟")
        leave = Commitment.objects.get(person=zhoujing, kind="leave", signed_at__isnull=True)
        services.commitment_sign(actor=zhoujing, commitment=leave, password=password)

    # ------------------------------------------------------------ a commitment waiting to be signed
    with as_of(_at(3, 10)):
        services.commitment_prepare(actor=lijianhua, person=zhaolei, kind="change")

    # ------------------------------------------------------------ last year's self-reports (吴涛's missing)
    year = selectors.reporting_year()
    duties = [code for code, _label in services.REPORT_DUTIES]
    for username in ("chen", "liumin", "wangfang", "lijianhua", "zhaolei", "sunwei", "zhoujing"):
        person = User.objects.get(username=username)
        leader = selectors.is_leader(person)
        day = min(datetime.date(year + 1, 1, 20), timezone.localdate())
        with as_of(timezone.make_aware(datetime.datetime.combine(day, datetime.time(16, 0)))):
            services.annual_report_submit(
                actor=person, year=year, duties=duties,
                text=f"{year} 年度认真学习保密法律法规，参加保密教育培训并通过考试；涉密载体按规定登记、使用、清退，"
                     "无私自复制留存；出入境证件按规定集中保管；未发生失泄密事件。",
                leader_section=("组织传达学习保密工作方针政策，定期听取保密工作汇报；督促分管科室落实保密工作责任制，"
                                "对身边工作人员进行保密提醒。") if leader else "")
