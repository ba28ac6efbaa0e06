"""Per-request context (client address) for audit events, and the navigation for templates."""

from __future__ import annotations

import contextvars
from typing import Any

from django.conf import settings
from django.http import HttpRequest

client_address: contextvars.ContextVar[str] = contextvars.ContextVar("client_address", default="")


def navigation(request: HttpRequest) -> dict[str, Any]:
    from baomi import policy
    from baomi.accounts.models import Role

    context: dict[str, Any] = {"system_level": settings.BAOMI_SYSTEM_LEVEL.zh}
    user = request.user
    if user.is_authenticated:
        from baomi import inbox

        context["nav"] = policy.navigation_for(user)  # type: ignore[arg-type]
        # 我的待办: everything every module says waits for this person, recounted when the audit
        # chain moved (any state change) or after a minute (deadlines passing).
        context["inbox_count"] = inbox.nav_count_for(user)  # type: ignore[arg-type]
        labels = policy.role_labels(user)  # type: ignore[arg-type]
        names = {**dict(Role.choices), "system": "系统管理员", "security": "安全保密管理员", "auditor": "安全审计员"}
        context["role_names"] = sorted({str(names.get(label.split("@")[0], label)) for label in labels})
    return context
