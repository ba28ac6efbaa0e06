"""LDAP / Active Directory login (django-auth-ldap, optional extra `baomi[ldap]`).

Only imported when BAOMI_LDAP_URI is set (it is then listed in AUTHENTICATION_BACKENDS after
axes and the local password backend): axes refuses a locked account before any bind, and a
refused directory login fires Django's user_login_failed like a wrong local password, so it is
audited (`auth.login_failed`) and counted toward the lockout the same way.
"""

from __future__ import annotations

import logging
from typing import Any

import ldap
from django.conf import settings
from django_auth_ldap.backend import LDAPBackend, _LDAPUser, ldap_error
from django_auth_ldap.config import LDAPSearch, LDAPSettings

from baomi.sso.backends import audit_refused, audit_verified, find_account, tell

logger = logging.getLogger(__name__)


class DirectoryBackend(LDAPBackend):
    """Authenticates against the directory, never creates or updates a Baomi account."""

    _settings: LDAPSettings | None = None

    def _build_settings(self) -> LDAPSettings:
        built = LDAPSettings(self.settings_prefix, self.default_settings)
        timeout = settings.BAOMI_LDAP_TIMEOUT
        built.SERVER_URI = settings.BAOMI_LDAP_URI
        built.BIND_DN = settings.BAOMI_LDAP_BIND_DN
        built.BIND_PASSWORD = settings.BAOMI_LDAP_BIND_PASSWORD
        built.START_TLS = settings.BAOMI_LDAP_START_TLS
        built.USER_SEARCH = LDAPSearch(settings.BAOMI_LDAP_USER_SEARCH_BASE, ldap.SCOPE_SUBTREE,
                                       settings.BAOMI_LDAP_USER_FILTER)
        built.CONNECTION_OPTIONS = {ldap.OPT_NETWORK_TIMEOUT: timeout, ldap.OPT_TIMEOUT: timeout,
                                    ldap.OPT_REFERRALS: 0}  # AD's referrals need a bind of their own
        # The directory only authenticates: no accounts made, no attributes, groups or flags copied.
        built.NO_NEW_USERS = True
        built.ALWAYS_UPDATE_USER = False
        built.USER_ATTR_MAP = {}
        built.USER_FLAGS_BY_GROUP = {}
        built.MIRROR_GROUPS = None
        built.FIND_GROUP_PERMS = False
        built.AUTHORIZE_ALL_USERS = False
        return built

    @property
    def settings(self) -> LDAPSettings:
        if self._settings is None:
            self._settings = self._build_settings()
        return self._settings

    @settings.setter
    def settings(self, value: LDAPSettings) -> None:
        self._settings = value

    def get_or_build_user(self, username: str, ldap_user: _LDAPUser) -> tuple[Any, bool]:
        name = username
        if attr := settings.BAOMI_LDAP_USERNAME_ATTR:
            values = (ldap_user.attrs or {}).get(attr) or [""]
            name = str(values[0])
        user = find_account(name)
        if user is None:
            ldap_user._baomi_refusal = ("unknown", name)  # type: ignore[attr-defined]
            raise ldap_user.AuthenticationFailed("no Baomi account for this directory user")
        return user, False

    def authenticate_ldap_user(self, ldap_user: _LDAPUser, password: str) -> Any:
        user = super().authenticate_ldap_user(ldap_user, password)
        request = ldap_user._request
        details = {"dn": ldap_user._user_dn or ""}
        refusal = getattr(ldap_user, "_baomi_refusal", None)
        if user is None:
            if refusal is not None:  # right directory password, but no Baomi account
                reason, name = refusal
                audit_refused(username=name, method="ldap", reason=reason, details=details)
                tell(request, reason)
            return None  # Django then sends user_login_failed: audited and counted by axes
        if not user.is_active:  # disabled or departed (离岗) in Baomi: the directory may lag behind
            audit_refused(username=user.username, method="ldap", reason="inactive", details=details)
            tell(request, "inactive")
            return None
        audit_verified(user=user, method="ldap", details=details)
        return user

    def get_user(self, user_id: int) -> Any:
        user = super().get_user(user_id)
        # As ModelBackend: an account disabled after login loses its session on the next request.
        return user if user is not None and user.is_active else None


def _directory_error(sender: Any, context: str, request: Any = None, exception: Any = None, **kwargs: Any) -> None:
    """Directory unreachable or the service account's bind refused: the person is told it is not
    their password, the operators read the log, the security administrator sees the audit event."""
    if context not in {"authenticate", "search_for_user_dn"}:
        return
    logger.error("LDAP directory error while authenticating: %r", exception)
    username = str(getattr(request, "POST", {}).get("username", "")) if request is not None else ""
    audit_refused(username=username, method="ldap", reason="unavailable",
                  details={"error": type(exception).__name__})
    tell(request, "unavailable")


ldap_error.connect(_directory_error, dispatch_uid="baomi.sso.directory")
