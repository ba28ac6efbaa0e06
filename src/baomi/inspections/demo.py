"""The inspections part of the demo, through the services (DEMO.md "Oversight"):

- the 国庆 inspection done by 赵磊: three findings, one verified and closed, two still open
  (one overdue); the coming 春节 inspection planned;
- key sites 财务室, 电脑室, 档案室 with their lists, entry logs (one entry approved by the
  leader for someone not on the list), a duty handover and a drill;
- one 保密委员会 meeting this year, the second one reminded;
- the yearly risk assessment with a register of five risks (one promoted from a finding).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from baomi.accounts.models import Unit, User
from baomi.approvals import services as approvals
from baomi.approvals.models import ApprovalRequest
from baomi.carriers.demo import as_of
from baomi.inspections import services
from baomi.inspections.models import Inspection, PlanKind, Rectification, Result, SiteKind


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def load(password: str) -> None:
    p = {u.username: u for u in User.objects.filter(admin_role="")}
    units = {u.code: u for u in Unit.objects.all()}
    today = timezone.localdate()
    ref = today.year if today >= datetime.date(today.year, 10, 10) else today.year - 1
    services.plans_ensure(today=datetime.date(ref, 6, 1))  # that year's plan and its 国庆 inspection
    nxt = min((d for d in services.SPRING_FESTIVAL.values() if d > today), default=None)
    if nxt is not None:
        services.plans_ensure(today=max(today, nxt - datetime.timedelta(days=services.CREATE_AHEAD_DAYS - 5)))
    services.plans_ensure(today=today)

    zhaolei, lijianhua = p["zhaolei"], p["lijianhua"]
    national = Inspection.objects.get(kind=PlanKind.NATIONAL_DAY, year=ref)
    services.inspection_assign(actor=lijianhua, inspection=national, inspector=zhaolei)
    day = datetime.date(ref, 9, 24)
    with as_of(_at(day, 9)):
        items = {i.rule_id: i for i in national.template.items.all()}  # type: ignore[union-attr]
        for rule, result, note in (("CARRIER-28", Result.NO, "财务科两张办公桌上有秘密文件，人不在"),
                                   ("CARRIER-29", Result.YES, ""), ("CARRIER-27", Result.NO, "规划科文件柜未加锁"),
                                   ("SITE-03", Result.YES, "电脑室进出登记完整"),
                                   ("SITE-06", Result.NO, "财务室9月交接班登记缺2天"),
                                   ("EXT-02", Result.NA, "本期无外事活动")):
            services.inspection_answer(actor=zhaolei, inspection=national, item=items[rule], result=result, note=note)
        closed = services.finding_record(actor=zhaolei, inspection=national, text="规划科文件柜未加锁",
                                         severity="major", owner=p["sunwei"], due_on=day + datetime.timedelta(days=14))
        overdue = services.finding_record(actor=zhaolei, inspection=national,
                                          text="财务科人离开办公室时秘密文件留在桌面（清桌制度未落实）",
                                          severity="minor", owner=p["wutao"], due_on=today - datetime.timedelta(days=5))
        services.finding_record(actor=zhaolei, inspection=national, text="财务室交接班登记不全",
                                severity="minor", owner=p["zhengli"], due_on=today + datetime.timedelta(days=20))
        services.inspection_complete(actor=zhaolei, inspection=national,
                                     summary="国庆节前检查：未发现丢失文件和失泄密事件，发现问题3项，已落实整改责任人。")
    with as_of(_at(day + datetime.timedelta(days=10), 16)):
        rect = Rectification.objects.get(finding=closed)
        services.rectification_report(actor=p["sunwei"], rect=rect, note="已更换带锁文件柜，钥匙由科长保管")
    with as_of(_at(day + datetime.timedelta(days=12), 10)):
        services.rectification_verify(actor=zhaolei, rect=rect, accepted=True, note="现场复查，已落实")
    services.rectification_open(actor=lijianhua, title="信息中心一台终端未按期进行保密检查",
                                description="年度计算机保密检查中发现", unit=units["it"], owner=None,
                                due_on=None, source="manual", source_ref="")

    # 要害部位 (SITE-01..07)
    finance = services.site_register(
        actor=lijianhua, name="财务室", kind=SiteKind.FINANCE, location="主楼三层 301", unit=units["finance"],
        responsible=p["wutao"], leader=p["chen"], allowed=[p["zhengli"]],
        emergency_plan="发生盗抢、火情：立即报警并报告单位领导；保险柜就地封存；清点票证现金后形成书面报告。")
    computer = services.site_register(
        actor=lijianhua, name="电脑室", kind=SiteKind.COMPUTER, location="主楼五层 502", unit=units["it"],
        responsible=zhaolei, leader=p["chen"], allowed=[lijianhua],
        emergency_plan="发现入侵或设备丢失：断开网络，保护现场，报告保密办和单位领导。")
    archive = services.site_register(
        actor=lijianhua, name="档案室", kind=SiteKind.ARCHIVE, location="主楼一层 105", unit=units["office"],
        responsible=p["wangfang"], leader=p["liumin"], allowed=[p["liumin"]],
        emergency_plan="火情、水浸：切断电源，优先转移绝密、机密档案至备用保险柜，清点后报告。")
    for n, (site, person, purpose) in enumerate(((finance, p["zhengli"], "整理凭证"),
                                                 (finance, p["wutao"], "审核报销"),
                                                 (computer, lijianhua, "检查机房登记"),
                                                 (archive, p["liumin"], "调阅归档文件"))):
        with as_of(_at(today - datetime.timedelta(days=3 - n % 3), 9 + n)):
            services.entry_log(actor=site.responsible, site=site, person=person, purpose=purpose)
    entry = services.entry_request(actor=p["zhoujing"], site=archive, on_date=today, purpose="查阅规划科2019年归档材料")
    request = ApprovalRequest.objects.filter(pk=entry.request_id or 0).first()
    if request is not None:
        try:
            approvals.request_decide(actor=p["liumin"], request=request, approve=True, comment="同意，由王芳陪同",
                                     password=password)
            services.entry_log(actor=p["wangfang"], site=archive, person=p["zhoujing"], purpose="查阅归档材料")
        except Exception:  # noqa: S110 - another route in a customised installation
            pass
    shift = services.shift_record(actor=p["wutao"], site=finance, on_date=today - datetime.timedelta(days=1),
                                  person=p["zhengli"])
    services.shift_handover(actor=p["zhengli"], shift=shift, to=p["wutao"], note="保险柜已锁，门窗完好，无异常")
    services.drill_record(actor=lijianhua, site=archive, held_on=today - datetime.timedelta(days=40),
                          scenario="档案室夜间火情", participants="王芳、刘敏、赵磊",
                          findings="转移用时12分钟，备用保险柜钥匙位置需明确")

    # 保密委员会 (ORG-01/02): one meeting this year; the second is reminded by reminders_issue.
    services.meeting_record(actor=lijianhua, held_on=min(today, datetime.date(today.year, 6, 18)),
                            attendees="陈国强、刘敏、李建华、孙伟、吴涛",
                            topics="上半年保密工作汇报；国庆节前保密检查安排",
                            minutes="听取保密办上半年工作汇报，研究国庆节前检查安排。",
                            decisions="一、9月下旬开展国庆节前保密检查；二、财务室、档案室补充应急预案演练。")

    # 风险评估 (INSP-07)
    assessment = services.assessment_record(actor=lijianhua, title=f"{today.year}年度保密风险评估",
                                            held_on=today - datetime.timedelta(days=60), period_months=12,
                                            summary="总体风险可控，重点关注清桌制度和移动存储介质。")
    services.risk_from_finding(actor=lijianhua, finding=overdue, likelihood=3, impact=3,
                               measures="每日下班前由科长检查桌面，纳入月度考核")
    for title, lk, im, owner, measures in (
            ("涉密计算机违规连接互联网", 2, 5, zhaolei, "物理隔离，定期检查上网记录"),
            ("移动存储介质混用", 3, 4, zhaolei, "专用U盘登记，禁止私人介质"),
            ("涉密载体借阅逾期未还", 3, 3, p["wangfang"], "到期前提醒，逾期通报"),
            ("外来人员进入要害部位", 2, 4, p["wutao"], "准入名单加审批，进出登记")):
        services.risk_add(actor=lijianhua, title=title, likelihood=lk, impact=im, owner=owner, measures=measures,
                          due_on=today + datetime.timedelta(days=90), assessment=assessment)
    services.reminders_issue(today=today)
