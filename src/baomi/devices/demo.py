"""The devices part of the demo (after the other stories), through the services:

- the 机要室's 涉密计算机 and printer, 规划科's 涉密计算机 (both 单机, 机密), a 中间机 in the
  机要室, the 办公室's internet computer and printer, 规划科's non-classified office computer;
- 规划科's 秘密 USB drive U-GH-03 — the same medium the carriers' register holds as 秘密
  media — registered as used on 规划科's 涉密计算机;
- 财务科's 涉密计算机 under repair by an outside company, 赵磊 supervising, the disk kept;
- a check of the 办公室's internet computer found a passage of a registered carrier: the
  import opened a rectification item (kept 待整改 here when inspections is not installed);
- SYS-08/10: 王芳 put the 党组会议纪要 (机密) into the 机要室's computer with 刘敏's approval, then
  deleted it and sanitised the machine in front of 刘敏; a second approved input (the 年度
  保密工作要点) is still open and reminded in her 我的待办;
- SYS-13: the 机要室's old 秘密 USB drive U-JY-07, reused as an 内部 exchange drive with 陈国强's
  approval after the 市保密技术服务中心's technician sanitised it;
- SYS-15: 秘书股 reviewed the data it entered two months ago; the other units are reminded
  (quarterly by default — the seed only says 定期);
- SYS-17: 孙伟 reported the 项目库 folder on 规划科's 涉密计算机 moved without explanation
  (important: the 机要员 are told too), not yet handled.
"""

from __future__ import annotations

import datetime
import json
import zlib

from django.utils import timezone

from baomi.accounts.models import Unit, User
from baomi.approvals.services import request_decide
from baomi.carriers.models import Carrier, CarrierKind
from baomi.devices import rules, services
from baomi.devices.models import Device
from baomi.levels import Level


def load(password: str) -> None:
    people = {u.username: u for u in User.objects.all()}
    units = {u.code: u for u in Unit.objects.all()}
    officer = people["lijianhua"]
    today = timezone.localdate()

    def ago(years: int) -> datetime.date:
        return today - datetime.timedelta(days=365 * years + 40)

    def add(asset_no: str, kind: str, network: str, level: Level, who: str, unit: str, location: str, name: str,
            **extra: object) -> Device:
        return services.device_register(
            actor=officer, asset_no=asset_no, kind=kind, network=network, level=int(level), custodian=people[who],
            unit=units[unit], location=location, name=name, serial_no=f"SN{zlib.crc32(asset_no.encode()):010d}",
            disk_serial=f"WD-{zlib.crc32(asset_no[::-1].encode()):010d}" if kind.endswith("pc") else "",
            purchased_on=ago(3), **extra)  # type: ignore[arg-type]

    add("JY-PC-01", "classified_pc", "standalone", Level.SECRET, "wangfang", "secretariat", "机要室", "联想 开天 M90")
    add("JY-PR-01", "printer", "standalone", Level.SECRET, "wangfang", "secretariat", "机要室", "奔图 P3300")
    add("ZJJ-01", "bridge_pc", "standalone", Level.CONFIDENTIAL, "wangfang", "secretariat", "机要室",
        "中间机（单向导入）")
    gh = add("GH-PC-01", "classified_pc", "standalone", Level.SECRET, "sunwei", "planning", "规划科", "联想 开天 M90")
    add("GH-PC-02", "plain_pc", "intranet", Level.WORK_SECRET, "sunwei", "planning", "规划科", "华为 擎云 W515")
    net = add("BGS-NET-01", "internet_pc", "internet", Level.PUBLIC, "liumin", "office", "办公室",
              "互联网专用机")
    add("BGS-PR-01", "printer", "intranet", Level.INTERNAL, "liumin", "office", "办公室", "惠普 M405")
    cw = add("CW-PC-01", "classified_pc", "standalone", Level.CONFIDENTIAL, "wutao", "finance", "财务科",
             "长城 世恒 TF830")
    carrier = Carrier.objects.filter(kind=CarrierKind.USB, title__contains="U-GH-03").first()
    usb = add("U-GH-03", "usb", "standalone", Level.CONFIDENTIAL, "sunwei", "planning", "规划科 密码柜",
              "朗科 32GB 加密U盘", content_level=int(Level.CONFIDENTIAL),
              carrier=carrier if carrier is not None and carrier.level == int(Level.CONFIDENTIAL) else None)
    services.medium_bind(actor=officer, medium=usb, device=gh)
    services.repair_start(actor=officer, device=cw, repairer_unit="示范市信创电脑服务有限公司",
                          outside=True, supervisor=people["zhaolei"], disk_removed=False,
                          note="开机自检报内存错误；硬盘已拆下留存财务科密码柜")
    finding = {"kind": "fingerprint", "level": "WORK_SECRET", "level_zh": "工作秘密",
               "location": {"part": "body", "line": 12}, "snippet": "…根据■■■■■■■■的安排，…",
               "rule": "carrier", "simulated": False, "overlap": 0.31, "coverage": 0.12}
    lines = [
        {"v": 1, "path": "D:/下载/会议材料汇总.docx", "status": "ok", "error": None, "type": "docx", "size": 48211,
         "level": "WORK_SECRET", "counts": {"mark": 0, "keyword": 0, "fingerprint": 1, "simulated": 0},
         "findings": [finding], "omitted": 0, "problems": [], "members": 0, "elapsed_ms": 41},
        {"v": 1, "path": "D:/下载/通知.pdf", "status": "ok", "error": None, "type": "pdf", "size": 9120,
         "level": None, "counts": {"mark": 0, "keyword": 0, "fingerprint": 0, "simulated": 0},
         "findings": [], "omitted": 0, "problems": [], "members": 0, "elapsed_ms": 8},
    ]
    data = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode()
    services.scan_import(actor=officer, device=net, data=data)
    # 规划科's intranet computer, swept with `baomi scan -c` (counts only, nothing listed).
    swept = [
        {"v": 1, "path": "D:/规划科/2026年项目台账.xlsx", "status": "ok", "error": None, "type": "xlsx", "size": 286400,
         "level": "WORK_SECRET", "counts": {"mark": 0, "keyword": 14, "fingerprint": 0, "simulated": 0},
         "levels": {"WORK_SECRET": {"keyword": 9}, "INTERNAL": {"keyword": 5}}, "findings": [], "omitted": 14,
         "problems": [], "members": 0, "elapsed_ms": 63},
        {"v": 1, "path": "D:/规划科/会议通知.docx", "status": "ok", "error": None, "type": "docx", "size": 15872,
         "level": None, "counts": {"mark": 0, "keyword": 0, "fingerprint": 0, "simulated": 0}, "levels": {},
         "findings": [], "omitted": 0, "problems": [], "members": 0, "elapsed_ms": 6},
    ]
    services.scan_import(actor=officer, device=Device.objects.get(asset_no="GH-PC-02"),
                         data="\n".join(json.dumps(line, ensure_ascii=False) for line in swept).encode())

    _rules_story(password, people, units, today)


