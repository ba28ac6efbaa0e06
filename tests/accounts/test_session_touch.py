"""The idle timeout with at most one session write a minute (baomi.core.session_touch), and the
menu computed once per state of the data (baomi.core.context)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from baomi.accounts import services
from baomi.accounts.models import Role
from baomi.core.session_touch import TOUCH_INTERVAL_S
from tests.conftest import login
from tests.factories import make_admin, make_person, make_unit

pytestmark = pytest.mark.django_db


def _row(client) -> Session:
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def _age_last_save(client, seconds: int) -> None:
    """Pretend the session was last saved `seconds` ago: its expiry is that much nearer."""
    Session.objects.filter(session_key=client.cookies["sessionid"].value).update(
        expire_date=timezone.now() + datetime.timedelta(seconds=client.session.get_expiry_age() - seconds))


def test_a_request_within_the_minute_writes_no_session(client, settings):
    login(client, make_person("u1", clearance="IMPORTANT"))
    client.get(reverse("core:home"))
    _age_last_save(client, TOUCH_INTERVAL_S - 10)
    expiry = _row(client).expire_date
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("core:home")).status_code == 200
    assert not [q for q in queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")]
    assert _row(client).expire_date == expiry


def test_the_idle_timeout_is_renewed_once_the_last_save_is_a_minute_old(client, settings):
    login(client, make_person("u1", clearance="IMPORTANT"))
    client.get(reverse("core:home"))
    _age_last_save(client, TOUCH_INTERVAL_S + 1)
    before = _row(client).expire_date
    assert client.get(reverse("core:home")).status_code == 200
    after = _row(client).expire_date
    assert after > before
    # The full idle timeout again, from now (to within the test's own run time).
    assert abs((after - timezone.now()).total_seconds() - settings.SESSION_COOKIE_AGE) < 30


def test_an_idle_session_past_the_timeout_is_signed_out(client):
    login(client, make_person("u1", clearance="IMPORTANT"))
    client.get(reverse("core:home"))
    Session.objects.filter(session_key=client.cookies["sessionid"].value).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_signing_out_leaves_no_session_behind(client):
    login(client, make_person("u1", clearance="IMPORTANT"))
    client.get(reverse("core:home"))
    key = client.cookies["sessionid"].value
    client.post(reverse("accounts:logout"))
    assert not Session.objects.filter(session_key=key).exists()


def test_the_menu_follows_a_role_grant_at_once(client):
    unit = make_unit()
    person = make_person("u1", unit=unit, clearance="IMPORTANT")
    login(client, person)
    page = client.get(reverse("core:home")).content.decode()
    assert reverse("stocktake:list") not in page
    services.role_grant(actor=make_admin("security", "secadmin"), person=person,
                        role=Role.CONFIDENTIAL_SECRETARY, unit=unit)
    page = client.get(reverse("core:home")).content.decode()
    assert f'href="{reverse("stocktake:list")}"' in page  # 载体盘点: keepers only


def test_the_menu_is_not_recomputed_on_every_page(client):
    login(client, make_person("u1", clearance="IMPORTANT"))
    client.get(reverse("carriers:list"))
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("carriers:list")).content.decode()
    assert f'href="{reverse("carriers:list")}" class="on"' in page
    assert not [q for q in queries if "meetings_attendee" in q["sql"] or "devices_device" in q["sql"]]
