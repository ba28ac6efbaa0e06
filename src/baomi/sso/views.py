"""The two OIDC pages: start (redirect to the provider) and callback (code → login)."""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings
from django.contrib import auth, messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from baomi.sso import oidc
from baomi.sso.backends import audit_refused, audit_verified, reason_text

BACKEND = "baomi.sso.oidc.OIDCBackend"


def _enabled() -> None:
    if not settings.BAOMI_OIDC_ENABLED:
        raise Http404


class StartView(OIDCAuthenticationRequestView):
    """Redirects to the provider with state, nonce and a PKCE challenge kept in the session."""

    get_settings = staticmethod(oidc.get_settings)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)  # endpoints resolved in get()

    def get(self, request: HttpRequest) -> HttpResponse:
        _enabled()
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except (requests.RequestException, ValueError, oidc.OIDCRefused) as exc:
            return _refuse(request, oidc.OIDCRefused("discovery", detail=str(exc)[:200]))
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)

    def get_extra_params(self, request: HttpRequest) -> dict[str, str]:
        return {"redirect_uri": oidc.callback_url(request)}


def callback(request: HttpRequest) -> HttpResponse:
    _enabled()
    if request.GET.get("error"):  # the person cancelled, or the provider refused
        return _refuse(request, oidc.OIDCRefused("provider", detail=request.GET.get("error", "")[:100]),
                       state=request.GET.get("state"))
    state = request.GET.get("state", "")
    states = request.session.get("oidc_states") or {}
    if not state or state not in states:  # forged, replayed, or from another browser
        return _refuse(request, oidc.OIDCRefused("state"))
    pending = _forget(request, state)
    try:
        user = oidc.OIDCBackend().authenticate(request, nonce=pending["nonce"],
                                               code_verifier=pending.get("code_verifier"))
    except oidc.OIDCRefused as exc:
        return _refuse(request, exc)
    audit_verified(user=user, method="oidc", details={"issuer": settings.BAOMI_OIDC_ISSUER})
    auth.login(request, user, backend=BACKEND)  # → auth.login audit event, then the second-factor gate
    return redirect(request.session.pop("oidc_login_next", None) or resolve_url(settings.LOGIN_REDIRECT_URL))


def _forget(request: HttpRequest, state: str | None) -> dict[str, Any]:
    """A state is good for one callback only."""
    states = request.session.get("oidc_states") or {}
    pending: dict[str, Any] = states.pop(state, None) or {}
    request.session["oidc_states"] = states
    return pending


def _refuse(request: HttpRequest, exc: oidc.OIDCRefused, state: str | None = None) -> HttpResponse:
    if state:
        _forget(request, state)
    # `auth.login_failed` like a failed password login, but not counted by axes: nobody guessed a password.
    audit_refused(username=exc.username, method="oidc", reason=exc.reason, action="auth.login_failed",
                  details={"detail": exc.detail} if exc.detail else None)
    messages.error(request, reason_text(exc.reason))
    return redirect("accounts:login")
