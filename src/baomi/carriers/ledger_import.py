"""Taking over an existing paper ledger (收文登记簿) from an Excel workbook.

Steps: the header row is found and its columns mapped to the ledger's fields by their Chinese
names and synonyms (the user may remap them); every row is read and checked; then every row
is registered through `services.carrier_register` — the same rules as a registration by hand
(a 绝密 copy only in a safe, need-to-know cleared for the level, …) — inside one transaction.

All or nothing: with any problem in any row nothing is written, and every problem is named
with its row and column (“第 12 行 密级标志：无法识别“机蜜””). A dry run goes through the same
registrations and rolls them back, so it reports exactly what the import would do. The import
is recorded as one event beside the normal per-carrier events (no titles in its summary)."""

from __future__ import annotations

import datetime
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from baomi import marking, policy
from baomi.accounts.models import Unit, User
from baomi.audit.services import atomic_action, record
from baomi.carriers import selectors, services
from baomi.carriers.models import Carrier, Direction, StorageClass
from baomi.errors import BaomiError, Invalid, Refused

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_BYTES = 1024 * 1024  # a ledger of a few thousand rows is far below this
MAX_ROWS = 2000
HEADER_SEARCH_ROWS = 5  # a title line (“收文登记簿”) may stand above the header


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    synonyms: tuple[str, ...]
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("register_no", "登记号", ("登记号", "收文号", "收文编号", "登记编号")),
    Column("doc_number", "文号", ("文号", "来文字号", "发文字号", "文件字号", "文件编号")),
    Column("title", "标题", ("标题", "文件标题", "文件名称", "题名", "名称"), required=True),
    Column("source_unit", "来文单位", ("来文单位", "来文机关", "发文单位", "发文机关", "来文机构")),
    Column("mark", "密级标志", ("密级标志", "密级", "密级和保密期限", "密级及保密期限", "标志"), required=True),
    Column("copies", "份数", ("份数", "数量", "件数")),
    Column("serials", "份号", ("份号", "份号范围", "份号起止")),
    Column("dated_on", "成文日期", ("成文日期", "文件日期", "发文日期", "印发日期")),
    Column("registered_on", "登记日期", ("登记日期", "收文日期", "收到日期", "签收日期")),
    Column("custodian", "责任人", ("责任人", "保管人", "签收人", "经办人")),
    Column("location", "存放位置", ("存放位置", "存放地点", "保管位置", "位置")),
    Column("storage", "存放设施", ("存放设施", "保管设施", "存放柜", "柜别")),
    Column("need_to_know", "知悉范围", ("知悉范围", "阅知范围", "传阅范围", "阅读范围")),
)
BY_KEY = {c.key: c for c in COLUMNS}

STORAGE_WORDS = {
    "文件柜": StorageClass.CABINET, "铁皮柜": StorageClass.CABINET, "柜": StorageClass.CABINET,
    "密码柜": StorageClass.COMBINATION, "密码文件柜": StorageClass.COMBINATION,
    "保险柜": StorageClass.SAFE, "保密柜": StorageClass.SAFE, "铁皮保险柜": StorageClass.SAFE,
    **{value: StorageClass(value) for value in StorageClass.values},
}
_SPLIT = re.compile(r"[、，,；;\s/]+")
_RANGE = re.compile(r"^(\d{1,6})\s*(?:[-—–~～至到]+\s*(\d{1,6}))?$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


@dataclass
class Row:
    """One ledger line: its row number, the values read from it, what is wrong with it, and,
    after a dry run or import, the register number it got."""

    number: int
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    register_no: str = ""

    def problem(self, column: str, message: str) -> None:
        self.problems.append(_("第 %(row)s 行 %(col)s：%(msg)s") % {"row": self.number, "col": column, "msg": message})


@dataclass
class Sheet:
    header_row: int
    headers: list[str]
    mapping: dict[str, int]  # field key → column index
    lines: list[tuple[int, list[str]]]


@dataclass
class Result:
    dry_run: bool
    sheet: Sheet
    rows: list[Row]
    problems: list[dict[str, Any]]
    carriers: list[Carrier] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).replace("\u3000", " ").strip()


def _normal(header: str) -> str:
    return re.sub(r"[\s（）()*＊:：]", "", header)


def detect_mapping(headers: Sequence[str]) -> dict[str, int]:
    """Field key → column index, by exact (then partial) match of a header with a field's
    names; each column serves one field at most."""
    names = [_normal(h) for h in headers]
    mapping: dict[str, int] = {}
    for exact in (True, False):
        for column in COLUMNS:
            if column.key in mapping:
                continue
            for synonym in column.synonyms:
                hits = [i for i, n in enumerate(names) if n and i not in mapping.values()
                        and (n == synonym if exact else synonym in n and len(synonym) > 1)]
                if hits:
                    mapping[column.key] = hits[0]
                    break
    return mapping


