"""泄密事件 pages. Thin: parse the form, call one service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from baomi import policy
from baomi.accounts.models import User
from baomi.errors import BaomiError, Invalid, NotFound
from baomi.incidents import forms, selectors, services


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _form_error(form: Any) -> Invalid:
    return Invalid("；".join(str(e) for errs in form.errors.values() for e in errs))


def people_named(text: str) -> list[User]:
    names = [n.strip() for n in text.replace("，", ",").split(",") if n.strip()]
    found = {u.username: u for u in User.objects.filter(username__in=names, is_active=True)}
    missing = [n for n in names if n not in found]
    if missing:
        raise Invalid(_("未找到人员：%(names)s") % {"names": "、".join(missing)})
    return [found[n] for n in names]


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not policy.may_report_incident(user):
        raise NotFound(_("对象不存在"))
    office = policy.is_incident_office(user)
    rows = [(i, selectors.title_for(user, i), selectors.is_overdue(i))
            for i in selectors.incidents_visible_to(user)[:200]]
    return render(request, "incidents/list.html", {
        "rows": rows, "office": office,
        "reminders": selectors.reminders_for(user)[:20] if office else [],
        "commendations": selectors.commendations_visible_to(user)[:100],
        "commend_form": forms.CommendForm() if office else None,
    })


@login_required
@require_POST
def commend(request: HttpRequest) -> HttpResponse:
    from baomi.accounts.models import Unit

    user = _user(request)
    form = forms.CommendForm(request.POST)
    if not form.is_valid():
        raise _form_error(form)
    d = form.cleaned_data
    unit = None
    if d["unit"]:
        unit = Unit.objects.filter(code=d["unit"].strip()).first()
        if unit is None:
            raise Invalid(_("未找到科室"))
    person = people_named(d["person"])[0] if d["person"] else None
    services.commendation_propose(actor=user, reason=d["reason"], person=person, unit=unit)
    messages.success(request, _("已报领导审批"))
    return redirect("incidents:list")


@login_required
def report(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not policy.may_report_incident(user):
        raise NotFound(_("对象不存在"))
    form = forms.ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            data["people"] = people_named(data.pop("people") or "")
            incident = services.incident_report(actor=user, **data)
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已报告保密办"))
            return redirect("incidents:detail", incident_id=incident.pk)
    return render(request, "incidents/report.html", {"form": form})


@login_required
def statistics(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(request, "incidents/statistics.html", {"stats": selectors.statistics(user)})


@login_required
def detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    user = _user(request)
    incident = selectors.incident_for(user, incident_id)
    office = selectors.reads_case(user, incident)
    mine = incident.reporter_id == user.pk
    return render(request, "incidents/detail.html", {
        "incident": incident, "title": selectors.title_for(user, incident), "office": office, "mine": mine,
        "overdue": selectors.is_overdue(incident),
        "entries": incident.entries.select_related("author") if office else [],
        "involved": incident.involved.select_related("person") if office else [],
        "copies": incident.copies.select_related("copy__carrier") if office else [],
        "penalties": selectors.penalties_for(user, incident),
        "forms": {"measure": forms.MeasureForm(), "investigation": forms.TextForm(), "note": forms.TextForm(),
                  "notify": forms.NotifyForm(), "determine": forms.DetermineForm(),
                  "penalty": forms.PenaltyForm(), "close": forms.CloseForm()} if office else {},
    })


_ACTIONS: dict[str, Any] = {
    "measure": forms.MeasureForm, "investigation": forms.TextForm, "note": forms.TextForm,
    "notify": forms.NotifyForm, "determine": forms.DetermineForm, "penalty": forms.PenaltyForm,
    "close": forms.CloseForm,
}


@login_required
@require_POST
def action(request: HttpRequest, incident_id: int, action: str) -> HttpResponse:
    user = _user(request)
    incident = selectors.incident_for(user, incident_id)
    if action == "confirm":
        services.incident_confirm(actor=user, incident=incident)
    elif action in _ACTIONS:
        form = _ACTIONS[action](request.POST)
        if not form.is_valid():
            raise _form_error(form)
        d = form.cleaned_data
        if action == "measure":
            services.measure_add(actor=user, incident=incident, text=d["text"], at=d["at"])
        elif action == "investigation":
            services.investigation_add(actor=user, incident=incident, text=d["text"])
        elif action == "note":
            services.note_add(actor=user, incident=incident, text=d["text"])
        elif action == "notify":
            services.incident_notify(actor=user, incident=incident, at=d["at"], to=d["to"], how=d["how"])
        elif action == "determine":
            services.responsibility_determine(
                actor=user, incident=incident, finding=d["finding"], severity=d["severity"],
                liability=d["liability"] or "", responsible=people_named(d["responsible"] or ""),
                leaders=people_named(d["leaders"] or ""))
        elif action == "penalty":
            services.penalty_decide(actor=user, incident=incident, person=people_named(d["person"])[0],
                                    kind=d["kind"], referral=d["referral"] or "", basis=d["basis"])
        else:
            services.incident_close(actor=user, incident=incident, reason=d["reason"])
    else:
        raise NotFound(_("对象不存在"))
    messages.success(request, _("已保存"))
    return redirect("incidents:detail", incident_id=incident.pk)
