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
    DESIGNATE_AUTHORITY = "classification.authority"
    MANAGE_GUIDE = "classification.guide"
    CLASSIFICATION_REPORTS = "classification.reports"
    # 机要员 / 保密员: register, circulate, send, hand back, archive and destroy carriers (CARRIER-03).
    KEEP_CARRIERS = "carrier.keep"
    # 保密员 / 定密责任人: export the guide's keywords as a scan-rules bundle (issue 5).
    EXPORT_SCAN_RULES = "review.rules_export"


SYSTEM, SECURITY, AUDITOR = "system", "security", "auditor"

_ADMIN_POWERS: dict[str, frozenset[Perm]] = {
    SYSTEM: frozenset({Perm.MANAGE_UNITS, Perm.MANAGE_ACCOUNTS, Perm.VIEW_PEOPLE}),
    SECURITY: frozenset(
        {Perm.GRANT_CLEARANCE, Perm.GRANT_ROLES, Perm.VIEW_PEOPLE, Perm.READ_AUDIT, Perm.MANAGE_ROUTING,
         # Recording a written 定密责任人 designation is the business side of granting the role;
         # it reads no classified content.
         Perm.DESIGNATE_AUTHORITY}
    ),
    # The auditor looks people up to know whose events they read; that reads no classified content.
    AUDITOR: frozenset({Perm.READ_AUDIT, Perm.VERIFY_AUDIT, Perm.VIEW_PEOPLE}),
}

# Business roles that let someone look up colleagues (to route approvals, name holders...).
_PEOPLE_VIEWING_ROLES = {"secrecy_officer", "confidential_secretary", "classification_authority", "approver"}

# Powers that come with a business role (never with an administrator role).
_ROLE_POWERS: dict[Perm, set[str]] = {
    # 保密办 keeps the unit's 保密事项范围 and 工作秘密确定参考范围.
    Perm.MANAGE_GUIDE: {"secrecy_officer"},
    Perm.CLASSIFICATION_REPORTS: {"secrecy_officer", "classification_authority"},
    # The role gives the page; which carriers a keeper may handle is reason_may_keep_carrier.
    Perm.KEEP_CARRIERS: {"confidential_secretary", "secrecy_officer"},
    Perm.EXPORT_SCAN_RULES: {"secrecy_officer", "classification_authority"},
}


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
    if perm in _ROLE_POWERS and not actor.admin_role and business_roles(actor) & _ROLE_POWERS[perm]:
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


# ---------------------------------------------------------------- classification (定密)


def reads_classification_registers(person: User) -> bool:
    """The guide, the reference list and the decision pages are for business users; the
    three administrators read no classified content (三员分立)."""
    return person.is_active and not person.admin_role


def active_authority(person: User) -> Any:
    """The person's current 定密责任人 designation, or None."""
    if not person.is_active or person.admin_role:
        return None
    from baomi.classification.models import Authority

    return Authority.objects.filter(person=person, revoked_at__isnull=True).select_related("unit").first()


def _unit_chain(unit_id: int | None) -> list[int]:
    """The unit and the units above it (a need-to-know unit covers the units below it)."""
    if unit_id is None:
        return []
    from baomi.accounts.models import Unit

    parents = dict(Unit.objects.values_list("pk", "parent_id"))
    chain: list[int] = []
    current: int | None = unit_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def reason_may_classify(
    authority: Any, level: Level, guide_entry: Any = None, *, unit: Any = None, provisional: bool = False
) -> str | None:
    """None when `authority` may decide `level` for this guide entry and unit, else the reason.

    Within the designation's highest level, its unit (and the units below) and its matters
    (guide codes; the unit head and an authority without listed codes cover every matter).
    A matter the guide does not cover (先行拟定) needs an authority without listed codes.
    """
    if authority is None or authority.revoked_at is not None or not authority.person.is_active:
        return _("您不是定密责任人，或对您的指定已撤销")
    if level > authority.max_level:
        return _("超出定密权限：您最高可确定%(max)s级事项，不能确定为%(level)s") % {
            "max": Level(authority.max_level).zh, "level": level.zh}
    if not may_know(authority.person, level):
        return _("您的涉密类别不能知悉%(level)s级事项") % {"level": level.zh}
    if authority.unit_id is not None:
        covered = _covered_units(authority.unit_id) or set()
        if unit is None or unit.pk not in covered:
            return _("超出定密责任人负责的单位范围")
    if guide_entry is not None and not authority.covers_code(guide_entry.code):
        return _("保密事项 %(code)s 不在您的定密事项范围内") % {"code": guide_entry.code}
    if provisional and authority.scope_codes and not authority.is_unit_head:
        return _("保密事项范围未涵盖的事项，须由法定定密责任人或未限定事项范围的定密责任人先行拟定")
    return None


