"""The carrier registers as xlsx and printable PDF (A4 landscape, the built-in Chinese CID font):
收文登记簿, 发文登记簿, 借阅登记簿, 销毁清单, 清退清单, 传阅单 and 复制登记簿 (CARRIER-01, -08, -09,
-10, -13, -16, -20).

Rows come only from the selectors, so a register holds exactly what its reader may see: a
carrier outside the reader's view is absent, and its title never printed. Every export is
recorded (which register, format, period, row count; never a title)."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from baomi import policy
from baomi.accounts.models import User
from baomi.audit.services import atomic_action, record
from baomi.carriers import selectors
from baomi.carriers.models import Copy, Direction, Movement, MovementKind
from baomi.classification.reports import _font
from baomi.errors import Invalid, NotFound

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
FORMATS = ("xlsx", "pdf")


@dataclass(frozen=True)
class Period:
    start: datetime.date | None = None
    end: datetime.date | None = None

    def text(self) -> str:
        if not self.start and not self.end:
            return _("全部")
        return f"{self.start.isoformat() if self.start else '…'} — {self.end.isoformat() if self.end else '…'}"


def parse_period(start: str | None, end: str | None) -> Period:
    """Dates from a query string (YYYY-MM-DD); empty means open-ended."""
    def one(raw: str | None) -> datetime.date | None:
        raw = (raw or "").strip()
        if not raw:
            return None
        try:
            return datetime.date.fromisoformat(raw)
        except ValueError:
            raise Invalid(_("日期格式应为 YYYY-MM-DD")) from None

    period = Period(one(start), one(end))
    if period.start and period.end and period.start > period.end:
        raise Invalid(_("起始日期晚于截止日期"))
    return period


def _local(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _day(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""


def _person(user: User | None) -> str:
    return (user.full_name or user.username) if user else ""


def _date_range(qs: QuerySet[Any], field: str, period: Period) -> QuerySet[Any]:
    if period.start:
        qs = qs.filter(**{f"{field}__gte": period.start})
    if period.end:
        qs = qs.filter(**{f"{field}__lte": period.end})
    return qs


# ---------------------------------------------------------------- rows from the selectors


def incoming_rows(reader: User, period: Period) -> list[list[str]]:
    """收文, and documents brought back from meetings (会议带回, CARRIER-09: the meeting and the
    person who brought it back in the last column)."""
    carriers = _date_range(selectors.carriers_visible_to(reader).filter(
        direction__in=[Direction.INCOMING, Direction.MEETING]), "registered_on", period).select_related(
        "brought_by").order_by("registered_on", "id")
    rows = []
    for c in carriers:
        serials = sorted(selectors.copies_of(reader, c).values_list("serial", flat=True))
        numbers = f"{serials[0]:06d}—{serials[-1]:06d}" if serials else ""
        meeting = f"{c.meeting_name}（{_person(c.brought_by)}带回）" if c.direction == Direction.MEETING else ""
        rows.append([c.register_no, _day(c.registered_on), c.source_unit, c.doc_number, c.title, c.marking,
                     str(len(serials)), numbers, _day(c.return_by), _person(c.created_by), meeting])
    return rows


def _movements(reader: User, *kinds: str) -> QuerySet[Movement]:
    return (Movement.objects.filter(copy__in=selectors.copies_visible_to(reader), kind__in=kinds)
            .select_related("copy__carrier", "actor", "to_person", "from_person", "approval").order_by("at", "id"))


def outgoing_rows(reader: User, period: Period) -> list[list[str]]:
    moves = _date_range(_movements(reader, MovementKind.DISPATCH), "at__date", period)
    return [[_local(m.at), m.copy.carrier.register_no, m.copy.number, m.copy.carrier.doc_number, m.copy.carrier.title,
             m.copy.carrier.marking, m.to_unit, m.get_channel_display(), m.courier, _person(m.actor)] for m in moves]


def lending_rows(reader: User, period: Period) -> list[list[str]]:
    returned = (Movement.objects.filter(copy_id=OuterRef("copy_id"), kind=MovementKind.RETURN, at__gte=OuterRef("at"))
                .order_by("at", "id").values("at")[:1])
    moves = _date_range(_movements(reader, MovementKind.LEND), "at__date", period).annotate(
        returned_at=Subquery(returned))
    return [[_person(m.to_person), _local(m.at), m.copy.carrier.register_no, m.copy.number, m.copy.carrier.title,
             m.copy.carrier.marking, _local(m.due_at), _local(m.returned_at), _person(m.actor),
             str(m.approval_id or "")] for m in moves]


def destruction_rows(reader: User, period: Period, *, list_id: int | None = None) -> list[list[str]]:
    lists = selectors.destructions_visible_to(reader)
    if list_id is not None:
        lists = lists.filter(pk=list_id)
    lists = _date_range(lists, "created_at__date", period).order_by("created_at", "id")
    visible = set(selectors.copies_visible_to(reader).filter(destruction_lists__in=lists).values_list("pk", flat=True))
    rows = []
    for d in lists:
        for c in selectors.destruction_copies(d):
            # A copy on a list the reader may open is named by register number and 份号; its
            # title only where the carrier itself is visible to the reader.
            title = c.carrier.title if c.pk in visible else "—"
            rows.append([d.number, c.carrier.register_no, c.number, title, c.carrier.marking, d.get_method_display(),
                         d.site, d.get_status_display(), _person(d.created_by),
                         f"{_person(d.witness_1)}、{_person(d.witness_2)}", _local(d.destroyed_at),
                         d.certificate_no or ""])
    return rows


def hand_back_rows(reader: User, period: Period) -> list[list[str]]:
    copies: QuerySet[Copy] = selectors.due_for_hand_back(reader, until=period.end or datetime.date.max)
    if period.start:
        copies = copies.filter(carrier__return_by__gte=period.start)
    return [[c.carrier.register_no, c.number, c.carrier.source_unit, c.carrier.doc_number, c.carrier.title,
             c.carrier.marking, _day(c.carrier.return_by), c.location, c.get_status_display(),
             _person(c.custodian)] for c in copies]


def _of_carrier(moves: QuerySet[Movement], carrier_id: int | None) -> QuerySet[Movement]:
    return moves if carrier_id is None else moves.filter(copy__carrier_id=carrier_id)


def circulation_rows(reader: User, period: Period, *, carrier_id: int | None = None) -> list[list[str]]:
    """传阅单 (CARRIER-08): every hand-out for reading, with the reader, the 事由, the times out,
    signed for and back, and the 机要员 who handed it out; per carrier with `carrier_id`."""
    signed = (Movement.objects.filter(copy_id=OuterRef("copy_id"), kind=MovementKind.ACKNOWLEDGE,
                                      at__gte=OuterRef("at")).order_by("at", "id").values("at")[:1])
    returned = (Movement.objects.filter(copy_id=OuterRef("copy_id"), kind=MovementKind.RETURN, at__gte=OuterRef("at"))
                .order_by("at", "id").values("at")[:1])
    moves = _of_carrier(_date_range(_movements(reader, MovementKind.CIRCULATE), "at__date", period), carrier_id)
    moves = moves.annotate(signed_at=Subquery(signed), returned_at=Subquery(returned))
    return [[m.copy.carrier.register_no, m.copy.number, m.copy.carrier.title, m.copy.carrier.marking,
             _person(m.to_person), m.note, _local(m.at), _local(m.signed_at), _local(m.due_at), _local(m.returned_at),
             _person(m.actor)] for m in moves]


def copying_rows(reader: User, period: Period, *, carrier_id: int | None = None) -> list[list[str]]:
    """复制登记簿 (CARRIER-13, -14, -15): each copy made by approval and each excerpt
    registered from a copy — when, what from, the new 份号 or 摘抄件, who, which approval."""
    moves = _of_carrier(_date_range(_movements(reader, MovementKind.REPRODUCE, MovementKind.EXCERPT), "at__date",
                                    period), carrier_id).select_related("copy__origin", "copy__carrier__excerpt_of")
    rows = []
    for m in moves:
        if m.kind == MovementKind.EXCERPT:
            source = m.copy.carrier.excerpt_of
            made = f"{m.copy.carrier.register_no} 第{m.copy.number}份"
            # The source is named by register number and 份号 only (the reader may see the excerpt).
            origin = f"{source.carrier.register_no} 第{source.number}份" if source else ""
        else:
            made = f"{m.copy.carrier.register_no} 第{m.copy.number}份"
            origin = f"{m.copy.carrier.register_no} 第{m.copy.origin.number}份" if m.copy.origin else ""
        rows.append([_local(m.at), m.get_kind_display(), origin, made, m.copy.carrier.title, m.copy.carrier.marking,
                     _person(m.to_person), _person(m.actor), str(m.approval_id or "")])
    return rows


@dataclass(frozen=True)
class Register:
    slug: str
    heading: str
    columns: Sequence[str]
    widths: Sequence[int]  # mm in the PDF; characters/2 in the xlsx
    rows: Callable[..., list[list[str]]]


REGISTERS: dict[str, Register] = {
    r.slug: r for r in (
        Register("incoming", "收文登记簿",
                 ["登记号", "收文日期", "来文单位", "文号", "标题", "密级标志", "份数", "份号", "清退期限", "登记人",
                  "会议带回"],
                 [24, 20, 30, 30, 56, 22, 12, 30, 20, 18, 30], incoming_rows),
        Register("outgoing", "发文登记簿",
                 ["发出时间", "登记号", "份号", "文号", "标题", "密级标志", "发往单位", "传递方式", "递送人", "经办人"],
                 [26, 24, 14, 30, 60, 22, 32, 34, 18, 18], outgoing_rows),
        Register("lending", "借阅登记簿",
                 ["借阅人", "借出时间", "登记号", "份号", "标题", "密级标志", "应还时间", "归还时间", "经办人",
                  "审批单"],
                 [18, 26, 24, 14, 62, 22, 26, 26, 18, 16], lending_rows),
        Register("destruction", "销毁清单",
                 ["清单号", "登记号", "份号", "标题", "密级标志", "销毁方式", "销毁地点", "状态", "经办人", "监销人",
                  "销毁时间", "证明编号"],
                 [22, 22, 13, 52, 20, 16, 26, 18, 14, 26, 24, 22], destruction_rows),
        Register("hand_back", "清退清单",
                 ["登记号", "份号", "来文单位", "文号", "标题", "密级标志", "清退期限", "存放位置", "状态", "责任人"],
                 [24, 14, 32, 30, 62, 22, 20, 30, 16, 18], hand_back_rows),
        Register("circulation", "传阅单",
                 ["登记号", "份号", "标题", "密级标志", "阅件人", "事由", "送阅时间", "签收时间", "应还时间",
                  "退回时间", "送阅人"],
                 [24, 14, 56, 22, 18, 30, 26, 26, 26, 26, 18], circulation_rows),
        Register("copying", "复制登记簿",
                 ["时间", "事项", "原件", "复制件/摘抄件", "标题", "密级标志", "保管人", "经办人", "审批单"],
                 [26, 14, 34, 34, 62, 22, 18, 18, 16], copying_rows),
    )
}
# Registers that can be narrowed to one carrier (?carrier=<id>): a carrier's 传阅单.
PER_CARRIER = ("circulation", "copying")


def register_for(slug: str) -> Register:
    found = REGISTERS.get(slug)
    if found is None:
        raise NotFound(_("对象不存在"))
    return found


# ---------------------------------------------------------------- rendering


def register_xlsx(register: Register, rows: Sequence[Sequence[str]], *, period: Period) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = register.heading
    sheet.append([register.heading, f"期间：{period.text()}"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(list(register.columns))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for i, width in enumerate(register.widths):
        sheet.column_dimensions[chr(ord("A") + i)].width = max(8, width // 2 + 4)
    for line in sheet.iter_rows(min_row=3):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def register_pdf(register: Register, rows: Sequence[Sequence[str]], *, period: Period, unit_name: str,
                 printed_by: str, printed_on: str) -> bytes:
    font = _font()
    cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10)
    head = ParagraphStyle("head", fontName=font, fontSize=16, leading=20, alignment=1)
    note = ParagraphStyle("note", fontName=font, fontSize=9, leading=12)
    data = [[Paragraph(c, cell) for c in register.columns]]
    data += [[Paragraph(_escape(str(c)), cell) for c in r] for r in rows]
    if not rows:
        data.append([Paragraph("（无记录）", cell)] + [""] * (len(register.columns) - 1))
    page_width = landscape(A4)[0] - 16 * mm
    scale = page_width / (sum(register.widths) * mm)
    table = Table(data, colWidths=[w * mm * scale for w in register.widths], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef0f4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=8 * mm, rightMargin=8 * mm,
                                 topMargin=10 * mm, bottomMargin=10 * mm, title=register.heading)
    document.build([
        Paragraph(_escape(f"{unit_name}{register.heading}"), head),
        Spacer(1, 4 * mm),
        Paragraph(_escape(f"期间：{period.text()}　打印：{printed_by}　日期：{printed_on}　共 {len(rows)} 条"
                          "（仅含打印人有权查看的载体）"), note),
        Spacer(1, 3 * mm),
        table,
    ])
    return out.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _root_unit_name(actor: User) -> str:
    if not actor.unit:
        return ""
    chain = actor.unit.ancestors()
    return chain[-1].name if chain else actor.unit.name


def register_rows(*, actor: User, slug: str, period: Period | None = None, list_id: int | None = None,
                  carrier_id: int | None = None) -> tuple[Register, list[list[str]]]:
    """A register's rows for the page (keepers only, like the downloads); a carrier filter the
    reader may not see is "not found"."""
    period = period or Period()
    policy.require(actor, policy.Perm.KEEP_CARRIERS)
    register = register_for(slug)
    return register, _rows(actor, register, period, list_id=list_id, carrier_id=carrier_id)


def _rows(actor: User, register: Register, period: Period, *, list_id: int | None,
          carrier_id: int | None) -> list[list[str]]:
    if register.slug == "destruction":
        return destruction_rows(actor, period, list_id=list_id)
    if register.slug in PER_CARRIER:
        if carrier_id is not None:
            selectors.carrier_for(actor, carrier_id)  # NotFound when hidden
        rows: list[list[str]] = register.rows(actor, period, carrier_id=carrier_id)
        return rows
    return register.rows(actor, period)


def register_export(*, actor: User, slug: str, fmt: str, period: Period | None = None,
                    list_id: int | None = None, carrier_id: int | None = None) -> tuple[bytes, str, str]:
    """One register of what `actor` may see, as xlsx or PDF: (content, content type, file name).
    Keepers only (the registers are theirs, CARRIER-03); the export is recorded without titles."""
    period = period or Period()
    with atomic_action(actor, "carriers.register.export"):
        policy.require(actor, policy.Perm.KEEP_CARRIERS)
        register = register_for(slug)
        if fmt not in FORMATS:
            raise Invalid(_("未知格式"))
        rows = _rows(actor, register, period, list_id=list_id, carrier_id=carrier_id)
        if fmt == "xlsx":
            content, content_type = register_xlsx(register, rows, period=period), XLSX_TYPE
        else:
            content = register_pdf(register, rows, period=period, unit_name=_root_unit_name(actor),
                                   printed_by=_person(actor), printed_on=timezone.localdate().isoformat())
            content_type = PDF_TYPE
        details: dict[str, Any] = {"register": slug, "format": fmt, "rows": len(rows),
                                   "from": _day(period.start), "to": _day(period.end)}
        if list_id is not None:
            details["destruction_list"] = list_id
        if carrier_id is not None:
            details["carrier"] = carrier_id
        record(actor=actor, action="carriers.register.export", object_type="carrier_register", object_id=slug,
               summary=f"导出{register.heading}（{fmt}，{len(rows)} 条，{period.text()}）", details=details)
    return content, content_type, f"{slug.replace('_', '-')}-register-{timezone.localdate().isoformat()}.{fmt}"

