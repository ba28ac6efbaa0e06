"""The guide's Excel import (dry run, row-level Chinese errors, all or nothing) and export,
and the 国家秘密事项一览表 as xlsx and PDF."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook, load_workbook

from baomi.classification import excel, services
from baomi.classification.models import Guide, GuideEntry
from baomi.classification.reports import state_secret_list_export
from baomi.errors import Invalid, Refused
from tests.classification.conftest import events

HEADER = ["编号", "上级编号", "事项名称", "密级", "保密期限", "知悉范围", "关键词", "依据"]
GOOD = [
    ["1", "", "规划编制", "机密", "10年", "规划科", "规划", "《保密事项范围》第三条"],
    ["1.1", "1", "总体规划草案", "机密", "长期", "委领导", "草案", ""],
    ["2", "", "重大项目选址（批复前）", "机密", "项目批复后", "", "选址", ""],
    ["3", "", "预算执行明细", "秘密", "6个月", "财务科", "预算", ""],
]


def workbook(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_dry_run_checks_and_writes_nothing(officer):
    rows = excel.parse_guide(workbook(GOOD))
    assert services.guide_import(actor=officer, rows=rows, title="保密事项范围", dry_run=True) is None
    assert not Guide.objects.exists() and not events("classification.guide.import")


def test_import_creates_a_new_current_version(officer, guide, entries):
    rows = excel.parse_guide(workbook(GOOD))
    created = services.guide_import(actor=officer, rows=rows, title="保密事项范围（2026）",
                                    document_no="示保〔2026〕1号", dry_run=False)
    assert created.version == guide.version + 1 and created.is_current
    guide.refresh_from_db()
    assert not guide.is_current, "the old version stays, no longer current"
    imported = {e.code: e for e in created.entries.all()}
    assert imported["1.1"].parent == imported["1"] and imported["1.1"].default_mark == "机密★长期"
    assert imported["2"].default_mark == "机密★项目批复后" and imported["3"].default_mark == "秘密★6个月"
    assert json.loads(events("classification.guide.import")[-1].details)["entries"] == 4


def test_row_level_errors_in_chinese_and_nothing_written(officer):
    bad = [
        *GOOD,
        ["4", "", "", "秘密", "5年", "", "", ""],  # row 6: no title
        ["5", "", "某事项", "很机密", "5年", "", "", ""],  # row 7: unknown level
        ["6", "", "某事项", "秘密", "15年", "", "", ""],  # row 8: above the 10-year ceiling
        ["1", "", "重复", "秘密", "5年", "", "", ""],  # row 9: duplicate code
        ["7", "9", "下级", "秘密", "2030年1月1日", "", "", ""],  # row 10: unknown parent; a date in a guide
        ["8", "", "内部事项", "工作秘密", "1年", "", "", ""],  # row 11: not a state level
        ["9", "", "期限", "秘密", "18个月", "", "", ""],  # row 12: unreadable period
    ]
    rows = excel.parse_guide(workbook(bad))
    with pytest.raises(Invalid, match="未导入任何内容") as caught:
        services.guide_import(actor=officer, rows=rows, title="保密事项范围", dry_run=False)
    problems = caught.value.details["rows"]
    by_row: dict[int, list[str]] = {}
    for p in problems:
        by_row.setdefault(p["row"], []).append(p["message"])
    assert set(by_row) == {6, 7, 8, 9, 10, 11, 12}
    assert by_row[6] == ["事项名称不能为空"]
    assert "“密级”无法识别：很机密" in by_row[7]
    assert by_row[8] == ["保密期限超过秘密的法定最长期限10年"]
    assert by_row[9] == ["编号 1 与第 2 行重复"]
    assert any("上级编号 9" in m for m in by_row[10]) and any("具体日期" in m for m in by_row[10])
    assert by_row[11] == ["密级须为秘密、机密或绝密"]
    assert by_row[12][0].startswith("无法识别的保密期限")
    assert not Guide.objects.exists() and not GuideEntry.objects.exists()
    # The same rows as a dry run give the same errors.
    with pytest.raises(Invalid):
        services.guide_import(actor=officer, rows=rows, title="保密事项范围", dry_run=True)


def test_missing_columns_and_not_a_workbook():
    with pytest.raises(Invalid, match="缺少列：事项名称、密级"):
        excel.parse_guide(workbook([["1"]], header=["编号"]))
    with pytest.raises(Invalid, match="Excel"):
        excel.parse_guide(b"not a workbook")


def test_only_the_secrecy_office_imports(zhoujing):
    rows = excel.parse_guide(workbook(GOOD))
    with pytest.raises(Refused):
        services.guide_import(actor=zhoujing, rows=rows, title="保密事项范围", dry_run=False)
    assert not Guide.objects.exists()


def test_export_round_trips(officer, guide, entries):
    data = excel.export_guide(guide.entries.all())
    rows = excel.parse_guide(data)
    assert [(r[1].code, r[1].parent_code, r[1].period) for r in rows] == [
        (e.code, e.parent.code if e.parent else "", e.period) for e in guide.entries.all()]
    created = services.guide_import(actor=officer, rows=rows, title="再版", dry_run=False)
    assert created.entries.count() == len(entries)


def test_state_secret_list_xlsx_and_pdf(planning_draft, budget, chen, officer, zhoujing):
    content, kind = state_secret_list_export(actor=chen, fmt="xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:6] == ["序号", "编号", "事项名称", "密级", "保密期限", "标志"]
    assert {row[2] for row in values[1:]} == {planning_draft.title, budget.title}
    assert {row[5] for row in values[1:]} == {"机密★10年", "秘密★5年"}
    pdf, kind = state_secret_list_export(actor=officer, fmt="pdf")
    assert kind == "application/pdf" and pdf.startswith(b"%PDF")
    event = events("classification.report.export")[-1]
    assert json.loads(event.details) == {"format": "pdf", "rows": 1, "decisions": [planning_draft.pk]}
    with pytest.raises(Refused):
        state_secret_list_export(actor=zhoujing, fmt="xlsx")
