"""Optional e-mail notices for approvals (off unless the deployment sets BAOMI_EMAIL_HOST).

A notice never carries secret content: no title, no reason, no requester, no level — only
"something is waiting, log in" and a link to the system. Sent after the transaction commits,
and a mail failure never undoes a decision.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from baomi import policy
from baomi.accounts.models import User
from baomi.approvals.models import ApprovalRequest, ApprovalStep, Delegation

SUBJECT = gettext_noop("保密管理系统待办提醒")
DECIDER_NOTICE = gettext_noop("您有 1 项待审批事项，请登录保密管理系统查看")
REQUESTER_NOTICE = gettext_noop("您提交的 1 项申请已有审批结果，请登录保密管理系统查看")


def enabled() -> bool:
    return bool(getattr(settings, "EMAIL_HOST", ""))


def _link() -> str:
    return f"{settings.BAOMI_BASE_URL}{reverse('approvals:inbox')}"


def _send(addresses: list[str], text: str) -> None:
    addresses = sorted({a for a in addresses if a})
    if not addresses:
        return
    body = f"{_(text)}\n{_link()}\n"
    messages = [(_(SUBJECT), body, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses]
    transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))


def deciders_of(step: ApprovalStep) -> list[User]:
    """The people who may decide `step` now: holders of its role, and their current delegates."""
    holders = list(User.objects.filter(is_active=True, admin_role="", role_assignments__role=step.approver_role)
                   .distinct())
    delegates = [d.delegate for d in Delegation.objects.filter(delegator__in=holders, revoked_at__isnull=True)
                 .select_related("delegate")]
    people = {p.pk: p for p in [*holders, *delegates]}
    return [p for p in people.values() if policy.reason_may_not_decide(p, step) is None]


def step_pending(step: ApprovalStep) -> None:
    """Tell the next deciders that a step waits for them."""
    if enabled():
        _send([p.email for p in deciders_of(step)], DECIDER_NOTICE)


def request_decided(request: ApprovalRequest) -> None:
    """Tell the requester that their request has an outcome."""
    if enabled():
        _send([request.requester.email], REQUESTER_NOTICE)
