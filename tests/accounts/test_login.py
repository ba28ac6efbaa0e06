"""Login hardening through the real pages: events, lockout, forced password change, idle
timeout and the administrators' second factor."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta
from html import unescape

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from baomi.accounts import services
from baomi.audit.models import AuditEvent
from tests.accounts.conftest import last_event, logged_in
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = {current_code(device)}
    return next(c for c in ("000000", "123456", "999999") if c not in right)


# ---------------------------------------------------------------- sign in and out


def test_login_page_renders(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode() and "csrfmiddlewaretoken" in response.content.decode()


def test_login_success_and_logout_are_events(client, staff):
    response = sign_in(client, "zhoujing")
    assert response.status_code == 302 and response["Location"] == "/"
    login = events("auth.login")[-1]
    assert (login.outcome, login.actor_id, login.client_address) == ("ok", staff.pk, "127.0.0.1")
    home = client.get("/")
    assert home.status_code == 200 and "zhoujing" in home.content.decode()

    assert client.get("/accounts/logout/").status_code == 405, "logging out takes a POST"
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert (last_event().action, last_event().actor_id) == ("auth.logout", staff.pk)
    assert client.get("/")["Location"].startswith(LOGIN)


def test_login_failure_is_an_event(client, staff):
    response = sign_in(client, "zhoujing", "Wrong#password1")
    assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
    failed = events("auth.login_failed")[-1]
    # Attributed to the account it names, so attempts on administrators stay administrators' events.
    assert (failed.outcome, failed.actor_username, failed.actor_id) == ("denied", "zhoujing", staff.pk)
    assert "Wrong#password1" not in failed.summary + failed.details
    assert client.get("/").status_code == 302


def test_unknown_user_failure_is_recorded_too(client, db):
    sign_in(client, "ghost", "Whatever#2026")
    assert events("auth.login_failed")[-1].actor_username == "ghost"


def test_disabled_account_cannot_sign_in(client, disabled):
    response = sign_in(client, "zhengli")
    assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
    assert not events("auth.login")


def test_authenticated_user_is_sent_home_from_login_page(client, staff):
    logged = logged_in(staff)
    assert logged.get(LOGIN)["Location"] == "/"


# ---------------------------------------------------------------- lockout


def test_lockout_after_five_failures_and_unlock(client, staff, sysadmin):
    assert settings.AXES_FAILURE_LIMIT == 5 and settings.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
    for _ in range(4):
        assert sign_in(client, "zhoujing", "Wrong#password1").status_code == 200
    assert not events("auth.lockout")
    locked = sign_in(client, "zhoujing", "Wrong#password1")
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "账户已锁定" in body and "30 分钟" in body
    lockout = events("auth.lockout")
    assert lockout and (lockout[0].outcome, lockout[0].actor_username) == ("denied", "zhoujing")

    # Even the right password is refused while locked, from another address too.
    assert sign_in(client, "zhoujing").status_code == 429
    assert sign_in(Client(REMOTE_ADDR="10.9.8.7"), "zhoujing", REMOTE_ADDR="10.9.8.7").status_code == 429
    assert client.get("/").status_code == 302, "not signed in"
    assert not events("auth.login")
    # Other people are not affected.
    from tests.factories import make_person

    make_person("liumin")
    assert sign_in(Client(), "liumin").status_code == 302

    # The system administrator unlocks through the person page.
    admin = logged_in(sysadmin)
    response = admin.post(f"/accounts/people/{staff.pk}/unlock/")
    assert response.status_code == 302
    assert (last_event().action, last_event().outcome, last_event().actor_id) == ("account.unlock", "ok", sysadmin.pk)
    assert sign_in(client, "zhoujing").status_code == 302
    assert client.get("/").status_code == 200


def test_success_resets_the_failure_count(client, staff):
    for _ in range(4):
        sign_in(client, "zhoujing", "Wrong#password1")
    assert sign_in(client, "zhoujing").status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        assert sign_in(client, "zhoujing", "Wrong#password1").status_code == 200


# ---------------------------------------------------------------- idle timeout


def test_idle_timeout_settings():
    assert settings.SESSION_COOKIE_AGE == 1800
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_idle_session_expires_and_activity_extends_it(client, staff):
    sign_in(client, "zhoujing")
    key = client.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(seconds=60))
    assert client.get("/").status_code == 200
    extended = Session.objects.get(pk=key).expire_date
    assert extended > timezone.now() + timedelta(seconds=1700), "each request restarts the idle clock"

    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


# ---------------------------------------------------------------- forced password change


GATED_PAGES = ["/", "/accounts/profile/", "/accounts/people/", "/accounts/units/", "/audit/",
               "/accounts/otp/setup/"]


def assert_gated_to_password_change(client: Client) -> None:
    for path in GATED_PAGES:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/accounts/password/", path
    response = client.get("/api/v1/me")
    assert response.status_code == 403
    assert json.loads(response.content)["error"]["code"] == "account_gate"
    page = client.get("/accounts/password/")
    assert page.status_code == 200 and "须先修改密码" in page.content.decode()


def change_password(client: Client, old: str, new: str, confirm: str | None = None):
    return client.post("/accounts/password/", {"old_password": old, "new_password1": new,
                                               "new_password2": new if confirm is None else confirm})


def test_first_login_must_change_password(client, sysadmin, unit):
    person, temporary = services.person_create(actor=sysadmin, username="liumin", full_name="刘敏", unit=unit)
    assert sign_in(client, "liumin", temporary).status_code == 302
    assert_gated_to_password_change(client)

    # Bad attempts keep the gate shut and say why.
    mismatch = change_password(client, temporary, "Brand#New2026", "Brand#New2027")
    assert mismatch.status_code == 200 and "不一致" in mismatch.content.decode()
    weak = change_password(client, temporary, "weakpassword")
    assert weak.status_code == 200 and "三类" in weak.content.decode()
    wrong_old = change_password(client, "Not#theold1", "Brand#New2026")
    assert wrong_old.status_code == 200 and "原密码不正确" in wrong_old.content.decode()
    assert (last_event().action, last_event().outcome) == ("password.change", "denied")
    same = change_password(client, temporary, temporary)
    assert same.status_code == 200 and "最近 5 次" in same.content.decode()
    assert client.get("/").status_code == 302

    done = change_password(client, temporary, "Brand#New2026")
    assert done.status_code == 302 and done["Location"] == "/"
    assert client.get("/").status_code == 200, "the session survives the change"
    assert client.get("/api/v1/me").status_code == 200
    person.refresh_from_db()
    assert not person.must_change_password and person.check_password("Brand#New2026")


def one_time_password(html: str) -> str:
    return unescape(re.search(r"一次性密码：([^<\s（]+)", html).group(1))


def test_reset_by_admin_ends_sessions_and_forces_change(client, staff, sysadmin):
    assert sign_in(client, "zhoujing").status_code == 302
    assert client.get("/").status_code == 200
    page = logged_in(sysadmin).post(f"/accounts/people/{staff.pk}/reset/", follow=True)
    assert page.status_code == 200
    temporary = one_time_password(page.content.decode())
    # The old session no longer matches the password: signed out.
    assert client.get("/")["Location"].startswith(LOGIN)
    assert sign_in(client, "zhoujing", PASSWORD).status_code == 200, "the old password is gone"
    assert sign_in(client, "zhoujing", temporary).status_code == 302
    assert_gated_to_password_change(client)
    assert change_password(client, temporary, "After#Reset2026").status_code == 302
    assert client.get("/").status_code == 200


def test_logout_and_language_stay_open_while_gated(client, sysadmin, unit):
    _person, temporary = services.person_create(actor=sysadmin, username="liumin", full_name="刘敏", unit=unit)
    sign_in(client, "liumin", temporary)
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/password/"}).status_code == 302
    assert client.post("/accounts/logout/")["Location"] == LOGIN


# ---------------------------------------------------------------- second factor (TOTP)


def test_admin_without_device_must_enrol(client, sysadmin):
    assert sign_in(client, "qianyong").status_code == 302
    for path in ("/", "/accounts/people/", "/accounts/units/", "/accounts/profile/", "/accounts/otp/verify/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/accounts/otp/setup/", path
    api = client.get("/api/v1/people")
    assert api.status_code == 403 and json.loads(api.content)["error"]["code"] == "account_gate"

    page = client.get("/accounts/otp/setup/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "管理员账户必须使用动态口令" in html and "data:image/svg+xml;base64," in html
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7=]+)<', html).group(1)
    device = TOTPDevice.objects.get(user=sysadmin, confirmed=False)
    assert base64.b32decode(secret) == device.bin_key

    # Reloading the page keeps the same pending device (the QR code in the phone stays valid).
    assert client.get("/accounts/otp/setup/").status_code == 200
    assert TOTPDevice.objects.filter(user=sysadmin).count() == 1

    wrong = client.post("/accounts/otp/setup/", {"code": wrong_code(device)})
    assert wrong.status_code == 200 and "动态口令不正确" in wrong.content.decode()
    assert (last_event().action, last_event().outcome) == ("mfa.enroll", "denied")
    assert not TOTPDevice.objects.filter(user=sysadmin, confirmed=True).exists()
    assert client.get("/")["Location"] == "/accounts/otp/setup/"

    device.throttle_reset()  # a wrong code throttles the device briefly (tested below)
    ok = client.post("/accounts/otp/setup/", {"code": current_code(device)})
    assert ok.status_code == 302 and ok["Location"] == "/"
    assert (last_event().action, last_event().outcome, last_event().actor_id) == ("mfa.enroll", "ok", sysadmin.pk)
    assert TOTPDevice.objects.get(user=sysadmin).confirmed
    assert client.get("/").status_code == 200
    assert client.get("/accounts/units/").status_code == 200


def test_malformed_code_is_refused_by_the_form(client, sysadmin):
    sign_in(client, "qianyong")
    client.get("/accounts/otp/setup/")
    response = client.post("/accounts/otp/setup/", {"code": "12ab"})
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=sysadmin, confirmed=True).exists()


def test_admin_with_device_must_verify(client, secadmin):
    device = TOTPDevice.objects.create(user=secadmin, name="phone", confirmed=True)
    assert sign_in(client, "fengxue").status_code == 302
    for path in ("/", "/accounts/people/", "/audit/", "/accounts/otp/setup/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/accounts/otp/verify/", path

    wrong = client.post("/accounts/otp/verify/", {"code": wrong_code(device)})
    assert wrong.status_code == 200 and "动态口令不正确" in wrong.content.decode()
    assert (last_event().action, last_event().outcome, last_event().actor_id) == ("mfa.verify", "denied",
                                                                                    secadmin.pk)
    assert client.get("/")["Location"] == "/accounts/otp/verify/"

    device.refresh_from_db()
    device.throttle_reset()
    ok = client.post("/accounts/otp/verify/", {"code": current_code(device)})
    assert ok.status_code == 302 and ok["Location"] == "/"
    assert (last_event().action, last_event().outcome) == ("mfa.verify", "ok")
    assert client.get("/").status_code == 200
    assert client.get("/audit/").status_code == 200


def test_wrong_code_throttles_the_device(client, secadmin):
    """Six digits are only safe with throttling: right after a miss even the right code waits."""
    device = TOTPDevice.objects.create(user=secadmin, name="phone", confirmed=True)
    sign_in(client, "fengxue")
    client.post("/accounts/otp/verify/", {"code": wrong_code(device)})
    device.refresh_from_db()
    assert client.post("/accounts/otp/verify/", {"code": current_code(device)}).status_code == 200
    assert client.get("/")["Location"] == "/accounts/otp/verify/"


def test_verify_never_redirects_off_site(client, secadmin):
    device = TOTPDevice.objects.create(user=secadmin, name="phone", confirmed=True)
    sign_in(client, "fengxue")
    response = client.post("/accounts/otp/verify/?next=https://evil.example/phish", {"code": current_code(device)})
    assert response.status_code == 302 and response["Location"] == "/"


def test_verify_follows_a_local_next(client, secadmin):
    device = TOTPDevice.objects.create(user=secadmin, name="phone", confirmed=True)
    sign_in(client, "fengxue")
    response = client.post("/accounts/otp/verify/?next=/accounts/people/", {"code": current_code(device)})
    assert response["Location"] == "/accounts/people/"


def test_code_cannot_be_replayed(client, secadmin):
    device = TOTPDevice.objects.create(user=secadmin, name="phone", confirmed=True)
    code = current_code(device)
    sign_in(client, "fengxue")
    assert client.post("/accounts/otp/verify/", {"code": code}).status_code == 302
    other = Client()
    sign_in(other, "fengxue")
    assert other.post("/accounts/otp/verify/", {"code": code}).status_code == 200
    assert other.get("/")["Location"] == "/accounts/otp/verify/"


def test_ordinary_user_without_device_is_not_gated(client, staff):
    sign_in(client, "zhoujing")
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    # ...but may enrol voluntarily, and is then asked for the code at the next login.
    page = client.get("/accounts/otp/setup/")
    assert page.status_code == 200 and "管理员账户必须" not in page.content.decode()
    device = TOTPDevice.objects.get(user=staff)
    assert client.post("/accounts/otp/setup/", {"code": current_code(device)}).status_code == 302
    client.post("/accounts/logout/")
    sign_in(client, "zhoujing")
    assert client.get("/")["Location"] == "/accounts/otp/verify/"


@pytest.mark.parametrize("role_fixture", ["sysadmin", "secadmin", "auditor"])
def test_every_administrator_is_gated(db, client, request, role_fixture):
    admin = request.getfixturevalue(role_fixture)
    sign_in(client, admin.username)
    assert client.get("/")["Location"] == "/accounts/otp/setup/"
