"""保密办 forms for what the 保密检查 module keeps: 要害部位 (register, allow, plan, duty shifts,
handovers, drills), 保密委员会 meetings and 传达学习, 风险评估 and the risk register, checklist
templates, inspections planned by hand and their inspectors. Thin: parse the form, call one
service, redirect; a refusal is shown as a message on the page the form is on."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from baomi import policy
from baomi.accounts.models import Unit, User
from baomi.errors import BaomiError, Invalid, NotFound, Refused
from baomi.inspections import selectors, services
from baomi.inspections.models import ChecklistTemplate, DutyShift, Finding, KeySite, RiskAssessment, TemplateItem


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not policy.uses_inspections(user):
        raise Refused(_("您无权查看保密检查"), details={"perm": str(policy.Perm.MANAGE_INSPECTIONS)})
    return user


def _person(post: QueryDict, key: str) -> User | None:
    """A person by id from a select; None when absent (the service says what is missing)."""
    value = post.get(key) or ""
    if not value.isdigit():
        return None
    return User.objects.filter(pk=int(value), is_active=True, admin_role="").first()


def _people(post: QueryDict, key: str) -> list[User]:
    ids = [int(v) for v in post.getlist(key) if v.isdigit()]
    return list(User.objects.filter(pk__in=ids, is_active=True, admin_role=""))


def _opt_date(post: QueryDict, key: str) -> datetime.date | None:
    value = post.get(key) or ""
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise Invalid(_("日期格式应为 YYYY-MM-DD")) from None


def _date(post: QueryDict, key: str) -> datetime.date:
    found = _opt_date(post, key)
    if found is None:
        raise Invalid(_("请填写日期"))
    return found


def _int(post: QueryDict, key: str, default: int | None = None) -> int:
    value = post.get(key) or ""
    if not value and default is not None:
        return default
    try:
        return int(value)
    except ValueError:
        raise Invalid(_("请填写数字")) from None


def _unit(post: QueryDict, key: str = "unit") -> Unit | None:
    value = post.get(key) or ""
    return Unit.objects.filter(pk=int(value)).first() if value.isdigit() else None


def _required(value: Any, message: str) -> Any:
    if value is None:
        raise Invalid(message)
    return value


def run(request: HttpRequest, handler: Callable[[], Any], done: str) -> Any:
    try:
        result = handler()
    except BaomiError as exc:
        messages.error(request, exc.message)
        return None
    messages.success(request, done)
    return result


# ---------------------------------------------------------------- 保密办 forms on the index page


def office_actions(user: User, post: QueryDict) -> dict[str, Callable[[], Any]]:
    def site() -> KeySite:
        return services.site_register(
            actor=user, name=post.get("name", ""), kind=post.get("kind", ""), location=post.get("location", ""),
            unit=_required(_unit(post), _("请选择所属单位")),
            responsible=_required(_person(post, "responsible"), _("请选择责任人")),
            leader=_required(_person(post, "leader"), _("请选择责任领导")),
            allowed=_people(post, "allowed"), emergency_plan=post.get("emergency_plan", ""))

    def inspection() -> Any:
        template = ChecklistTemplate.objects.filter(pk=_int(post, "template", 0)).first()
        return services.inspection_create(
            actor=user, title=post.get("title", ""), unit=_unit(post), planned_on=_date(post, "planned_on"),
            inspector=_person(post, "inspector"), template=template)

    def risk() -> Any:
        assessment = RiskAssessment.objects.filter(pk=_int(post, "assessment", 0)).first()
        return services.risk_add(
            actor=user, title=post.get("title", ""), likelihood=_int(post, "likelihood"), impact=_int(post, "impact"),
            owner=_required(_person(post, "owner"), _("请选择责任人")), measures=post.get("measures", ""),
            due_on=_opt_date(post, "due_on"), assessment=assessment)

    return {
        "site": site,
        "inspection": inspection,
        "risk": risk,
        "meeting": lambda: services.meeting_record(
            actor=user, held_on=_date(post, "held_on"), attendees=post.get("attendees", ""),
            topics=post.get("topics", ""), minutes=post.get("minutes", ""), decisions=post.get("decisions", "")),
        "study": lambda: services.study_record(
            actor=user, held_on=_date(post, "held_on"), document=post.get("document", ""),
            participants=post.get("participants", ""), notes=post.get("notes", "")),
        "assessment": lambda: services.assessment_record(
            actor=user, title=post.get("title", ""), held_on=_date(post, "held_on"),
            period_months=_int(post, "period_months", 12), summary=post.get("summary", "")),
        "template": lambda: services.template_copy(
            actor=user, name=post.get("name", ""),
            source=ChecklistTemplate.objects.filter(pk=_int(post, "source", 0)).first()),
    }


@login_required
@require_POST
def office_action(request: HttpRequest, action: str) -> HttpResponse:
    user = _user(request)
    handler = office_actions(user, request.POST).get(action)
    if handler is None:
        raise Http404
    made = run(request, handler, _("已保存"))
    if isinstance(made, KeySite):
        return redirect("inspections:site", pk=made.pk)
    if isinstance(made, ChecklistTemplate):
        return redirect("inspections:template", pk=made.pk)
    return redirect("inspections:index")


def office_context(user: User) -> dict[str, Any]:
    """What the index page's 保密办 forms choose from."""
    from baomi.inspections.models import SiteKind

    return {
        "people": list(User.objects.filter(is_active=True, admin_role="").order_by("username")),
        "units": list(Unit.objects.order_by("sort_order", "pk")),
        "templates": list(ChecklistTemplate.objects.order_by("name")),
        "assessments": list(selectors.assessments_visible_to(user).order_by("-held_on")[:20]),
        "site_kinds": SiteKind.choices,
    }


