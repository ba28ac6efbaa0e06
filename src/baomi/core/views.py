from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from baomi import policy
from baomi.audit.services import record_unrecorded_refusal
from baomi.compliance.selectors import office_dashboard
from baomi.core.dashboard import cards_for
from baomi.core.statecache import per_state
from baomi.errors import BaomiError, NotFound, Refused


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    # The cards and the secrecy office's unit-wide view, computed once per state of the data.
    figures = per_state("home", user, lambda: {  # type: ignore[arg-type]
        "cards": cards_for(user), "office": office_dashboard(user) or {}})  # type: ignore[arg-type]
    return render(request, "core/home.html", {"roles": policy.role_labels(user), **figures})  # type: ignore[arg-type]


def api_not_found(request: HttpRequest) -> HttpResponse:
    """Unknown API paths answer in the API's one error shape, not with an HTML page."""
    from django.utils.translation import gettext as _

    return JsonResponse({"error": {"code": "not_found", "message": _("对象不存在")}}, status=404)


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


class DomainErrorMiddleware:
    """The HTML side of the one error mapping: a domain error becomes a page with its status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, BaomiError) or request.path.startswith("/api/"):
            return None
        if isinstance(exception, Refused):
            record_unrecorded_refusal(request.user, exception, path=request.path)
        status = 404 if isinstance(exception, NotFound) else exception.status
        return render(request, "core/error.html", {"message": exception.message, "status": status}, status=status)