def _rules_story(password: str, people: dict[str, User], units: dict[str, Unit], today: datetime.date) -> None:
    officer, wangfang, liumin = people["lijianhua"], people["wangfang"], people["liumin"]
    pc = Device.objects.get(asset_no="JY-PC-01")
    for material, level, purpose in (("党组会议纪要（2026年第9次）", Level.SECRET, "打印分发党组成员"),
                                     ("2027年度保密工作要点（送审稿）", Level.CONFIDENTIAL, "修改定稿后打印")):
        task = rules.input_request(actor=wangfang, device=pc, material=material, level=int(level), purpose=purpose)
        assert task.approval is not None
        request_decide(actor=liumin, request=task.approval, approve=True, comment="同意，处理完毕即删除",
                       password=password)
        if level == Level.SECRET:
            rules.input_sanitise(actor=wangfang, task=task, method="overwrite", witness=liumin,
                                 note="文件已彻底删除，空闲空间三次覆写，回收站与临时文件已清理")
    usb = services.device_register(
        actor=officer, asset_no="U-JY-07", kind="usb", network="standalone", level=int(Level.CONFIDENTIAL),
        custodian=wangfang, unit=units["secretariat"], location="机要室 2 号密码柜", name="爱国者 16GB",
        content_level=int(Level.CONFIDENTIAL))
    reuse = rules.medium_reuse_request(actor=officer, medium=usb, new_level=int(Level.INTERNAL),
                                       new_purpose="改作内部资料交换专用U盘")
    assert reuse.approval is not None
    request_decide(actor=people["chen"], request=reuse.approval, approve=True, comment="同意，须经专业人员处理",
                   password=password)
    rules.medium_reuse_sanitise(actor=officer, reuse=reuse, specialist="示范市保密技术服务中心 张工",
                                method="tool", witness=wangfang, note="专用工具全盘擦除并校验")
    rules.data_review_record(actor=liumin, unit=units["secretariat"], done_on=today - datetime.timedelta(days=60),
                             note="清理过期草稿 23 份，核对涉密计算机文件目录与登记一致")
    rules.anomaly_report(actor=people["sunwei"], device=Device.objects.get(asset_no="GH-PC-01"), kind="moved",
                         description="D:/规划/项目库 文件夹被移至其他目录，本人未操作", important=True)
