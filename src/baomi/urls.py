from django.urls import include, path, re_path
from django.views.i18n import set_language

from baomi.api import api
from baomi.core import views as core_views
from baomi.ops import views as ops_views

urlpatterns = [
    path("", include("baomi.core.urls")),
    path("accounts/", include("baomi.accounts.urls")),
    path("sso/", include("baomi.sso.urls")),
    path("security-keys/", include("baomi.securitykeys.urls")),
    path("audit/", include("baomi.audit.urls")),
    path("approvals/", include("baomi.approvals.urls")),
    path("carriers/", include("baomi.carriers.urls")),
    path("archives/", include("baomi.archives.urls")),
    path("classification/", include("baomi.classification.urls")),
    path("review/", include("baomi.review.urls")),
    path("stocktake/", include("baomi.stocktake.urls")),
    path("inspections/", include("baomi.inspections.urls")),
    path("devices/", include("baomi.devices.urls")),
    path("training/", include("baomi.training.urls")),
    path("vault/", include("baomi.vault.urls")),
    path("travel/", include("baomi.travel.urls")),
    path("meetings/", include("baomi.meetings.urls")),
    path("personnel/", include("baomi.personnel.urls")),
    path("incidents/", include("baomi.incidents.urls")),
    path("compliance/", include("baomi.compliance.urls")),
    path("api/v1/", api.urls),
    re_path(r"^api/", core_views.api_not_found),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", core_views.healthz, name="healthz"),
    # Readiness and Prometheus metrics (baomi.ops; open without login, /metrics restricted by address/token).
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_views.metrics, name="metrics"),
]
