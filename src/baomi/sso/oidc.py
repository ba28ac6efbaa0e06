"""OpenID Connect login (mozilla-django-oidc): authorization code flow with state, nonce and PKCE.

The library's backend leaves the ID token's audience and issuer unchecked and would create
accounts; this one checks signature, issuer, audience, expiry and nonce, maps a claim
(BAOMI_OIDC_USERNAME_CLAIM, default `preferred_username`) to an existing Baomi account and
refuses anything else with a reason (see OIDCRefused) that the callback view audits.
"""

from __future__ import annotations

import functools
from typing import Any

import jwt
import requests
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from baomi.sso.backends import find_account

# Setting → key of the provider's discovery document.
_DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
LEEWAY_SECONDS = 60  # clock skew tolerated between Baomi and the provider


class OIDCRefused(Exception):
    """A login the provider or Baomi did not accept. `reason` is a short code for the audit."""

    def __init__(self, reason: str, username: str = "", detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.username = username
        self.detail = detail


@functools.lru_cache(maxsize=8)
def _discovery(issuer: str) -> dict[str, Any]:
    response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT,
                            verify=settings.OIDC_VERIFY_SSL)
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    if str(document.get("issuer", "")).rstrip("/") != issuer:  # OIDC Discovery §4.3
        raise OIDCRefused("discovery", detail=f"issuer {document.get('issuer')!r} != {issuer!r}")
    return document


def get_settings(attr: str, *args: Any) -> Any:
    """The library's settings lookup, with endpoints not set explicitly taken from discovery
    (fetched on first use, not at start-up: a provider outage must not stop Baomi)."""
    if attr in _DISCOVERED and not getattr(settings, attr, "") and settings.BAOMI_OIDC_ISSUER:
        return _discovery(settings.BAOMI_OIDC_ISSUER).get(_DISCOVERED[attr]) or (args[0] if args else None)
    value = import_from_settings(attr, *args)
    return value if value != "" or not args else args[0]


def callback_url(request: HttpRequest) -> str:
    return settings.BAOMI_OIDC_REDIRECT_URI or request.build_absolute_uri(reverse("sso:oidc_callback"))


class OIDCBackend(OIDCAuthenticationBackend):
    get_settings = staticmethod(get_settings)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Lazy: Django builds a backend on every request to load the session's user, which must
        # not need the provider. Endpoints are read when a login actually happens.
        self.UserModel = get_user_model()

    # The attributes the library's methods read, resolved on use.
    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:
        return get_settings("OIDC_OP_TOKEN_ENDPOINT")

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str | None:
        return get_settings("OIDC_OP_USER_ENDPOINT", None)

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:
        return get_settings("OIDC_OP_JWKS_ENDPOINT")

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return settings.OIDC_RP_CLIENT_ID

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:
        return settings.OIDC_RP_CLIENT_SECRET

    @property
    def OIDC_RP_SIGN_ALGO(self) -> str:
        return settings.OIDC_RP_SIGN_ALGO

    def authenticate(self, request: HttpRequest | None, nonce: str | None = None,  # type: ignore[override]
                     code_verifier: str | None = None, **kwargs: Any) -> Any:
        """Exchange the callback's code for tokens and return the mapped account.
        Password logins pass through here without a nonce and get None."""
        if request is None or nonce is None:
            return None
        self.request = request
        code = request.GET.get("code")
        if not code:
            raise OIDCRefused("no_code")
        payload = {"client_id": self.OIDC_RP_CLIENT_ID, "client_secret": self.OIDC_RP_CLIENT_SECRET,
                   "grant_type": "authorization_code", "code": code, "redirect_uri": callback_url(request)}
        if code_verifier is not None:
            payload["code_verifier"] = code_verifier
        try:
            tokens = self.get_token(payload)
        except (requests.RequestException, ValueError) as exc:
            raise OIDCRefused("token_endpoint", detail=str(exc)[:200]) from exc
        id_token = tokens.get("id_token")
        if not id_token:
            raise OIDCRefused("no_id_token")
        claims = self.verify_token(id_token, nonce=nonce)
        claims = self._with_userinfo(claims, tokens.get("access_token"))
        return self._account(request, claims)

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        algorithm = self.OIDC_RP_SIGN_ALGO
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise OIDCRefused("malformed", detail=str(exc)) from exc
        if header.get("alg") != algorithm:  # never "none", never HS256 keyed with a public key
            raise OIDCRefused("algorithm", detail=str(header.get("alg")))
        if algorithm.startswith(("RS", "ES", "PS")):
            try:
                key: Any = self.retrieve_matching_jwk(token)
            except (SuspiciousOperation, requests.RequestException, jwt.PyJWTError, KeyError) as exc:
                raise OIDCRefused("signature", detail=f"no matching key: {exc}") from exc
        else:
            key = self.OIDC_RP_CLIENT_SECRET
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=[algorithm], audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.BAOMI_OIDC_ISSUER or None, leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise OIDCRefused("expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise OIDCRefused("audience", detail=str(exc)) from exc
        except jwt.MissingRequiredClaimError as exc:
            raise OIDCRefused("claims", detail=str(exc)) from exc
        except jwt.InvalidIssuerError as exc:
            raise OIDCRefused("issuer", detail=str(exc)) from exc
        except jwt.InvalidSignatureError as exc:
            raise OIDCRefused("signature") from exc
        except jwt.PyJWTError as exc:
            raise OIDCRefused("invalid", detail=str(exc)) from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:  # OIDC Core §3.1.3.7
            raise OIDCRefused("audience", detail="azp")
        if kwargs.get("nonce") is None or claims.get("nonce") != kwargs["nonce"]:
            raise OIDCRefused("nonce")
        return claims

    def _with_userinfo(self, claims: dict[str, Any], access_token: str | None) -> dict[str, Any]:
        """The ID token usually names the user; if not, ask the userinfo endpoint (same subject only)."""
        claim = settings.BAOMI_OIDC_USERNAME_CLAIM
        if claims.get(claim) or not access_token or not self.OIDC_OP_USER_ENDPOINT:
            return claims
        try:
            info = self.get_userinfo(access_token, None, claims)
        except (requests.RequestException, ValueError, SuspiciousOperation) as exc:
            raise OIDCRefused("userinfo", detail=str(exc)[:200]) from exc
        if info.get("sub") != claims.get("sub"):  # OIDC Core §5.3.2
            raise OIDCRefused("userinfo", detail="sub mismatch")
        return {**info, **{k: v for k, v in claims.items() if v is not None}}  # the signed token wins

    def _account(self, request: HttpRequest, claims: dict[str, Any]) -> Any:
        name = str(claims.get(settings.BAOMI_OIDC_USERNAME_CLAIM) or "")
        if not name:
            raise OIDCRefused("no_username", detail=settings.BAOMI_OIDC_USERNAME_CLAIM)
        user = find_account(name)
        if user is None:
            raise OIDCRefused("unknown", username=name)
        if not user.is_active:
            raise OIDCRefused("inactive", username=user.username)
        if AxesProxyHandler.is_locked(request, {"username": user.username}):
            raise OIDCRefused("locked", username=user.username)
        return user

    def create_user(self, claims: dict[str, Any]) -> Any:
        raise OIDCRefused("unknown")  # accounts are the 系统管理员's to create

    def get_user(self, user_id: int) -> Any:
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None
