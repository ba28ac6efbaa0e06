"""我的待办 and approval pages. Thin: one service or selector per request."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from baomi import inbox as inbox_registry
from baomi import policy
from baomi.accounts.models import Role, User
from baomi.approvals import registry, selectors, services
from baomi.approvals.forms import DecideForm, DelegationForm, ProvisionForm, RuleForm
from baomi.approvals.models import RoutingRule, Scope
from baomi.errors import BaomiError, Refused
from baomi.levels import Level
from baomi.securitykeys.policy import expected_origins, key_required_at, rp_id
from baomi.securitykeys.selectors import keys_of


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _labels() -> dict[str, str]:
    return {t.code: t.label for t in registry.all_types()}


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """我的待办: every module's items for this person (decisions first, then what they owe,
    overdue highlighted), and their own requests."""
    user = _user(request)
    items = inbox_registry.items_for(user)
    mine = selectors.requests_visible_to(user).filter(requester=user)[:100]
    return render(request, "approvals/inbox.html", {
        "decisions": [i for i in items if i.is_decision], "owed": [i for i in items if not i.is_decision],
        "mine": mine, "labels": _labels(),
    })


@login_required
def detail(request: HttpRequest, request_id: int) -> HttpResponse:
    user = _user(request)
    approval = selectors.request_for(user, request_id)
    form = DecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        key = services.KeySignature(d["key_credential"], d["key_token"], expected_origins(request)) \
            if d.get("key_credential") else None
        try:
            services.request_decide(actor=user, request=approval, approve=d["decision"] == "approve",
                                    comment=d["comment"], password=d["password"], otp=d["otp"], key=key)
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已签批"))
            return redirect("approvals:detail", request_id=approval.pk)
    step = approval.current_step
    can_decide = step is not None and policy.reason_may_not_decide(user, step) is None
    on_behalf = policy.approval_step_delegator(user, step) if can_decide and step is not None else None
    return render(request, "approvals/detail.html", {
        "approval": approval, "form": form if can_decide else None, "labels": _labels(), "on_behalf": on_behalf,
        "can_withdraw": approval.requester_id == user.pk and approval.status == "pending",
        "has_key": can_decide and bool(keys_of(user)),
        "key_required": can_decide and key_required_at(approval.level),
        "key_level": Level(approval.level).zh if approval.level else "",
    })


@login_required
@require_POST
def sign_begin(request: HttpRequest, request_id: int) -> HttpResponse:
    """The security-key challenge for the decision the form now holds (JSON in, JSON out)."""
    user = _user(request)
    approval = selectors.request_for(user, request_id)
    try:
        body = json.loads(request.body or b"{}")
        approve, comment = body["decision"] == "approve", str(body.get("comment", ""))
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": _("请选择意见")}, status=400)
    try:
        options, token = services.key_signing_begin(actor=user, request=approval, approve=approve, comment=comment,
                                                    rp_id=rp_id(request))
    except BaomiError as exc:
        return JsonResponse({"error": exc.message}, status=exc.status)
    return JsonResponse({"options": json.loads(options), "token": token})


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
        "defaults": [(t.label if m is None else f"{t.label}（{Level(m).zh}及以上）",
                      [(Role(r).label, Scope(s).label) for r, s in t.steps_for(m)])
                     for t in registry.all_types() for m in t.route_levels()],
        "effective": _effective_routes(),
    })


def _effective_routes() -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """Per request type, the route a request of each level would take now (stored rules,
    else the level-dependent default): what to know before editing rules."""
    levels: list[tuple[int | None, str]] = [(None, _("无密级")), *[(int(lv), lv.zh) for lv in Level]]
    stored = list(RoutingRule.objects.filter(is_active=True).select_related("scope_unit"))
    table = []
    for kind in registry.all_types():
        rows = []
        for level, label in levels:
            steps = services.effective_route(kind, level, rules=stored)
            rows.append((str(label), [
                f"{Role(role).label}（{Scope(scope).label}{' · ' + str(unit) if unit else ''}）"
                for role, scope, unit in steps]))
        table.append((kind.label, rows))
    return table


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


@login_required
def delegations(request: HttpRequest) -> HttpResponse:
    """审批委托: the delegations one gave and received; a new one for people with roles."""
    user = _user(request)
    if user.admin_role:
        raise Refused(_("三员分立：管理员不持有审批权，不能委托"))
    form = DelegationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.delegation_create(actor=user, delegate=d["delegate"], starts_on=d["starts_on"],
                                       ends_on=d["ends_on"], reason=d["reason"],
                                       request_types=list(d["request_types"]))
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("审批委托已保存"))
            return redirect("approvals:delegations")
    return render(request, "approvals/delegations.html", {
        "delegations": selectors.delegations_visible_to(user), "form": form, "labels": _labels(),
        "may_delegate": user.role_assignments.exists(),
    })


@login_required
@require_POST
def delegation_revoke(request: HttpRequest, delegation_id: int) -> HttpResponse:
    user = _user(request)
    services.delegation_revoke(actor=user, delegation=selectors.delegation_for(user, delegation_id))
    messages.success(request, _("审批委托已撤销"))
    return redirect("approvals:delegations")


@login_required
def provisions(request: HttpRequest) -> HttpResponse:
    """对外提供 (EXT-01): ask for approval before giving classified material to an outside party."""
    user = _user(request)
    if user.admin_role:
        raise Refused(_("三员分立：您的角色无权执行此操作"))
    form = ProvisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            provision = services.provision_request(actor=user, recipient=d["recipient"], material=d["material"],
                                                   level=d["level"], purpose=d["purpose"], kind=d["kind"],
                                                   outline=d["outline"])
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("对外提供申请已提交"))
            return redirect("approvals:detail", request_id=provision.approval_id)
    return render(request, "approvals/provisions.html", {
        "provisions": selectors.provisions_visible_to(user)[:200], "form": form,
    })
