"""制度落实 page. Thin: check the power, read the rows through the selectors, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from baomi.accounts.models import User
from baomi.compliance import selectors, services


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    group = request.GET.get("group", "")
    state = request.GET.get("state", "")
    rows = selectors.rule_rows(user, group=group if group in selectors.GROUP_NAMES else "",
                               state=state if state in selectors.STATE_LABELS else "")
    return render(request, "compliance/index.html", {
        "rows": rows, "summary": selectors.summary(rows), "group": group, "state": state,
        "groups": [(code, str(name)) for code, name in selectors.GROUP_NAMES.items()],
        "states": [(code, str(name)) for code, name in selectors.STATE_LABELS.items()],
    })


@login_required
def export(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    content, name = services.report_export(actor=user)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
