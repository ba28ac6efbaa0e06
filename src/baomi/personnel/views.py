"""涉密人员 pages. Thin: parse the form, call one service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from baomi import policy
from baomi.accounts.models import User
from baomi.errors import BaomiError, Invalid, NotFound
from baomi.levels import Clearance
from baomi.personnel import commitments, forms, selectors, services
from baomi.personnel.models import (
    AnnualReport,
    Assignment,
    Commitment,
    Departure,
    SeparationPeriod,
    Vetting,
)

Perm = policy.Perm


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _form_error(form: Any) -> Invalid:
    return Invalid("；".join(str(e) for errs in form.errors.values() for e in errs))


def _done(request: HttpRequest, text: str, person_id: int) -> HttpResponse:
    messages.success(request, text)
    return redirect("personnel:person", person_id)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The secrecy office's register and overdue lists; anyone else goes to their own page."""
    user = _user(request)
    if not policy.may(user, Perm.VIEW_PERSONNEL):
        if user.admin_role:
            raise NotFound(_("对象不存在"))
        return redirect("personnel:person", user.pk)
    q = request.GET.get("q", "").strip()
    people = list(selectors.people_visible_to(user, search=q)[:500])
    current = {a.person_id: a for a in Assignment.objects.filter(person__in=people, ends_on__isnull=True)
               .select_related("post")}
    rows = [(p, current.get(p.pk), selectors.latest_vetting(p), selectors.separation_period_for(p)) for p in people]
    return render(request, "personnel/index.html", {
        "rows": rows, "q": q, "overdue": selectors.overdue_for(user), "today": timezone.localdate(),
        "manage": policy.may(user, Perm.MANAGE_PERSONNEL),
    })


