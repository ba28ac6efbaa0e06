"""Fixtures for the single sign-on tests: a real slapd, an in-process OIDC provider."""

from __future__ import annotations

import pytest

from tests.sso import slapd

LDAP_BACKEND = "baomi.sso.directory.DirectoryBackend"


@pytest.fixture(scope="session")
def slapd_server():
    if not slapd.available():
        pytest.skip("OpenLDAP's slapd/ldap-utils are not installed (apt-get install slapd ldap-utils)")
    pytest.importorskip("django_auth_ldap", reason="baomi[ldap] (django-auth-ldap, python-ldap) not installed")
    server = slapd.start()
    yield server
    slapd.stop(server)


@pytest.fixture
def ldap_on(settings, slapd_server):
    """LDAP as an operator would configure it (BAOMI_LDAP_* variables), against the test slapd."""
    settings.BAOMI_LDAP_URI = slapd_server.uri
    settings.BAOMI_LDAP_BIND_DN = slapd.READER_DN
    settings.BAOMI_LDAP_BIND_PASSWORD = slapd.READER_PW
    settings.BAOMI_LDAP_USER_SEARCH_BASE = slapd.PEOPLE
    settings.BAOMI_LDAP_USER_FILTER = "(uid=%(user)s)"
    settings.BAOMI_LDAP_USERNAME_ATTR = ""
    settings.BAOMI_LDAP_START_TLS = False
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, LDAP_BACKEND]
    return settings


@pytest.fixture(scope="session")
def oidc_provider():
    from tests.sso.provider import Provider

    provider = Provider().start()
    yield provider
    provider.stop()


@pytest.fixture
def oidc_on(settings, oidc_provider):
    """OIDC as an operator would configure it: issuer (endpoints by discovery), client id and secret."""
    from baomi.sso import oidc
    from tests.sso.provider import CLIENT_ID, CLIENT_SECRET

    oidc_provider.reset()
    oidc._discovery.cache_clear()
    settings.BAOMI_OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.BAOMI_OIDC_USERNAME_CLAIM = "preferred_username"
    settings.BAOMI_OIDC_ENABLED = True
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "baomi.sso.oidc.OIDCBackend"]
    yield oidc_provider
    oidc._discovery.cache_clear()
