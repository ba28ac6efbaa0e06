"""The 国家秘密事项一览表 as a printable PDF (A4 landscape), with the built-in Chinese CID font
so that no font file is needed."""

from __future__ import annotations

import io
from collections.abc import Iterable

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from baomi.accounts.models import User
from baomi.audit.services import atomic_action, record
from baomi.classification.excel import STATE_SECRET_COLUMNS, XLSX_TYPE, state_secret_list_xlsx, state_secret_rows
from baomi.classification.models import Decision
from baomi.errors import Invalid

FONT = "STSong-Light"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def state_secret_list_pdf(decisions: Iterable[Decision], *, unit_name: str, printed_on: str, printed_by: str) -> bytes:
    font = _font()
    cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10)
    head = ParagraphStyle("head", fontName=font, fontSize=16, leading=20, alignment=1)
    note = ParagraphStyle("note", fontName=font, fontSize=9, leading=12)
    rows = state_secret_rows(decisions)
    data = [[Paragraph(c, cell) for c in STATE_SECRET_COLUMNS]] + [[Paragraph(str(c), cell) for c in r] for r in rows]
    widths = [10, 18, 62, 10, 20, 22, 40, 40, 18, 16, 18, 18]
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef0f4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=8 * mm, rightMargin=8 * mm,
                                 topMargin=10 * mm, bottomMargin=10 * mm, title="国家秘密事项一览表")
    story = [
        Paragraph(f"{unit_name}国家秘密事项一览表", head),
        Spacer(1, 4 * mm),
        Paragraph(f"打印：{printed_by}　日期：{printed_on}　共 {len(rows)} 项（仅含打印人有权知悉的事项）", note),
        Spacer(1, 3 * mm),
        table,
    ]
    document.build(story)
    return out.getvalue()


def state_secret_list_export(*, actor: User, fmt: str) -> tuple[bytes, str]:
    """The 国家秘密事项一览表 of what `actor` may see, as xlsx or PDF; the export is recorded
    (what was exported and how many rows, never the titles)."""
    from django.utils.translation import gettext as _

    from baomi import policy
    from baomi.classification import selectors, services

    with atomic_action(actor, "classification.report.export"):
        policy.require(actor, policy.Perm.CLASSIFICATION_REPORTS)
        if fmt not in ("xlsx", "pdf"):
            raise Invalid(_("未知格式"))
        rows = list(selectors.state_secret_list(actor))
        if fmt == "xlsx":
            content, content_type = state_secret_list_xlsx(rows), XLSX_TYPE
        else:
            chain = actor.unit.ancestors() if actor.unit else []
            root = chain[-1].name if chain else (actor.unit.name if actor.unit else "")
            content = state_secret_list_pdf(rows, unit_name=root, printed_on=services.today().isoformat(),
                                            printed_by=actor.full_name)
            content_type = "application/pdf"
        record(actor=actor, action="classification.report.export", object_type="report",
               object_id="state_secret_list", summary=f"导出国家秘密事项一览表（{fmt}，{len(rows)} 项）",
               details={"format": fmt, "rows": len(rows), "decisions": [d.pk for d in rows]})
    return content, content_type
