"""Submitting, deciding, withdrawing and expiring approval requests, delegations of approval
power, and routing rules.

The decider signs electronically: their password again, a current code from their TOTP
device (required instead of the password when BAOMI_SIGN_WITH_OTP is on and they enrolled
one), or a security key's signature over the decision itself (required at and above
BAOMI_REQUIRE_SECURITY_KEY_LEVEL). A delegate decides within the delegation's window, and
the step records both the decider and the colleague on whose behalf they decided. The owning module's
effect (`RequestType.on_approved`) runs inside the transaction that records the final
approval, so the decision, its effect and their audit events commit together.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from baomi import policy
from baomi.accounts.models import Role, Unit, User
from baomi.approvals import notify, registry
from baomi.approvals.models import (
    ApprovalRequest,
    ApprovalStep,
    Delegation,
    ExternalKind,
    ExternalProvision,
    ProvisionStatus,
    RoutingRule,
    Scope,
    Status,
    StepStatus,
)
from baomi.audit.services import atomic_action, describe, record
from baomi.errors import Conflict, Invalid, Refused
from baomi.levels import Level
from baomi.securitykeys.policy import key_required_at


def _route(
    request_type: registry.RequestType, level: int | None, rules: list[RoutingRule] | None = None
) -> list[tuple[str, str, Unit | None]]:
    """(role, scope, scope unit) per step: the stored rules for the highest minimum level the
    request reaches, else the type's default route for that level. `rules`: active rules
    already read (any types), to route many types and levels with one query."""
    if rules is None:
        stored = RoutingRule.objects.filter(request_type=request_type.code, is_active=True)
        rules = list(stored.select_related("scope_unit"))
    else:
        rules = [r for r in rules if r.request_type == request_type.code and r.is_active]
    reached = [r for r in rules if r.min_level is None or (level is not None and r.min_level <= level)]
    if reached:
        top = max((r.min_level if r.min_level is not None else -1) for r in reached)
        chosen = sorted((r for r in reached if (r.min_level if r.min_level is not None else -1) == top),
                        key=lambda r: r.order)
        return [(r.approver_role, r.scope, r.scope_unit) for r in chosen]
    return [(role, scope, None) for role, scope in request_type.steps_for(level)]


def effective_route(
    request_type: registry.RequestType, level: int | None, rules: list[RoutingRule] | None = None
) -> list[tuple[str, str, Unit | None]]:
    """What a request of this type and level would be routed through (stored rules first)."""
    return _route(request_type, level, rules)


def _step_unit(scope: str, scope_unit: Unit | None, requester: User, unit: Unit | None) -> Unit | None:
    if scope == Scope.ORG:
        return None
    if scope == Scope.UNIT:
        return scope_unit
    base = unit or requester.unit
    if scope == Scope.TOP_UNIT and base is not None:
        chain = base.ancestors()
        return chain[-1] if chain else base
    if scope == Scope.PARENT_UNIT and base is not None:
        return base.parent or base
    return base


@dataclass(frozen=True)
class KeySignature:
    """A security-key signature of a decision: the assertion from navigator.credentials.get()
    over key_signing_begin's challenge, the token it came with, and the origins expected."""

    credential: dict[str, Any] | str
    token: str
    origins: list[str]


def _statement(request: ApprovalRequest, step: ApprovalStep, approve: bool, comment: str) -> str:
    """What a security key signs: this step of this request, the decision and its comment."""
    digest = hashlib.sha256(comment.strip().encode()).hexdigest()
    return f"baomi.approval:{request.pk}:{step.pk}:{'approve' if approve else 'reject'}:{digest}"


def _verify_signature(actor: User, *, password: str, otp: str, key: KeySignature | None, statement: str,
                      level: int | None) -> dict[str, Any]:
    """The electronic signature, as the audit details describe it: a security key's signature
    over the decision, a current TOTP code from the decider's confirmed device, or their
    password (unless BAOMI_SIGN_WITH_OTP requires the code of those who have a device, or the
    request's level requires a key). A wrong signature is refused and audited; it counts
    towards no login lockout."""
    if key is not None:
        from baomi.securitykeys.services import key_sign_verify

        signed_by = key_sign_verify(actor=actor, credential=key.credential, token=key.token, statement=statement,
                                    origins=key.origins)
        return {"signature": "security_key", "key": signed_by.pk}
    if key_required_at(level):  # a request at the key policy's level or above: a key, never a password or code
        raise Refused(_("%(level)s级事项须使用安全密钥签批") % {"level": Level(cast(int, level)).zh})
    devices = list(TOTPDevice.objects.filter(user=actor, confirmed=True))
    if otp.strip():
        if not any(device.verify_token(otp.strip()) for device in devices):
            raise Refused(_("动态口令不正确"))
        return {"signature": "otp"}
    if devices and settings.BAOMI_SIGN_WITH_OTP:
        raise Refused(_("请使用动态口令签批"))
    if not password or not actor.check_password(password):
        raise Refused(_("签批密码不正确"))
    return {"signature": "password"}


