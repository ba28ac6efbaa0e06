"""盘点: start (snapshot what the register says is on the shelf), scan labels, close (the
discrepancy report is then frozen), export the report, and the half-year reminder.

Every change runs in `atomic_action`, which takes the audit chain's lock first: scans by two
keepers at once are applied one after the other and both land; the same label scanned twice
is one row (unique per copy and per code), the second scan changing nothing. A closed
stocktake takes no further scan nor change (checked here, and refused by database triggers,
migration 0002)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import policy
from baomi.accounts.models import User
from baomi.audit.services import atomic_action, record
from baomi.carriers import labels
from baomi.carriers import selectors as carrier_selectors
from baomi.carriers.models import SHELVED_STATUSES, Copy, Counter
from baomi.errors import Conflict, Invalid, NotFound, Refused
from baomi.stocktake.models import Expected, Reminder, Scan, Scope, Status, Stocktake


def _require_keeper(actor: User) -> None:
    reason = policy.reason_may_stocktake(actor)
    if reason:
        raise Refused(reason, details={"perm": str(policy.Perm.KEEP_CARRIERS)})


def _lock(stocktake: Stocktake) -> Stocktake:
    found = Stocktake.objects.select_for_update().filter(pk=stocktake.pk).first()
    if found is None:
        raise NotFound(_("对象不存在"))
    return found


def _require_open(stocktake: Stocktake) -> None:
    if stocktake.status != Status.OPEN:
        raise Conflict(_("盘点 %(no)s 已结束，不能再更改") % {"no": stocktake.number})


def _next_number(year: int) -> str:
    counter, _created = Counter.objects.select_for_update().get_or_create(key=f"stocktake-{year}")
    counter.value += 1
    counter.save(update_fields=["value"])
    return f"盘{year}-{counter.value:03d}"


def stocktake_start(*, actor: User, scope: str, location: str = "", note: str = "") -> Stocktake:
    """Start counting one place (the copies' 存放位置), or every copy in the keeper's own
    custody. The copies the register puts there now, in the register (在册保管 or 已归档) and
    visible to the keeper, are what the stocktake expects to find."""
    location = location.strip()
    with atomic_action(actor, "stocktake.start"):
        _require_keeper(actor)
        if scope not in Scope.values:
            raise Invalid(_("请选择盘点范围"))
        if scope == Scope.LOCATION and not location:
            raise Invalid(_("请填写要盘点的存放位置"))
        if scope == Scope.CUSTODY:
            location = ""
        if len(location) > 100:
            raise Invalid(_("存放位置不能超过 100 个字符"))
        busy = Stocktake.objects.filter(status=Status.OPEN, scope=scope, location=location)
        if scope == Scope.CUSTODY:
            busy = busy.filter(started_by=actor)
        if busy.exists():
            raise Conflict(_("该范围已有进行中的盘点 %(no)s，请在其中继续扫描") % {"no": busy.first().number})  # type: ignore[union-attr]
        copies = carrier_selectors.copies_visible_to(actor).filter(status__in=SHELVED_STATUSES)
        copies = copies.filter(location=location) if scope == Scope.LOCATION else copies.filter(custodian=actor)
        expected = list(copies.order_by("carrier_id", "serial"))
        now = timezone.now()
        stocktake = Stocktake.objects.create(
            number=_next_number(timezone.localdate(now).year), scope=scope, location=location, started_by=actor,
            started_at=now, note=note.strip()[:300])
        Expected.objects.bulk_create([Expected(stocktake=stocktake, copy=c, status=c.status, location=c.location)
                                      for c in expected])
        record(actor=actor, action="stocktake.start", obj=stocktake,
               summary=f"开始盘点 {stocktake.number}（{stocktake.place}），应在册 {len(expected)} 份",
               details={"scope": scope, "location": location, "expected": [c.pk for c in expected]})
    return stocktake


@dataclass(frozen=True)
class ScanResult:
    scan: Scan
    created: bool  # False: this label had already been scanned into this stocktake


def stocktake_scan(*, actor: User, stocktake: Stocktake, code: str) -> ScanResult:
    """One label scanned or typed. A malformed code or a wrong check digit is refused
    (Invalid, nothing stored). A code that opens no copy the keeper may see is stored as an
    unknown code, without the copy, so the report never tells what it was."""
    with atomic_action(actor, "stocktake.scan", obj=stocktake):
        _require_keeper(actor)
        stocktake = _lock(stocktake)
        _require_open(stocktake)
        copy_id = labels.parse_label(code)
        normal = labels.label_code(copy_id)
        existing = Scan.objects.filter(stocktake=stocktake, code=normal).select_related("copy__carrier").first()
        if existing is not None:
            return ScanResult(existing, False)
        copy = (Copy.objects.filter(policy.copies_visible_to(actor), pk=copy_id).select_related("carrier").first())
        if copy is not None:
            # The same copy under another code cannot happen (one code per id), but a row per
            # copy is what the database guarantees.
            twin = Scan.objects.filter(stocktake=stocktake, copy=copy).first()
            if twin is not None:
                return ScanResult(twin, False)
        scan = Scan.objects.create(
            stocktake=stocktake, code=normal, copy=copy, status=copy.status if copy else "",
            location=copy.location if copy else "", scanned_by=actor, scanned_at=timezone.now())
        what = copy.label if copy is not None else f"未知编码 {normal}"
        record(actor=actor, action="stocktake.scan", obj=stocktake, summary=f"盘点 {stocktake.number} 扫描 {what}",
               details={"code": normal, "copy": copy.pk if copy else None})
    return ScanResult(scan, True)


def stocktake_close(*, actor: User, stocktake: Stocktake, note: str = "") -> Stocktake:
    """Close the stocktake: nothing about it changes afterwards, and its discrepancy report
    (missing, unexpected, wrong status) is recorded as counts in the audit log. Missing
    copies are not reported lost automatically: the keeper does that copy by copy."""
    from baomi.stocktake.selectors import discrepancy_counts

    with atomic_action(actor, "stocktake.close", obj=stocktake):
        _require_keeper(actor)
        stocktake = _lock(stocktake)
        _require_open(stocktake)
        stocktake.status, stocktake.closed_by, stocktake.closed_at = Status.CLOSED, actor, timezone.now()
        if note.strip():
            stocktake.note = note.strip()[:300]
        stocktake.save(update_fields=["status", "closed_by", "closed_at", "note"])
        counts = discrepancy_counts(stocktake)
        record(actor=actor, action="stocktake.close", obj=stocktake,
               summary=f"完成盘点 {stocktake.number}（{stocktake.place}）：应在册 {counts['expected']} 份，"
                       f"扫描 {counts['scanned']} 份，缺失 {counts['missing']}，多出 {counts['unexpected']}，"
                       f"状态不符 {counts['wrong_status']}",
               details=counts)
    return stocktake


def stocktake_report_export(*, actor: User, stocktake: Stocktake, fmt: str) -> tuple[bytes, str, str]:
    """The discrepancy report as xlsx or PDF, with only the copies `actor` may see; recorded."""
    from baomi.carriers import registers
    from baomi.stocktake.selectors import report_for

    with atomic_action(actor, "stocktake.export", obj=stocktake):
        _require_keeper(actor)
        if fmt not in registers.FORMATS:
            raise Invalid(_("未知格式"))
        report = report_for(actor, stocktake)
        rows = report.export_rows()
        sheet = registers.Register(
            "stocktake", f"载体盘点报告 {stocktake.number}",
            ["类别", "登记号", "份号", "标题", "密级标志", "登记状态", "登记存放位置", "扫描人", "扫描时间", "说明"],
            [22, 24, 14, 60, 22, 18, 30, 16, 26, 40], lambda *_args: rows)
        period = registers.Period(timezone.localdate(stocktake.started_at),
                                  timezone.localdate(stocktake.closed_at) if stocktake.closed_at else None)
        if fmt == "xlsx":
            content, content_type = registers.register_xlsx(sheet, rows, period=period), registers.XLSX_TYPE
        else:
            content = registers.register_pdf(sheet, rows, period=period, unit_name=stocktake.place + " ",
                                             printed_by=actor.full_name or actor.username,
                                             printed_on=timezone.localdate().isoformat())
            content_type = registers.PDF_TYPE
        record(actor=actor, action="stocktake.export", obj=stocktake,
               summary=f"导出盘点报告 {stocktake.number}（{fmt}，{len(rows)} 条）",
               details={"format": fmt, "rows": len(rows)})
    return content, content_type, f"stocktake-{stocktake.pk}.{fmt}"


# ---------------------------------------------------------------- the reminder (jobs.tick)


def period_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The current counting period (`BAOMI_STOCKTAKE_MONTHS` months from January: the half-year
    by default): its first and last day."""
    months = max(1, min(12, int(settings.BAOMI_STOCKTAKE_MONTHS)))
    first_month = (day.month - 1) // months * months + 1
    start = datetime.date(day.year, first_month, 1)
    end_month = first_month + months
    end = (datetime.date(day.year + 1, 1, 1) if end_month > 12 else datetime.date(day.year, end_month, 1))
    return start, end - datetime.timedelta(days=1)


def closed_in_period(day: datetime.date) -> bool:
    start, end = period_bounds(day)
    return Stocktake.objects.filter(status=Status.CLOSED, closed_at__date__gte=start,
                                    closed_at__date__lte=end).exists()


def reminders_issue(*, today: datetime.date | None = None) -> list[str]:
    """Once per period in which no stocktake has been closed yet: a reminder to the secrecy
    office (shown in their 我的待办 until a stocktake is closed). Idempotent."""
    today = today or timezone.localdate()
    if closed_in_period(today):
        return []
    start, end = period_bounds(today)
    if Reminder.objects.filter(period_start=start).exists():
        return []
    try:
        with transaction.atomic():
            Reminder.objects.create(period_start=start)
            record(actor=None, actor_username="scheduler", action="stocktake.remind", object_type="stocktake_period",
                   object_id=start.isoformat(),
                   summary=f"提醒保密办：{start.isoformat()} 至 {end.isoformat()} 尚未完成涉密载体盘点",
                   details={"period_start": start.isoformat(), "period_end": end.isoformat()})
    except IntegrityError:  # another tick issued it at the same moment
        return []
    return [f"载体盘点提醒: {start.isoformat()}"]


