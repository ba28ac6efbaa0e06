"""The three open endpoints. /metrics imports prometheus_client only when called: `baomi serve`
must set PROMETHEUS_MULTIPROC_DIR before its first import, and importing the URLconf (as the
demo loader does, through reverse()) must not import it first."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from baomi.ops.health import run_checks


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches nothing (no database, no files)."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    ok, results = run_checks()
    return JsonResponse({"status": "ok" if ok else "fail", "checks": results}, status=200 if ok else 503)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    from baomi.ops.metrics import metrics_view

    return metrics_view(request)
