"""The one place that decides "may this person do this to that".

Views, API handlers and services never compare roles or levels themselves: they ask
`may`/`require`, or filter with the `*_visible_to` queryset conditions here.

三员分立: each administrator role has a fixed, disjoint set of powers, none of which
includes reading classified content; no account holds two of them (one column), and
administrators hold no business roles.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils.translation import gettext as _

from baomi.errors import Refused
from baomi.levels import Clearance, Level

if TYPE_CHECKING:
    from baomi.accounts.models import User


class Perm(StrEnum):
    MANAGE_UNITS = "unit.manage"
    MANAGE_ACCOUNTS = "account.manage"
    VIEW_PEOPLE = "people.view"
    GRANT_CLEARANCE = "clearance.grant"
    GRANT_ROLES = "role.grant"
    READ_AUDIT = "audit.read"
    VERIFY_AUDIT = "audit.verify"
    MANAGE_ROUTING = "approval.routing"


SYSTEM, SECURITY, AUDITOR = "system", "security", "auditor"

_ADMIN_POWERS: dict[str, frozenset[Perm]] = {
    SYSTEM: frozenset({Perm.MANAGE_UNITS, Perm.MANAGE_ACCOUNTS, Perm.VIEW_PEOPLE}),
    SECURITY: frozenset(
        {Perm.GRANT_CLEARANCE, Perm.GRANT_ROLES, Perm.VIEW_PEOPLE, Perm.READ_AUDIT, Perm.MANAGE_ROUTING}
    ),
    # The auditor looks people up to know whose events they read; that reads no classified content.
    AUDITOR: frozenset({Perm.READ_AUDIT, Perm.VERIFY_AUDIT, Perm.VIEW_PEOPLE}),
}

# Business roles that let someone look up colleagues (to route approvals, name holders...).
_PEOPLE_VIEWING_ROLES = {"secrecy_officer", "confidential_secretary", "classification_authority", "approver"}


def role_labels(user: User) -> list[str]:
    """The actor's roles as short labels, cached on the instance for the request."""
    cached = getattr(user, "_baomi_roles", None)
    if cached is None:
        cached = [user.admin_role] if user.admin_role else []
        cached += sorted(
            f"{role}@{unit_id}" if unit_id else role
            for role, unit_id in user.role_assignments.values_list("role", "unit_id")
        )
        user._baomi_roles = cached  # type: ignore[attr-defined]
    return cached


def business_roles(user: User) -> set[str]:
    return {label.split("@")[0] for label in role_labels(user) if label not in _ADMIN_POWERS}


def may(actor: User | None, perm: Perm, obj: Any = None) -> bool:
    return reason_refused(actor, perm, obj) is None


def require(actor: User | None, perm: Perm, obj: Any = None) -> None:
    reason = reason_refused(actor, perm, obj)
    if reason is not None:
        raise Refused(reason, code="refused", details={"perm": str(perm)})


def reason_refused(actor: User | None, perm: Perm, obj: Any = None) -> str | None:
    """None when allowed, else the reason in the user's language."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return _("未登录或账户已停用")
    powers = _ADMIN_POWERS.get(actor.admin_role, frozenset())
    if perm == Perm.VIEW_PEOPLE and business_roles(actor) & _PEOPLE_VIEWING_ROLES:
        return None
    if perm not in powers:
        return _("三员分立：您的角色无权执行此操作")
    if obj is not None and perm in (Perm.MANAGE_ACCOUNTS, Perm.GRANT_CLEARANCE, Perm.GRANT_ROLES):
        return _reason_about_person(actor, perm, obj)
    return None


def _reason_about_person(actor: User, perm: Perm, person: User) -> str | None:
    if person.pk == actor.pk:
        return _("不能对本人账户执行此操作")
    if person.admin_role:
        # Otherwise one administrator could take over another's account (reset its
        # password) or give it business powers: admin accounts are managed by `baomi createadmin`.
        return _("管理员账户只能由服务器上的 baomi createadmin 命令管理")
    return None


def may_know(person: User, level: Level) -> bool:
    """Clearance check (SYS-03). Need-to-know is checked per object by later modules."""
    return person.is_active and Clearance(person.clearance).may_know(level)


def audit_events_visible_to(reader: User) -> Q:
    """Auditor: every event. Security administrator: ordinary users' events only. Others: none."""
    if not reader.is_active:
        return Q(pk__in=[])
    if reader.admin_role == AUDITOR:
        return Q()
    if reader.admin_role == SECURITY:
        return Q(actor_admin_role="")
    return Q(pk__in=[])


# ---------------------------------------------------------------- approvals


def _covered_units(unit_id: int | None) -> set[int] | None:
    """The unit and all units below it; None means the whole organisation."""
    if unit_id is None:
        return None
    from baomi.accounts.models import Unit

    children: dict[int | None, list[int]] = {}
    for pk, parent in Unit.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    covered, todo = set(), [unit_id]
    while todo:
        current = todo.pop()
        if current not in covered:
            covered.add(current)
            todo.extend(children.get(current, []))
    return covered


def approval_steps_decidable_by(person: User) -> Q:
    """Steps whose role and unit this person's role assignments cover (a role held for a unit
    covers the units below it; an organisation-wide role covers every unit)."""
    if not person.is_active or person.admin_role:
        return Q(pk__in=[])
    condition = Q(pk__in=[])
    for role, unit_id in person.role_assignments.values_list("role", "unit_id"):
        covered = _covered_units(unit_id)
        condition |= Q(approver_role=role) if covered is None else Q(approver_role=role, unit_id__in=covered)
    return condition & ~Q(request__requester=person)


def reason_may_not_decide(person: User, step: Any) -> str | None:
    """None when `person` may decide `step` now, else the reason."""
    from baomi.approvals import registry
    from baomi.approvals.models import ApprovalStep, StepStatus

    if not person.is_active:
        return _("未登录或账户已停用")
    if step.request.requester_id == person.pk:
        return _("不能审批本人提出的申请")
    if step.status != StepStatus.PENDING:
        return _("该审批步骤当前不在待审批状态")
    if not ApprovalStep.objects.filter(approval_steps_decidable_by(person), pk=step.pk).exists():
        return _("您不是此审批步骤的审批人")
    extra = registry.get(step.request.request_type).may_decide
    return extra(step.request, person) if extra else None


def navigation_for(user: User) -> list[tuple[str, str]]:
    """(label, url name) of the pages this person may open."""
    items = [(_("首页"), "core:home")]
    if not user.admin_role:  # administrators hold no business roles: nothing to approve or request
        items.append((_("我的待办"), "approvals:inbox"))
    if may(user, Perm.MANAGE_UNITS):
        items.append((_("单位管理"), "accounts:units"))
    if may(user, Perm.VIEW_PEOPLE):
        items.append((_("人员"), "accounts:people"))
    if may(user, Perm.MANAGE_ROUTING):
        items.append((_("审批路由"), "approvals:rules"))
    if may(user, Perm.READ_AUDIT):
        items.append((_("审计日志"), "audit:events"))
    items.append((_("个人设置"), "accounts:profile"))
    return items
