"""Excel in and out: the guide (保密事项范围) import with row-level errors and its export, and the
国家秘密事项一览表 (list of state secrets) as xlsx; the same list as PDF for printing."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

from baomi.classification.models import Decision, GuideEntry
from baomi.classification.services import EntryData, period_from_text
from baomi.errors import Invalid
from baomi.levels import Level

GUIDE_COLUMNS = ["编号", "上级编号", "事项名称", "密级", "保密期限", "知悉范围", "关键词", "依据"]
REQUIRED_COLUMNS = ["编号", "事项名称", "密级"]
MAX_ROWS = 5000

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Row = tuple[int, EntryData | None, list[str]]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_guide(data: bytes) -> list[Row]:
    """Rows of a guide workbook as (row number, entry or None, problems). Problems are in the
    user's language and name the column; the service adds what the entry itself breaks."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise Invalid(_("无法读取该文件：请上传 Excel（.xlsx）文件")) from None
    try:
        sheet = workbook.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header = [_text(c) for c in next(lines, ())]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            message = _("缺少列：%(cols)s") % {"cols": "、".join(missing)}
            raise Invalid(_("第 1 行") + message, details={"rows": [{"row": 1, "message": message}]})
        index = {name: header.index(name) for name in GUIDE_COLUMNS if name in header}
        rows: list[Row] = []
        for number, line in enumerate(lines, start=2):
            cells = {name: _text(line[i]) if i < len(line) else "" for name, i in index.items()}
            if not any(cells.values()):
                continue
            if len(rows) >= MAX_ROWS:
                raise Invalid(_("文件超过 %(n)s 行") % {"n": MAX_ROWS})
            rows.append(_row(number, cells))
        return rows
    finally:
        workbook.close()


def _row(number: int, cells: dict[str, str]) -> Row:
    problems: list[str] = []
    level: Level | None = None
    try:
        level = Level.parse(cells["密级"]) if cells["密级"] else None
        if level is None:
            problems.append(_("“密级”不能为空"))
    except ValueError:
        problems.append(_("“密级”无法识别：%(v)s") % {"v": cells["密级"][:20]})
    try:
        period = period_from_text(cells.get("保密期限", ""))
    except Invalid as exc:
        problems.append(exc.message)
        period = None
    if level is None or period is None:
        return number, None, problems
    data = EntryData(code=cells["编号"], title=cells["事项名称"], level=level, period=period,
                     parent_code=cells.get("上级编号", ""), need_to_know_hint=cells.get("知悉范围", ""),
                     keywords=cells.get("关键词", ""), legal_basis=cells.get("依据", ""))
    return number, data, problems


def _workbook(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]], widths: Sequence[int]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for i, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_guide(entries: Iterable[GuideEntry]) -> bytes:
    """The guide in the import's own format, so an export edited and imported is a new version."""
    rows = ([e.code, e.parent.code if e.parent_id else "", e.title, Level(e.level).zh,  # type: ignore[union-attr]
             e.period.zh, e.need_to_know_hint, e.keywords, e.legal_basis] for e in entries)
    return _workbook("保密事项范围", GUIDE_COLUMNS, rows, [10, 10, 40, 8, 14, 24, 24, 30])


STATE_SECRET_COLUMNS = ["序号", "编号", "事项名称", "密级", "保密期限", "标志", "知悉范围", "定密依据", "定密责任人",
                        "承办人", "定密日期", "期限届满"]


def need_to_know_text(decision: Decision) -> str:
    from baomi.accounts.models import Role

    labels = dict(Role.choices)
    parts = []
    for entry in decision.need_to_know.all():
        if entry.person_id:
            parts.append(entry.person.full_name)  # type: ignore[union-attr]
        elif entry.unit_id:
            parts.append(entry.unit.name)  # type: ignore[union-attr]
        else:
            parts.append(str(labels.get(entry.role, entry.role)))
    return "、".join(parts)


def basis_text(decision: Decision) -> str:
    if decision.derived:
        return "派生定密：" + "、".join(s.code for s in decision.sources.all())
    if decision.provisional:
        return "先行拟定（报送期限 %s）" % (decision.report_deadline or "")
    if decision.guide_entry_id:
        return f"{decision.guide_entry.code} {decision.guide_entry.title}"  # type: ignore[union-attr]
    return ""


def state_secret_rows(decisions: Iterable[Decision]) -> list[list[str]]:
    rows = []
    for n, d in enumerate(decisions, start=1):
        rows.append([
            str(n), d.code, d.title, Level(d.level).zh, d.period.zh, d.mark, need_to_know_text(d), basis_text(d),
            d.authority.person.full_name if d.authority_id else "",  # type: ignore[union-attr]
            d.proposer.full_name, d.decided_on.isoformat() if d.decided_on else "",
            d.expires_on.isoformat() if d.expires_on else "—",
        ])
    return rows


def state_secret_list_xlsx(decisions: Iterable[Decision]) -> bytes:
    return _workbook("国家秘密事项一览表", STATE_SECRET_COLUMNS, state_secret_rows(decisions),
                     [6, 10, 36, 6, 14, 14, 24, 24, 10, 10, 12, 12])
