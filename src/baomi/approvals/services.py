"""Submitting, deciding and withdrawing approval requests, and editing routing rules.

The decider re-enters their password as an electronic signature. The owning module's
effect (`RequestType.on_approved`) runs inside the transaction that records the final
approval, so the decision, its effect and their audit events commit together.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import policy
from baomi.accounts.models import Role, Unit, User
from baomi.approvals import registry
from baomi.approvals.models import ApprovalRequest, ApprovalStep, RoutingRule, Scope, Status, StepStatus
from baomi.audit.services import atomic_action, describe, record
from baomi.errors import Conflict, Invalid, Refused


def _route(request_type: registry.RequestType, level: int | None) -> list[tuple[str, str, Unit | None]]:
    """(role, scope, scope unit) per step: the stored rules for the highest minimum level the
    request reaches, else the type's default route."""
    stored = RoutingRule.objects.filter(request_type=request_type.code, is_active=True)
    rules = list(stored.select_related("scope_unit"))
    reached = [r for r in rules if r.min_level is None or (level is not None and r.min_level <= level)]
    if reached:
        top = max((r.min_level if r.min_level is not None else -1) for r in reached)
        chosen = sorted((r for r in reached if (r.min_level if r.min_level is not None else -1) == top),
                        key=lambda r: r.order)
        return [(r.approver_role, r.scope, r.scope_unit) for r in chosen]
    return [(role, scope, None) for role, scope in request_type.default_steps]


def _step_unit(scope: str, scope_unit: Unit | None, requester: User, unit: Unit | None) -> Unit | None:
    if scope == Scope.ORG:
        return None
    if scope == Scope.UNIT:
        return scope_unit
    return unit or requester.unit


def request_submit(
    *,
    actor: User,
    request_type: str,
    subject: Any,
    title: str,
    reason: str,
    level: int | None = None,
    unit: Unit | None = None,
    payload: dict[str, Any] | None = None,
) -> ApprovalRequest:
    """Open a request and route it. Refused when nobody could decide its first step."""
    kind = registry.get(request_type)
    subject_type, subject_id, _level = describe(subject)
    with atomic_action(actor, "approval.submit", obj=subject):
        if not actor.is_active:
            raise Refused(_("账户已停用"))
        if not reason.strip():
            raise Invalid(_("请填写申请理由"))
        duplicate = ApprovalRequest.objects.filter(
            request_type=request_type, subject_type=subject_type, subject_id=subject_id, status=Status.PENDING
        ).exists()
        if duplicate:
            raise Conflict(_("该事项已有审批中的申请"))
        request = ApprovalRequest.objects.create(
            request_type=request_type, requester=actor, unit=unit or actor.unit, subject_type=subject_type,
            subject_id=subject_id, level=level, title=title[:200], reason=reason.strip(), payload=payload or {},
        )
        for order, (role, scope, scope_unit) in enumerate(_route(kind, level), start=1):
            ApprovalStep.objects.create(
                request=request, order=order, approver_role=role,
                unit=_step_unit(scope, scope_unit, actor, unit),
                status=StepStatus.PENDING if order == 1 else StepStatus.WAITING,
            )
        first = request.steps.get(order=1)
        candidates = User.objects.filter(is_active=True, role_assignments__role=first.approver_role).distinct()
        if not any(policy.reason_may_not_decide(p, first) is None for p in candidates):
            raise Refused(_("没有可审批此申请的人员：请安全保密管理员配置审批路由或授予审批角色"))
        record(actor=actor, action="approval.submit", obj=request, object_level=level,
               summary=f"提交{kind.label}申请 #{request.pk}",
               details={"type": request_type, "subject": f"{subject_type}#{subject_id}",
                        "steps": [s.approver_role for s in request.steps.all()]})
    return request


