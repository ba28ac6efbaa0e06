"""Importing a paper 收文登记簿 from Excel: mapping by Chinese headers, a dry run that writes
nothing, all or nothing, row-level Chinese errors, duplicates, the carrier rules, file limits,
the page and the API."""

from __future__ import annotations

import base64
import datetime
import io
import json
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook

from baomi.audit.models import AuditEvent
from baomi.carriers import ledger_import as ledger
from baomi.carriers.models import Carrier, Copy, Movement, StorageClass
from baomi.errors import Invalid, Refused
from tests.carriers.conftest import register
from tests.conftest import login

HEADER = ["登记号", "文号", "标题", "来文单位", "密级标志", "份数", "份号", "成文日期", "登记日期", "责任人",
          "存放位置", "存放设施", "知悉范围"]


def line(**over: Any) -> list[Any]:
    base: dict[str, Any] = {
        "登记号": "收2025-0101", "文号": "省发改〔2025〕12号", "标题": "关于重大项目储备工作的通知",
        "来文单位": "省发展改革委", "密级标志": "机密★10年", "份数": 2, "份号": "000001-000002",
        "成文日期": datetime.date(2025, 3, 1), "登记日期": "2025年3月3日", "责任人": "wangfang",
        "存放位置": "机要室 1号保险柜", "存放设施": "保险柜", "知悉范围": "规划科、孙伟",
    }
    base.update({k.replace("_", ""): v for k, v in over.items()})
    return [base[h] for h in HEADER]


def workbook(*rows: list[Any], header: list[str] = HEADER, title: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def two_rows() -> bytes:
    return workbook(
        line(),
        line(登记号="收2025-0102", 文号="示财〔2025〕8号", 标题="关于预算执行情况的通报", 来文单位="市财政局",
             密级标志="秘密", 份数=1, 份号="3", 责任人="李建华", 存放位置="机要室 文件柜", 存放设施="文件柜",
             知悉范围="财务科"),
    )


def test_dry_run_writes_nothing_and_shows_what_would_be_created(office):
    result = ledger.ledger_import(actor=office.wangfang, data=two_rows(), dry_run=True)
    assert result.ok and result.dry_run
    assert [r.register_no for r in result.rows] == ["收2025-0101", "收2025-0102"]
    assert not Carrier.objects.exists() and not Copy.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["carrier.register", "carriers.ledger_import"]).exists()


def test_import_registers_every_row_with_the_ledgers_own_numbers(office):
    result = ledger.ledger_import(actor=office.wangfang, data=two_rows(), dry_run=False, filename="收文簿.xlsx")
    first, second = (Carrier.objects.get(register_no=n) for n in ("收2025-0101", "收2025-0102"))
    assert [c.pk for c in result.carriers] == [first.pk, second.pk]
    assert first.marking == "机密★10年" and first.registered_on == datetime.date(2025, 3, 3)
    assert first.dated_on == datetime.date(2025, 3, 1) and first.source_unit == "省发展改革委"
    assert set(first.need_to_know_units.all()) == {office.units["planning"]}
    assert set(first.need_to_know_people.all()) == {office.sunwei}
    assert [c.serial for c in first.copies.all()] == [1, 2]
    assert all(c.custodian == office.wangfang and c.storage == StorageClass.SAFE for c in first.copies.all())
    assert second.marking == "秘密★" and not second.period_stated
    only = second.copies.get()
    assert only.serial == 3 and only.custodian == office.lijianhua and only.location == "机要室 文件柜"
    register_move = Movement.objects.get(copy=only)
    assert register_move.actor == office.wangfang and register_move.to_person == office.lijianhua
    assert AuditEvent.objects.filter(action="carrier.register").count() == 2
    event = AuditEvent.objects.get(action="carriers.ledger_import")
    assert "2 件" in event.summary and "通知" not in event.summary
    assert json.loads(event.details)["carriers"] == [first.pk, second.pk]
    # Later registrations by hand skip the numbers the ledger brought in.
    assert register(office.wangfang).register_no.startswith("收")


