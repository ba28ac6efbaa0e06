"""Reads of approval requests, filtered to those the reader takes part in."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import inbox, policy
from baomi.accounts.models import User
from baomi.approvals import registry
from baomi.approvals.models import (
    ApprovalRequest,
    ApprovalStep,
    Delegation,
    ExternalProvision,
    RoutingRule,
    StepStatus,
)
from baomi.errors import NotFound


def inbox_for(person: User) -> QuerySet[ApprovalStep]:
    """我的待办: the pending steps this person may decide."""
    return (
        ApprovalStep.objects.filter(policy.approval_steps_decidable_by(person), status=StepStatus.PENDING)
        .select_related("request__requester", "request__unit", "unit")
        .order_by("request__created_at")
    )


def requests_visible_to(person: User) -> QuerySet[ApprovalRequest]:
    """A request is visible to its requester and to the people who decide or decided its steps."""
    if not person.is_active:
        return ApprovalRequest.objects.none()
    deciding = ApprovalStep.objects.filter(policy.approval_steps_decidable_by(person)).values("request_id")
    decided = ApprovalStep.objects.filter(Q(decided_by=person) | Q(on_behalf_of=person)).values("request_id")
    return (
        ApprovalRequest.objects.filter(Q(requester=person) | Q(pk__in=deciding) | Q(pk__in=decided))
        .select_related("requester", "unit")
        .prefetch_related("steps__decided_by", "steps__unit")
        .distinct()
    )


def request_for(person: User, request_id: int) -> ApprovalRequest:
    found = requests_visible_to(person).filter(pk=request_id).first()
    if found is None:
        from django.utils.translation import gettext as _

        raise NotFound(_("对象不存在"))
    return found


def rules_visible_to(person: User) -> QuerySet[RoutingRule]:
    if not policy.may(person, policy.Perm.MANAGE_ROUTING):
        return RoutingRule.objects.none()
    return RoutingRule.objects.select_related("scope_unit")


def for_subject(person: User, subject_type: str, subject_id: object) -> QuerySet[ApprovalRequest]:
    return requests_visible_to(person).filter(subject_type=subject_type, subject_id=str(subject_id))


def inbox_items(person: User) -> list[inbox.Item]:
    """The approvals provider of 我的待办: pending steps the person may decide (in their own
    right or under a delegation), due BAOMI_APPROVAL_REMIND_HOURS after they became pending.
    One query (plus the person's roles and delegations, cached for the request)."""
    if not person.is_active or person.admin_role:
        return []
    if not policy.role_labels(person) and not policy.active_delegations_to(person):
        return []  # no role and no delegation: no step to decide (policy._decider_steps), no query
    hours = datetime.timedelta(hours=settings.BAOMI_APPROVAL_REMIND_HOURS)
    labels = {t.code: t.label for t in registry.all_types()}
    items = []
    for step in inbox_for(person):
        since = step.activated_at or step.request.created_at
        label = labels.get(step.request.request_type, step.request.request_type)
        items.append(inbox.Item(
            kind=_("审批"), title=f"{label}：{step.request.title}",
            url=reverse("approvals:detail", args=[step.request_id]), due=since + hours, is_decision=True,
        ))
    return items


def inbox_gate(person: User) -> bool | list[QuerySet[Delegation]]:
    """inbox_items has steps only for role holders and people under a current delegation
    (a wider condition than policy.active_delegations_to: the delegator is not checked)."""
    if policy.role_labels(person):
        return True
    day = timezone.localdate()
    return [Delegation.objects.filter(delegate=person, revoked_at__isnull=True, starts_on__lte=day, ends_on__gte=day)]


def delegations_visible_to(person: User) -> QuerySet[Delegation]:
    """The delegations a person gave or received; administrators have none."""
    if not person.is_active or person.admin_role:
        return Delegation.objects.none()
    return Delegation.objects.filter(Q(delegator=person) | Q(delegate=person)).select_related(
        "delegator", "delegate", "revoked_by")


def delegation_for(person: User, delegation_id: int) -> Delegation:
    found = delegations_visible_to(person).filter(pk=delegation_id).first()
    if found is None:
        raise NotFound(_("对象不存在"))
    return found


def provisions_visible_to(person: User) -> QuerySet[ExternalProvision]:
    """对外提供 records: the requester's own, and those whose approval the person takes part in."""
    if not person.is_active or person.admin_role:
        return ExternalProvision.objects.none()
    approvals = requests_visible_to(person).values("pk")
    return ExternalProvision.objects.filter(Q(requester=person) | Q(approval__in=approvals)).select_related(
        "requester", "unit", "approval").distinct()
