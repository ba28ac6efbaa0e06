"""Reads of approval requests, filtered to those the reader takes part in."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from baomi import policy
from baomi.accounts.models import User
from baomi.approvals.models import ApprovalRequest, ApprovalStep, RoutingRule, StepStatus
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
    decided = ApprovalStep.objects.filter(decided_by=person).values("request_id")
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