def test_one_bad_row_and_nothing_is_written(office):
    data = workbook(line(), line(登记号="收2025-0103", 文号="x", 密级标志="机蜜", 登记日期="2025-13-40",
                                 存放设施="抽屉", 责任人="nobody", 知悉范围="外星科"))
    result = ledger.ledger_import(actor=office.wangfang, data=data, dry_run=True)
    messages = [p["message"] for p in result.problems]
    assert "第 3 行 密级标志：无法识别“机蜜”（例如 机密★5年、秘密、内部）" in messages
    assert any(m.startswith("第 3 行 登记日期：") for m in messages)
    assert any(m.startswith("第 3 行 存放设施：无法识别“抽屉”") for m in messages)
    assert "第 3 行 责任人：找不到人员“nobody”" in messages
    assert "第 3 行 知悉范围：找不到单位或人员“外星科”" in messages
    assert all(p["row"] == 3 for p in result.problems)
    with pytest.raises(Invalid) as caught:
        ledger.ledger_import(actor=office.wangfang, data=data, dry_run=False)
    assert "未导入任何内容" in caught.value.message and len(caught.value.details["rows"]) == len(messages)
    assert not Carrier.objects.exists()
    assert not AuditEvent.objects.filter(action="carrier.register").exists()


def test_duplicates_in_the_file_and_in_the_register(office):
    existing = register(office.wangfang, mark="秘密★10年", doc_number="示财〔2025〕8号", title="关于预算执行情况的通报")
    data = workbook(
        line(),
        line(文号="省发改〔2025〕12号"),  # same 登记号, and same 文号 + 标题 as row 2
        line(登记号=existing.register_no, 文号="示财〔2025〕8号", 标题="关于预算执行情况的通报"),
    )
    messages = [p["message"] for p in ledger.ledger_import(actor=office.wangfang, data=data).problems]
    assert "第 3 行 登记号：收2025-0101 与第 2 行重复" in messages
    assert "第 3 行 文号：文号和标题与第 2 行重复" in messages
    assert f"第 4 行 登记号：{existing.register_no} 已被使用" in messages
    assert f"第 4 行 文号：该文件已登记（{existing.register_no}）" in messages
    assert Carrier.objects.count() == 1


def test_a_duplicate_the_keeper_may_not_see_is_not_revealed(office):
    # 赵磊 (一般) may not see a 机密 carrier: its 文号 and 标题 say nothing to him...
    register(office.wangfang, mark="机密★10年", doc_number="省发改〔2025〕99号", title="不公开的标题")
    data = workbook(line(登记号="", 文号="省发改〔2025〕99号", 标题="不公开的标题", 密级标志="秘密★5年",
                         责任人="", 存放设施="文件柜", 知悉范围=""))
    result = ledger.ledger_import(actor=office.zhaolei, data=data)
    assert result.ok, result.problems  # ...so it is not named as a duplicate


def test_the_carrier_rules_still_apply(office):
    data = workbook(line(), line(登记号="收2025-0104", 文号="省委办发〔2025〕1号", 标题="绝密通知",
                                 密级标志="绝密★长期", 存放设施="文件柜", 知悉范围="陈国强"))
    result = ledger.ledger_import(actor=office.wangfang, data=data, dry_run=True)
    assert [p["message"] for p in result.problems] == ["第 3 行：绝密载体只能存放在保险柜中"]
    with pytest.raises(Refused):
        ledger.ledger_import(actor=office.wangfang, data=data, dry_run=False)
    assert not Carrier.objects.exists()
    denied = AuditEvent.objects.filter(action="carriers.ledger_import", outcome="denied")
    assert denied.count() == 1
    # A custodian who is not a keeper, a need-to-know person without the clearance.
    data = workbook(line(责任人="zhoujing"), line(登记号="收2025-0105", 文号="y", 知悉范围="郑丽"))
    messages = [p["message"] for p in ledger.ledger_import(actor=office.wangfang, data=data).problems]
    assert any(m.startswith("第 2 行：责任人 周静 不能保管该载体") for m in messages)
    assert any(m.startswith("第 3 行：郑丽 不能列入机密级载体的知悉范围") for m in messages)


@pytest.mark.parametrize("who", ["zhoujing", "sunwei", "auditor"])
def test_only_keepers_import(office, who):
    with pytest.raises(Refused):
        ledger.ledger_import(actor=office.people[who], data=two_rows(), dry_run=False)
    assert not Carrier.objects.exists()
    assert AuditEvent.objects.filter(action="carriers.ledger_import", outcome="denied").count() == 1


def test_file_limits(office, monkeypatch):
    def fails(data: bytes, match: str) -> None:
        with pytest.raises(Invalid, match=match):
            ledger.ledger_import(actor=office.wangfang, data=data)

    fails(b"", "请选择")
    fails(b"not a workbook at all", "无法读取该文件")
    fails(b"PK\x03\x04" + b"\x00" * 100, "无法读取该文件")
    fails(b"x" * (ledger.MAX_BYTES + 1), "文件过大")
    fails(workbook(header=["甲", "乙"]), "未找到登记簿的表头")
    fails(workbook(line(), header=["登记号", "文号", "来文单位"]), "缺少列 标题、密级标志")
    fails(workbook(), "没有登记记录")
    monkeypatch.setattr(ledger, "MAX_ROWS", 2)
    fails(workbook(line(), line(登记号="a"), line(登记号="b")), "超过 2 行")