def decisions_in_authority_scope(person: User) -> Q:
    """Decisions an active 定密责任人 covers (their level and unit): theirs to review and change."""
    authority = active_authority(person)
    if authority is None:
        return Q(pk__in=[])
    condition = Q(level__lte=authority.max_level)
    if authority.unit_id is not None:
        condition &= Q(unit_id__in=_covered_units(authority.unit_id) or set())
    return condition


def decisions_visible_to(reader: User) -> Q:
    """A decision's title is visible to those whose clearance covers its level AND who are in
    its need-to-know (as a person, a member of a unit or the units below it, or a role
    holder), or who proposed or decided it, or whose authority covers it. The three
    administrators see none."""
    if not reader.is_active or reader.admin_role:
        return Q(pk__in=[])
    from django.db.models import Exists, OuterRef

    from baomi.classification.models import DecisionStatus, NeedToKnow

    in_need_to_know = Exists(
        NeedToKnow.objects.filter(decision=OuterRef("pk")).filter(
            Q(person=reader) | Q(unit_id__in=_unit_chain(reader.unit_id)) | Q(role__in=business_roles(reader))
        )
    )
    own = Q(proposer=reader) | Q(authority__person=reader) | Q(decided_by=reader)
    proposed = Q(status__in=[DecisionStatus.PROPOSED, DecisionStatus.REJECTED])
    clearance = Q(level__lte=int(Clearance(reader.clearance).max_level))
    decided = ~proposed & (in_need_to_know | own | decisions_in_authority_scope(reader))
    return clearance & (decided | (proposed & own))


def reason_may_decide_change(person: User, decision: Any, new_level: int | None) -> str | None:
    """The approving 定密责任人 of a change must cover the decision's level and unit, and the
    new level too (CLASS-13 for work secrets: approved by 定密责任人)."""
    top = Level(max(decision.level, new_level or 0))
    return reason_may_classify(active_authority(person), top, unit=decision.unit)


# ---------------------------------------------------------------- carriers (涉密载体)

# CARRIER-03, CARRIER-19, ARCH-01: registration, sending, returns, archive and destruction are
# done by the designated staff: the 机要员, or the 保密办's 保密员.
CARRIER_KEEPER_ROLES = ("confidential_secretary", "secrecy_officer")


def _keeper_units(person: User) -> set[int] | None:
    """The units whose carriers this person keeps; None means every unit; empty means none."""
    if not person.is_active or person.admin_role:
        return set()
    units: set[int] = set()
    for label in role_labels(person):  # cached on the instance for the request
        role, _sep, unit_id = label.partition("@")
        if role in CARRIER_KEEPER_ROLES:
            covered = _covered_units(int(unit_id) if unit_id else None)
            if covered is None:
                return None
            units |= covered
    return units


def _own_unit_chain(person: User) -> list[int]:
    """The person's unit and the units above it, cached on the instance for the request."""
    cached = getattr(person, "_baomi_unit_chain", None)
    if cached is None:
        cached = _unit_chain(person.unit_id)
        person._baomi_unit_chain = cached  # type: ignore[attr-defined]
    return cached


def is_carrier_keeper(person: User) -> bool:
    return _keeper_units(person) != set()