def request_decide(
    *, actor: User, request: ApprovalRequest, approve: bool, comment: str = "", password: str
) -> ApprovalRequest:
    """Approve or reject the current step. The password re-authenticates the decider."""
    action = "approval.approve" if approve else "approval.reject"
    with atomic_action(actor, action, obj=request):
        request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != Status.PENDING:
            raise Conflict(_("该申请已办结"))
        step = request.steps.select_for_update().filter(status=StepStatus.PENDING).order_by("order").first()
        if step is None:
            raise Conflict(_("该申请没有待审批的步骤"))
        reason = policy.reason_may_not_decide(actor, step)
        if reason:
            raise Refused(reason)
        if not actor.check_password(password):
            raise Refused(_("签批密码不正确"))
        if not approve and not comment.strip():
            raise Invalid(_("驳回时须填写意见"))
        now = timezone.now()
        step.status = StepStatus.APPROVED if approve else StepStatus.REJECTED
        step.decided_by, step.decided_at, step.comment = actor, now, comment.strip()
        step.save(update_fields=["status", "decided_by", "decided_at", "comment"])
        kind = registry.get(request.request_type)
        following = request.steps.filter(order__gt=step.order).order_by("order").first()
        if approve and following is not None:
            following.status = StepStatus.PENDING
            following.save(update_fields=["status"])
        else:
            request.status = Status.APPROVED if approve else Status.REJECTED
            request.decided_at = now
            request.save(update_fields=["status", "decided_at"])
            request.steps.filter(status=StepStatus.WAITING).update(status=StepStatus.CANCELLED)
        record(actor=actor, action=action, obj=request, object_level=request.level,
               summary=f"{'同意' if approve else '驳回'}{kind.label}申请 #{request.pk}（第 {step.order} 步）",
               details={"comment": comment.strip()[:200], "final": request.status != Status.PENDING})
        if request.status == Status.APPROVED:
            kind.on_approved(request, actor)
        elif request.status == Status.REJECTED and kind.on_rejected:
            kind.on_rejected(request, actor)
    return request


def request_withdraw(*, actor: User, request: ApprovalRequest) -> ApprovalRequest:
    with atomic_action(actor, "approval.withdraw", obj=request):
        request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
        if request.requester_id != actor.pk:
            raise Refused(_("只有申请人可以撤回申请"))
        if request.status != Status.PENDING:
            raise Conflict(_("该申请已办结"))
        request.status, request.decided_at = Status.WITHDRAWN, timezone.now()
        request.save(update_fields=["status", "decided_at"])
        request.steps.filter(status__in=[StepStatus.PENDING, StepStatus.WAITING]).update(status=StepStatus.CANCELLED)
        kind = registry.get(request.request_type)
        record(actor=actor, action="approval.withdraw", obj=request, summary=f"撤回{kind.label}申请 #{request.pk}")
        if kind.on_rejected:
            kind.on_rejected(request, actor)
    return request


def request_cancel(*, request: ApprovalRequest, reason: str) -> ApprovalRequest:
    """Close a pending request that its owning module can no longer carry out (the item it
    concerns changed state meanwhile, e.g. a period expired while its extension waited).

    Called by the owning module inside its own service transaction, with its own audit
    event for the cause; this records the cancellation itself.
    """
    request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != Status.PENDING:
        return request
    request.status, request.decided_at = Status.CANCELLED, timezone.now()
    request.save(update_fields=["status", "decided_at"])
    request.steps.filter(status__in=[StepStatus.PENDING, StepStatus.WAITING]).update(status=StepStatus.CANCELLED)
    record(actor=None, actor_username="system", action="approval.cancel", obj=request,
           summary=f"申请 #{request.pk} 已自动取消：{reason}"[:300])
    return request


# ---------------------------------------------------------------- routing rules (security administrator)


def rule_create(
    *, actor: User, request_type: str, order: int, approver_role: str, scope: str,
    scope_unit: Unit | None = None, min_level: int | None = None,
) -> RoutingRule:
    with atomic_action(actor, "approval.rule.create"):
        policy.require(actor, policy.Perm.MANAGE_ROUTING)
        try:
            registry.get(request_type)
        except LookupError:
            raise Invalid(_("未知的申请类型")) from None
        if approver_role not in Role.values or scope not in Scope.values:
            raise Invalid(_("未知的角色或范围"))
        if scope == Scope.UNIT and scope_unit is None:
            raise Invalid(_("指定单位范围须选择单位"))
        if order < 1:
            raise Invalid(_("步骤须从 1 开始"))
        rule = RoutingRule.objects.create(
            request_type=request_type, order=order, approver_role=approver_role, scope=scope,
            scope_unit=scope_unit if scope == Scope.UNIT else None, min_level=min_level,
        )
        record(actor=actor, action="approval.rule.create", obj=rule,
               summary=f"新增审批路由 {request_type} 第 {order} 步 {Role(approver_role).label}",
               details={"min_level": min_level, "scope": scope, "unit": scope_unit.pk if scope_unit else None})
    return rule


def rule_delete(*, actor: User, rule: RoutingRule) -> None:
    with atomic_action(actor, "approval.rule.delete", obj=rule):
        policy.require(actor, policy.Perm.MANAGE_ROUTING)
        deleted, _n = RoutingRule.objects.filter(pk=rule.pk).delete()
        if not deleted:
            raise Conflict(_("该规则已删除"))
        record(actor=actor, action="approval.rule.delete", object_type="routingrule", object_id=str(rule.pk),
               summary=f"删除审批路由 {rule.request_type} 第 {rule.order} 步")
