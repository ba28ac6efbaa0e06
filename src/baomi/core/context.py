"""Per-request context (client address) for audit events, and the navigation for templates."""

from __future__ import annotations

import contextvars
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

client_address: contextvars.ContextVar[str] = contextvars.ContextVar("client_address", default="")

_ADMIN_ROLE_NAMES = {"system": "系统管理员", "security": "安全保密管理员", "auditor": "安全审计员"}


def _menu(user: Any) -> dict[str, Any]:
    """The menu (label, url name, url) and role names: a dozen small policy queries and as many
    reverse() calls, so computed once per state of the data (roles, powers and what decides the
    menu change only through audited services) rather than on every page."""
    from baomi import policy
    from baomi.accounts.models import Role

    nav = policy.navigation_for(user)
    names = {**dict(Role.choices), **_ADMIN_ROLE_NAMES}
    return {
        "nav": [(str(label), name) for label, name in nav],
        "nav_links": [(str(label), name, reverse(name)) for label, name in nav],
        "role_names": sorted({str(names.get(label.split("@")[0], label)) for label in policy.role_labels(user)}),
    }


def navigation(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {"system_level": settings.BAOMI_SYSTEM_LEVEL.zh}
    user = request.user
    if user.is_authenticated:
        from baomi import inbox
        from baomi.core.statecache import per_state

        # The menu, and 我的待办's count: everything every module says waits for this person,
        # both recomputed when the audit chain moved (any state change) or after a minute
        # (deadlines passing); one lookup of the chain head for both.
        context.update(per_state("core.menu", user,  # type: ignore[arg-type]
                                 lambda: {**_menu(user), "inbox_count": inbox.count_for(user)}))  # type: ignore[arg-type]
    return context
