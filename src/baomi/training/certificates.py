"""The 保密教育考试合格证书 as a one-page PDF (A4 landscape), with the built-in Chinese CID
font STSong-Light so that no font file is needed. It carries the verification number that
/training/verify/ and the API check."""

from __future__ import annotations

import io

from django.utils import timezone
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from baomi.classification.reports import _font
from baomi.training.models import Attempt


def _organisation(attempt: Attempt) -> str:
    unit = attempt.person.unit
    chain = unit.ancestors() if unit is not None else []
    top = chain[-1] if chain else unit
    return top.name if top is not None else ""


def certificate_pdf(attempt: Attempt) -> bytes:
    font = _font()
    out = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(out, pagesize=(width, height))
    pdf.setTitle("保密教育考试合格证书")
    pdf.setLineWidth(2)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    pdf.setLineWidth(0.6)
    pdf.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    pdf.setFont(font, 30)
    pdf.drawCentredString(width / 2, height - 50 * mm, "保密教育考试合格证书")
    person = attempt.person
    finished = timezone.localtime(attempt.finished_at or attempt.started_at)
    lines = [
        f"{person.full_name or person.username}（{person.unit.name if person.unit else ''}）：",
        f"于 {finished:%Y年%m月%d日} 参加《{attempt.exam.title}》（{attempt.exam.get_purpose_display()}），",
        f"成绩 {attempt.score} 分（及格分 {attempt.exam.pass_mark} 分），考试合格，特发此证。",
    ]
    pdf.setFont(font, 16)
    y = height - 80 * mm
    for line in lines:
        pdf.drawString(35 * mm, y, line)
        y -= 12 * mm
    pdf.setFont(font, 14)
    pdf.drawRightString(width - 35 * mm, 45 * mm, _organisation(attempt) + " 保密办")
    pdf.drawRightString(width - 35 * mm, 37 * mm, f"{finished:%Y年%m月%d日}")
    pdf.setFont(font, 11)
    pdf.drawString(30 * mm, 25 * mm, f"证书编号：{attempt.certificate_no}    （可在 Baomi“培训考试 › 证书查验”核验）")
    pdf.showPage()
    pdf.save()
    return out.getvalue()