def reason_may_keep_carrier(actor: User | None, level: int, unit_id: int | None) -> str | None:
    """None when `actor` may register and handle a carrier of this level kept by this unit."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return _("未登录或账户已停用")
    if actor.admin_role:
        return _("三员分立：您的角色无权执行此操作")
    units = _keeper_units(actor)
    if units is not None and (not units or unit_id not in units):
        return _("只有机要员或保密员可以办理涉密载体的登记、收发、清退、归档和销毁")
    if not may_know(actor, Level(level)):
        return _("您的涉密类别不能知悉%(level)s级载体") % {"level": Level(level).zh}
    return None


def reason_may_hold_carrier(person: User, carrier: Any) -> str | None:
    """None when `person` may read or hold a copy of `carrier`: level within clearance (SYS-03)
    AND inside its need-to-know as a named person or a member of a named unit or a unit
    below it (CARRIER-04, CARRIER-12)."""
    name = person.full_name or person.username
    if not person.is_active or person.admin_role:
        return _("%(name)s 不能持有涉密载体") % {"name": name}
    if not may_know(person, Level(carrier.level)):
        return _("%(name)s 的涉密类别不能知悉%(level)s级载体") % {"name": name, "level": Level(carrier.level).zh}
    named = carrier.need_to_know_people.filter(pk=person.pk).exists()
    if not named and not carrier.need_to_know_units.filter(pk__in=_own_unit_chain(person)).exists():
        return _("%(name)s 不在该载体的知悉范围内") % {"name": name}
    return None


def carriers_visible_to(reader: User) -> Q:
    """Carriers whose existence, title and copies the reader may see: level within clearance
    AND (inside the need-to-know, or holding one of its copies now, or keeping the register
    of its unit). The three administrators see none."""
    if not reader.is_active or reader.admin_role:
        return Q(pk__in=[])
    from django.db.models import Exists, OuterRef

    from baomi.carriers.models import HELD_STATUSES, Carrier, Copy

    clearance = Q(level__lte=int(Clearance(reader.clearance).max_level))
    people = Carrier.need_to_know_people.through.objects.filter(carrier_id=OuterRef("pk"), user_id=reader.pk)
    units = Carrier.need_to_know_units.through.objects.filter(
        carrier_id=OuterRef("pk"), unit_id__in=_own_unit_chain(reader))
    holding = Copy.objects.filter(carrier_id=OuterRef("pk"), custodian_id=reader.pk, status__in=HELD_STATUSES)
    inside = Q(Exists(people)) | Q(Exists(units)) | Q(Exists(holding))
    kept = _keeper_units(reader)
    if kept is None:
        return clearance
    if kept:
        inside |= Q(unit_id__in=kept)
    return clearance & inside


def copies_visible_to(reader: User) -> Q:
    """Copies of the carriers the reader may see."""
    if not reader.is_active or reader.admin_role:
        return Q(pk__in=[])
    from baomi.carriers.models import Carrier

    clearance = Q(level__lte=int(Clearance(reader.clearance).max_level))
    return clearance & Q(carrier_id__in=Carrier.objects.filter(carriers_visible_to(reader)).values("pk"))


def destructions_visible_to(reader: User) -> Q:
    """Destruction lists: the keepers within their clearance, and the two named witnesses."""
    if not reader.is_active or reader.admin_role:
        return Q(pk__in=[])
    mine = Q(witness_1_id=reader.pk) | Q(witness_2_id=reader.pk) | Q(created_by_id=reader.pk)
    if is_carrier_keeper(reader):
        mine |= Q(level__lte=int(Clearance(reader.clearance).max_level))
    return mine


# ---------------------------------------------------------------- review (保密审查)


def content_checks_visible_to(reader: User) -> Q:
    """One's own content checks; the 保密员 sees all (snippets are masked); administrators none."""
    if not reader.is_active or reader.admin_role:
        return Q(pk__in=[])
    if "secrecy_officer" in business_roles(reader):
        return Q()
    return Q(actor_id=reader.pk)


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
    if not user.admin_role:
        # The business registers, each showing what the person's clearance and need-to-know
        # allow; administrators read no classified content.
        items += [(_("定密"), "classification:decisions"), (_("涉密载体"), "carriers:list"),
                  (_("保密审查"), "review:index")]
    if may(user, Perm.DESIGNATE_AUTHORITY):
        items.append((_("定密责任人"), "classification:authorities"))
    if may(user, Perm.READ_AUDIT):
        items.append((_("审计日志"), "audit:events"))
    items.append((_("个人设置"), "accounts:profile"))
    return items
