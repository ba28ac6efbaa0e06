"""出国境 pages. Thin: parse the form, call one service or selector, render."""

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
from baomi.travel import forms, selectors, services
from baomi.travel.models import CarrierApproval, DocumentStatus, TripStatus


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _form_error(form: Any) -> Invalid:
    return Invalid("；".join(str(e) for errs in form.errors.values() for e in errs))


def _require_travel(user: User) -> None:
    if not policy.uses_travel(user):
        raise NotFound(_("对象不存在"))


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_travel(user)
    office = policy.is_travel_office(user)
    return render(request, "travel/index.html", {
        "trips": selectors.trips_visible_to(user, person=user)[:50],
        "documents": selectors.documents_visible_to(user, person=user),
        "reports": selectors.reports_visible_to(user, person=user)[:50],
        "reminders": selectors.reminders_for(user)[:20],
        "office": office, "overview": selectors.office_overview(user) if office else None,
        "full_numbers": policy.shows_full_document_number(user),
    })


@login_required
def apply(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_travel(user)
    form = forms.TripForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            trip = services.trip_apply(actor=user, **form.cleaned_data)
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已提交出国境申请，等待审批"))
            return redirect("travel:trip", trip_id=trip.pk)
    return render(request, "travel/apply.html", {"form": form})


@login_required
def trip_detail(request: HttpRequest, trip_id: int) -> HttpResponse:
    user = _user(request)
    trip = selectors.trip_for(user, trip_id)
    mine = trip.traveller_id == user.pk
    office = policy.is_travel_office(user)
    today = timezone.localdate()
    documents = (selectors.documents_visible_to(user, person=trip.traveller).filter(status=DocumentStatus.HELD)
                 if office and trip.status == TripStatus.APPROVED else [])
    return render(request, "travel/trip.html", {
        "trip": trip, "mine": mine, "office": office, "points": services.BRIEFING_POINTS,
        "may_brief": mine and trip.status == TripStatus.APPROVED and trip.briefed_at is None,
        "may_report": mine and trip.status == TripStatus.APPROVED and today >= trip.depart_on,
        "password_form": forms.PasswordForm(),
        "report_form": forms.TripReportForm(initial={"returned_on": trip.return_on}),
        "documents": documents, "issues": trip.document_issues.select_related("document"),
        "carrier_pending": trip.carrier_status == CarrierApproval.PENDING,
        "full_numbers": policy.shows_full_document_number(user),
        "major_reports": selectors.reports_visible_to(user).filter(trip=trip),
    })


@login_required
@require_POST
def trip_action(request: HttpRequest, trip_id: int, action: str) -> HttpResponse:
    user = _user(request)
    trip = selectors.trip_for(user, trip_id)
    try:
        if action == "briefing":
            services.trip_acknowledge_briefing(actor=user, trip=trip, password=request.POST.get("password", ""))
            messages.success(request, _("已确认行前保密教育"))
        elif action == "report":
            form = forms.TripReportForm(request.POST)
            if not form.is_valid():
                raise _form_error(form)
            services.trip_report(actor=user, trip=trip, **form.cleaned_data)
            messages.success(request, _("已提交回国报告"))
        elif action == "issue":
            document = selectors.document_for(user, int(request.POST.get("document", "0") or 0))
            services.document_issue(actor=user, document=document, trip=trip)
            messages.success(request, _("已登记证件领用"))
        else:
            raise Invalid(_("未知操作"))
    except BaomiError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
    return redirect("travel:trip", trip_id=trip.pk)


@login_required
def documents(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    policy.require(user, policy.Perm.KEEP_TRAVEL_DOCUMENTS)
    form = forms.DocumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            holder = selectors.people_for_custody(user).filter(username=d["holder"].strip()).first()
            if holder is None:
                raise Invalid(_("未找到该人员"))
            services.document_register(actor=user, holder=holder, kind=d["kind"], number=d["number"],
                                       expires_on=d["expires_on"], note=d["note"])
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已登记集中保管"))
            return redirect("travel:documents")
    return render(request, "travel/documents.html", {
        "form": form, "documents": selectors.documents_visible_to(user),
        "overdue": selectors.overdue_issues(user), "outstanding": selectors.outstanding_issues(user),
        "today": timezone.localdate(),
    })


@login_required
@require_POST
def document_action(request: HttpRequest, document_id: int, action: str) -> HttpResponse:
    user = _user(request)
    document = selectors.document_for(user, document_id)
    try:
        if action == "return":
            issue = services.document_return(actor=user, document=document)
            messages.success(request, _("已登记交回") + (_("（逾期）") if issue.returned_late else ""))
        elif action == "withdraw":
            services.document_withdraw(actor=user, document=document, note=request.POST.get("note", ""))
            messages.success(request, _("已注销/退还"))
        else:
            raise Invalid(_("未知操作"))
    except BaomiError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
    return redirect("travel:documents")


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_travel(user)
    form = forms.ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_file(actor=user, **form.cleaned_data)
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已报告保密办") + (_("（逾期报告）") if report.late else ""))
            return redirect("travel:report", report_id=report.pk)
    return render(request, "travel/reports.html", {
        "form": form, "reports": selectors.reports_visible_to(user)[:200],
        "office": policy.is_travel_office(user), "rule": services.REPORT_WORKING_DAYS,
    })


@login_required
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    user = _user(request)
    report = selectors.report_for(user, report_id)
    office = policy.is_travel_office(user) and report.reporter_id != user.pk
    return render(request, "travel/report.html", {
        "report": report, "office": office, "follow_ups": report.follow_ups.select_related("actor"),
        "follow_form": forms.FollowUpForm(), "close_form": forms.CloseForm(),
    })


@login_required
@require_POST
def report_action(request: HttpRequest, report_id: int, action: str) -> HttpResponse:
    user = _user(request)
    report = selectors.report_for(user, report_id)
    try:
        if action == "follow-up":
            form = forms.FollowUpForm(request.POST)
            if not form.is_valid():
                raise _form_error(form)
            services.report_follow_up(actor=user, report=report, **form.cleaned_data)
            messages.success(request, _("已记录跟进措施"))
        elif action == "close":
            close_form = forms.CloseForm(request.POST)
            if not close_form.is_valid():
                raise _form_error(close_form)
            services.report_close(actor=user, report=report, conclusion=close_form.cleaned_data["conclusion"])
            messages.success(request, _("已办结"))
        else:
            raise Invalid(_("未知操作"))
    except BaomiError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
    return redirect("travel:report", report_id=report.pk)


@login_required
def person(request: HttpRequest, person_id: int) -> HttpResponse:
    """One person's trips, documents and reports, for the secrecy office (and the person)."""
    user = _user(request)
    subject = User.objects.filter(pk=person_id, admin_role="").first()
    section = selectors.profile_section(user, subject) if subject is not None else None
    if subject is None or section is None:
        raise NotFound(_("对象不存在"))
    return render(request, "travel/person.html", {
        "subject": subject, "section": section,
        "trips": selectors.trips_visible_to(user, person=subject),
        "documents": selectors.documents_visible_to(user, person=subject),
        "reports": selectors.reports_visible_to(user, person=subject),
        "full_numbers": policy.shows_full_document_number(user),
    })
