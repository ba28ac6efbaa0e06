"""Reads of stocktakes and their discrepancy reports. Keepers see every stocktake (place,
who, when); inside one, each sees only the copies they may see (`policy.copies_visible_to`):
a copy outside their view is absent from the rows and from the counts."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baomi import inbox, policy
from baomi.accounts.models import User
from baomi.carriers.models import SHELVED_STATUSES, Copy, CopyStatus
from baomi.errors import NotFound
from baomi.stocktake.models import Expected, Scan, Scope, Status, Stocktake


def stocktakes_visible_to(reader: User) -> QuerySet[Stocktake]:
    return (Stocktake.objects.filter(policy.stocktakes_visible_to(reader))
            .select_related("started_by", "closed_by").order_by("-started_at", "-id"))


def stocktake_for(reader: User, stocktake_id: int) -> Stocktake:
    found = stocktakes_visible_to(reader).filter(pk=stocktake_id).first()
    if found is None:
        raise NotFound(_("对象不存在"))
    return found


def locations_for(reader: User) -> list[str]:
    """The places holding copies in the register that the keeper may see (for the start form)."""
    return list(Copy.objects.filter(policy.copies_visible_to(reader), status__in=SHELVED_STATUSES)
                .exclude(location="").values_list("location", flat=True).distinct().order_by("location"))


def recent_scans(reader: User, stocktake: Stocktake) -> list[Scan]:
    """The scans, newest first, each shown only as far as the reader may see its copy."""
    visible = set(Copy.objects.filter(policy.copies_visible_to(reader), pk__in=stocktake.scans.exclude(
        copy=None).values("copy_id")).values_list("pk", flat=True))
    scans = list(stocktake.scans.select_related("copy__carrier", "scanned_by").order_by("-scanned_at", "-id"))
    return [s for s in scans if s.copy_id is None or s.copy_id in visible]


# ---------------------------------------------------------------- the discrepancy report

MISSING, WRONG_PLACE, NOT_LISTED, UNKNOWN, WRONG_STATUS, FOUND = (
    "missing", "wrong_place", "not_listed", "unknown", "wrong_status", "found")
KIND_LABELS = {
    MISSING: gettext_lazy("缺失（在册未找到）"), WRONG_PLACE: gettext_lazy("多出（登记在别处）"),
    NOT_LISTED: gettext_lazy("多出（不在应在册清单）"), UNKNOWN: gettext_lazy("多出（未知编码）"),
    WRONG_STATUS: gettext_lazy("状态不符"), FOUND: gettext_lazy("相符"),
}


@dataclass
class Line:
    kind: str
    code: str
    copy: Copy | None = None
    status: str = ""
    location: str = ""
    scan: Scan | None = None
    note: str = ""

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def status_label(self) -> str:
        return str(CopyStatus(self.status).label) if self.status else ""


@dataclass
class Report:
    stocktake: Stocktake
    expected: int = 0
    found: list[Line] = field(default_factory=list)
    missing: list[Line] = field(default_factory=list)
    unexpected: list[Line] = field(default_factory=list)
    wrong_status: list[Line] = field(default_factory=list)

    @property
    def scanned(self) -> int:
        return len(self.found) + len(self.unexpected)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.unexpected or self.wrong_status)

    def export_rows(self) -> list[list[str]]:
        rows = []
        for line in [*self.missing, *self.unexpected, *self.wrong_status]:
            copy = line.copy
            scan = line.scan
            rows.append([
                line.kind_label, copy.carrier.register_no if copy else line.code, copy.number if copy else "",
                copy.carrier.title if copy else "—", copy.carrier.marking if copy else "", line.status_label,
                line.location, (scan.scanned_by.full_name or scan.scanned_by.username) if scan else "",
                timezone.localtime(scan.scanned_at).strftime("%Y-%m-%d %H:%M") if scan else "", line.note])
        return rows


def _lines(stocktake: Stocktake, visible: Q | None) -> tuple[list[Expected], list[Scan], set[int]]:
    expected_qs = stocktake.expected.select_related("copy__carrier")
    scans_qs = stocktake.scans.select_related("copy__carrier", "scanned_by")
    all_expected = set(stocktake.expected.values_list("copy_id", flat=True))
    if visible is not None:
        shown = Copy.objects.filter(visible)
        expected_qs = expected_qs.filter(copy__in=shown)
        scans_qs = scans_qs.filter(Q(copy__isnull=True) | Q(copy__in=shown))
    return list(expected_qs), list(scans_qs.order_by("scanned_at", "id")), all_expected


def _report(stocktake: Stocktake, visible: Q | None) -> Report:
    expected, scans, all_expected = _lines(stocktake, visible)
    scanned = {s.copy_id for s in scans if s.copy_id is not None}
    report = Report(stocktake, expected=len(expected))
    by_copy = {s.copy_id: s for s in scans if s.copy_id is not None}
    for e in expected:
        line = Line(FOUND if e.copy_id in scanned else MISSING, "", e.copy, e.status, e.location,
                    scan=by_copy.get(e.copy_id))
        (report.found if line.kind == FOUND else report.missing).append(line)
    for s in scans:
        if s.copy_id is None:
            report.unexpected.append(Line(UNKNOWN, s.code, None, "", "", scan=s,
                                          note=_("无此载体，或无权查看")))
            continue
        if s.copy_id not in all_expected:
            elsewhere = (s.location != stocktake.location if stocktake.scope == Scope.LOCATION
                         else s.copy.custodian_id != stocktake.started_by_id)  # type: ignore[union-attr]
            if elsewhere:
                note = (_("登记存放于：%(place)s") % {"place": s.location or "—"} if stocktake.scope == Scope.LOCATION
                        else _("登记由他人保管"))
                report.unexpected.append(Line(WRONG_PLACE, s.code, s.copy, s.status, s.location, scan=s, note=note))
            else:
                report.unexpected.append(Line(NOT_LISTED, s.code, s.copy, s.status, s.location, scan=s))
        if s.status not in SHELVED_STATUSES:
            report.wrong_status.append(Line(WRONG_STATUS, s.code, s.copy, s.status, s.location, scan=s,
                                            note=_("登记簿记载为“%(status)s”，实物却在架上")
                                            % {"status": CopyStatus(s.status).label}))
    return report


def report_for(reader: User, stocktake: Stocktake) -> Report:
    """What the reader may see of the stocktake's discrepancies (a keeper who started it sees
    every copy it expected; another keeper only the copies within their own view)."""
    return _report(stocktake, policy.copies_visible_to(reader))


def discrepancy_counts(stocktake: Stocktake) -> dict[str, Any]:
    """Whole counts, for the audit event of the close (no titles)."""
    report = _report(stocktake, None)
    return {"expected": report.expected, "scanned": report.scanned, "missing": len(report.missing),
            "unexpected": len(report.unexpected), "wrong_status": len(report.wrong_status),
            "missing_copies": [line.copy.pk for line in report.missing if line.copy]}


def progress(reader: User, stocktakes: Iterable[Stocktake]) -> dict[int, int]:
    """Scans per stocktake (of codes and copies the reader may see) for the list page."""
    ids = [s.pk for s in stocktakes]
    visible = Copy.objects.filter(policy.copies_visible_to(reader))
    rows = (Scan.objects.filter(stocktake_id__in=ids).filter(Q(copy__isnull=True) | Q(copy__in=visible))
            .values("stocktake_id").annotate(n=Count("id")))
    return {r["stocktake_id"]: r["n"] for r in rows}


# ---------------------------------------------------------------- 我的待办


def inbox_items(person: User) -> list[inbox.Item]:
    """A keeper's stocktakes still open; for the secrecy office, the period's reminder while
    no stocktake has been closed in it."""
    if policy.reason_may_stocktake(person) is not None:
        return []
    from baomi.stocktake.models import Reminder
    from baomi.stocktake.services import closed_in_period, period_bounds

    items = [inbox.Item(kind=_("盘点"), title=_("盘点 %(no)s（%(place)s）进行中") % {"no": s.number, "place": s.place},
                        url=reverse("stocktake:detail", args=[s.pk]))
             for s in Stocktake.objects.filter(status=Status.OPEN, started_by=person).order_by("started_at")]
    today = timezone.localdate()
    start, end = period_bounds(today)
    if (policy.is_secrecy_office(person) and Reminder.objects.filter(period_start=start).exists()
            and not closed_in_period(today)):
        items.append(inbox.Item(kind=_("盘点"), title=_("本期（%(start)s 起）尚未完成涉密载体盘点")
                                % {"start": start.isoformat()}, url=reverse("stocktake:list"),
                                due=end + datetime.timedelta(days=0)))
    return items
