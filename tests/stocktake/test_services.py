"""载体盘点: snapshot, scans, the discrepancy report, closing, refusals and the reminder."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from baomi import inbox
from baomi.audit.models import AuditEvent
from baomi.carriers import services as carriers
from baomi.carriers.models import Copy, CopyStatus
from baomi.errors import Conflict, Invalid, Refused
from baomi.jobs import tick
from baomi.stocktake import selectors, services
from baomi.stocktake.models import Expected, Reminder, Scan, Scope, Status, Stocktake
from tests.carriers.conftest import tomorrow
from tests.stocktake.conftest import CABINET, code, shelf


def start(actor, location: str = CABINET) -> Stocktake:
    return services.stocktake_start(actor=actor, scope=Scope.LOCATION, location=location)


def test_start_snapshots_the_shelf_the_keeper_may_see(office):
    s = shelf(office)
    carriers.copy_lend_request(actor=office.sunwei, copy=s["b"], due_on=tomorrow(), reason="核对数据")
    take = start(office.zhaolei)  # 一般: the 机密 copy in the cabinet is not hers to count
    assert set(take.expected.values_list("copy_id", flat=True)) == {s["a"].pk, s["b"].pk}
    services.stocktake_close(actor=office.zhaolei, stocktake=take)
    mine = start(office.wangfang)
    assert set(mine.expected.values_list("copy_id", flat=True)) == {s["a"].pk, s["b"].pk, s["hidden"].pk}
    custody = services.stocktake_start(actor=office.wangfang, scope=Scope.CUSTODY)
    assert set(custody.expected.values_list("copy_id", flat=True)) == {
        s["a"].pk, s["b"].pk, s["safe"].pk, s["hidden"].pk}
    event = AuditEvent.objects.filter(action="stocktake.start").latest("seq")
    assert "应在册 4 份" in event.summary and "通报" not in event.summary


def test_a_second_open_stocktake_of_the_same_place_is_refused(office):
    shelf(office)
    start(office.wangfang)
    with pytest.raises(Conflict):
        start(office.lijianhua)
    with pytest.raises(Invalid):
        services.stocktake_start(actor=office.wangfang, scope=Scope.LOCATION, location=" ")


@pytest.mark.parametrize("who", ["zhoujing", "sunwei", "auditor", "secadmin"])
def test_only_keepers_stocktake_and_the_refusal_is_recorded(office, who):
    s = shelf(office)
    person = office.people[who]
    with pytest.raises(Refused):
        start(person)
    assert not Stocktake.objects.exists()
    assert AuditEvent.objects.filter(action="stocktake.start", outcome="denied").count() == 1
    take = start(office.wangfang)
    with pytest.raises(Refused):
        services.stocktake_scan(actor=person, stocktake=take, code=code(s["a"]))
    with pytest.raises(Refused):
        services.stocktake_close(actor=person, stocktake=take)
    assert not take.scans.exists() and Stocktake.objects.get().status == Status.OPEN


def test_scans_are_idempotent_and_malformed_codes_store_nothing(office):
    s = shelf(office)
    take = start(office.wangfang)
    first = services.stocktake_scan(actor=office.wangfang, stocktake=take, code=code(s["a"]))
    again = services.stocktake_scan(actor=office.lijianhua, stocktake=take, code=" " + code(s["a"]).lower())
    assert first.created and not again.created and again.scan.pk == first.scan.pk
    assert take.scans.count() == 1
    assert AuditEvent.objects.filter(action="stocktake.scan").count() == 1
    bad = code(s["b"])[:-2] + ("00" if not code(s["b"]).endswith("00") else "01")
    with pytest.raises(Invalid, match="校验位"):
        services.stocktake_scan(actor=office.wangfang, stocktake=take, code=bad)
    with pytest.raises(Invalid, match="格式"):
        services.stocktake_scan(actor=office.wangfang, stocktake=take, code="收2026-0001")
    assert take.scans.count() == 1


def test_report_names_missing_unexpected_and_wrong_status(office):
    s = shelf(office)
    take = start(office.wangfang)
    # Lent after the snapshot (as the register says), but found on the shelf.
    Copy.objects.filter(pk=s["b"].pk).update(status=CopyStatus.LENT, custodian=office.sunwei,
                                             due_at=timezone.now() + datetime.timedelta(days=1))
    for copy in (s["b"], s["safe"], s["hidden"]):
        services.stocktake_scan(actor=office.wangfang, stocktake=take, code=code(copy))
    services.stocktake_scan(actor=office.wangfang, stocktake=take, code="BM-C-999999-" + _check(999999))
    report = selectors.report_for(office.wangfang, take)
    assert [line.copy.pk for line in report.missing] == [s["a"].pk]  # type: ignore[union-attr]
    kinds = {(line.kind, line.copy.pk if line.copy else line.code) for line in report.unexpected}
    assert kinds == {(selectors.WRONG_PLACE, s["safe"].pk), (selectors.UNKNOWN, f"BM-C-999999-{_check(999999)}")}
    assert [line.copy.pk for line in report.wrong_status] == [s["b"].pk]  # type: ignore[union-attr]
    assert "借出" in report.wrong_status[0].note
    assert SAFE_NOTE in next(line.note for line in report.unexpected if line.kind == selectors.WRONG_PLACE)
    assert {line.copy.pk for line in report.found} == {s["b"].pk, s["hidden"].pk}  # type: ignore[union-attr]


SAFE_NOTE = "机要室 1号保险柜"


def _check(copy_id: int) -> str:
    from baomi.carriers.labels import check_digits

    return check_digits(copy_id)


def test_a_copy_the_keeper_may_not_see_scans_as_an_unknown_code(office):
    s = shelf(office)
    take = start(office.zhaolei)
    result = services.stocktake_scan(actor=office.zhaolei, stocktake=take, code=code(s["hidden"]))
    assert result.scan.copy_id is None and result.scan.status == "" and result.scan.location == ""
    report = selectors.report_for(office.zhaolei, take)
    assert [(line.kind, line.code) for line in report.unexpected] == [(selectors.UNKNOWN, code(s["hidden"]))]
    event = AuditEvent.objects.filter(action="stocktake.scan").latest("seq")
    assert "未知编码" in event.summary and json.loads(event.details)["copy"] is None
    # Another keeper who may see it does not see it in zhaolei's stocktake either: the scan
    # recorded no copy.
    assert selectors.report_for(office.wangfang, take).unexpected[0].copy is None


def test_another_keeper_sees_only_the_copies_within_their_view(office):
    s = shelf(office)
    take = start(office.wangfang)
    services.stocktake_scan(actor=office.wangfang, stocktake=take, code=code(s["hidden"]))
    theirs = selectors.report_for(office.zhaolei, take)
    assert theirs.expected == 2 and [line.copy.pk for line in theirs.missing] == [s["a"].pk, s["b"].pk]  # type: ignore[union-attr]
    assert theirs.found == [] and theirs.unexpected == []
    assert [x.copy_id for x in selectors.recent_scans(office.zhaolei, take)] == []


def test_close_is_audited_and_a_closed_stocktake_never_changes(office):
    s = shelf(office)
    take = start(office.wangfang)
    services.stocktake_scan(actor=office.wangfang, stocktake=take, code=code(s["a"]))
    services.stocktake_close(actor=office.wangfang, stocktake=take, note="已核对")
    take.refresh_from_db()
    assert take.status == Status.CLOSED and take.closed_by == office.wangfang
    event = AuditEvent.objects.get(action="stocktake.close")
    assert json.loads(event.details)["missing"] == 2 and json.loads(event.details)["expected"] == 3
    assert "缺失 2" in event.summary and "通报" not in event.summary
    with pytest.raises(Conflict, match="已结束"):
        services.stocktake_scan(actor=office.wangfang, stocktake=take, code=code(s["b"]))
    with pytest.raises(Conflict):
        services.stocktake_close(actor=office.wangfang, stocktake=take)
    # The database refuses too.
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Scan.objects.create(stocktake=take, code=code(s["b"]), copy=s["b"], status="in_custody",
                            scanned_by=office.wangfang, scanned_at=timezone.now())
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Stocktake.objects.filter(pk=take.pk).update(note="改过")
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Expected.objects.filter(stocktake=take).update(location="别处")
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Scan.objects.filter(stocktake=take).update(location="别处")
    assert take.scans.count() == 1


def test_missing_copies_are_not_lost_until_the_keeper_reports_them(office):
    s = shelf(office)
    take = start(office.wangfang)
    services.stocktake_close(actor=office.wangfang, stocktake=take)
    s["a"].refresh_from_db()
    assert s["a"].status == CopyStatus.IN_CUSTODY
    carriers.copy_report_lost(actor=office.wangfang, copy=s["a"], note=f"盘点 {take.number} 未找到")
    s["a"].refresh_from_db()
    assert s["a"].status == CopyStatus.LOST


def test_reminder_once_per_half_year_until_a_stocktake_is_closed(office):
    today = timezone.localdate()
    start_of_period, end_of_period = services.period_bounds(today)
    assert start_of_period.month in (1, 7) and start_of_period <= today <= end_of_period
    assert services.reminders_issue(today=today) == [f"载体盘点提醒: {start_of_period.isoformat()}"]
    assert services.reminders_issue(today=today) == []
    assert "载体盘点提醒" not in " ".join(tick(today=today))
    assert Reminder.objects.count() == 1
    event = AuditEvent.objects.get(action="stocktake.remind")
    assert "尚未完成涉密载体盘点" in event.summary
    titles = [i.title for i in inbox.items_for(office.lijianhua)]
    assert any("尚未完成涉密载体盘点" in t for t in titles)
    assert not any("盘点" in i.title for i in inbox.items_for(office.zhoujing))
    shelf(office)
    take = start(office.wangfang)
    assert any(take.number in i.title for i in inbox.items_for(office.wangfang))
    services.stocktake_close(actor=office.wangfang, stocktake=take)
    assert not any("盘点" in i.title for i in inbox.items_for(office.lijianhua))
    assert not any("盘点" in i.title for i in inbox.items_for(office.wangfang))


def test_a_closed_stocktake_this_period_means_no_reminder(office):
    shelf(office)
    services.stocktake_close(actor=office.wangfang, stocktake=start(office.wangfang))
    assert services.reminders_issue(today=timezone.localdate()) == []
    assert not Reminder.objects.exists()


@override_settings(BAOMI_STOCKTAKE_MONTHS=12)
def test_the_period_is_configurable():
    assert services.period_bounds(datetime.date(2026, 11, 27)) == (datetime.date(2026, 1, 1),
                                                                   datetime.date(2026, 12, 31))
    with override_settings(BAOMI_STOCKTAKE_MONTHS=6):
        assert services.period_bounds(datetime.date(2026, 3, 1)) == (datetime.date(2026, 1, 1),
                                                                     datetime.date(2026, 6, 30))
    with override_settings(BAOMI_STOCKTAKE_MONTHS=3):
        assert services.period_bounds(datetime.date(2026, 11, 27)) == (datetime.date(2026, 10, 1),
                                                                       datetime.date(2026, 12, 31))
