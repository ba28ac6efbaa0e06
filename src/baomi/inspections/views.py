"""保密检查 pages: thin (parse → service/selector → render)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from baomi import policy
from baomi.accounts.models import User
from baomi.errors import BaomiError, Invalid, NotFound, Refused
from baomi.inspections import manage, reports, selectors, services
from baomi.inspections.models import Finding, InspectionStatus, RectStatus, Result, Severity


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not policy.uses_inspections(user):
        raise Refused(_("您无权查看保密检查"), details={"perm": str(policy.Perm.MANAGE_INSPECTIONS)})
    return user


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    office = policy.is_inspection_office(user)
    return render(request, "inspections/index.html", {
        **(manage.office_context(user) if office else {}),
        "inspections": selectors.inspections_visible_to(user)[:100],
        "rects": selectors.rectifications_visible_to(user).exclude(status=RectStatus.CLOSED)[:200],
        "sites": selectors.sites_visible_to(user),
        "meetings": selectors.meetings_visible_to(user)[:20],
        "risks": selectors.risks_visible_to(user)[:100],
        "reminders": selectors.reminders_open(user)[:50],
        "today": datetime.date.today(),  # noqa: DTZ011
        "office": office,
    })


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    inspection = selectors.inspections_visible_to(user).filter(pk=pk).first()
    if inspection is None:
        raise NotFound(_("对象不存在"))
    if request.method == "POST" and request.POST.get("action") in ("assign", "risk"):
        handler = manage.inspection_actions(user, inspection, request.POST)[request.POST["action"]]
        manage.run(request, handler, _("已保存"))
        return redirect("inspections:detail", pk=pk)
    if request.method == "POST" and request.POST.get("action") in ("finding", "complete"):
        try:
            if request.POST["action"] == "complete":
                services.inspection_complete(actor=user, inspection=inspection, summary=request.POST.get("summary", ""))
            else:
                upload = request.FILES.get("evidence")
                if upload is not None and upload.size and upload.size > services.EVIDENCE_MAX_BYTES:
                    raise Invalid(_("证据文件不能超过 5 MB"))
                owner = User.objects.filter(username=request.POST.get("owner", "").strip(), is_active=True).first()
                due = request.POST.get("due_on", "")
                services.finding_record(
                    actor=user, inspection=inspection, text=request.POST.get("text", ""),
                    severity=request.POST.get("severity", ""), owner=owner,
                    due_on=datetime.date.fromisoformat(due) if due else None,
                    evidence=upload.read() if upload is not None else None,
                    evidence_name=upload.name or "" if upload is not None else "")
            messages.success(request, _("已保存"))
        except BaomiError as exc:
            messages.error(request, exc.message)
        except ValueError:
            messages.error(request, _("日期格式应为 YYYY-MM-DD"))
        return redirect("inspections:detail", pk=pk)
    if request.method == "POST":
        try:
            item = inspection.template.items.get(pk=int(request.POST.get("item", "0")))  # type: ignore[union-attr]
            services.inspection_answer(actor=user, inspection=inspection, item=item,
                                       result=request.POST.get("result", ""), note=request.POST.get("note", ""))
        except BaomiError as exc:
            messages.error(request, exc.message)
        except Exception:
            messages.error(request, _("对象不存在"))
        return redirect("inspections:detail", pk=pk)
    answers = {a.item_id: a for a in inspection.answers.all()}
    items = list(inspection.template.items.all()) if inspection.template else []
    return render(request, "inspections/detail.html", {
        "inspection": inspection, "rows": [(i, answers.get(i.pk)) for i in items], "results": Result.choices,
        "findings": inspection.findings.select_related("rectification__owner"), "severities": Severity.choices,
        "editable": inspection.status != InspectionStatus.DONE,
        "office": policy.is_inspection_office(user),
        "people": list(User.objects.filter(is_active=True, admin_role="").order_by("username"))
        if policy.is_inspection_office(user) else [],
    })


@login_required
def report(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    user = _user(request)
    inspection = selectors.inspections_visible_to(user).filter(pk=pk).first()
    if inspection is None or fmt not in ("pdf", "docx"):
        raise NotFound(_("对象不存在"))
    if fmt == "pdf":
        resp = HttpResponse(reports.inspection_pdf(inspection), content_type="application/pdf")
    else:
        resp = HttpResponse(reports.inspection_docx(inspection), content_type=(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
    resp["Content-Disposition"] = f'attachment; filename="inspection-{inspection.pk}.{fmt}"'
    return resp


@login_required
def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """A finding's evidence, to those who see its inspection; always as an attachment."""
    user = _user(request)
    found = Finding.objects.filter(pk=pk, inspection__in=selectors.inspections_visible_to(user)).first()
    if found is None or found.evidence is None:
        raise NotFound(_("对象不存在"))
    resp = HttpResponse(bytes(found.evidence), content_type="application/octet-stream")
    resp["Content-Disposition"] = f'attachment; filename="evidence-{found.pk}"'
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


@login_required
def annual(request: HttpRequest, year: int) -> HttpResponse:
    """年度保密工作情况报告 (ORG-06/08, SITE-05): the secrecy office only."""
    user: User = request.user  # type: ignore[assignment]
    policy.require(user, policy.Perm.MANAGE_INSPECTIONS)
    resp = HttpResponse(reports.annual_report_docx(year), content_type=(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
    resp["Content-Disposition"] = f'attachment; filename="secrecy-report-{year}.docx"'
    return resp


@login_required
def rect(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    item = selectors.rectifications_visible_to(user).filter(pk=pk).first()
    if item is None:
        raise NotFound(_("对象不存在"))
    if request.method == "POST":
        try:
            if request.POST.get("action") == "report":
                services.rectification_report(actor=user, rect=item, note=request.POST.get("note", ""))
                messages.success(request, _("已报告整改完成，等待复查"))
            else:
                services.rectification_verify(actor=user, rect=item, accepted=request.POST.get("accepted") == "1",
                                              note=request.POST.get("note", ""))
                messages.success(request, _("复查已记录"))
        except BaomiError as exc:
            messages.error(request, exc.message)
        return redirect("inspections:rect", pk=pk)
    return render(request, "inspections/rect.html", {
        "rect": item, "is_owner": item.owner_id == user.pk,
        "may_verify": item.owner_id != user.pk and services.may_verify(user, item)})


@login_required
def site(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    found = selectors.sites_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("对象不存在"))
    if request.method == "POST":
        handler = manage.site_actions(user, found, request.POST).get(request.POST.get("action", ""))
        if handler is None:
            raise NotFound(_("对象不存在"))
        manage.run(request, handler, _("已保存"))
        return redirect("inspections:site", pk=pk)
    office = policy.is_inspection_office(user)
    return render(request, "inspections/site.html", {
        "office": office, "keeper": office or found.responsible_id == user.pk,
        "people": list(User.objects.filter(is_active=True, admin_role="").order_by("username")) if office else [],
        "site": found, "allowed": found.allowed.all(), "entries": found.entries.select_related("person")[:100],
        "shifts": found.shifts.select_related("person", "handover_to")[:50], "drills": found.drills.all()[:20]})