def test_headers_are_found_by_synonyms_below_a_title_line_and_can_be_remapped(office):
    header = ["收文编号", "来文字号", "文件标题", "来文机关", "密级", "份数", "收文日期", "保管人", "存放地点",
              "存放柜", "备注"]
    row = ["收2025-0201", "省发改〔2025〕30号", "关于价格监测的通知", "省发展改革委", "秘密★5年", 1, "2025/4/2",
           "王芳", "机要室 文件柜", "文件柜", "关于价格监测的通知（更正）"]
    data = workbook(row, header=header, title="示范市发展和改革委员会收文登记簿（2025年）")
    sheet = ledger.read_sheet(data)
    assert sheet.header_row == 2
    assert {k: header[i] for k, i in sheet.mapping.items()} == {
        "register_no": "收文编号", "doc_number": "来文字号", "title": "文件标题", "source_unit": "来文机关",
        "mark": "密级", "copies": "份数", "registered_on": "收文日期", "custodian": "保管人",
        "location": "存放地点", "storage": "存放柜"}
    result = ledger.ledger_import(actor=office.wangfang, data=data, dry_run=True)
    assert result.ok and result.rows[0].values["registered_on"] == datetime.date(2025, 4, 2)
    remapped = {**sheet.mapping, "title": header.index("备注")}
    result = ledger.ledger_import(actor=office.wangfang, data=data, mapping=remapped, dry_run=False)
    assert Carrier.objects.get().title == "关于价格监测的通知（更正）"


def test_the_page_checks_then_imports_the_same_file(office):
    client = login(Client(), office.wangfang)
    assert "导入纸质收文登记簿" in client.get("/carriers/import/").content.decode()
    template = client.get("/carriers/import/template.xlsx")
    assert template.status_code == 200 and template.content.startswith(b"PK")
    assert ledger.read_sheet(template.content).mapping.keys() == {c.key for c in ledger.COLUMNS}
    upload = io.BytesIO(two_rows())
    upload.name = "ledger.xlsx"
    page = client.post("/carriers/import/", {"file": upload, "go": "check"})
    body = page.content.decode()
    assert page.status_code == 200 and 'data-testid="dry-run-ok"' in body and "收2025-0102" in body
    assert not Carrier.objects.exists()
    data = base64.b64encode(two_rows()).decode()
    mapping = {f"map_{c.key}": str(i) for i, c in enumerate(ledger.COLUMNS)}
    done = client.post("/carriers/import/", {"data": data, "filename": "ledger.xlsx", "go": "import", **mapping})
    assert done.status_code == 302 and Carrier.objects.count() == 2
    bad = io.BytesIO(workbook(line(密级标志="机蜜")))
    bad.name = "bad.xlsx"
    body = client.post("/carriers/import/", {"file": bad, "go": "check"}).content.decode()
    assert "第 2 行 密级标志：无法识别“机蜜”" in body and 'data-testid="do-import"' not in body
    refused = login(Client(), office.zhoujing)
    assert refused.get("/carriers/import/").status_code == 403
    assert refused.get("/carriers/import/template.xlsx").status_code == 403


def test_api_dry_run_then_import(office):
    client = login(Client(), office.wangfang)

    def post(**fields: Any) -> Any:
        upload = io.BytesIO(two_rows())
        upload.name = "ledger.xlsx"
        return client.post("/api/v1/carriers/ledger-imports", {"file": upload, **fields})

    checked = post(dry_run="true")
    assert checked.status_code == 200, checked.content
    body = checked.json()
    assert body["dry_run"] and body["problems"] == [] and [r["register_no"] for r in body["rows"]] == [
        "收2025-0101", "收2025-0102"]
    assert body["mapping"]["title"] == "标题" and not Carrier.objects.exists()
    done = post(dry_run="false", mapping=json.dumps({"title": "标题"}))
    assert done.status_code == 200, done.content
    assert len(done.json()["carrier_ids"]) == 2
    again = post(dry_run="false")
    assert again.status_code == 400 and "未导入任何内容" in again.json()["error"]["message"]
    denied = login(Client(), office.zhoujing)
    upload = io.BytesIO(two_rows())
    upload.name = "ledger.xlsx"
    assert denied.post("/api/v1/carriers/ledger-imports", {"file": upload}).status_code == 403
