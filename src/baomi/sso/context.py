from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def sso(request: HttpRequest) -> dict[str, bool]:
    """Whether the login page offers "使用统一身份认证登录"."""
    return {"sso_oidc_enabled": bool(settings.BAOMI_OIDC_ENABLED)}
