"""OIDC login: the Django test client against an in-process provider (tests/sso/provider.py)."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY

from baomi.accounts.models import RoleAssignment, User
from baomi.audit.models import AuditEvent, Outcome
from tests.factories import make_person


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def account_row(user: User) -> tuple:
    return (*User.objects.filter(pk=user.pk).values_list(
        "username", "unit_id", "clearance", "admin_role", "is_active", "password", "must_change_password").get(),
        sorted(RoleAssignment.objects.filter(user=user).values_list("role", "unit_id")))


def authorize(client, provider, start: str = "/sso/oidc/login/") -> str:
    """Start at Baomi, let the provider consent; returns the callback path Baomi is sent back to."""
    response = client.get(start)
    assert response.status_code == 302 and response["Location"].startswith(provider.issuer)
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    consent = requests.get(response["Location"], allow_redirects=False, timeout=5)
    assert consent.status_code == 302, consent.text
    callback = urlsplit(consent.headers["Location"])
    assert callback.path == "/sso/oidc/callback/"
    return f"{callback.path}?{callback.query}"


def refused_reason(response, client) -> str:
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert SESSION_KEY not in client.session
    event = events("auth.login_failed")[-1]
    assert event.outcome == Outcome.DENIED
    return json.loads(event.details)["reason"]


@pytest.fixture
def officer(db, unit):
    return make_person("zhoujing", unit=unit, clearance="IMPORTANT", roles=[("secrecy_officer", None)])


def test_login_page_offers_sso_only_when_configured(client, db, settings, oidc_on):
    assert "使用统一身份认证登录" in client.get("/accounts/login/").content.decode()
    settings.BAOMI_OIDC_ENABLED = False
    assert "使用统一身份认证登录" not in client.get("/accounts/login/").content.decode()
    assert client.get("/sso/oidc/login/").status_code == 404


def test_code_flow_signs_the_mapped_account_in(client, oidc_on, officer):
    before = account_row(officer)
    response = client.get(authorize(client, oidc_on, "/sso/oidc/login/?next=/carriers/"))
    assert response.status_code == 302 and response["Location"] == "/carriers/"
    assert client.session[SESSION_KEY] == str(officer.pk)
    assert client.get("/").status_code == 200
    assert oidc_on.token_requests[-1]["code_verifier"]  # PKCE
    assert account_row(officer) == before  # roles, clearance, unit, password untouched
    verified, = events("auth.sso")
    assert verified.actor_id == officer.pk and json.loads(verified.details)["method"] == "oidc"
    assert [e.actor_id for e in events("auth.login")] == [officer.pk]


def test_a_temporary_password_is_retired_not_changed(client, oidc_on, officer):
    User.objects.filter(pk=officer.pk).update(must_change_password=True)
    assert client.get(authorize(client, oidc_on)).status_code == 302
    assert client.get("/").status_code == 200  # no password change asked, the session still good
    officer.refresh_from_db()
    assert not officer.must_change_password and not officer.has_usable_password()
    (event,) = events("password.retire")
    assert json.loads(event.details) == {"via": "oidc"}


def test_administrator_still_needs_baomi_second_factor(client, oidc_on, sysadmin):
    oidc_on.user = "qianyong"
    response = client.get(authorize(client, oidc_on))
    assert response.status_code == 302 and client.session[SESSION_KEY] == str(sysadmin.pk)
    gate = client.get("/")
    assert gate.status_code == 302 and gate["Location"] == "/accounts/otp/setup/"
    assert client.get("/audit/").status_code == 302


@pytest.mark.parametrize(("tamper", "reason"), [
    ({"foreign_key": True}, "signature"),
    ({"aud": "another-client"}, "audience"),
    ({"nonce": "forged-nonce"}, "nonce"),
    ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 3900}, "expired"),
    ({"iss": "http://127.0.0.1:9/realms/evil"}, "issuer"),
])
def test_bad_id_tokens_are_refused(client, oidc_on, officer, tamper, reason):
    oidc_on.tamper = tamper
    response = client.get(authorize(client, oidc_on))
    assert refused_reason(response, client) == reason
    assert not events("auth.login") and not events("auth.sso")
    assert not AccessAttempt.objects.exists()  # not a password guess: axes does not count it


def test_user_unknown_to_baomi_is_refused(client, oidc_on, officer):
    oidc_on.user = "stranger"
    response = client.get(authorize(client, oidc_on))
    assert refused_reason(response, client) == "unknown"
    assert events("auth.login_failed")[-1].actor_username == "stranger"
    assert not User.objects.filter(username="stranger").exists()
    assert "本平台没有与之对应的账户" in client.get("/accounts/login/").content.decode()


def test_disabled_account_is_refused(client, oidc_on, officer):
    User.objects.filter(pk=officer.pk).update(is_active=False)
    response = client.get(authorize(client, oidc_on))
    assert refused_reason(response, client) == "inactive"
    assert events("auth.login_failed")[-1].actor_id == officer.pk


def test_locked_account_is_refused(client, oidc_on, officer):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "zhoujing", "password": "Wrong#password1"})
    response = client.get(authorize(client, oidc_on))
    assert refused_reason(response, client) == "locked"


def test_state_is_single_use(client, oidc_on, officer):
    callback = authorize(client, oidc_on)
    assert client.get(callback).status_code == 302
    client.logout()
    assert refused_reason(client.get(callback), client) == "state"


def test_callback_from_another_browser_is_refused(client, oidc_on, officer):
    from django.test import Client

    callback = authorize(client, oidc_on)
    other = Client()
    assert refused_reason(other.get(callback), other) == "state"


def test_username_from_userinfo_when_the_id_token_lacks_it(client, oidc_on, officer):
    oidc_on.tamper = {"preferred_username": None}
    response = client.get(authorize(client, oidc_on))
    assert response.status_code == 302 and client.session[SESSION_KEY] == str(officer.pk)


def test_provider_error_is_refused(client, oidc_on, officer):
    response = client.get("/sso/oidc/login/")
    state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
    callback = client.get(f"/sso/oidc/callback/?error=access_denied&state={state}")
    assert refused_reason(callback, client) == "provider"
    assert not client.session.get("oidc_states")  # the state cannot be used afterwards


def test_configured_claim_maps_the_account(client, settings, oidc_on, unit):
    settings.BAOMI_OIDC_USERNAME_CLAIM = "sub"
    person = make_person("sub-zhoujing", unit=unit)
    response = client.get(authorize(client, oidc_on))
    assert response.status_code == 302 and client.session[SESSION_KEY] == str(person.pk)
