"""The vault's part of the demo: two electronic 工作秘密 carriers of 规划科 with encrypted
content (a meeting summary as PDF, in two versions, and a weekly plan as GBK text), and one
pre-send check that recognises an excerpt of the summary. Through the services only."""

from __future__ import annotations

import io

from django.conf import settings
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from baomi.accounts.models import Unit, User
from baomi.carriers.models import CarrierKind, StorageClass
from baomi.carriers.services import carrier_register
from baomi.errors import Refused
from baomi.levels import Level
from baomi.vault.services import content_upload
from baomi.vault.watermark import cjk_font

MINUTES = [
    ("内部事项 注意保管", "2026年度重点项目调度会议纪要"),
    ("", "会议时间：本月上旬；地点：委机关三楼会议室；主持：陈国强主任。"),
    ("", "一、会议听取了规划科关于全市重点项目前期工作进展的汇报。截至目前，列入年度计划的重点项目"),
    ("", "共一百二十六个，已开工一百零八个，完成年度投资计划的百分之八十七。"),
    ("", "二、会议指出，部分项目用地报批进度偏慢，个别项目融资渠道尚未落实，施工许可办理周期较长，"),
    ("", "需要相关科室加强协调，形成工作合力。"),
    ("", "三、会议要求：（一）建立重点项目周调度机制，每周一报送进展；（二）协调自然资源部门加快"),
    ("", "用地预审；（三）组织银企对接会，帮助项目单位解决融资难题；（四）对进度滞后的项目实行挂牌督办。"),
]
MINUTES_PAGE_2 = [
    "四、参会人员：陈国强、刘敏、孙伟、周静、吴涛。",
    "五、本纪要发至规划科、财务科、办公室，请各科室按分工抓好落实，不得对外提供。",
    "（示范市发展和改革委员会办公室 整理）",
]
WEEKLY_PLAN = """规划科本周工作安排（内部）

一、周一：汇总各区重点项目进展，形成周调度简报，报委领导。
二、周二：会同自然资源部门召开用地预审协调会，梳理待报批项目清单。
三、周三：赴产业园区调研新型基础设施项目推进情况。
四、周四：整理国土空间规划修编意见汇总表（不含涉密附件）。
五、周五：科室学习《保守国家秘密法》及本单位保密管理规定，完成保密自查表。

请科室人员按时完成，有问题及时向孙伟科长报告。
"""


def _minutes_pdf(revised: bool) -> bytes:
    font = cjk_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle("2026年度重点项目调度会议纪要")
    y = 780.0
    for mark, line in MINUTES:
        if mark:
            c.setFont(font, 11)
            c.drawString(56, 800, mark)
            c.setFont(font, 16)
            c.drawCentredString(A4[0] / 2, 760, line)
            y = 720
            continue
        c.setFont(font, 11)
        c.drawString(56, y, line)
        y -= 22
    c.showPage()
    c.setFont(font, 11)
    y = 780
    for line in MINUTES_PAGE_2 + (["六、补充：下周召开项目融资专题协调会，由财务科牵头。"] if revised else []):
        c.drawString(56, y, line)
        y -= 22
    c.showPage()
    c.save()
    return buf.getvalue()


def load(password: str) -> None:
    people = {u.username: u for u in User.objects.filter(username__in=["wangfang", "zhoujing"])}
    units = {u.code: u for u in Unit.objects.filter(code__in=["planning", "leaders", "office"])}
    wangfang = people["wangfang"]
    mark = "工作秘密" if settings.BAOMI_SYSTEM_LEVEL >= Level.WORK_SECRET else "内部"
    common = {"actor": wangfang, "direction": "made", "kind": CarrierKind.ELECTRONIC, "mark": mark, "copies": 1,
              "storage": StorageClass.CABINET, "location": "机要室 电子文件库（加密存储）"}
    try:
        minutes = carrier_register(title="2026年度重点项目调度会议纪要（电子版）", doc_number="调度纪要〔2026〕9号",
                                   need_to_know_units=[units["planning"], units["leaders"], units["office"]],
                                   **common)  # type: ignore[arg-type]
        plan = carrier_register(title="规划科本周工作安排（电子版）", need_to_know_units=[units["planning"]],
                                **common)  # type: ignore[arg-type]
        content_upload(actor=wangfang, carrier=minutes, data=_minutes_pdf(False), filename="重点项目调度会议纪要.pdf",
                       content_type="application/pdf")
        content_upload(actor=wangfang, carrier=minutes, data=_minutes_pdf(True),
                       filename="重点项目调度会议纪要（修订）.pdf", content_type="application/pdf")
        content_upload(actor=wangfang, carrier=plan, data=WEEKLY_PLAN.encode("gbk"), filename="规划科本周工作安排.txt",
                       content_type="text/plain")
    except Refused:  # an installation accredited below 内部 holds no content at all
        return
    # 周静 checks a draft before sending it: it reuses the meeting summary's text.
    from baomi.review.services import content_check

    excerpt = "".join(line for _mark, line in MINUTES[2:])
    content_check(actor=people["zhoujing"], text=f"各区发展改革局：现将有关情况通报如下。{excerpt}", purpose="send",
                  filename="关于重点项目进展情况的通报（草稿）.txt")
