"""Baomi's WSGI application plus one hello-world Django view at `/__hello`, for the HTTP
benchmark only (benchmarks/http_load.py): the baseline is served by the same gunicorn, the same
workers and the same Django stack (every middleware, the same session), so the ratio
measures what Baomi's own views cost on top of Django itself.

    gunicorn --pythonpath src,. benchmarks._hello_wsgi:application
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "baomi.settings")

from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path

application = get_wsgi_application()


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello, world", content_type="text/plain")


import baomi.urls  # noqa: E402  (after setup: the URLconf imports models)

baomi.urls.urlpatterns.insert(0, path("__hello", hello))