def key_signing_begin(*, actor: User, request: ApprovalRequest, approve: bool, comment: str,
                      rp_id: str) -> tuple[str, str]:
    """Options for signing this decision with a security key, and the token to send back with
    it (request_decide's `key`). Only the person who may decide the current step gets them."""
    step = request.current_step
    if request.status != Status.PENDING or step is None:
        raise Conflict(_("该申请已办结"))
    reason = policy.reason_may_not_decide(actor, step)
    if reason:
        raise Refused(reason)
    from baomi.securitykeys.services import key_sign_begin

    return key_sign_begin(actor=actor, rp_id=rp_id, statement=_statement(request, step, approve, comment))


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
        now = timezone.now()
        request = ApprovalRequest.objects.create(
            request_type=request_type, requester=actor, unit=unit or actor.unit, subject_type=subject_type,
            subject_id=subject_id, level=level, title=title[:200], reason=reason.strip(), payload=payload or {},
            expires_at=now + kind.expires_after if kind.expires_after else None,
        )
        for order, (role, scope, scope_unit) in enumerate(_route(kind, level), start=1):
            ApprovalStep.objects.create(
                request=request, order=order, approver_role=role,
                unit=_step_unit(scope, scope_unit, actor, unit),
                status=StepStatus.PENDING if order == 1 else StepStatus.WAITING,
                activated_at=now if order == 1 else None,
            )
        first = request.steps.get(order=1)
        candidates = User.objects.filter(is_active=True, role_assignments__role=first.approver_role).distinct()
        if not any(policy.reason_may_not_decide(p, first) is None for p in candidates):
            raise Refused(_("没有可审批此申请的人员：请安全保密管理员配置审批路由或授予审批角色"))
        record(actor=actor, action="approval.submit", obj=request, object_level=level,
               summary=f"提交{kind.label}申请 #{request.pk}",
               details={"type": request_type, "subject": f"{subject_type}#{subject_id}",
                        "steps": [s.approver_role for s in request.steps.all()]})
        notify.step_pending(first)
    return request


def request_decide(
    *, actor: User, request: ApprovalRequest, approve: bool, comment: str = "", password: str = "", otp: str = "",
    key: KeySignature | None = None,
) -> ApprovalRequest:
    """Approve or reject the current step. A security key's signature over the decision, a
    TOTP code or the password re-authenticates the decider; a delegate's decision records the
    delegator as `on_behalf_of`."""
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
        signature = _verify_signature(actor, password=password, otp=otp, key=key, level=request.level,
                                      statement=_statement(request, step, approve, comment))
        if not approve and not comment.strip():
            raise Invalid(_("驳回时须填写意见"))
        delegator = policy.approval_step_delegator(actor, step)
        now = timezone.now()
        step.status = StepStatus.APPROVED if approve else StepStatus.REJECTED
        step.decided_by, step.decided_at, step.comment = actor, now, comment.strip()
        step.on_behalf_of = delegator
        step.signed_with = signature["signature"]
        step.save(update_fields=["status", "decided_by", "decided_at", "comment", "on_behalf_of", "signed_with"])
        kind = registry.get(request.request_type)
        following = request.steps.filter(order__gt=step.order).order_by("order").first()
        if approve and following is not None:
            following.status, following.activated_at = StepStatus.PENDING, now
            following.save(update_fields=["status", "activated_at"])
            notify.step_pending(following)
        else:
            request.status = Status.APPROVED if approve else Status.REJECTED
            request.decided_at = now
            request.save(update_fields=["status", "decided_at"])
            request.steps.filter(status=StepStatus.WAITING).update(status=StepStatus.CANCELLED)
            notify.request_decided(request)
        behalf = f"（代 {delegator.full_name or delegator.username}）" if delegator else ""
        record(actor=actor, action=action, obj=request, object_level=request.level,
               summary=f"{'同意' if approve else '驳回'}{kind.label}申请 #{request.pk}（第 {step.order} 步）{behalf}",
               details={"comment": comment.strip()[:200], "final": request.status != Status.PENDING,
                        "on_behalf_of": delegator.pk if delegator else None, **signature})
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


