"""LDAP login through the real login page against a real slapd (tests/sso/slapd.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY

from baomi.accounts.models import RoleAssignment, User
from baomi.audit.models import AuditEvent, Outcome
from tests.factories import PASSWORD, make_person
from tests.sso import slapd

DIRECTORY_PASSWORD = slapd.USERS["zhoujing"][0]


def sign_in(client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def account_row(user: User) -> tuple:
    return (*User.objects.filter(pk=user.pk).values_list(
        "username", "unit_id", "clearance", "admin_role", "is_active", "password", "must_change_password").get(),
        sorted(RoleAssignment.objects.filter(user=user).values_list("role", "unit_id")))


@pytest.fixture
def officer(db, unit):
    return make_person("zhoujing", unit=unit, clearance="IMPORTANT", roles=[("secrecy_officer", None)])


def test_directory_password_signs_the_mapped_account_in(client, ldap_on, officer):
    before = account_row(officer)
    response = sign_in(client, "zhoujing", DIRECTORY_PASSWORD)
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.session[SESSION_KEY] == str(officer.pk)
    assert client.get("/").status_code == 200  # an ordinary person: no second factor asked
    # The directory only authenticated: roles, clearance, unit, local password untouched.
    assert account_row(officer) == before
    verified, = events("auth.sso")
    assert verified.outcome == Outcome.OK and verified.actor_id == officer.pk
    assert json.loads(verified.details)["dn"] == f"uid=zhoujing,{slapd.PEOPLE}"
    assert [e.actor_id for e in events("auth.login")] == [officer.pk]


def test_a_temporary_password_is_retired_at_the_first_directory_login(client, ldap_on, officer, sysadmin):
    """A new account's temporary password (the administrator knows it) stops working, and no
    password change is asked; an administrator keeps the forced change (the local password is
    the way in when the directory is down)."""
    User.objects.filter(pk__in=[officer.pk, sysadmin.pk]).update(must_change_password=True)
    assert sign_in(client, "zhoujing", DIRECTORY_PASSWORD).status_code == 302
    assert client.get("/").status_code == 200  # not sent to the password change page
    officer.refresh_from_db()
    assert not officer.must_change_password and not officer.has_usable_password()
    (event,) = events("password.retire")
    assert event.actor_id == officer.pk and json.loads(event.details) == {"via": "ldap"}
    client.logout()
    assert sign_in(client, "zhoujing", PASSWORD).status_code == 200  # the local password no longer works
    assert sign_in(client, "zhoujing", DIRECTORY_PASSWORD).status_code == 302
    assert len(events("password.retire")) == 1

    client.logout()
    assert sign_in(client, "qianyong", slapd.USERS["qianyong"][0]).status_code == 302
    sysadmin.refresh_from_db()
    assert sysadmin.must_change_password and sysadmin.has_usable_password()
    assert client.get("/", follow=False)["Location"].endswith("/accounts/password/")


def test_local_password_still_works(client, ldap_on, officer):
    assert sign_in(client, "zhoujing", PASSWORD).status_code == 302
    assert not events("auth.sso")  # the local backend answered first


def test_wrong_password_is_refused_and_counted_by_axes(client, ldap_on, officer):
    response = sign_in(client, "zhoujing", "Wrong#password1")
    assert response.status_code == 200 and SESSION_KEY not in client.session
    assert "用户名或密码不正确" in response.content.decode()
    assert AccessAttempt.objects.get(username="zhoujing").failures_since_start == 1
    failed, = events("auth.login_failed")
    assert failed.outcome == Outcome.DENIED and failed.actor_id == officer.pk
    for _ in range(4):
        sign_in(client, "zhoujing", "Wrong#password1")
    # Locked: even the right directory password is refused now, before any bind.
    locked = sign_in(client, "zhoujing", DIRECTORY_PASSWORD)
    assert locked.status_code == 429 and SESSION_KEY not in client.session
    assert events("auth.lockout") and not events("auth.sso")


def test_user_unknown_to_baomi_is_refused_and_never_created(client, ldap_on, officer):
    response = sign_in(client, "stranger", slapd.USERS["stranger"][0])
    assert response.status_code == 200 and SESSION_KEY not in client.session
    assert "本平台没有与之对应的账户" in response.content.decode()
    assert not User.objects.filter(username="stranger").exists()
    refused, = events("auth.sso")
    assert refused.outcome == Outcome.DENIED and refused.actor_username == "stranger"
    assert json.loads(refused.details)["reason"] == "unknown"
    assert events("auth.login_failed")  # and the usual failed-login event


def test_disabled_account_is_refused(client, ldap_on, unit):
    leaver = make_person("leaver", unit=unit, clearance="GENERAL")
    User.objects.filter(pk=leaver.pk).update(is_active=False)
    response = sign_in(client, "leaver", slapd.USERS["leaver"][0])
    assert response.status_code == 200 and SESSION_KEY not in client.session
    assert "该账户已停用" in response.content.decode()
    refused, = events("auth.sso")
    assert refused.outcome == Outcome.DENIED and refused.actor_id == leaver.pk
    assert json.loads(refused.details)["reason"] == "inactive"


def test_account_disabled_after_login_loses_its_session(client, ldap_on, officer):
    assert sign_in(client, "zhoujing", DIRECTORY_PASSWORD).status_code == 302
    User.objects.filter(pk=officer.pk).update(is_active=False)
    assert client.get("/").status_code == 302  # back to the login page


def test_administrator_still_needs_baomi_second_factor(client, ldap_on, sysadmin):
    before = account_row(sysadmin)
    response = sign_in(client, "qianyong", slapd.USERS["qianyong"][0])
    assert response.status_code == 302 and client.session[SESSION_KEY] == str(sysadmin.pk)
    gate = client.get("/")
    assert gate.status_code == 302 and gate["Location"] == "/accounts/otp/setup/"
    assert account_row(sysadmin) == before


def test_directory_attribute_maps_to_the_baomi_username(client, ldap_on, unit):
    ldap_on.BAOMI_LDAP_USERNAME_ATTR = "employeeNumber"
    person = make_person("E1001", unit=unit, clearance="GENERAL")
    assert sign_in(client, "zhoujing", DIRECTORY_PASSWORD).status_code == 302
    assert client.session[SESSION_KEY] == str(person.pk)


def test_ldap_only_keeps_local_passwords_for_administrators_only(client, ldap_on, officer, sysadmin):
    ldap_on.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend", "baomi.sso.backends.AdministratorsOnlyModelBackend",
        "baomi.sso.directory.DirectoryBackend"]
    assert sign_in(client, "zhoujing", PASSWORD).status_code == 200  # local password no longer accepted
    assert sign_in(client, "zhoujing", DIRECTORY_PASSWORD).status_code == 302
    client.logout()
    assert sign_in(client, "qianyong", PASSWORD).status_code == 302  # the way in when the directory is down


def test_directory_down_refuses_without_error(client, ldap_on, officer):
    ldap_on.BAOMI_LDAP_URI = "ldap://127.0.0.1:1/"
    ldap_on.BAOMI_LDAP_TIMEOUT = 2
    response = sign_in(client, "zhoujing", DIRECTORY_PASSWORD)
    assert response.status_code == 200 and SESSION_KEY not in client.session
    assert "目录服务暂不可用" in response.content.decode()
    assert json.loads(events("auth.sso")[-1].details)["reason"] == "unavailable"
    assert events("auth.login_failed")


def test_wrong_service_account_password_reads_as_directory_trouble(client, ldap_on, officer):
    ldap_on.BAOMI_LDAP_BIND_PASSWORD = "not-the-reader-password"
    response = sign_in(client, "zhoujing", DIRECTORY_PASSWORD)
    assert response.status_code == 200 and SESSION_KEY not in client.session
    assert "目录服务暂不可用" in response.content.decode()


def test_settings_import_without_python_ldap():
    """`pip install -e .` has no python-ldap: settings (LDAP off) must not import it."""
    code = ("import sys, os; os.environ.setdefault('BAOMI_DATA_DIR', '/tmp/baomi-sso-import'); "
            "import django; django.setup(); import baomi.sso.oidc, baomi.sso.views, baomi.urls; "
            "assert 'ldap' not in sys.modules and 'django_auth_ldap' not in sys.modules, 'ldap imported'")
    result = subprocess.run([sys.executable, "-c", code],
                            capture_output=True, text=True, env={"DJANGO_SETTINGS_MODULE": "baomi.settings",
                                                                 "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr


def test_environment_switches_the_backends_on():
    code = ("import json, baomi.settings as s; "
            "print(json.dumps([s.AUTHENTICATION_BACKENDS, s.BAOMI_OIDC_ENABLED, s.BAOMI_LDAP_USER_FILTER]))")
    env = {"PATH": "/usr/bin:/bin", "BAOMI_DATA_DIR": "/tmp/baomi-sso-import", "BAOMI_LDAP_URI": "ldap://dc1",
           "BAOMI_LDAP_ONLY": "1", "BAOMI_LDAP_USER_FILTER": "(sAMAccountName=%(user)s)",
           "BAOMI_OIDC_ISSUER": "https://sso.example.cn/realms/staff", "BAOMI_OIDC_CLIENT_ID": "baomi"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    backends, oidc_enabled, user_filter = json.loads(result.stdout.strip().splitlines()[-1])
    assert backends[0] == "axes.backends.AxesStandaloneBackend"
    assert "django.contrib.auth.backends.ModelBackend" not in backends
    assert backends.index("baomi.sso.backends.AdministratorsOnlyModelBackend") < backends.index(
        "baomi.sso.directory.DirectoryBackend")
    assert "baomi.sso.oidc.OIDCBackend" in backends and oidc_enabled
    assert user_filter == "(sAMAccountName=%(user)s)"