@login_required
def person(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _user(request)
    target = selectors.person_for(user, person_id)
    today = timezone.localdate()
    reads = policy.reads_personal_reports(user, target)
    departure = selectors.open_departure(target)
    return render(request, "personnel/person.html", {
        "person": target, "category": Clearance(target.clearance),
        "assignment": selectors.current_assignment(target),
        "history": Assignment.objects.filter(person=target).select_related("post", "post__unit"),
        "vettings": Vetting.objects.filter(person=target).select_related("reviewer"),
        "vetting": selectors.latest_vetting(target), "today": today,
        "gate": selectors.reason_clearance_blocked(target, Clearance.CORE if target.clearance == 0
                                                   else Clearance(target.clearance)),
        "commitments": Commitment.objects.filter(person=target).defer("scan"),
        "departure": departure, "checklist": selectors.checklist_for(departure) if departure else None,
        "departures": Departure.objects.filter(person=target).select_related("handover_to"),
        "separation": selectors.separation_period_for(target),
        "periods": SeparationPeriod.objects.filter(person=target).prefetch_related("employment_reports"),
        "reports": AnnualReport.objects.filter(person=target) if reads else None, "reads": reads,
        "report_year": selectors.reporting_year(today),
        "sections": selectors.module_sections(user, target),
        "notices": selectors.notices_for(target)[:10] if reads else [],
        "manage": policy.may(user, Perm.MANAGE_PERSONNEL), "grant": policy.may(user, Perm.GRANT_CLEARANCE, target),
        "self": user.pk == target.pk,
        "vetting_form": forms.VettingForm(), "prepare_form": forms.PrepareForm(),
        "departure_form": forms.DepartureForm(), "handover_form": forms.HandoverForm(),
        "employment_form": forms.EmploymentForm(),
        "assign_form": forms.AssignForm(initial={"person": target.pk}),
    })


@login_required
def posts(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    policy.require(user, Perm.VIEW_PERSONNEL)
    form = forms.PostForm(request.POST or None)
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise _form_error(form)
            d = form.cleaned_data
            post = services.post_create(actor=user, name=d["name"], unit=d["unit"], level=d["level"],
                                        duties=d["duties"], is_leadership=d["is_leadership"])
            messages.success(request, _("已新建涉密岗位：%(name)s") % {"name": post.name})
            return redirect("personnel:posts")
        except BaomiError as exc:
            form.add_error(None, exc.message)
    return render(request, "personnel/posts.html", {
        "posts": selectors.posts_visible_to(user).prefetch_related("assignments__person"),
        "form": form, "assign_form": forms.AssignForm(),
        "may_create": policy.may(user, Perm.MANAGE_POSTS), "may_assign": policy.may(user, Perm.GRANT_CLEARANCE),
    })


@login_required
@require_POST
def assign(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = forms.AssignForm(request.POST)
    if not form.is_valid():
        raise _form_error(form)
    d = form.cleaned_data
    target = selectors.person_for(user, d["person"].pk)
    services.post_assign(actor=user, person=target, post=d["post"], starts_on=d["starts_on"], note=d["note"])
    return _done(request, _("已安排岗位"), target.pk)


@login_required
@require_POST
def vetting(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _user(request)
    target = selectors.person_for(user, person_id)
    form = forms.VettingForm(request.POST)
    if not form.is_valid():
        raise _form_error(form)
    d = form.cleaned_data
    services.vetting_record(actor=user, person=target, kind=d["kind"], category=Clearance(d["category"]),
                            result=d["result"], vetted_on=d["vetted_on"], notes=d["notes"],
                            documents=d["documents"].splitlines())
    return _done(request, _("已登记审查结果"), target.pk)


@login_required
@require_POST
def commitment_prepare(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _user(request)
    target = selectors.person_for(user, person_id)
    form = forms.PrepareForm(request.POST)
    if not form.is_valid():
        raise _form_error(form)
    services.commitment_prepare(actor=user, person=target, kind=form.cleaned_data["kind"])
    return _done(request, _("已准备承诺书，待本人签署"), target.pk)


@login_required
def commitment(request: HttpRequest, commitment_id: int) -> HttpResponse:
    user = _user(request)
    found = selectors.commitment_for(user, commitment_id)
    sign_form = forms.SignForm(request.POST or None)
    if request.method == "POST":
        try:
            if not sign_form.is_valid():
                raise _form_error(sign_form)
            services.commitment_sign(actor=user, commitment=found, password=sign_form.cleaned_data["password"])
            return _done(request, _("承诺书已签署"), found.person_id)
        except BaomiError as exc:
            sign_form.add_error(None, exc.message)
    return render(request, "personnel/commitment.html", {
        "c": found, "sign_form": sign_form, "scan_form": forms.ScanForm(),
        "may_sign": found.person_id == user.pk and not found.is_signed,
        "manage": policy.may(user, Perm.MANAGE_PERSONNEL),
    })


@login_required
def commitment_pdf(request: HttpRequest, commitment_id: int) -> HttpResponse:
    found = selectors.commitment_for(_user(request), commitment_id)
    response = HttpResponse(commitments.pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="commitment-{found.pk}.pdf"'
    return response


@login_required
def commitment_scan(request: HttpRequest, commitment_id: int) -> HttpResponse:
    found = selectors.commitment_for(_user(request), commitment_id)
    data = Commitment.objects.filter(pk=found.pk).values_list("scan", flat=True).first()
    if not data:
        raise NotFound(_("对象不存在"))
    raw = bytes(data)
    kind = "application/pdf" if raw.startswith(b"%PDF") else ("image/png" if raw.startswith(b"\x89PNG")
                                                              else "image/jpeg")
    response = HttpResponse(raw, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="commitment-{found.pk}-scan"'
    return response


@login_required
@require_POST
def commitment_upload(request: HttpRequest, commitment_id: int) -> HttpResponse:
    user = _user(request)
    found = selectors.commitment_for(user, commitment_id)
    upload = request.FILES.get("scan")
    if upload is None:
        raise Invalid(_("请上传签字扫描件"))
    if upload.size and upload.size > selectors.scan_max_bytes():
        raise Invalid(_("扫描件不能超过 %(mb)s MB") % {"mb": selectors.scan_max_bytes() // (1024 * 1024)})
    services.commitment_upload_scan(actor=user, commitment=found, name=upload.name or "", data=upload.read())
    return _done(request, _("已登记签字扫描件"), found.person_id)


@login_required
@require_POST
def departure_open(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _user(request)
    target = selectors.person_for(user, person_id)
    form = forms.DepartureForm(request.POST)
    if not form.is_valid():
        raise _form_error(form)
    found = services.departure_open(actor=user, person=target, kind=form.cleaned_data["kind"],
                                    reason=form.cleaned_data["reason"])
    messages.success(request, _("已开始办理离岗离职"))
    return redirect("personnel:departure", found.pk)


@login_required
def departure(request: HttpRequest, departure_id: int) -> HttpResponse:
    user = _user(request)
    found = selectors.departure_for(user, departure_id)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "handover":
            form = forms.HandoverForm(request.POST)
            if not form.is_valid():
                raise _form_error(form)
            services.departure_handover(actor=user, departure=found, to=form.cleaned_data["to"],
                                        items=form.cleaned_data["items"])
            messages.success(request, _("已登记工作交接"))
        elif action == "accept":
            services.departure_confirm_handover(actor=user, departure=found)
            messages.success(request, _("已确认接收"))
        elif action == "submit":
            services.departure_submit(actor=user, departure=found, reason=request.POST.get("reason", ""))
            messages.success(request, _("已提交审批"))
        else:
            raise Invalid(_("未知操作"))
        return redirect("personnel:departure", found.pk)
    person_visible = User.objects.filter(policy.personnel_visible_to(user), pk=found.person_id).exists()
    return render(request, "personnel/departure.html", {
        "d": found, "checklist": selectors.checklist_for(found) if person_visible else None,
        "manage": policy.may(user, Perm.MANAGE_PERSONNEL), "handover_form": forms.HandoverForm(),
        "reads": policy.reads_personal_reports(user, found.person) or found.handover_to_id == user.pk,
        "receiver": found.handover_to_id == user.pk,
    })


@login_required
@require_POST
def employment_report(request: HttpRequest, period_id: int) -> HttpResponse:
    user = _user(request)
    period = selectors.separation_for(user, period_id)
    form = forms.EmploymentForm(request.POST)
    if not form.is_valid():
        raise _form_error(form)
    d = form.cleaned_data
    services.employment_report_record(actor=user, period=period, employer=d["employer"], position=d["position"],
                                      note=d["note"], reported_on=d["reported_on"])
    return _done(request, _("已登记去向报告"), period.person_id)


@login_required
def annual_report(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    year = selectors.reporting_year()
    form = forms.AnnualReportForm(request.POST or None, initial={"year": year}, duties=services.REPORT_DUTIES)
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise _form_error(form)
            d = form.cleaned_data
            services.annual_report_submit(actor=user, year=d["year"], text=d["text"], duties=d["duties"],
                                          leader_section=d["leader_section"])
            return _done(request, _("年度保密自查报告已提交"), user.pk)
        except BaomiError as exc:
            form.add_error(None, exc.message)
    return render(request, "personnel/report.html", {
        "form": form, "leader": selectors.is_leader(user), "year": year,
        "submitted": AnnualReport.objects.filter(person=user).order_by("-year"),
    })
