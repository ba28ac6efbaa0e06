"""The carriers part of the demo office (/work/shared/DEMO.md), created through the services.

The register looks lived-in: about two hundred documents and media received, sent and made
over the past ten months, circulated, lent, archived, returned and destroyed. What is going
on today, relative to the day the demo is loaded:

- a 绝密 notice from the province circulating today; 陈国强 has not returned it (due tonight);
- a 秘密 planning draft lent to 周静, due back yesterday (overdue); she had first asked for
  the 机密 draft and was refused (her clearance, 一般, stops at 秘密); its second copy taken
  out by 孙伟 to a meeting at the province (approved), due back tomorrow;
- a copy request by 王芳 awaiting 陈国强's approval;
- a batch of 秘密 documents from the province due for 清退 by the end of this month;
- a destruction list approved and signed by its first witness, waiting for the second;
- a USB drive registered as 秘密 media; 吴涛 holding a budget document; one 秘密 copy lost
  in the spring (the incident the oversight module records).
- the minutes of the director's meeting printed on the 机要室's classified computer nine days
  ago (exactly the five authorised copies), its six waste pages still waiting to be destroyed
  (past the seven days: 王芳 is reminded); 孙伟 asking to excerpt the 机密 draft (awaiting
  陈国强); a 机密 report compiled from the draft and the 征求意见稿 (two sources); papers 陈国强
  brought back from the province's meeting, registered as 会议带回.

Past events are dated in the past by running the services with the clock set back; the
audit log records them when the demo was loaded, in order, and its chain verifies.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.utils import timezone

from baomi.accounts.models import Unit, User
from baomi.approvals.models import ApprovalRequest
from baomi.approvals.services import request_decide
from baomi.carriers import services
from baomi.carriers.models import Carrier, CarrierKind, Channel, Copy, DestructionMethod, StorageClass
from baomi.errors import Refused

SOURCES = [
    ("省委办公厅", "省委办发"), ("省政府办公厅", "省政办发"), ("省发展改革委", "省发改"),
    ("市委办公室", "示委办"), ("市政府办公室", "示政办"), ("国家发展改革委", "发改办"),
]
TOPICS = [
    "重大项目储备", "能源保供", "价格监测", "粮食储备", "城市更新", "产业园区建设", "招商引资", "地方政府债务",
    "国土空间规划", "综合交通枢纽建设", "新型基础设施", "生态环境保护", "安全生产", "应急物资储备", "重点企业帮扶",
    "营商环境评价", "区域协调发展", "乡村振兴项目", "电力负荷管理", "成品油价格调整",
]
FORMS = ["关于{t}的通知", "关于{t}工作的意见", "{t}工作方案", "关于报送{t}情况的函", "{t}专题会议纪要",
         "关于加强{t}的若干措施", "{t}情况通报", "关于{t}有关问题的批复"]
MARKS = {"内部": 40, "工作秘密": 28, "秘密★10年": 40, "秘密★5年": 30, "机密★10年": 24, "机密★5年": 14,
         "绝密★长期": 4, "绝密★30年": 3}
UNITS_FOR = ["planning", "finance", "leaders", "office", "secretariat"]


@contextmanager
def as_of(moment: datetime.datetime) -> Iterator[None]:
    """Run the services as if it were `moment` (the demo's history only)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def load(password: str) -> None:
    people = {u.username: u for u in User.objects.all()}
    units = {u.code: u for u in Unit.objects.all()}
    today = timezone.localdate()
    now = timezone.localtime()
    rng = random.Random(2026)  # the same office every time
    wangfang, chen, liumin = people["wangfang"], people["chen"], people["liumin"]
    lijianhua, zhaolei, sunwei = people["lijianhua"], people["zhaolei"], people["sunwei"]
    zhoujing, wutao = people["zhoujing"], people["wutao"]
    planning = [units["planning"], units["leaders"]]

    def decide(request: ApprovalRequest, *deciders: User) -> None:
        for decider in deciders:
            request_decide(actor=decider, request=request, approve=True, comment="同意", password=password)

    def readers(carrier: Carrier) -> list[User]:
        from baomi import policy

        return [p for p in people.values() if p.pk != wangfang.pk and not p.admin_role
                and policy.reason_may_hold_carrier(p, carrier) is None]

    def ago(days: int, hour: int = 9, minute: int = 0) -> datetime.datetime:
        return _at(today - datetime.timedelta(days=days), hour, minute)

    # ------------------------------------------------------------ the register, in the order things came in
    arrivals: list[tuple[datetime.datetime, str, dict[str, object]]] = []
    marks = [mark for mark, n in MARKS.items() for _ in range(n)]
    rng.shuffle(marks)
    for n, mark in enumerate(marks):
        day = today - datetime.timedelta(days=rng.randint(12, 300))
        top = mark.startswith("绝密")
        direction = rng.choices(["incoming", "outgoing", "made"], weights=[6, 2, 2])[0]
        source, prefix = rng.choice(SOURCES)
        storage = StorageClass.SAFE if top or mark.startswith("机密") else rng.choice(
            [StorageClass.CABINET, StorageClass.COMBINATION, StorageClass.SAFE])
        fields: dict[str, object] = {
            "direction": direction, "title": rng.choice(FORMS).format(t=rng.choice(TOPICS)), "mark": mark,
            "copies": rng.choice([1, 1, 2, 2, 3]), "storage": storage,
            "location": "机要室 1 号保险柜" if storage == StorageClass.SAFE else "机要室 文件柜",
            "need_to_know_people": [chen] if top else ([sunwei] if mark[:2] in ("秘密", "机密") and rng.random() < 0.2
                                                       else []),
            "need_to_know_units": [] if top else [units[u] for u in rng.sample(UNITS_FOR, k=rng.randint(1, 2))],
        }
        if direction == "incoming":
            fields.update(source_unit=source, doc_number=f"{prefix}〔{day.year}〕{rng.randint(3, 180)}号",
                          dated_on=day - datetime.timedelta(days=rng.randint(1, 6)))
        elif direction == "outgoing":
            fields.update(destination_unit=rng.choice(["市政府办公室", "省发展改革委", "各区发展改革局"]),
                          doc_number=f"示发改〔{day.year}〕{n + 1}号", dated_on=day)
        arrivals.append((_at(day, 9, rng.randint(0, 50)), "routine", fields))
    arrivals += [
        (ago(240), "stale", {
            "direction": "incoming", "title": "关于2025年一季度价格监测情况的通报", "mark": "秘密★5年", "copies": 3,
            "storage": StorageClass.COMBINATION, "location": "机要室 2 号密码柜", "source_unit": "省发展改革委",
            "doc_number": "省发改价〔2025〕7号", "need_to_know_units": planning}),
        (ago(30, 14), "usb", {
            "direction": "made", "kind": CarrierKind.USB, "title": "规划科涉密U盘（编号 U-GH-03）", "mark": "秘密★10年",
            "copies": 1, "storage": StorageClass.COMBINATION, "location": "规划科 密码柜",
            "need_to_know_units": [units["planning"]], "note": "专用于规划数据交换，不得接入互联网计算机"}),
        (ago(20), "draft", {
            "direction": "made", "title": "示范市国土空间总体规划修编草案（第二稿）", "mark": "机密★10年", "copies": 2,
            "storage": StorageClass.SAFE, "location": "机要室 1 号保险柜", "need_to_know_units": planning,
            "doc_number": "规划科内部稿"}),
        (ago(12), "opinion", {
            "direction": "made", "title": "国土空间总体规划修编征求意见稿（科室汇总）", "mark": "秘密★5年", "copies": 2,
            "storage": StorageClass.COMBINATION, "location": "机要室 2 号密码柜", "need_to_know_units": planning}),
        (ago(5), "budget", {
            "direction": "incoming", "title": "关于2026年预算执行情况的通报", "mark": "秘密★5年", "copies": 1,
            "storage": StorageClass.COMBINATION, "location": "机要室 2 号密码柜", "source_unit": "市财政局",
            "doc_number": f"示财〔{today.year}〕36号", "need_to_know_units": [units["finance"]]}),
    ]
    # A batch of 秘密 documents from the province, to be returned by the end of this month.
    month_end = (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    for k, topic in enumerate(["能源保供", "重大项目储备", "价格监测", "粮食储备", "产业园区建设"]):
        arrivals.append((ago(198 - 7 * k), "batch", {
            "direction": "incoming", "title": f"关于{topic}工作的通知", "mark": "秘密★10年", "copies": 2,
            "storage": StorageClass.COMBINATION, "location": "机要室 2 号密码柜", "source_unit": "省发展改革委",
            "doc_number": f"省发改〔{today.year}〕{40 + k}号", "need_to_know_units": planning,
            "return_by": month_end}))
    # The 绝密 notice from the province, registered this morning (or just now, at night).
    morning = max(_at(today, 0), min(now - datetime.timedelta(minutes=20), _at(today, 9)))
    arrivals.append((morning, "notice", {
        "direction": "incoming", "title": "关于做好重大风险防范化解工作的绝密通知", "mark": "绝密★长期", "copies": 2,
        "storage": StorageClass.SAFE, "location": "机要室 1 号保险柜", "source_unit": "省委办公厅",
        "doc_number": f"省委办发〔{today.year}〕1号", "need_to_know_people": [chen, wangfang]}))

    arrivals.sort(key=lambda a: a[0])
    special: dict[str, Carrier] = {}
    routine: list[tuple[datetime.date, Carrier]] = []
    for moment, tag, fields in arrivals:
        with as_of(moment):
            carrier = services.carrier_register(actor=wangfang, **fields)  # type: ignore[arg-type]
        if tag == "routine":
            routine.append((timezone.localdate(moment), carrier))
        elif tag != "batch":
            special[tag] = carrier

    # ------------------------------------------------------------ ten months of ordinary work
    old_for_destruction: list[Copy] = []
    lost_done = False
    for day, carrier in routine:
        copies = list(carrier.copies.order_by("serial"))
        first = copies[0]
        eligible = readers(carrier)
        if eligible and rng.random() < 0.5:  # circulated and returned the same day
            reader = rng.choice(eligible)
            with as_of(_at(day, 10)):
                services.copy_circulate(actor=wangfang, copy=first, reader=reader)
            with as_of(_at(day, 15, rng.randint(0, 59))):
                services.copy_return(actor=reader, copy=first)
        age = (today - day).days
        top = carrier.level == 5
        if carrier.direction == "outgoing":
            with as_of(_at(day + datetime.timedelta(days=1), 9)):
                services.copy_dispatch(actor=wangfang, copy=first, recipient_unit=carrier.destination_unit,
                                       channel=rng.choice([Channel.CONFIDENTIAL, Channel.COURIER]),
                                       courier="王芳")  # she carries 机要件 herself (COMM-06)
        elif carrier.direction == "incoming" and age > 150 and not top and rng.random() < 0.35:
            with as_of(_at(day + datetime.timedelta(days=120), 10)):
                services.copies_hand_back(actor=wangfang, copies=copies, note="半年清退")
        elif age > 100 and rng.random() < 0.3:
            with as_of(_at(day + datetime.timedelta(days=60), 16)):
                services.copy_archive(actor=wangfang, copy=first, location="档案室 2 号密码柜",
                                      storage=StorageClass.SAFE if top else StorageClass.COMBINATION)
        elif not lost_done and carrier.marking.startswith("秘密") and 150 < age < 250 and eligible:
            holder = rng.choice(eligible)  # the incident the oversight module records
            with as_of(_at(day + datetime.timedelta(days=2), 10)):
                services.copy_circulate(actor=wangfang, copy=first, reader=holder)
            with as_of(_at(day + datetime.timedelta(days=2), 17)):
                services.copy_report_lost(actor=holder, copy=first, note="外出开会途中遗失，已报告保密办")
            lost_done = True
        elif age > 200 and carrier.level <= 2 and len(old_for_destruction) < 6:
            old_for_destruction.extend(copies)

    # Destroyed two months ago: approved, witnessed, certificate issued.
    if old_for_destruction:
        with as_of(ago(60, 9)):
            done = services.destruction_create(
                actor=wangfang, copies=old_for_destruction, method=DestructionMethod.SHRED, site="机要室碎纸间",
                witnesses=[lijianhua, liumin], reason="保存期满、无保存价值的内部资料")
        assert done.approval is not None
        with as_of(ago(60, 11)):
            decide(done.approval, chen, zhaolei)
        with as_of(ago(59, 15)):
            services.destruction_sign(actor=lijianhua, destruction=done, password=password)
            services.destruction_sign(actor=liumin, destruction=done, password=password)
            services.destruction_execute(actor=wangfang, destruction=done)

    # ------------------------------------------------------------ what is going on today
    # 周静 asks for the 机密 draft first: refused, above her clearance (一般 stops at 秘密).
    try:
        with as_of(ago(8, 9, 30)):
            services.copy_lend_request(actor=zhoujing, copy=special["draft"].copies.get(serial=1),
                                       due_on=today - datetime.timedelta(days=1), reason="核对规划数据")
    except Refused:
        pass
    # She borrows the 秘密 draft instead, due back yesterday: overdue.
    with as_of(ago(8, 9, 40)):
        lend = services.copy_lend_request(actor=zhoujing, copy=special["opinion"].copies.get(serial=1),
                                          due_on=today - datetime.timedelta(days=1), reason="核对规划数据")
    with as_of(ago(8, 11)):
        decide(lend, sunwei)
    # 吴涛 holds a budget document, due next week.
    with as_of(ago(4, 10)):
        lent = services.copy_lend_request(actor=wutao, copy=special["budget"].copies.get(), reason="编制预算调整方案",
                                          due_on=today + datetime.timedelta(days=6))
        decide(lent, chen)
    # 孙伟 took the second copy of the 秘密 draft to a meeting at the province (携带外出), due back tomorrow.
    with as_of(ago(1, 8, 30)):
        out = services.copy_take_out_request(
            actor=sunwei, copy=special["opinion"].copies.get(serial=2), reason="参加省发展改革委规划修编座谈会",
            destination="省发展改革委 3 楼会议室", due_at=_at(today + datetime.timedelta(days=1), 17, 30))
    with as_of(ago(1, 9, 30)):
        decide(out, chen, zhaolei)
    # A destruction list approved and signed by 李建华, waiting for 刘敏.
    with as_of(ago(3, 9)):
        pending = services.destruction_create(
            actor=wangfang, copies=list(special["stale"].copies.all()), method=DestructionMethod.SHRED,
            site="机要室碎纸间", witnesses=[lijianhua, liumin], reason="已失去保存价值，经清理登记")
    assert pending.approval is not None
    with as_of(ago(3, 11)):
        decide(pending.approval, chen, zhaolei)
    with as_of(ago(2, 15)):
        services.destruction_sign(actor=lijianhua, destruction=pending, password=password)
    # A copy request awaiting 陈国强.
    with as_of(ago(1, 16)):
        services.copy_reproduce_request(actor=wangfang, copy=special["draft"].copies.get(serial=1), count=2,
                                        reason="委主任办公会审议需增印 2 份")
    # The 绝密 notice is with 陈国强, due back tonight.
    with as_of(morning + datetime.timedelta(minutes=5)):
        services.copy_circulate(actor=wangfang, copy=special["notice"].copies.get(serial=1), reader=chen)

    # ------------------------------------------------------------ printing, excerpts, derived carriers
    with as_of(ago(9, 9)):
        minutes = services.carrier_register(
            actor=wangfang, direction="made", title="委主任办公会议纪要（第12次）", mark="机密★10年", copies=5,
            storage=StorageClass.SAFE, location="机要室 1 号保险柜", need_to_know_units=[units["leaders"]],
            doc_number="主任办公会纪要〔12〕")
    with as_of(ago(9, 10)):
        job = services.print_job_create(actor=wangfang, carrier=minutes, computer="机要室涉密计算机 JY-01",
                                        copies=5, proofreader=liumin)
    with as_of(ago(9, 17, 20)):
        services.print_job_close(actor=wangfang, job=job, waste_pages=6, waste_description="校样 5 张、错页 1 张",
                                 drafts_locked=True)
    with as_of(ago(1, 10)):
        services.copy_excerpt_request(actor=sunwei, copy=special["draft"].copies.get(serial=2),
                                      title="国土空间总体规划修编草案主要指标摘录",
                                      reason="编制规划科年度工作总结需引用主要指标")
    with as_of(ago(6, 15)):
        services.carrier_register(
            actor=wangfang, direction="made", title="规划修编工作情况汇报（汇编）", mark="机密★10年", copies=1,
            storage=StorageClass.SAFE, location="机要室 1 号保险柜", need_to_know_units=planning,
            sources=[special["draft"], special["opinion"]])
    with as_of(ago(2, 16)):
        services.carrier_register(
            actor=wangfang, direction="meeting", title="全省发展改革工作会议交流材料", mark="秘密★5年", copies=1,
            storage=StorageClass.COMBINATION, location="机要室 2 号密码柜", source_unit="省发展改革委",
            need_to_know_units=[units["leaders"]], meeting_name="全省发展改革工作会议", brought_by=chen)
