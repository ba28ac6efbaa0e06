from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from baomi.core import statecache
from baomi.core.context import client_address


def request_address(request: HttpRequest) -> str:
    # Behind a proxy, REMOTE_ADDR is the proxy; operators set BAOMI_TRUST_X_FORWARDED_FOR
    # only when the proxy overwrites the header (see docs/operations.md).
    from django.conf import settings

    if getattr(settings, "BAOMI_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


class ChineseFirstMiddleware:
    """Chinese unless the person chose English with the language menu (its cookie).

    Django's LocaleMiddleware would otherwise follow the browser's Accept-Language, and an
    office computer with an English browser would open Baomi in English.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class RequestContextMiddleware:
    """Make the client address available to audit events written anywhere in this request, and
    read the audit chain head at most once per request unless the request itself moves it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = client_address.set(request_address(request))
        try:
            with statecache.request_scope():
                return self.get_response(request)
        finally:
            client_address.reset(token)