# ---------------------------------------------------------------- expiry and reminders (jobs.tick)


def requests_expire(*, now: datetime.datetime | None = None) -> list[str]:
    """Close pending requests past their `expires_at` as expired, calling the type's
    on_rejected (with no decider: the system closed it). Idempotent."""
    now = now or timezone.now()
    done: list[str] = []
    due = ApprovalRequest.objects.filter(status=Status.PENDING, expires_at__lt=now).values_list("pk", flat=True)
    for pk in list(due):
        with atomic_action(None, "approval.expire", actor_username="system"):
            request = ApprovalRequest.objects.select_for_update().get(pk=pk)
            if request.status != Status.PENDING:
                continue
            request.status, request.decided_at = Status.EXPIRED, now
            request.save(update_fields=["status", "decided_at"])
            request.steps.filter(status__in=[StepStatus.PENDING, StepStatus.WAITING]).update(
                status=StepStatus.CANCELLED)
            kind = registry.get(request.request_type)
            record(actor=None, actor_username="system", action="approval.expire", obj=request,
                   object_level=request.level, summary=f"{kind.label}申请 #{request.pk} 逾期未审批，已过期",
                   details={"expires_at": request.expires_at.isoformat() if request.expires_at else None})
            if kind.on_rejected:
                kind.on_rejected(request, cast(User, None))
            notify.request_decided(request)
        done.append(f"approval #{pk} expired")
    return done


