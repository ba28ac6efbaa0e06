"""Two keepers scanning into the same stocktake at the same moment: both scans land, one
row each; the same label scanned by both at once is one row. Real commits, both databases."""

from __future__ import annotations

from baomi.audit.verify import verify
from baomi.stocktake import services
from baomi.stocktake.models import Scan, Scope
from tests.carriers.conftest import carriers_chain_db, chain_db  # noqa: F401
from tests.carriers.test_concurrency import race
from tests.stocktake.conftest import CABINET, build_office, code, shelf


def test_two_keepers_scanning_at_once(carriers_chain_db):  # noqa: F811
    office = build_office()
    s = shelf(office)
    take = services.stocktake_start(actor=office.wangfang, scope=Scope.LOCATION, location=CABINET)
    results, errors = race(
        lambda: services.stocktake_scan(actor=office.wangfang, stocktake=take, code=code(s["a"])),
        lambda: services.stocktake_scan(actor=office.lijianhua, stocktake=take, code=code(s["b"])),
    )
    assert not errors and len(results) == 2
    assert set(Scan.objects.filter(stocktake=take).values_list("copy_id", flat=True)) == {s["a"].pk, s["b"].pk}
    results, errors = race(
        lambda: services.stocktake_scan(actor=office.wangfang, stocktake=take, code=code(s["hidden"])),
        lambda: services.stocktake_scan(actor=office.lijianhua, stocktake=take, code=code(s["hidden"])),
    )
    assert not errors and sorted(r.created for r in results) == [False, True]  # type: ignore[attr-defined]
    assert Scan.objects.filter(stocktake=take, copy=s["hidden"]).count() == 1
    assert verify().ok
