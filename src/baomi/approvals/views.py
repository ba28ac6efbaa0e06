"""我的待办 and approval pages. Thin: one service or selector per request."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from baomi import policy
from baomi.accounts.models import Role, User
from baomi.approvals import registry, selectors, services
from baomi.approvals.forms import DecideForm, RuleForm
from baomi.approvals.models import Scope
from baomi.errors import BaomiError


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _labels() -> dict[str, str]:
    return {t.code: t.label for t in registry.all_types()}


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    mine = selectors.requests_visible_to(user).filter(requester=user)[:100]
    return render(request, "approvals/inbox.html", {
        "steps": selectors.inbox_for(user), "mine": mine, "labels": _labels(),
    })


@login_required
def detail(request: HttpRequest, request_id: int) -> HttpResponse:
    user = _user(request)
    approval = selectors.request_for(user, request_id)
    form = DecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.request_decide(actor=user, request=approval, approve=d["decision"] == "approve",
                                    comment=d["comment"], password=d["password"])
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已签批"))
            return redirect("approvals:detail", request_id=approval.pk)
    step = approval.current_step
    can_decide = step is not None and policy.reason_may_not_decide(user, step) is None
    return render(request, "approvals/detail.html", {
        "approval": approval, "form": form if can_decide else None, "labels": _labels(),
        "can_withdraw": approval.requester_id == user.pk and approval.status == "pending",
    })


@login_required
@require_POST
def withdraw(request: HttpRequest, request_id: int) -> HttpResponse:
    user = _user(request)
    services.request_withdraw(actor=user, request=selectors.request_for(user, request_id))
    messages.success(request, _("申请已撤回"))
    return redirect("approvals:detail", request_id=request_id)


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    policy.require(user, policy.Perm.MANAGE_ROUTING)
    form = RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.rule_create(actor=user, request_type=d["request_type"], order=d["order"],
                                 approver_role=d["approver_role"], scope=d["scope"], scope_unit=d["scope_unit"],
                                 min_level=d["min_level"])
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("审批路由已保存"))
            return redirect("approvals:rules")
    return render(request, "approvals/rules.html", {
        "rules": selectors.rules_visible_to(user), "form": form, "labels": _labels(),
        "defaults": [(t.label, [(Role(r).label, Scope(s).label) for r, s in t.default_steps])
                     for t in registry.all_types()],
    })


@login_required
@require_POST
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    user = _user(request)
    rule = selectors.rules_visible_to(user).filter(pk=rule_id).first()
    if rule is None:
        policy.require(user, policy.Perm.MANAGE_ROUTING)
        from baomi.errors import NotFound

        raise NotFound(_("对象不存在"))
    services.rule_delete(actor=user, rule=rule)
    messages.success(request, _("审批路由已删除"))
    return redirect("approvals:rules")