def steps_remind(*, now: datetime.datetime | None = None) -> list[str]:
    """Mark steps pending longer than BAOMI_APPROVAL_REMIND_HOURS as reminded (once each),
    audit it and, when mail is configured, send the deciders a content-free notice."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(hours=settings.BAOMI_APPROVAL_REMIND_HOURS)
    done: list[str] = []
    late = ApprovalStep.objects.filter(status=StepStatus.PENDING, request__status=Status.PENDING,
                                       reminded_at__isnull=True, activated_at__lt=limit)
    for pk in list(late.values_list("pk", flat=True)):
        with atomic_action(None, "approval.remind", actor_username="system"):
            step = ApprovalStep.objects.select_for_update().select_related("request").get(pk=pk)
            if step.reminded_at is not None or step.status != StepStatus.PENDING:
                continue
            step.reminded_at = now
            step.save(update_fields=["reminded_at"])
            record(actor=None, actor_username="system", action="approval.remind", obj=step.request,
                   object_level=step.request.level,
                   summary=f"申请 #{step.request_id} 第 {step.order} 步待审批超过 "
                           f"{settings.BAOMI_APPROVAL_REMIND_HOURS} 小时，已提醒")
            notify.step_pending(step)
        done.append(f"approval #{step.request_id} step {step.order} reminded")
    return done


def daily(*, now: datetime.datetime | None = None) -> list[str]:
    """The approvals part of jobs.tick."""
    return requests_expire(now=now) + steps_remind(now=now)


# ---------------------------------------------------------------- delegation of approval power


def delegation_create(
    *, actor: User, delegate: User, starts_on: datetime.date, ends_on: datetime.date, reason: str,
    request_types: list[str] | None = None,
) -> Delegation:
    """Lend one's approval power (all request types, or the chosen ones) to a named colleague
    from `starts_on` to `ends_on` inclusive."""
    with atomic_action(actor, "approval.delegate", obj=delegate):
        refusal = policy.reason_may_not_delegate(actor, delegate)
        if refusal:
            raise Refused(refusal)
        if not reason.strip():
            raise Invalid(_("请填写委托理由"))
        if ends_on < starts_on:
            raise Invalid(_("截止日期不能早于起始日期"))
        if ends_on < timezone.localdate():
            raise Invalid(_("委托期限已过"))
        codes = sorted(set(request_types or []))
        known = {t.code for t in registry.all_types()}
        if any(code not in known for code in codes):
            raise Invalid(_("未知的申请类型"))
        delegation = Delegation.objects.create(
            delegator=actor, delegate=delegate, request_types=codes, starts_on=starts_on, ends_on=ends_on,
            reason=reason.strip(),
        )
        record(actor=actor, action="approval.delegate", obj=delegation,
               summary=f"委托 {delegate.full_name or delegate.username} 代为审批（{starts_on} 至 {ends_on}）",
               details={"delegate": delegate.pk, "types": codes or "all", "starts_on": str(starts_on),
                        "ends_on": str(ends_on), "reason": reason.strip()[:200]})
    delegate.__dict__.pop("_baomi_delegations", None)
    return delegation


def delegation_revoke(*, actor: User, delegation: Delegation) -> Delegation:
    """The delegator ends a delegation early (its past decisions stand)."""
    with atomic_action(actor, "approval.delegate.revoke", obj=delegation):
        delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
        if delegation.delegator_id != actor.pk:
            raise Refused(_("只有委托人可以撤销委托"))
        if delegation.revoked_at is not None:
            raise Conflict(_("该委托已撤销"))
        delegation.revoked_at, delegation.revoked_by = timezone.now(), actor
        delegation.save(update_fields=["revoked_at", "revoked_by"])
        record(actor=actor, action="approval.delegate.revoke", obj=delegation,
               summary=f"撤销对 {delegation.delegate.full_name or delegation.delegate.username} 的审批委托",
               details={"delegate": delegation.delegate_id})
    return delegation


# ---------------------------------------------------------------- 对外提供 (EXT-01)

PROVIDE_EXTERNAL = "approvals.provide_external"


def provision_request(
    *, actor: User, recipient: str, material: str, level: int, purpose: str,
    kind: str = ExternalKind.PROVIDE, outline: str = "",
) -> ExternalProvision:
    """Ask to give classified material to foreigners or an outside party (EXT-01), or to give
    an interview or hold talks that may touch secrets (EXT-06): approved beforehand by the
    organisation's leadership, then by the superior secrecy department (the secrecy officer of
    the unit above the requester's unit). An interview or talks are judged on their outline.
    The record keeps what, to whom and why."""
    with atomic_action(actor, "approval.provision.request"):
        if actor.admin_role:
            raise Refused(_("三员分立：您的角色无权执行此操作"))
        if kind not in ExternalKind.values:
            raise Invalid(_("未知的对外事项"))
        if not recipient.strip() or not material.strip() or not purpose.strip():
            raise Invalid(_("请填写提供对象、拟提供的资料和事由"))
        if kind != ExternalKind.PROVIDE and not outline.strip():
            raise Refused(_("接受采访或涉外会谈须事先报送采访提纲或会谈要点，经审查批准"))
        try:
            chosen = Level(level)
        except ValueError:
            raise Invalid(_("未知的密级")) from None
        if not policy.may_know(actor, chosen):
            raise Refused(_("您的涉密类别不能知悉%(level)s级事项") % {"level": chosen.zh})
        provision = ExternalProvision.objects.create(
            requester=actor, unit=actor.unit, recipient=recipient.strip()[:200], material=material.strip(),
            level=int(chosen), purpose=purpose.strip(), kind=kind, outline=outline.strip())
        what = ExternalKind(kind).label
        record(actor=actor, action="approval.provision.request", obj=provision, object_level=int(chosen),
               summary=f"申请{what} #{provision.pk}",
               details={"recipient": provision.recipient, "level": int(chosen), "kind": kind})
        provision.approval = request_submit(
            actor=actor, request_type=PROVIDE_EXTERNAL, subject=provision, level=int(chosen),
            title=f"{what}：{provision.recipient}", reason=purpose)
        provision.save(update_fields=["approval"])
    return provision


def _provision_decided(approved: bool) -> Any:
    def effect(request: ApprovalRequest, decider: User | None) -> None:
        provision = ExternalProvision.objects.select_for_update().get(pk=int(request.subject_id))
        if provision.status != ProvisionStatus.PENDING:
            return
        provision.status = ProvisionStatus.APPROVED if approved else ProvisionStatus.CLOSED
        provision.decided_at = timezone.now()
        provision.save(update_fields=["status", "decided_at"])
        record(actor=decider, actor_username="" if decider else "system",
               action="approval.provision." + ("approve" if approved else "close"), obj=provision,
               object_level=provision.level,
               summary=f"{provision.get_kind_display()} #{provision.pk} {'已获批准' if approved else '未获批准'}",
               details={"approval": request.pk, "outcome": request.status})
    return effect


def register_request_types() -> None:
    registry.register(registry.RequestType(
        code=PROVIDE_EXTERNAL, label="对外提供涉密资料、接受采访或涉外会谈", on_approved=_provision_decided(True),
        on_rejected=_provision_decided(False),
        # EXT-01: 管委会领导 (the leadership at the top of the unit tree), then 上级保密部门.
        default_route={None: (("approver", "top_unit"), ("secrecy_officer", "parent_unit"))},
    ))
