"""One middleware, first in the chain: request id, the per-request log line, and the metrics.

Routes are the resolver's view name ("carriers:detail"), never the raw path: paths carry
object ids (unbounded label values) and the query string may carry anything.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from baomi.ops import logs

access_log = logging.getLogger("baomi.request")

# A proxy's request id is kept when it is a plain token (nginx's $request_id is 32 hex digits).
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def route_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name:
        return str(match.view_name)
    if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return "static"
    return "unmatched"


class RequestObservationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex
        tokens = (logs.request_id.set(rid), logs.route.set(""), logs.user_id.set(None))
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = rid
            return response
        finally:
            elapsed = time.perf_counter() - started
            route = route_name(request)
            from baomi.ops import metrics  # not at import: see baomi.ops.views

            metrics.observe(route=route, method=request.method or "", status=status, seconds=elapsed)
            if route != "static":  # whitenoise's files would drown the log
                access_log.info("%s %s %s", request.method, route, status, extra={
                    "route": route, "method": request.method, "status": status,
                    "duration_ms": round(elapsed * 1000, 1), "user_id": _user_id(request),
                })
            logs.user_id.reset(tokens[2])
            logs.route.reset(tokens[1])
            logs.request_id.reset(tokens[0])

    def process_view(self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any) -> None:
        # Every other middleware has run its request phase: the route is resolved and the user known.
        logs.route.set(route_name(request))
        logs.user_id.set(_user_id(request))


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return int(user.pk)
