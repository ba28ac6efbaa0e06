from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from baomi import policy
from baomi.errors import BaomiError, NotFound


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(request, "core/home.html", {
        "roles": policy.role_labels(user),  # type: ignore[arg-type]
    })


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
        status = 404 if isinstance(exception, NotFound) else exception.status
        return render(request, "core/error.html", {"message": exception.message, "status": status}, status=status)
