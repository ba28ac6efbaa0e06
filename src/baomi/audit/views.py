"""Audit pages: the auditor sees every event, the security administrator ordinary users' events."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import policy
from baomi.audit import selectors, services
from baomi.audit.forms import EventFilterForm
from baomi.audit.models import ChainHead
from baomi.audit.verify import verify
from baomi.errors import Invalid


@login_required
def events(request: HttpRequest) -> HttpResponse:
    reader = request.user
    policy.require(reader, policy.Perm.READ_AUDIT)  # type: ignore[arg-type]
    form = EventFilterForm(request.GET or None)
    qs = selectors.events_visible_to(reader, form.to_filter())  # type: ignore[arg-type]
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/events.html", {"form": form, "page": page, "query": query.urlencode()})


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """Text a spreadsheet would run as a formula (a unit named "=HYPERLINK(...)") stays text."""
    return "'" + text if text.startswith(_FORMULA_START) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    reader = request.user
    policy.require(reader, policy.Perm.READ_AUDIT)  # type: ignore[arg-type]
    form = EventFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():  # never export more than was asked for
        raise Invalid(_("筛选条件有误：%(e)s") % {"e": "；".join(str(m) for ms in form.errors.values() for m in ms)})
    # Only the events that exist now: the file holds exactly the count its own audit event states.
    last = ChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
    qs = selectors.events_visible_to(reader, form.to_filter()).filter(seq__lte=last)  # type: ignore[arg-type]
    services.record(
        actor=reader,  # type: ignore[arg-type]
        action="audit.export",
        summary=f"导出审计日志 CSV（{qs.count()} 条）",
        details={"filter": {k: v for k, v in request.GET.items() if v}},
    )
    writer = csv.writer(_Echo())
    header = [
        "序号", "时间", "操作人", "角色", "动作", "对象类型", "对象", "密级", "摘要", "结果", "客户端地址", "哈希",
    ]

    def rows() -> Any:
        yield "\ufeff" + writer.writerow(header)  # BOM so that Excel opens UTF-8 correctly
        for e in qs.iterator(chunk_size=2000):
            yield writer.writerow([
                e.seq, timezone.localtime(e.at).isoformat(timespec="seconds"), _cell(e.actor_username),
                e.actor_roles, e.action, e.object_type, _cell(e.object_id),
                "" if e.object_level is None else e.object_level, _cell(e.summary), e.outcome,
                _cell(e.client_address), e.hash,
            ])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-events.csv"'
    return response


@login_required
def chain_status(request: HttpRequest) -> HttpResponse:
    """The chain badge (loaded by htmx). Re-verified at most once a minute per log size."""
    policy.require(request.user, policy.Perm.READ_AUDIT)  # type: ignore[arg-type]
    head = ChainHead.objects.filter(pk=1).first()
    key = f"audit-chain-status:{head.seq if head else 0}"
    status = cache.get(key)
    if status is None:
        report = verify()
        status = {"ok": report.ok, "events": report.events, "checkpoints": report.checkpoints_checked,
                  "problem": report.problems[0] if report.problems else ""}
        cache.set(key, status, 60)
    return render(request, "audit/_chain_status.html", {"status": status})