# ---------------------------------------------------------------- a key site's page


def site_actions(user: User, site: KeySite, post: QueryDict) -> dict[str, Callable[[], Any]]:
    def handover() -> Any:
        shift = DutyShift.objects.filter(pk=_int(post, "shift", 0), site=site).first()
        if shift is None:
            raise NotFound(_("对象不存在"))
        return services.shift_handover(actor=user, shift=shift, to=_required(_person(post, "to"), _("请选择接班人")),
                                       note=post.get("note", ""))

    return {
        "allow": lambda: services.site_allow(actor=user, site=site, allow=True,
                                             person=_required(_person(post, "person"), _("请选择人员"))),
        "disallow": lambda: services.site_allow(actor=user, site=site, allow=False,
                                                person=_required(_person(post, "person"), _("请选择人员"))),
        "plan": lambda: services.site_plan_set(actor=user, site=site, plan=post.get("plan", "")),
        "shift": lambda: services.shift_record(actor=user, site=site, on_date=_date(post, "on_date"),
                                               person=_required(_person(post, "person"), _("请选择值班人"))),
        "handover": handover,
        "drill": lambda: services.drill_record(
            actor=user, site=site, held_on=_date(post, "held_on"), scenario=post.get("scenario", ""),
            participants=post.get("participants", ""), findings=post.get("findings", "")),
    }


# ---------------------------------------------------------------- an inspection's page


def inspection_actions(user: User, inspection: Any, post: QueryDict) -> dict[str, Callable[[], Any]]:
    def risk() -> Any:
        finding = Finding.objects.filter(pk=_int(post, "finding", 0), inspection=inspection).first()
        if finding is None:
            raise NotFound(_("对象不存在"))
        return services.risk_from_finding(actor=user, finding=finding, likelihood=_int(post, "likelihood"),
                                          impact=_int(post, "impact"), measures=post.get("measures", ""))

    return {
        "assign": lambda: services.inspection_assign(
            actor=user, inspection=inspection, inspector=_required(_person(post, "inspector"), _("请选择检查人"))),
        "risk": risk,
    }


# ---------------------------------------------------------------- checklist templates


@login_required
def template(request: HttpRequest, pk: int) -> HttpResponse:
    """A checklist template: its items, edited (and added) by the 保密办."""
    user = _user(request)
    policy.require(user, policy.Perm.MANAGE_INSPECTIONS)
    found = ChecklistTemplate.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(_("对象不存在"))
    if request.method == "POST":
        post = request.POST
        item = None
        if post.get("item"):
            item = TemplateItem.objects.filter(pk=_int(post, "item", 0), template=found).first()
            if item is None:
                raise NotFound(_("对象不存在"))
        run(request, lambda: services.template_item_save(
            actor=user, template=found, text=post.get("text", ""), category=post.get("category", ""),
            rule_id=post.get("rule_id", ""), item=item), _("已保存"))
        return redirect("inspections:template", pk=pk)
    return render(request, "inspections/template.html", {"template": found, "items": found.items.all()})
