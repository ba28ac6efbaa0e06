"""The demo organisation's loader on a database that already has people. The demo itself
(the cast, `load_once`, the one-time codes, each app's story) is checked in
tests/test_demo_office.py, where it is loaded once for all those tests."""

from __future__ import annotations

import pytest

from baomi import demo
from baomi.accounts.models import User


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A fresh data folder: the demo marker and the signing key live there."""
    monkeypatch.setenv("BAOMI_DATA_DIR", str(tmp_path))
    return tmp_path


def test_load_once_never_loads_into_a_database_with_people(db, data_dir, staff):
    assert demo.load_once() is False
    assert User.objects.count() == 1 and not demo.is_demo()
