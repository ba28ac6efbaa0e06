"""Security-key pages and the JSON halves of the two WebAuthn ceremonies (called by
static/securitykeys/webauthn.js). Thin: session state in, one service call, JSON out."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from webauthn import base64url_to_bytes
from webauthn.helpers import bytes_to_base64url

from baomi.accounts.models import User
from baomi.errors import BaomiError
from baomi.securitykeys import selectors, services
from baomi.securitykeys.policy import expected_origins, key_required, required_level, rp_id

# Single-use ceremony state in the session: the challenge (and, for registration, the
# user handle and rp id) the answer must match. Popped before verifying, so never reused.
_REGISTER = "securitykeys.register"
_AUTHENTICATE = "securitykeys.authenticate"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _verified(request: HttpRequest) -> bool:
    return bool(request.user.is_verified())  # type: ignore[union-attr]


def _error(exc: BaomiError) -> JsonResponse:
    return JsonResponse({"error": exc.message}, status=exc.status)


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("core:home")  # never an open redirect to another site


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol a key: where the gate sends people the policy covers who have none yet, and the
    alternative offered beside TOTP enrolment."""
    user = _user(request)
    level = required_level()
    return render(request, "securitykeys/setup.html", {
        "required": key_required(user), "level": level.zh if level else "", "keys": selectors.keys_of(user),
    })


@login_required
@require_POST
def register_begin(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rp = rp_id(request)
    try:
        options, challenge, handle = services.key_register_begin(actor=user, rp_id=rp, verified=_verified(request))
    except BaomiError as exc:
        return _error(exc)
    request.session[_REGISTER] = {"challenge": bytes_to_base64url(challenge), "handle": bytes_to_base64url(handle),
                                  "rp_id": rp}
    return HttpResponse(options, content_type="application/json")


@login_required
@require_POST
def register_finish(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    state = request.session.pop(_REGISTER, None)
    if not state:
        return JsonResponse({"error": _("注册已过期，请重新开始")}, status=400)
    body = _body(request)
    credential = body.get("credential")
    if not isinstance(credential, dict):
        return JsonResponse({"error": _("请求格式不正确")}, status=400)
    was_verified = _verified(request)
    try:
        key = services.key_register(
            actor=user, credential=credential, name=str(body.get("name") or ""),
            challenge=base64url_to_bytes(state["challenge"]), user_handle=base64url_to_bytes(state["handle"]),
            rp_id=state["rp_id"], origins=expected_origins(request), verified=was_verified,
        )
    except BaomiError as exc:
        return _error(exc)
    if not was_verified or key_required(user):
        # The first factor just proved (as otp_setup does for TOTP), or the key the policy
        # asks for: the session now counts as verified by this key.
        otp_login(request, key)
    messages.success(request, _("安全密钥已注册"))
    return JsonResponse({"ok": True, "redirect": reverse("accounts:profile")})


@login_required
@require_POST
def authenticate_begin(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rp = rp_id(request)
    try:
        options, challenge = services.key_authenticate_begin(actor=user, rp_id=rp)
    except BaomiError as exc:
        return _error(exc)
    request.session[_AUTHENTICATE] = {"challenge": bytes_to_base64url(challenge), "rp_id": rp}
    return HttpResponse(options, content_type="application/json")


@login_required
@require_POST
def authenticate_finish(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    state = request.session.pop(_AUTHENTICATE, None)
    if not state:
        return JsonResponse({"error": _("验证已过期，请重新开始")}, status=400)
    credential = _body(request).get("credential")
    if not isinstance(credential, dict):
        return JsonResponse({"error": _("请求格式不正确")}, status=400)
    try:
        key = services.key_authenticate(
            actor=user, credential=credential, challenge=base64url_to_bytes(state["challenge"]),
            rp_id=state["rp_id"], origins=expected_origins(request),
        )
    except BaomiError as exc:
        return _error(exc)
    otp_login(request, key)
    return JsonResponse({"ok": True, "redirect": _safe_next(request, request.GET.get("next", ""))})


@login_required
@require_POST
def remove(request: HttpRequest, key_id: int) -> HttpResponse:
    user = _user(request)
    key = selectors.own_key(user, key_id)  # NotFound → 404 by the domain-error middleware
    try:
        services.key_remove(actor=user, key=key)
    except BaomiError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("安全密钥已删除"))
    return redirect("accounts:profile")
