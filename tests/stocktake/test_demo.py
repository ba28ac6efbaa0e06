"""The stocktake part of the demo: one closed stocktake of the 秘书股's cabinet with one
discrepancy, one in progress; the chain still verifies."""

from __future__ import annotations

import pytest

from baomi import demo
from baomi.accounts.models import User
from baomi.audit.verify import verify
from baomi.stocktake import selectors
from baomi.stocktake.models import Status, Stocktake


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BAOMI_DATA_DIR", str(tmp_path))
    return tmp_path


def test_demo_stocktakes(db, data_dir):
    demo.load()
    wangfang = User.objects.get(username="wangfang")
    closed, ongoing = Stocktake.objects.order_by("started_at")
    assert closed.status == Status.CLOSED and closed.location == "机要室 文件柜"
    report = selectors.report_for(wangfang, closed)
    assert report.expected > 0 and not report.missing and not report.wrong_status
    assert [line.kind for line in report.unexpected] == [selectors.WRONG_PLACE]
    assert ongoing.status == Status.OPEN and ongoing.scans.count() == 3
    assert verify().ok
