"""The archives part of the demo office (/work/shared/DEMO.md), through the services.

- three files archived by 王芳 and catalogued (a party-group meeting's minutes, a project
  file, an evaluation compilation);
- last week an outside unit (东城区发展改革局, 张明, with its letter of introduction) asked to
  see two parts of the project file: approved by 刘敏, read in the archive room, one excerpt
  reviewed and stamped, the files taken back;
- today 孙伟's request to read the party-group minutes waits for the 办公室's leader 刘敏
  (ARCH-05; 机密 minutes: 刘敏 is cleared 重要, a 绝密 request would go to 陈国强);
- 孙伟 borrowed the evaluation compilation by exception (approved), due back next week.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from baomi.accounts.models import Unit, User
from baomi.approvals.services import request_decide
from baomi.archives import services
from baomi.carriers import services as carriers
from baomi.carriers.demo import as_of
from baomi.carriers.models import StorageClass
from baomi.levels import Clearance

FILES = [
    ("minutes", "中共示范市发展和改革委员会党组2025年第12次会议记录", "机密★10年",
     [("会议议程及出席人员", "1-2"), ("关于重大项目年度计划的讨论记录", "3-14"), ("关于干部调整的讨论记录", "15-20")]),
    ("document", "城东综合交通枢纽项目前期工作档案", "秘密★10年",
     [("项目建议书批复", "1-6"), ("选址意见及用地预审", "7-18"), ("专家评审意见", "19-30")]),
    ("document", "示范市“十四五”规划中期评估资料汇编", "秘密★5年",
     [("评估报告（送审稿）", "1-40"), ("各区评估材料", "41-96")]),
]


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def load(password: str) -> None:
    people = {u.username: u for u in User.objects.all()}
    units = {u.code: u for u in Unit.objects.all()}
    wangfang, liumin, sunwei = people["wangfang"], people["liumin"], people["sunwei"]
    today = timezone.localdate()

    def ago(days: int, hour: int = 9, minute: int = 0) -> datetime.datetime:
        return _at(today - datetime.timedelta(days=days), hour, minute)

    entries = []
    for n, (category, title, mark, parts) in enumerate(FILES):
        with as_of(ago(200 - 30 * n)):
            carrier = carriers.carrier_register(
                actor=wangfang, direction="made", title=title, mark=mark, copies=1, storage=StorageClass.SAFE,
                location="机要室 1 号保险柜", need_to_know_units=[units["planning"], units["leaders"]])
        with as_of(ago(120 - 30 * n, 15)):
            carriers.copy_archive(actor=wangfang, copy=carrier.copies.get(serial=1), location="档案室 2 号密码柜",
                                  storage=StorageClass.SAFE)
            entries.append(services.entry_create(actor=wangfang, carrier=carrier, category=category, parts=parts))
    minutes, project, evaluation = entries

    # An outside unit's 查档 with its letter of introduction, read in the archive room.
    with as_of(ago(8, 9, 30)):
        visit = services.access_request_submit(
            actor=wangfang, parts=list(project.parts.filter(seq__in=[1, 2])),
            purpose="核对枢纽项目选址批复及用地预审意见",
            outside=True, visitor_name="张明", visitor_unit="示范市东城区发展和改革局", letter_no="东发改介〔2026〕5号",
            visitor_clearance=int(Clearance.GENERAL))
    assert visit.approval is not None
    with as_of(ago(8, 11)):
        request_decide(actor=liumin, request=visit.approval, approve=True, comment="同意在档案室查阅",
                       password=password)
    with as_of(ago(7, 9)):
        session = services.session_open(actor=wangfang, access=visit, room="档案室 查档桌", note="核对介绍信及身份证件")
        services.session_view_part(actor=wangfang, session=session, part=project.parts.get(seq=1))
        services.session_view_part(actor=wangfang, session=session, part=project.parts.get(seq=2))
    with as_of(ago(7, 10, 30)):
        excerpt = services.excerpt_record(actor=wangfang, session=session, part=project.parts.get(seq=1),
                                          description="批复文号及批复日期", pages="2")
        services.excerpt_review(actor=wangfang, excerpt=excerpt, approve=True)
        services.session_close(actor=wangfang, session=session, note="案卷完整收回")

    # 孙伟 asks to read the party-group minutes: waiting for 刘敏 (办公室主管领导, ARCH-05).
    with as_of(min(ago(0, 8, 40), timezone.now() - datetime.timedelta(minutes=5))):
        services.access_request_submit(actor=sunwei, parts=list(minutes.parts.filter(seq=2)),
                                       purpose="起草重大项目年度计划执行情况报告，核对党组会议讨论意见")

    # An archive loan by exception, due back next week.
    with as_of(ago(2, 10)):
        loan = services.loan_request(actor=sunwei, copy=evaluation.carrier.copies.get(serial=1),
                                     due_on=today + datetime.timedelta(days=6),
                                     reason="市政府中期评估督查组现场调阅原件（特殊情况）")
    with as_of(ago(2, 11)):
        request_decide(actor=liumin, request=loan, approve=True, comment="同意，按期归还", password=password)
