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


SYSTEM, SECURITY, AUDITOR = "system", "security", "auditor"

_ADMIN_POWERS: dict[str, frozenset[Perm]] = {
    SYSTEM: frozenset({Perm.MANAGE_UNITS, Perm.MANAGE_ACCOUNTS, Perm.VIEW_PEOPLE}),
    SECURITY: frozenset({Perm.GRANT_CLEARANCE, Perm.GRANT_ROLES, Perm.VIEW_PEOPLE, Perm.READ_AUDIT}),
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


def navigation_for(user: User) -> list[tuple[str, str]]:
    """(label, url name) of the pages this person may open."""
    items = [(_("首页"), "core:home")]
    if may(user, Perm.MANAGE_UNITS):
        items.append((_("单位管理"), "accounts:units"))
    if may(user, Perm.VIEW_PEOPLE):
        items.append((_("人员"), "accounts:people"))
    if may(user, Perm.READ_AUDIT):
        items.append((_("审计日志"), "audit:events"))
    items.append((_("个人设置"), "accounts:profile"))
    return items
