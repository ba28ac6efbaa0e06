"""The REST API (`/api/v1/`). One error shape for everything: {"error": {"code", "message"}}.

An object the caller may not see answers 404 exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from baomi.errors import BaomiError, NotFound, Refused


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from baomi.accounts.services import token_authenticate

        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class TokenHeaderAuth(APIKeyHeader):
    param_name = "X-Api-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return TokenAuth().authenticate(request, key or "")


api = NinjaAPI(
    title="Baomi API",
    version="1",
    description="保密管理平台 REST API",
    auth=[TokenAuth(), TokenHeaderAuth(), django_auth],
    urls_namespace="api",
)


def _error(request: HttpRequest, status: int, code: str, message: str, details: Any = None) -> HttpResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details:
        body["error"]["details"] = details
    return api.create_response(request, body, status=status)


@api.exception_handler(BaomiError)
def _domain_error(request: HttpRequest, exc: BaomiError) -> HttpResponse:
    if isinstance(exc, NotFound):
        return _error(request, 404, "not_found", _("对象不存在"))
    if isinstance(exc, Refused):
        from baomi.audit.services import record_unrecorded_refusal

        record_unrecorded_refusal(request.user, exc, path=request.path)
    return _error(request, exc.status, exc.code, exc.message)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("对象不存在"))


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(request, 422, "invalid", _("请求参数有误"), exc.errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", _("未登录或令牌无效"))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "http_error", str(exc))


from baomi.accounts.api import router as accounts_router  # noqa: E402
from baomi.approvals.api import router as approvals_router  # noqa: E402
from baomi.archives.api import router as archives_router  # noqa: E402
from baomi.audit.api import router as audit_router  # noqa: E402
from baomi.carriers.api import router as carriers_router  # noqa: E402
from baomi.classification.api import router as classification_router  # noqa: E402
from baomi.compliance.api import router as compliance_router  # noqa: E402
from baomi.devices.api import router as devices_router  # noqa: E402
from baomi.incidents.api import router as incidents_router  # noqa: E402
from baomi.inspections.api import router as inspections_router  # noqa: E402
from baomi.meetings.api import router as meetings_router  # noqa: E402
from baomi.personnel.api import router as personnel_router  # noqa: E402
from baomi.review.api import router as review_router  # noqa: E402
from baomi.stocktake.api import router as stocktake_router  # noqa: E402
from baomi.training.api import router as training_router  # noqa: E402
from baomi.travel.api import router as travel_router  # noqa: E402
from baomi.vault.api import router as vault_router  # noqa: E402

api.add_router("/", accounts_router)
api.add_router("/audit", audit_router)
api.add_router("/approvals", approvals_router)
api.add_router("/carriers", carriers_router)
api.add_router("/archives", archives_router)
api.add_router("/classification", classification_router)
api.add_router("/review", review_router)
api.add_router("/personnel", personnel_router)
api.add_router("/stocktake", stocktake_router)
api.add_router("/inspections", inspections_router)
api.add_router("/devices", devices_router)
api.add_router("/training", training_router)
api.add_router("/vault", vault_router)
api.add_router("/travel", travel_router)
api.add_router("/incidents", incidents_router)
api.add_router("/meetings", meetings_router)
api.add_router("/compliance", compliance_router)
