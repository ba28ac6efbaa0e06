"""End to end in a real Chromium: sign in, see home, sign out; an administrator enrols TOTP.

Runs Debian's Chromium (/usr/bin/chromium) through Playwright against pytest-django's live
server. Skipped with a reason when Chromium or Playwright is missing (CI installs both).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
from collections.abc import Iterator

import pytest
from django.db import connection
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from baomi.accounts.models import User
from baomi.audit.chain import GENESIS
from baomi.audit.models import AuditEvent, ChainHead
from tests.factories import PASSWORD, make_admin, make_person, make_unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOT = "/tmp/baomi-home.png"
AUDIT_TABLES = ("audit_auditevent", "audit_checkpoint")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium); CI installs it")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    # The sync API keeps an event loop in this thread; Django's ORM (used by the test itself
    # between browser steps) would otherwise refuse to run "inside" it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def flushable_audit_log(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Transactional tests end with a flush, which the append-only triggers (audit migration
    0002) rightly refuse. Lift them for this module only, then restore them and the chain head."""
    with django_db_blocker.unblock():
        saved = _lift_triggers()
    yield
    with django_db_blocker.unblock():
        _ensure_chain_head()
        _restore_triggers(saved)


def _lift_triggers() -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s)",
                           AUDIT_TABLES)
            rows = cursor.fetchall()
            for name, _sql in rows:
                cursor.execute(f'DROP TRIGGER "{name}"')
            return [sql for _name, sql in rows]
        for table in AUDIT_TABLES:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        return []


def _restore_triggers(saved: list[str]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for sql in saved:
                cursor.execute(sql)
        else:
            for table in AUDIT_TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def _ensure_chain_head() -> None:
    ChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS, "frontier": {}})


@pytest.fixture
def page(django_db_setup, flushable_audit_log, browser, live_server):
    # django_db_setup first: the live server (session-scoped too) must stop before the test
    # database is dropped, or PostgreSQL refuses to drop a database still in use.
    _ensure_chain_head()  # the previous test's flush emptied the table the migration filled
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")


def nav_labels(page) -> list[str]:
    """The navigation's labels without the counts beside them (我的待办 2 → 我的待办)."""
    return [re.sub(r"\s*\d+$", "", text.strip()) for text in page.locator("header nav a").all_inner_texts()]


def test_person_signs_in_sees_home_and_signs_out(page, live_server):
    base = live_server.url
    person = make_person("zhoujing", unit=make_unit("规划科", "planning"), clearance="GENERAL", full_name="周静")

    sign_in(page, base, "zhoujing")
    page.wait_for_url(f"{base}/")
    assert page.get_by_test_id("current-user").inner_text() == "周静"
    assert "您好，周静" in page.locator("h1").inner_text()
    assert "规划科" in page.locator("main").inner_text() and "一般" in page.locator("main").inner_text()
    assert nav_labels(page) == ["首页", "我的待办", "定密", "涉密载体", "保密审查", "培训考试", "出国境",
                                "涉密人员", "个人设置"]
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{base}/accounts/login/")
    page.goto(f"{base}/")
    assert page.url.startswith(f"{base}/accounts/login/?next=")
    actions = list(AuditEvent.objects.filter(actor=person).order_by("seq").values_list("action", flat=True))
    assert actions == ["auth.login", "auth.logout"]


def test_wrong_password_is_shown(page, live_server):
    base = live_server.url
    make_person("zhoujing", full_name="周静")
    sign_in(page, base, "zhoujing", "Wrong#password1")
    assert page.get_by_role("alert").inner_text() == "用户名或密码不正确"
    assert page.url == f"{base}/accounts/login/"


def test_administrator_enrols_totp_and_lands_home(page, live_server):
    base = live_server.url
    admin = make_admin("system", "qianyong")
    User.objects.filter(pk=admin.pk).update(full_name="钱勇")

    sign_in(page, base, "qianyong")
    page.wait_for_url(f"{base}/accounts/otp/setup/")
    assert page.locator("img[alt='TOTP QR']").is_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    key = base64.b32decode(secret)
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    assert key == device.bin_key
    code = f"{totp(key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"
    page.fill("#id_code", code)
    page.get_by_role("button", name="确认绑定").click()

    page.wait_for_url(f"{base}/")
    assert page.get_by_test_id("current-user").inner_text() == "钱勇"
    assert "动态口令已绑定" in page.get_by_role("status").inner_text()
    assert nav_labels(page) == ["首页", "单位管理", "人员", "个人设置"]
    page.screenshot(path="/tmp/baomi-home-admin.png", full_page=True)
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="mfa.enroll", outcome="ok", actor=admin).count() == 1
