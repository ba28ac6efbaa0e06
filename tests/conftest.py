"""Fixtures for people and units (settings: tests/settings.py).

The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL points there
(scripts/test.sh runs both).
"""

from __future__ import annotations

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
    """The process-local cache (nav counts keyed by the audit chain head, the audit status) starts
    empty: a rolled-back test can leave the same chain head and ids behind for the next one."""
    from django.core.cache import cache

    cache.clear()
    yield