def read_sheet(data: bytes, mapping: dict[str, int] | None = None) -> Sheet:
    """The first worksheet: its header row (the first of the top rows naming two fields or
    more), the mapping (detected, overridden by `mapping`) and its non-empty lines."""
    if not data:
        raise Invalid(_("请选择要导入的 Excel 文件"))
    if len(data) > MAX_BYTES:
        raise Invalid(_("文件过大：最大 %(n)s KB") % {"n": MAX_BYTES // 1024})
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise Invalid(_("无法读取该文件：请上传 Excel（.xlsx）文件")) from None
    try:
        if not workbook.worksheets:
            raise Invalid(_("文件中没有工作表"))
        raw = workbook.worksheets[0].iter_rows(values_only=True)
        top: list[tuple[int, list[str]]] = []
        lines: list[tuple[int, list[str]]] = []
        for number, line in enumerate(raw, start=1):
            cells = [_text(c) for c in line]
            if number <= HEADER_SEARCH_ROWS:
                top.append((number, cells))
                continue
            if any(cells):
                if len(lines) >= MAX_ROWS + 1:
                    raise Invalid(_("文件超过 %(n)s 行，请分批导入") % {"n": MAX_ROWS})
                lines.append((number, cells))
    finally:
        workbook.close()
    header_row, headers = 0, []
    for number, cells in top:
        if len(detect_mapping(cells)) >= 2:
            header_row, headers = number, cells
            break
    if not header_row:
        raise Invalid(_("第 1 行 表头：未找到登记簿的表头（标题、密级标志等列）"))
    lines = [(n, c) for n, c in top if n > header_row and any(c)] + lines
    if len(lines) > MAX_ROWS:
        raise Invalid(_("文件超过 %(n)s 行，请分批导入") % {"n": MAX_ROWS})
    detected = detect_mapping(headers)
    if mapping is not None:
        detected = {key: index for key, index in mapping.items() if key in BY_KEY and 0 <= index < len(headers)}
    return Sheet(header_row=header_row, headers=headers, mapping=detected, lines=lines)


# ---------------------------------------------------------------- reading one row


def _date(row: Row, label: str, raw: str) -> datetime.date | None:
    if not raw:
        return None
    found = _DATE.match(raw) or _DATE.match(raw.split(" ")[0])
    if found:
        try:
            return datetime.date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        except ValueError:
            pass
    row.problem(label, _("无法识别的日期“%(v)s”（例如 2026-03-01 或 2026年3月1日）") % {"v": raw[:20]})
    return None


def _serials(row: Row, copies_raw: str, serials_raw: str) -> tuple[int, int] | None:
    """(first 份号, number of copies) from 份数 and 份号 (a range 000001-000003 or one number)."""
    count: int | None = None
    if copies_raw:
        if copies_raw.isdigit() and 1 <= int(copies_raw) <= services.MAX_COPIES:
            count = int(copies_raw)
        else:
            row.problem(_("份数"), _("须为 1 到 %(n)s 之间的整数，而不是“%(v)s”")
                        % {"n": services.MAX_COPIES, "v": copies_raw[:20]})
            return None
    first = 1
    if serials_raw:
        found = _RANGE.match(serials_raw)
        if not found:
            row.problem(_("份号"), _("无法识别“%(v)s”（例如 000001-000003）") % {"v": serials_raw[:20]})
            return None
        first = int(found.group(1))
        last = int(found.group(2)) if found.group(2) else (first + (count or 1) - 1)
        if first < 1 or last < first:
            row.problem(_("份号"), _("起止份号不正确：%(v)s") % {"v": serials_raw[:20]})
            return None
        if count is not None and last - first + 1 != count:
            row.problem(_("份号"), _("份号 %(v)s 共 %(n)s 份，与份数 %(c)s 不符")
                        % {"v": serials_raw[:20], "n": last - first + 1, "c": count})
            return None
        count = last - first + 1
        if count > services.MAX_COPIES:
            row.problem(_("份号"), _("份数须在 1 到 %(n)s 之间") % {"n": services.MAX_COPIES})
            return None
    return first, count or 1


class _People:
    """Names and usernames of people and units, looked up once for the whole file."""

    def __init__(self) -> None:
        self.people = list(User.objects.filter(is_active=True, admin_role="").only("pk", "username", "full_name"))
        self.units = list(Unit.objects.filter(is_active=True).only("pk", "name", "code"))

    def person(self, name: str) -> list[User]:
        by_username = [p for p in self.people if p.username == name]
        return by_username or [p for p in self.people if p.full_name == name]

    def unit(self, name: str) -> list[Unit]:
        return [u for u in self.units if u.name == name or u.code == name]


def _read_row(number: int, cells: list[str], mapping: dict[str, int], lookup: _People) -> Row:
    def cell(key: str) -> str:
        index = mapping.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    row = Row(number)
    v = row.values
    v["register_no"] = cell("register_no")
    if len(v["register_no"]) > 30:
        row.problem(_("登记号"), _("不能超过 30 个字符"))
    v["doc_number"], v["title"], v["source_unit"] = cell("doc_number"), cell("title"), cell("source_unit")
    if not v["title"]:
        row.problem(_("标题"), _("不能为空"))
    if not v["source_unit"]:
        row.problem(_("来文单位"), _("收文须填写来文单位"))
    raw_mark = cell("mark").replace(" ", "")
    if raw_mark in ("绝密", "机密", "秘密"):
        # Paper ledgers often write the level alone in a 密级 column: a mark without its
        # period (机密★), registered as such (period not stated).
        raw_mark += "★"
    parsed = marking.parse(raw_mark) if raw_mark else None
    if not raw_mark:
        row.problem(_("密级标志"), _("不能为空"))
    elif parsed is None:
        row.problem(_("密级标志"), _("无法识别“%(v)s”（例如 机密★5年、秘密、内部）") % {"v": cell("mark")[:30]})
    v["mark"] = raw_mark
    v["level"] = int(parsed.level) if parsed is not None else None
    counted = _serials(row, cell("copies"), cell("serials"))
    v["first_serial"], v["copies"] = counted if counted else (1, 1)
    v["dated_on"] = _date(row, _("成文日期"), cell("dated_on"))
    v["registered_on"] = _date(row, _("登记日期"), cell("registered_on"))
    v["location"] = cell("location")
    if len(v["location"]) > 100:
        row.problem(_("存放位置"), _("不能超过 100 个字符"))
    raw_storage = cell("storage")
    storage = STORAGE_WORDS.get(raw_storage.replace(" ", ""))
    if not raw_storage:
        row.problem(_("存放设施"), _("不能为空（文件柜、密码柜或保险柜）"))
    elif storage is None:
        row.problem(_("存放设施"), _("无法识别“%(v)s”（文件柜、密码柜或保险柜）") % {"v": raw_storage[:20]})
    v["storage"] = str(storage) if storage else ""
    v["custodian"] = None
    raw_custodian = cell("custodian")
    if raw_custodian:
        found = lookup.person(raw_custodian)
        if len(found) == 1:
            v["custodian"] = found[0]
        elif found:
            row.problem(_("责任人"), _("“%(v)s”有重名，请填写用户名") % {"v": raw_custodian[:30]})
        else:
            row.problem(_("责任人"), _("找不到人员“%(v)s”") % {"v": raw_custodian[:30]})
    people: list[User] = []
    units: list[Unit] = []
    for name in (n for n in _SPLIT.split(cell("need_to_know")) if n):
        unit_hits, person_hits = lookup.unit(name), lookup.person(name)
        if len(unit_hits) == 1 and not person_hits:
            units.append(unit_hits[0])
        elif len(person_hits) == 1 and not unit_hits:
            people.append(person_hits[0])
        elif unit_hits or person_hits:
            row.problem(_("知悉范围"), _("“%(v)s”不唯一（重名的单位或人员），请填写代码或用户名") % {"v": name[:30]})
        else:
            row.problem(_("知悉范围"), _("找不到单位或人员“%(v)s”") % {"v": name[:30]})
    v["need_to_know_people"], v["need_to_know_units"] = people, units
    return row


def _duplicates(actor: User, rows: Sequence[Row]) -> None:
    """Within the file (same 登记号, or same 文号 and 标题), and against the register: a
    登记号 already used anywhere (numbers are unique), or a carrier the actor may see with
    the same 文号 and 标题 (one the actor may not see is not revealed)."""
    numbers: dict[str, int] = {}
    keys: dict[tuple[str, str], int] = {}
    for row in rows:
        no, key = row.values["register_no"], (row.values["doc_number"], row.values["title"])
        if no:
            if no in numbers:
                row.problem(_("登记号"), _("%(no)s 与第 %(row)s 行重复") % {"no": no, "row": numbers[no]})
            numbers.setdefault(no, row.number)
        if key[0] and key[1]:
            if key in keys:
                row.problem(_("文号"), _("文号和标题与第 %(row)s 行重复") % {"row": keys[key]})
            keys.setdefault(key, row.number)
    taken = set(Carrier.objects.filter(register_no__in=list(numbers)).values_list("register_no", flat=True))
    doc_numbers = {k[0] for k in keys}
    seen = {(doc, title): no for doc, title, no in selectors.carriers_visible_to(actor).filter(
        doc_number__in=doc_numbers).values_list("doc_number", "title", "register_no")}
    for row in rows:
        no, key = row.values["register_no"], (row.values["doc_number"], row.values["title"])
        if no in taken:
            row.problem(_("登记号"), _("%(no)s 已被使用") % {"no": no})
        if key in seen:
            row.problem(_("文号"), _("该文件已登记（%(no)s）") % {"no": seen[key]})


# ---------------------------------------------------------------- the import


def ledger_import(*, actor: User, data: bytes, mapping: dict[str, int] | None = None, dry_run: bool = True,
                  filename: str = "") -> Result:
    """Read, check and register a paper ledger. A dry run returns what would be created and
    every problem, and writes nothing; a real import with any problem raises Invalid (or
    Refused when the carrier rules refuse a row) carrying every row's problem, and writes
    nothing either."""
    with atomic_action(actor, "carriers.ledger_import"):
        policy.require(actor, policy.Perm.KEEP_CARRIERS)
        sheet = read_sheet(data, mapping)
        missing = [c.label for c in COLUMNS if c.required and c.key not in sheet.mapping]
        if missing:
            message = _("第 %(row)s 行 表头：缺少列 %(cols)s") % {"row": sheet.header_row, "cols": "、".join(missing)}
            raise Invalid(message, details={"rows": [{"row": sheet.header_row, "message": message}]})
        lookup = _People()
        rows = [_read_row(number, cells, sheet.mapping, lookup) for number, cells in sheet.lines]
        if not rows:
            raise Invalid(_("文件中没有登记记录"))
        _duplicates(actor, rows)
        refused = False
        carriers: list[Carrier] = []
        savepoint = transaction.savepoint()
        for row in rows:
            if row.problems:
                continue
            v = row.values
            try:
                carrier = services.carrier_register(
                    actor=actor, direction=Direction.INCOMING, title=v["title"], mark=v["mark"], copies=v["copies"],
                    storage=v["storage"], location=v["location"], doc_number=v["doc_number"],
                    source_unit=v["source_unit"], need_to_know_people=v["need_to_know_people"],
                    need_to_know_units=v["need_to_know_units"], dated_on=v["dated_on"],
                    register_no=v["register_no"], registered_on=v["registered_on"], custodian=v["custodian"],
                    first_serial=v["first_serial"], note=_("由纸质登记簿导入"))
            except BaomiError as exc:
                refused |= isinstance(exc, Refused)
                row.problems.append(_("第 %(row)s 行：%(msg)s") % {"row": row.number, "msg": exc.message})
                continue
            row.register_no = carrier.register_no
            carriers.append(carrier)
        problems = [{"row": row.number, "message": p} for row in rows for p in row.problems]
        if problems or dry_run:
            transaction.savepoint_rollback(savepoint)  # the registrations and their events
        else:
            transaction.savepoint_commit(savepoint)
        if dry_run:
            return Result(dry_run=True, sheet=sheet, rows=rows, problems=problems)
        if problems:
            error = Refused if refused else Invalid
            raise error(_("导入文件有 %(n)s 处错误，未导入任何内容") % {"n": len(problems)},
                        details={"rows": problems})
        digest = hashlib.sha256(data).hexdigest()
        record(actor=actor, action="carriers.ledger_import", object_type="carrier_ledger", object_id=digest[:16],
               summary=f"导入纸质收文登记簿：{len(carriers)} 件，{sum(c.copies.count() for c in carriers)} 份"
                       f"（{carriers[0].register_no} 至 {carriers[-1].register_no}）",
               details={"sha256": digest, "filename": filename[:100], "rows": len(rows),
                        "carriers": [c.pk for c in carriers],
                        "mapping": {k: sheet.headers[i] for k, i in sheet.mapping.items()}})
    return Result(dry_run=False, sheet=sheet, rows=rows, problems=[], carriers=carriers)


def template_xlsx() -> bytes:
    """The import template: the header and two example lines."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "收文登记簿"
    sheet.append([c.label for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(["收2025-0101", "省发改〔2025〕12号", "关于重大项目储备工作的通知", "省发展改革委", "机密★10年", 2,
                  "000001-000002", "2025-03-01", "2025-03-03", "wangfang", "机要室 1 号保险柜", "保险柜",
                  "规划科、委领导"])
    sheet.append(["收2025-0102", "示财〔2025〕8号", "关于预算执行情况的通报", "市财政局", "秘密", 1, "000001",
                  "2025-03-05", "2025-03-06", "王芳", "机要室 文件柜", "文件柜", "财务科"])
    for i, width in enumerate([14, 20, 40, 18, 14, 6, 16, 12, 12, 10, 20, 10, 24]):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
