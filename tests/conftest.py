"""Fixtures for people and units (settings: tests/settings.py).

The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL points there
(scripts/test.sh runs both).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from tests.factories import PASSWORD, make_admin, make_person, make_unit


@pytest.fixture
def unit(db):
    return make_unit("规划科", "planning")


@pytest.fixture
def sysadmin(db):
    return make_admin("system", "qianyong")


@pytest.fixture
def secadmin(db):
    return make_admin("security", "fengxue")


@pytest.fixture
def auditor(db):
    return make_admin("auditor", "heping")


@pytest.fixture
def staff(db, unit):
    return make_person("zhoujing", unit=unit, clearance="GENERAL")


@pytest.fixture
def password() -> str:
    return PASSWORD


def login(client, user):
    """Log a user in past every gate (password change, second factor) for page tests."""
    client.force_login(user)
    if user.admin_role:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "t"})[0]
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


@pytest.fixture(autouse=True)
def _chinese_interface():
    """Each test starts in the default language: a request that switched to English must not
    leave English active for the next test in the same worker."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The process-local caches (menus, counts and the carrier list keyed by the audit chain head;
    the audit status) start empty: a rolled-back test can leave the same chain head and ids
    behind for the next one."""
    from django.core.cache import cache

    from baomi.core import statecache

    cache.clear()
    statecache.clear()
    yield


@contextlib.contextmanager
def shared_data(django_db_blocker: Any) -> Iterator[None]:
    """Keep data built once (in a module- or session-scoped fixture) for several tests: it is
    written inside an outer transaction that is rolled back at the end, and each test's own
    transaction (pytest-django's `db`) becomes a savepoint inside it, so every test still starts
    from the same data and undoes its own writes. Only for tests using `db` (never
    `transactional_db`), and only in modules where every test that touches the database wants
    that data (a module fixture stays alive until the module's last test)."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer._from_testcase = True  # type: ignore[attr-defined]  # like TestCase's: durable blocks may nest
        outer.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
