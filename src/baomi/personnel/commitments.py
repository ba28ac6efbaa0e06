"""保密承诺书 templates (PERS-04, PERS-16) and their PDF.

The wording follows the seed: 《涉密人员保密工作须知》 (S14) for the duties, and the company
rules (S12) for the agreement kept as evidence and the exit declaration. A template's text is
filled with the person's data once, when the commitment is prepared; what the person signs is
that stored text (its SHA-256 goes into the signature record), never a re-rendering.
"""

from __future__ import annotations

import datetime
import hashlib
import io

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from baomi.accounts.models import User
from baomi.levels import Clearance
from baomi.personnel.models import Commitment, CommitmentKind

VERSION = "2026.1"
FONT = "STSong-Light"

_HEAD = """本人{name}（工号：{staff_no}），现任{unit}{post}，涉密人员类别为{category}涉密人员。"""

_HIRE = _HEAD + """本人自愿作出如下承诺：
一、认真遵守国家保密法律、法规和规章制度，履行保密义务；如实提供个人信息，接受任用审查及定期复审。
二、明确自身涉密等级及岗位职责，严格按照岗位性质接触、悉知国家秘密，不该说的秘密绝对不说，不该问的秘密绝对不问。
三、依法保管和使用涉密载体及保密设施、设备，不擅自复制、记录、存储国家秘密，不在私人交往和通信中涉及国家秘密和内部敏感信息。
四、每年接受一次一定学时的保密专题教育培训，在年度考核时汇报履行保密职责及遵守保密纪律情况。
五、出入境证件由组织人事部门集中保管，未经审查批准，不擅自出国（境）。
六、发现泄密隐患或泄密行为及时报告，并采取必要补救措施；与境外人员结婚，配偶、子女获得境外永久居留资格或外国国籍，以及发现对本人利诱、胁迫、渗透、策反行为的，及时报告。
七、不在互联网应用中发布国家秘密或者泄露自身身份、工作性质等。
八、离岗离职时，清退所有涉密载体，清理有关权限，接受脱密期管理。
违反上述承诺，自愿承担党纪政纪责任和法律后果。本承诺书签署后作为法律证据存档。"""

_CHANGE = _HEAD + """因工作岗位调整，本人现任{post}（岗位涉密程度：{post_level}），自愿作出如下承诺：
一、按照新岗位的涉密等级和岗位职责接触、悉知国家秘密，不超越岗位知悉范围。
二、原岗位保管的涉密载体已全部清理登记移交，手续交接清楚；原岗位知悉的国家秘密继续严格保守。
三、继续遵守上岗时签署的保密承诺书的各项承诺，接受所在部门、组织人事部门和保密工作机构的日常监督管理。
违反上述承诺，自愿承担党纪政纪责任和法律后果。"""

_LEAVE = _HEAD + """本人即将离开涉密岗位，郑重声明并承诺：
一、已清退所有涉密载体和本单位的机密信息及财产，已按规定程序交接工作，完整移交相关涉密信息和存储介质。
二、保证不再使用或泄露本单位的机密信息；保密责任在离岗离职后仍然存在，直至相关资料解密或进入公共领域。
三、自愿接受脱密期管理：脱密期自批准离岗之日起计算，期限按涉密人员类别确定；脱密期内就业或变更就业单位及时向原单位报告去向，出国（境）须经原单位审批。
四、不以任何方式泄露所知悉的国家秘密和工作秘密，不利用所知悉的国家秘密谋取利益。
违反上述承诺，自愿承担党纪政纪责任和法律后果。"""

TEMPLATES = {CommitmentKind.HIRE: _HIRE, CommitmentKind.CHANGE: _CHANGE, CommitmentKind.LEAVE: _LEAVE}


def render_text(person: User, kind: str, *, post: str = "", post_level: str = "",
                on: datetime.date | None = None) -> str:
    template = TEMPLATES[CommitmentKind(kind)]
    body = template.format(
        name=person.full_name or person.username, staff_no=person.staff_no or "—",
        unit=person.unit.path if person.unit else "", post=post or person.post or "—",
        category=Clearance(person.clearance).zh if person.clearance else "拟任", post_level=post_level or "—",
    )
    day = on or timezone.localdate()
    return f"{body}\n\n承诺人：{person.full_name or person.username}\n日期：{day:%Y年%m月%d日}"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def pdf(commitment: Commitment) -> bytes:
    """The stored text as an A4 PDF, with the signature record when signed."""
    font = _font()
    head = ParagraphStyle("head", fontName=font, fontSize=18, leading=26, alignment=1)
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=19, firstLineIndent=22)
    note = ParagraphStyle("note", fontName=font, fontSize=8, leading=11)
    out = io.BytesIO()
    title = commitment.get_kind_display()
    document = SimpleDocTemplate(out, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm,
                                 topMargin=20 * mm, bottomMargin=20 * mm, title=title)
    story = [Paragraph(title, head), Spacer(1, 6 * mm)]
    for line in commitment.text.splitlines():
        story.append(Paragraph(line or "&nbsp;", body))
    story.append(Spacer(1, 8 * mm))
    if commitment.is_signed:
        signed = f"已签署（{commitment.get_sign_method_display()}）：{commitment.signed_at:%Y-%m-%d %H:%M:%S %Z}"
        if commitment.signed_ip:
            signed += f"，IP {commitment.signed_ip}"
        story.append(Paragraph(signed, note))
    story.append(Paragraph(f"模板版本 {commitment.template_version}　正文 SHA-256 {commitment.text_sha256}", note))
    document.build(story)
    return out.getvalue()
