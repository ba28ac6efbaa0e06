"""Gates every signed-in request: a forced password change first, then the second factor."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from baomi.accounts.services import mfa_required

_OPEN_PREFIXES = ("/static/", "/i18n/", "/accounts/logout/", "/healthz")


class AccountGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not request.path.startswith(_OPEN_PREFIXES):
            gate = self._gate(request)
            if gate and request.path != reverse(gate):
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"error": {"code": "account_gate", "message": _("请先在网页上完成密码修改或动态口令验证")}},
                        status=403,
                    )
                return redirect(gate)
        return self.get_response(request)

    @staticmethod
    def _gate(request: HttpRequest) -> str | None:
        user = request.user
        if getattr(user, "must_change_password", False):
            return "accounts:password_change"
        if not request.user.is_verified() and mfa_required(user):  # type: ignore[union-attr, arg-type]
            if user.totpdevice_set.filter(confirmed=True).exists():  # type: ignore[union-attr]
                return "accounts:otp_verify"
            return "accounts:otp_setup"
        return None
