"""Gates every signed-in request: a forced password change first, then the second factor."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device

from baomi.accounts.services import mfa_required

_OPEN_PREFIXES: tuple[str, ...] = ("/static/", "/i18n/", "/accounts/logout/", "/healthz")
_OPEN_PREFIXES += ("/readyz", "/metrics")  # baomi.ops: probes and scrapes carry no session

# Besides the gate's own page, what that page needs to work: the JSON halves of the WebAuthn
# ceremonies, and security-key enrolment offered beside TOTP enrolment.
_GATE_EXTRAS = {
    "accounts:otp_verify": ("securitykeys:authenticate_begin", "securitykeys:authenticate_finish"),
    "accounts:otp_setup": ("securitykeys:setup", "securitykeys:register_begin", "securitykeys:register_finish"),
    "securitykeys:setup": ("securitykeys:register_begin", "securitykeys:register_finish"),
}


class AccountGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not request.path.startswith(_OPEN_PREFIXES):
            gate = self._gate(request)
            if gate and request.path not in {reverse(name) for name in (gate, *_GATE_EXTRAS.get(gate, ()))}:
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"error": {"code": "account_gate", "message": _("请先在网页上完成密码修改或动态口令验证")}},
                        status=403,
                    )
                return redirect(gate)
        return self.get_response(request)

    @staticmethod
    def _gate(request: HttpRequest) -> str | None:
        from baomi.accounts.models import User
        from baomi.securitykeys.models import SecurityKey
        from baomi.securitykeys.policy import key_required

        # Signed in (the caller checked); is_verified comes from django_otp's middleware.
        user = cast(User, request.user)
        if user.must_change_password:
            return "accounts:password_change"
        verified = bool(user.is_verified())  # type: ignore[attr-defined]
        if not verified and mfa_required(user):
            if user_has_device(user, confirmed=True):
                return "accounts:otp_verify"
            return "securitykeys:setup" if key_required(user) else "accounts:otp_setup"
        if verified and key_required(user) and not isinstance(getattr(user, "otp_device", None), SecurityKey):
            # TOTP alone does not satisfy the security-key policy: it only lets a person who has
            # no key yet enrol one (registration needs a verified session).
            if SecurityKey.objects.filter(user=user, confirmed=True).exists():
                return "accounts:otp_verify"
            return "securitykeys:setup"
        return None
