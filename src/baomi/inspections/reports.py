"""Inspection report (INSP-04, sent to the 保密委员会): PDF (reportlab, CID font STSong-Light, no
font file needed) and docx (python-docx), with the checklist results and the findings' status."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from baomi.inspections.models import Answer, Inspection, Rectification

FONT = "STSong-Light"


def _rows(inspection: Inspection) -> tuple[list[list[str]], list[list[str]]]:
    answers = [[a.item.rule_id, a.item.text, a.get_result_display(), a.note]
               for a in Answer.objects.filter(inspection=inspection).select_related("item")
               .order_by("item__sort_order")]
    findings = []
    for f in inspection.findings.order_by("id"):
        rect = Rectification.objects.filter(finding=f).select_related("owner").first()
        findings.append([f.get_severity_display(), f.text,
                         rect.owner.full_name if rect else "", rect.due_on.isoformat() if rect else "",
                         rect.get_status_display() if rect else ""])
    return answers, findings


def _heading(inspection: Inspection) -> list[str]:
    return [
        _("检查名称：%(t)s") % {"t": inspection.title},
        _("受检单位：%(u)s") % {"u": inspection.unit.path if inspection.unit else _("全单位")},
        _("检查人：%(p)s") % {"p": inspection.inspector.full_name if inspection.inspector else "—"},
        _("计划日期：%(d)s；完成日期：%(e)s") % {"d": inspection.planned_on.isoformat(),
                                          "e": inspection.done_on.isoformat() if inspection.done_on else "—"},
        _("报送：办公室保密委员会"),
    ]


def inspection_pdf(inspection: Inspection) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    body = ParagraphStyle("b", fontName=FONT, fontSize=9, leading=13, wordWrap="CJK")
    title = ParagraphStyle("t", fontName=FONT, fontSize=16, leading=22)
    answers, findings = _rows(inspection)
    buf = io.BytesIO()
    story: list = [Paragraph(_("保密检查报告"), title), Spacer(0, 6)]
    story += [Paragraph(line, body) for line in _heading(inspection)]

    def table(header: list[str], rows: list[list[str]], widths: list[float]) -> Table:
        data = [[Paragraph(c, body) for c in header]] + [[Paragraph(c or "", body) for c in r] for r in rows]
        t = Table(data, colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    story += [Spacer(0, 10), Paragraph(_("一、检查项目"), body)]
    story.append(table([_("规则"), _("检查内容"), _("结论"), _("说明")], answers, [60, 270, 45, 120]))
    story += [Spacer(0, 10), Paragraph(_("二、发现问题及整改情况"), body)]
    story.append(table([_("严重程度"), _("问题"), _("责任人"), _("整改期限"), _("状态")], findings,
                       [50, 245, 60, 65, 75]))
    if inspection.summary:
        story += [Spacer(0, 10), Paragraph(_("三、检查小结"), body), Paragraph(inspection.summary, body)]
    SimpleDocTemplate(buf, pagesize=A4, title=inspection.title).build(story)
    return buf.getvalue()


def inspection_docx(inspection: Inspection) -> bytes:
    import docx

    answers, findings = _rows(inspection)
    document = docx.Document()
    document.add_heading(_("保密检查报告"), level=1)
    for line in _heading(inspection):
        document.add_paragraph(line)
    for heading, header, rows in ((_("一、检查项目"), [_("规则"), _("检查内容"), _("结论"), _("说明")], answers),
                                  (_("二、发现问题及整改情况"),
                                   [_("严重程度"), _("问题"), _("责任人"), _("整改期限"), _("状态")], findings)):
        document.add_heading(heading, level=2)
        t = document.add_table(rows=1, cols=len(header))
        t.style = "Table Grid"
        for cell, text in zip(t.rows[0].cells, header, strict=True):
            cell.text = text
        for row in rows:
            for cell, text in zip(t.add_row().cells, row, strict=True):
                cell.text = text or ""
    if inspection.summary:
        document.add_heading(_("三、检查小结"), level=2)
        document.add_paragraph(inspection.summary)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def annual_report_docx(year: int) -> bytes:
    """年度保密工作情况 (ORG-06 annual evaluation, ORG-08 information report upward, SITE-05
    key-site report): inspections and their findings per unit, rectifications open and closed,
    committee meetings, directives studied, key sites with entries and drills, risks."""
    import docx
    from django.db.models import Count, Q

    from baomi.inspections.models import (
        CommitteeMeeting,
        Drill,
        Finding,
        KeySite,
        RectStatus,
        Risk,
        StudySession,
    )

    document = docx.Document()
    document.add_heading(_("%(y)s年度保密工作情况报告") % {"y": year}, level=1)
    inspections = Inspection.objects.filter(year=year).order_by("planned_on")
    document.add_heading(_("一、保密检查"), level=2)
    for insp in inspections:
        document.add_paragraph(_("%(t)s：%(s)s，发现问题%(n)s项") % {
            "t": insp.title, "s": insp.get_status_display(), "n": insp.findings.count()})
    document.add_heading(_("二、各单位整改情况"), level=2)
    rects = (Rectification.objects.filter(created_at__year=year).values("unit__name")
             .annotate(total=Count("id"), closed=Count("id", filter=Q(status=RectStatus.CLOSED)))
             .order_by("unit__name"))
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, [_("单位"), _("整改事项"), _("已复查关闭"), _("未关闭")], strict=True):
        cell.text = text
    for row in rects:
        for cell, text in zip(table.add_row().cells, [row["unit__name"], str(row["total"]), str(row["closed"]),
                                                      str(row["total"] - row["closed"])], strict=True):
            cell.text = text
    severe = Finding.objects.filter(inspection__year=year, severity="severe").count()
    document.add_paragraph(_("严重问题%(n)s项") % {"n": severe})
    document.add_heading(_("三、保密委员会会议与传达学习"), level=2)
    for m in CommitteeMeeting.objects.filter(held_on__year=year).order_by("held_on"):
        document.add_paragraph(_("%(d)s 保密委员会会议：%(t)s") % {"d": m.held_on.isoformat(), "t": m.topics})
    for s in StudySession.objects.filter(held_on__year=year).order_by("held_on"):
        document.add_paragraph(_("%(d)s 传达学习：%(t)s") % {"d": s.held_on.isoformat(), "t": s.document})
    document.add_heading(_("四、要害部位"), level=2)
    for site in KeySite.objects.select_related("responsible", "leader"):
        document.add_paragraph(_("%(n)s（%(l)s）：责任人%(r)s，责任领导%(h)s，进出登记%(e)s次，演练%(d)s次") % {
            "n": site.name, "l": site.location, "r": site.responsible.full_name, "h": site.leader.full_name,
            "e": site.entries.filter(entered_at__year=year).count(),
            "d": Drill.objects.filter(site=site, held_on__year=year).count()})
    document.add_heading(_("五、风险登记"), level=2)
    for risk in Risk.objects.select_related("owner").order_by("-likelihood", "-impact"):
        document.add_paragraph(_("%(t)s（可能性%(l)s，影响%(i)s，责任人%(o)s）") % {
            "t": risk.title, "l": risk.likelihood, "i": risk.impact, "o": risk.owner.full_name})
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()
