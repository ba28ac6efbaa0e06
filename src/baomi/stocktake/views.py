"""载体盘点 pages. Thin: parse, call one service or selector, render. Scanning is one
autofocus field posted with htmx: each scan adds a row without reloading the page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from baomi import policy
from baomi.accounts.models import User
from baomi.carriers.models import HELD_STATUSES
from baomi.errors import BaomiError
from baomi.stocktake import selectors, services
from baomi.stocktake.models import Scope


def _keeper(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    reason = policy.reason_may_stocktake(user)
    if reason:
        from baomi.errors import Refused

        raise Refused(reason, details={"perm": str(policy.Perm.KEEP_CARRIERS)})
    return user


@login_required
def stocktake_list(request: HttpRequest) -> HttpResponse:
    user = _keeper(request)
    stocktakes = list(selectors.stocktakes_visible_to(user)[:200])
    return render(request, "stocktake/list.html", {
        "stocktakes": stocktakes, "progress": selectors.progress(user, stocktakes),
        "locations": selectors.locations_for(user), "scopes": Scope.choices,
    })


@login_required
@require_POST
def stocktake_start(request: HttpRequest) -> HttpResponse:
    user = _keeper(request)
    try:
        stocktake = services.stocktake_start(actor=user, scope=request.POST.get("scope", ""),
                                             location=request.POST.get("location", ""),
                                             note=request.POST.get("note", ""))
    except BaomiError as exc:
        messages.error(request, exc.message)
        return redirect("stocktake:list")
    messages.success(request, _("盘点 %(no)s 已开始，请逐件扫描标签") % {"no": stocktake.number})
    return redirect("stocktake:detail", stocktake_id=stocktake.pk)


@login_required
def stocktake_detail(request: HttpRequest, stocktake_id: int) -> HttpResponse:
    user = _keeper(request)
    stocktake = selectors.stocktake_for(user, stocktake_id)
    report = selectors.report_for(user, stocktake)
    return render(request, "stocktake/detail.html", {
        "st": stocktake, "report": report, "scans": selectors.recent_scans(user, stocktake),
        "held": [str(s) for s in HELD_STATUSES],
    })


@login_required
@require_POST
def stocktake_scan(request: HttpRequest, stocktake_id: int) -> HttpResponse:
    """One scan. With htmx the answer is the new row (or the error, as a row); without it,
    back to the page."""
    user = _keeper(request)
    stocktake = selectors.stocktake_for(user, stocktake_id)
    code = request.POST.get("code", "")
    try:
        result = services.stocktake_scan(actor=user, stocktake=stocktake, code=code)
    except BaomiError as exc:
        if request.htmx:  # type: ignore[attr-defined]
            return render(request, "stocktake/_scan_row.html", {"error": exc.message, "code": code[:40]})
        messages.error(request, exc.message)
        return redirect("stocktake:detail", stocktake_id=stocktake.pk)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "stocktake/_scan_row.html", {"s": result.scan, "duplicate": not result.created})
    if not result.created:
        messages.info(request, _("该标签已扫描过"))
    return redirect("stocktake:detail", stocktake_id=stocktake.pk)


@login_required
@require_POST
def stocktake_close(request: HttpRequest, stocktake_id: int) -> HttpResponse:
    user = _keeper(request)
    stocktake = selectors.stocktake_for(user, stocktake_id)
    try:
        services.stocktake_close(actor=user, stocktake=stocktake, note=request.POST.get("note", ""))
    except BaomiError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("盘点已结束，差异报告如下"))
    return redirect("stocktake:detail", stocktake_id=stocktake.pk)


@login_required
def stocktake_export(request: HttpRequest, stocktake_id: int, fmt: str) -> HttpResponse:
    user = _keeper(request)
    stocktake = selectors.stocktake_for(user, stocktake_id)
    content, content_type, filename = services.stocktake_report_export(actor=user, stocktake=stocktake, fmt=fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
