"""The one place that decides "may this person do this to that".

Views, API handlers and services never compare roles or levels themselves: they ask
`may`/`require`, or filter with the `*_visible_to` queryset conditions here.

三员分立: each administrator role has a fixed, disjoint set of powers, none of which
includes reading classified content; no account holds two of them (one column), and
administrators hold no business roles.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

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
    # 保密办: courses, sessions, attendance, the question bank and exam papers (issue 6, training).
    MANAGE_TRAINING = "training.manage"
    # 保密办 (组织人事部门 of the seed): keeps passports centrally, follows up 重大事项报告 (issue 6, travel).
    KEEP_TRAVEL_DOCUMENTS = "travel.documents"
    FOLLOW_UP_REPORTS = "travel.reports"
    # 保密办: vetting, commitments, departures, 脱密期, annual reports (issue 6, personnel).
    MANAGE_PERSONNEL = "personnel.manage"
    # The register of classified people and posts (statuses, not report texts): 保密办 and the
    # security administrator, who grants clearance (issue 6, personnel).
    VIEW_PERSONNEL = "personnel.view"
    MANAGE_POSTS = "personnel.posts"
    # 保密办: records the written designation of the 人事档案专人 (ARCH-08, archives).
    DESIGNATE_ARCHIVE_CUSTODIAN = "archive.custodian"
    # 保密办: inspection plans, checklists, verification of rectifications, key sites, risks (issue 7, inspections).
    MANAGE_INSPECTIONS = "inspection.manage"
    # 制度落实 page: the figures per rule, counts only (issue 7, compliance).
    VIEW_COMPLIANCE = "compliance.view"
    # 保密办: registers devices and media, repairs, scrapping, scan reports (issue 7, devices).
    MANAGE_DEVICES = "device.manage"
    # 保密办: confirms, handles, judges and closes 泄密事件 (issue 7, incidents).
    MANAGE_INCIDENTS = "incident.manage"


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
    Perm.MANAGE_TRAINING: {"secrecy_officer"},
    Perm.KEEP_TRAVEL_DOCUMENTS: {"secrecy_officer"},
    Perm.FOLLOW_UP_REPORTS: {"secrecy_officer"},
    Perm.MANAGE_PERSONNEL: {"secrecy_officer"},
    Perm.VIEW_PERSONNEL: {"secrecy_officer"},
    Perm.MANAGE_POSTS: {"secrecy_officer"},
    Perm.DESIGNATE_ARCHIVE_CUSTODIAN: {"secrecy_officer"},
    Perm.MANAGE_INSPECTIONS: {"secrecy_officer"},
    Perm.VIEW_COMPLIANCE: {"secrecy_officer", "classification_authority"},
    Perm.MANAGE_DEVICES: {"secrecy_officer"},
    Perm.MANAGE_INCIDENTS: {"secrecy_officer"},
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


def _role_steps(person: User) -> Q:
    """Steps whose role and unit this person's own role assignments cover."""
    condition = Q(pk__in=[])
    for role, unit_id in person.role_assignments.values_list("role", "unit_id"):
        covered = _covered_units(unit_id)
        condition |= Q(approver_role=role) if covered is None else Q(approver_role=role, unit_id__in=covered)
    return condition


def active_delegations_to(person: User, on: Any = None) -> list[Any]:
    """The delegations `person` may act under today (or on `on`): inside their date window,
    not revoked, from an active colleague with no administrator role. Cached per instance."""
    from django.utils import timezone

    day = on or timezone.localdate()
    cache: dict[Any, list[Any]] = getattr(person, "_baomi_delegations", {})
    if day not in cache:
        from baomi.approvals.models import Delegation

        cache[day] = list(
            Delegation.objects.filter(
                delegate=person, revoked_at__isnull=True, starts_on__lte=day, ends_on__gte=day,
                delegator__is_active=True, delegator__admin_role="",
            ).select_related("delegator")
        )
        person._baomi_delegations = cache  # type: ignore[attr-defined]
    return cache[day]


def _delegated_steps(delegation: Any) -> Q:
    """What a delegation lends: the delegator's steps, never the delegator's own requests,
    limited to the chosen request types."""
    condition = _role_steps(delegation.delegator) & ~Q(request__requester_id=delegation.delegator_id)
    if delegation.request_types:
        condition &= Q(request__request_type__in=list(delegation.request_types))
    return condition


def _decider_steps(person: User) -> Q:
    """Steps the person's roles, or the delegations they act under, cover (clearance aside)."""
    if not person.is_active or person.admin_role:
        return Q(pk__in=[])
    condition = _role_steps(person)
    for delegation in active_delegations_to(person):
        condition |= _delegated_steps(delegation)
    return condition & ~Q(request__requester=person)


def approval_steps_decidable_by(person: User) -> Q:
    """Steps whose role and unit this person's role assignments cover (a role held for a unit
    covers the units below it; an organisation-wide role covers every unit), or that a
    colleague's current delegation lends them; never their own requests, never above their
    clearance."""
    if not person.is_active or person.admin_role:
        return Q(pk__in=[])
    clearance = Q(request__level__isnull=True) | Q(request__level__lte=int(Clearance(person.clearance).max_level))
    return _decider_steps(person) & clearance


def approval_step_delegator(person: User, step: Any) -> User | None:
    """The colleague whose delegated power `person` uses to decide `step`, or None when the
    person decides in their own right (or may not decide at all)."""
    from baomi.approvals.models import ApprovalStep

    steps = ApprovalStep.objects.filter(pk=step.pk)
    if steps.filter(_role_steps(person)).exists():
        return None
    for delegation in active_delegations_to(person):
        if steps.filter(_delegated_steps(delegation)).exists():
            return delegation.delegator  # type: ignore[no-any-return]
    return None


def reason_may_not_decide(person: User, step: Any) -> str | None:
    """None when `person` may decide `step` now (in their own right or under a current
    delegation), else the reason. The level check applies to whoever decides."""
    from baomi.approvals import registry
    from baomi.approvals.models import ApprovalStep, StepStatus

    if not person.is_active:
        return _("未登录或账户已停用")
    if step.request.requester_id == person.pk:
        return _("不能审批本人提出的申请")
    if step.status != StepStatus.PENDING:
        return _("该审批步骤当前不在待审批状态")
    if not ApprovalStep.objects.filter(_decider_steps(person), pk=step.pk).exists():
        return _("您不是此审批步骤的审批人")
    level = step.request.level
    if level is not None and not may_know(person, Level(level)):
        return _("您的涉密类别不能知悉%(level)s级事项，不能审批") % {"level": Level(level).zh}
    extra = registry.get(step.request.request_type).may_decide
    return extra(step.request, person) if extra else None


def reason_may_not_delegate(delegator: User, delegate: User) -> str | None:
    """Only people with business roles lend approval power, to an active colleague without an
    administrator role (三员分立: administrators hold no business roles)."""
    if not delegator.is_active or delegator.admin_role:
        return _("三员分立：管理员不持有审批权，不能委托")
    if not delegator.role_assignments.exists():
        return _("您没有审批角色，无可委托的审批权")
    if delegate.pk == delegator.pk:
        return _("不能委托给本人")
    if not delegate.is_active or delegate.admin_role:
        return _("受托人须为在岗的业务人员，不能是管理员")
    return None


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
    if cached is None and person.unit_id is not None:
        # Only this unit's ancestors, not the whole tree as _unit_chain reads (every list page asks).
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("WITH RECURSIVE up(id, parent_id) AS (SELECT id, parent_id FROM accounts_unit "
                           "WHERE id = %s UNION SELECT u.id, u.parent_id FROM accounts_unit u JOIN up "
                           "ON u.id = up.parent_id) SELECT id FROM up", [person.unit_id])
            cached = [row[0] for row in cursor.fetchall()]
        person._baomi_unit_chain = cached  # type: ignore[attr-defined]
    elif cached is None:
        cached = []
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


class CarrierReach(NamedTuple):
    """`carriers_visible_to` for a reader who keeps no register, spelled out: carriers of a
    level up to `max_level` whose need-to-know names one of `units` or `person_id`, or of
    which `person_id` holds a copy in one of `held_statuses`."""

    max_level: int
    units: tuple[int, ...]
    person_id: int
    held_statuses: tuple[str, ...]


def _load_roles_and_unit_chain(person: User) -> None:
    """Fill the request caches of `role_labels` and `_own_unit_chain` with one query instead
    of two (the carrier list asks both on every page, for every reader)."""
    from django.db import connection

    from baomi.accounts.models import RoleAssignment, Unit

    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE up(id, parent_id) AS (SELECT id, parent_id FROM {Unit._meta.db_table} WHERE id = %s "
            f"UNION SELECT u.id, u.parent_id FROM {Unit._meta.db_table} u JOIN up ON u.id = up.parent_id) "
            f"SELECT role, unit_id FROM {RoleAssignment._meta.db_table} WHERE user_id = %s "
            "UNION ALL SELECT NULL, id FROM up", [person.unit_id, person.pk])
        rows = cursor.fetchall()
    labels = [f"{role}@{unit_id}" if unit_id else role for role, unit_id in rows if role is not None]
    person._baomi_roles = ([person.admin_role] if person.admin_role else []) + sorted(labels)  # type: ignore[attr-defined]
    person._baomi_unit_chain = [unit_id for role, unit_id in rows if role is None]  # type: ignore[attr-defined]


def carrier_reach(reader: User) -> CarrierReach | None:
    """The reach of an ordinary reader, for the list's index walk (selectors.VisibleCarriers);
    None for keepers and the administrators, whose lists use `carriers_visible_to` as it is.
    Must say exactly what `carriers_visible_to` says (tests/carriers/test_access_walk.py)."""
    if not reader.is_active or reader.admin_role:
        return None
    if getattr(reader, "_baomi_roles", None) is None and getattr(reader, "_baomi_unit_chain", None) is None:
        _load_roles_and_unit_chain(reader)
    if _keeper_units(reader) != set():
        return None
    from baomi.carriers.models import HELD_STATUSES

    return CarrierReach(int(Clearance(reader.clearance).max_level), tuple(_own_unit_chain(reader)), reader.pk,
                        tuple(str(status) for status in HELD_STATUSES))


def copies_visible_to(reader: User) -> Q:
    """Copies of the carriers the reader may see."""
    if not reader.is_active or reader.admin_role:
        return Q(pk__in=[])
    from baomi.carriers.models import Carrier

    clearance = Q(level__lte=int(Clearance(reader.clearance).max_level))
    return clearance & Q(carrier_id__in=Carrier.objects.filter(carriers_visible_to(reader)).values("pk"))


def own_copies_visible_to(reader: User) -> Q:
    """`copies_visible_to` narrowed to the copies the reader holds (custodian, in a held
    status), spelled out without the carrier subquery: holding a copy is itself a way into
    its carrier's need-to-know, so only the clearance remains to check, on the copy and on
    its carrier (tests/carriers/test_list_page.py proves both say the same)."""
    if not reader.is_active or reader.admin_role:
        return Q(pk__in=[])
    from baomi.carriers.models import HELD_STATUSES

    most = int(Clearance(reader.clearance).max_level)
    return Q(custodian_id=reader.pk, status__in=HELD_STATUSES, level__lte=most, carrier__level__lte=most)


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
    roles = business_roles(reader)
    if "secrecy_officer" in roles:
        return Q()
    if "editor" in roles:  # the 出版主编 reviews what was submitted for publication (EXT-09)
        return Q(actor_id=reader.pk) | ~Q(publication_status="")
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
    if not user.admin_role:  # training and exams: every business user (PERS-06..10)
        items.append((_("培训考试"), "training:index"))
    if uses_travel(user):
        items.append((_("出国境"), "travel:index"))
    if uses_archives(user):  # keepers, 人事档案专人, and people with 查档 requests or loans
        items.append((_("档案"), "archives:index"))
    if may(user, Perm.KEEP_CARRIERS):  # keepers count their shelves (载体盘点)
        items.append((_("载体盘点"), "stocktake:list"))
    if uses_meetings(user):  # 涉密会议: business roles and people on a meeting's list
        items.append((_("涉密会议"), "meetings:index"))
    if may(user, Perm.MANAGE_INCIDENTS):  # the secrecy office (reporters reach theirs from 我的待办)
        items.append((_("泄密事件"), "incidents:list"))
    if uses_inspections(user):  # secrecy office, inspectors, rectification owners, key-site people
        items.append((_("保密检查"), "inspections:index"))
    if may(user, Perm.READ_AUDIT):
        items.append((_("审计日志"), "audit:events"))
    if not user.admin_role or may(user, Perm.VIEW_PERSONNEL):
        items.append((_("涉密人员"), "personnel:index"))
    if uses_devices(user):  # the secrecy office and custodians (issue 7, devices)
        items.append((_("设备与介质"), "devices:list"))
    if may(user, Perm.VIEW_COMPLIANCE):  # 保密办, 定密责任人, security administrator (issue 7, compliance)
        items.append((_("制度落实"), "compliance:index"))
    items.append((_("个人设置"), "accounts:profile"))
    return items


# ---------------------------------------------------------------- travel (出国境与重大事项)

# PERS-18: the seed's 组织人事部门 holds the passports; here that is the 保密办's 保密员
# (secrecy_officer), who also follows up the 重大事项报告 (PERS-20/21).
TRAVEL_OFFICE_ROLES = ("secrecy_officer",)


def is_travel_office(person: User) -> bool:
    return person.is_active and not person.admin_role and bool(business_roles(person) & set(TRAVEL_OFFICE_ROLES))


def uses_travel(person: User) -> bool:
    """The 出国境 page: anyone with a business role or a clearance (a person in a 脱密期 whose
    clearance was lowered still reaches their own page through the link they are sent)."""
    return person.is_active and not person.admin_role and (bool(business_roles(person)) or person.clearance > 0)


def trips_visible_to(reader: User) -> Q:
    """Travel applications: one's own; the secrecy office sees all; administrators none."""
    if not reader.is_active or reader.admin_role:
        return Q(pk__in=[])
    if is_travel_office(reader):
        return Q()
    return Q(traveller_id=reader.pk)


def travel_documents_visible_to(reader: User) -> Q:
    """Passports and permits: the holder sees their own (number masked); custodians all."""
    if not reader.is_active or reader.admin_role:
        return Q(pk__in=[])
    if is_travel_office(reader):
        return Q()
    return Q(holder_id=reader.pk)


def shows_full_document_number(reader: User) -> bool:
    return is_travel_office(reader)


def major_reports_visible_to(reader: User) -> Q:
    """重大事项报告 are sensitive personal data: the reporter and the secrecy office only —
    not the unit leader, not colleagues, not the administrators."""
    if not reader.is_active or reader.admin_role:
        return Q(pk__in=[])
    if is_travel_office(reader):
        return Q()
    return Q(reporter_id=reader.pk)


def may_see_travel_profile(viewer: User, person: User) -> bool:
    """The person page's 出国境与重大事项 section: the person and the secrecy office."""
    return viewer.is_active and not viewer.admin_role and (viewer.pk == person.pk or is_travel_office(viewer))


def travel_needs_unit_head(person: User, in_separation_period: bool) -> str | None:
    """PERS-19 stricter route: 核心 people and people in a 脱密期 also need the unit head."""
    if in_separation_period:
        return _("脱密期内人员")
    if person.clearance >= int(Clearance.CORE):
        return _("核心涉密人员")
    return None


# ---------------------------------------------------------------- training (培训考试)


def is_training_office(person: User) -> bool:
    """The secrecy office runs training and exams (PERS-06..10); administrators never."""
    return may(person, Perm.MANAGE_TRAINING)


def training_records_visible_to(reader: User) -> Q:
    """Whose training hours and exam results a reader sees (a condition on people): the
    secrecy office everyone's (not the administrators'), anyone else only their own."""
    if not reader.is_active or reader.admin_role:
        return Q(pk__in=[])
    if is_training_office(reader):
        return Q(admin_role="")
    return Q(pk=reader.pk)


def may_see_training_of(viewer: User, person: User) -> bool:
    """The person page's 培训与考试 section: the person themself and the secrecy office."""
    if not viewer.is_active or viewer.admin_role or person.admin_role:
        return False
    return viewer.pk == person.pk or is_training_office(viewer)


def reason_may_take_exam(person: User, exam: Any) -> str | None:
    """Every cleared person takes exams; a person not yet cleared takes only the 上岗考核
    (the exam before appointment, PERS-06). Administrators hold no business roles."""
    if not person.is_active:
        return _("未登录或账户已停用")
    if person.admin_role:
        return _("三员分立：管理员不参加业务考试")
    if not exam.is_open:
        return _("该试卷未开放")
    if person.clearance < int(Clearance.GENERAL) and exam.purpose != "onboarding":
        return _("非涉密人员只能参加上岗考核")
    return None


# ---------------------------------------------------------------- personnel (涉密人员, issue 6)

# The security administrator grants clearance (GRANT_CLEARANCE) and assigns classified posts,
# so they also keep the post register and see the register's statuses (post, category, vetting
# and commitment status, departures): none of that is classified content. They never read
# annual-report texts, handover details or the other modules' personal sections.
_ADMIN_POWERS[SECURITY] = _ADMIN_POWERS[SECURITY] | {Perm.VIEW_PERSONNEL, Perm.MANAGE_POSTS}


def personnel_visible_to(reader: User) -> Q:
    """People whose personnel record the reader may open: 保密办 and the security administrator
    every non-administrator; anyone else only themselves."""
    if not reader.is_active:
        return Q(pk__in=[])
    if may(reader, Perm.VIEW_PERSONNEL):
        return Q(admin_role="")
    if reader.admin_role:
        return Q(pk__in=[])
    return Q(pk=reader.pk)


def reads_personal_reports(reader: User, person: User) -> bool:
    """Annual-report texts, handover contents and employment reports: the person and 保密办."""
    if not reader.is_active or reader.admin_role:
        return False
    return reader.pk == person.pk or may(reader, Perm.MANAGE_PERSONNEL)


# ---------------------------------------------------------------- archives (档案)

# ARCH-01: the archive is kept by the carrier keepers (机要员 of the 秘书股, 保密员): whoever
# may keep a carrier may catalogue, open readings and review excerpts of its archived copies.
# ARCH-08: personnel files and special-case materials are a separate domain: only their
# designated custodian (人事档案专人, `archives.Custodian`) keeps them or sees them listed.


def is_archive_custodian(person: User) -> bool:
    """An active, not revoked 人事档案专人 designation (ARCH-08)."""
    if not person.is_active or person.admin_role:
        return False
    from baomi.archives.models import Custodian

    return Custodian.objects.filter(person=person, revoked_at__isnull=True).exists()


def uses_archives(person: User) -> bool:
    """The 档案 page: keepers, designated custodians, and people with requests or loans."""
    if not person.is_active or person.admin_role:
        return False
    if is_carrier_keeper(person) or is_archive_custodian(person):
        return True
    from baomi.archives.models import AccessRequest, Loan

    return (AccessRequest.objects.filter(Q(requester=person) | Q(readers=person)).exists()
            or Loan.objects.filter(borrower=person).exists())


def reason_may_keep_archive(actor: User, entry: Any) -> str | None:
    """None when `actor` may handle this archive entry (catalogue, open readings, review
    excerpts, receive loans back): restricted entries only by their designated custodian
    (ARCH-08), the others by a keeper of the carrier's unit within their clearance (ARCH-01)."""
    if not actor.is_active or actor.admin_role:
        return _("三员分立：您的角色无权执行此操作")
    if entry.category in ("personnel", "special_case"):
        if entry.keeper_id != actor.pk or not is_archive_custodian(actor):
            return _("人事档案和专案材料由专人保管，其他人员不得经办")
        if not may_know(actor, Level(entry.level)):
            return _("您的涉密类别不能知悉%(level)s级载体") % {"level": Level(entry.level).zh}
        return None
    carrier = entry.carrier
    return reason_may_keep_carrier(actor, carrier.level, carrier.unit_id)


def reason_may_consult_archive(person: User, entry: Any) -> str | None:
    """None when `person` may read the archive entry (ARCH-02, SYS-02/03): level within
    clearance AND inside the carrier's need-to-know; restricted entries (ARCH-08) are not
    open to ordinary 查档 — outside inquiries are recorded by their custodian."""
    if entry.category in ("personnel", "special_case"):
        return _("人事档案和专案材料由专人保管，其外调查阅须由保管专人按有关规定办理")
    return reason_may_hold_carrier(person, entry.carrier)


def archive_entries_visible_to(reader: User) -> Q:
    """Archive entries the reader may see listed: ordinary entries whose carrier the reader
    may see; restricted ones (personnel, special cases) only by their custodian; all within
    the reader's clearance. The three administrators see none."""
    if not reader.is_active or reader.admin_role:
        return Q(pk__in=[])
    from baomi.carriers.models import Carrier

    clearance = Q(level__lte=int(Clearance(reader.clearance).max_level))
    ordinary = ~Q(category__in=["personnel", "special_case"]) & Q(
        carrier_id__in=Carrier.objects.filter(carriers_visible_to(reader)).values("pk"))
    restricted = Q(category__in=["personnel", "special_case"], keeper_id=reader.pk)
    return clearance & (ordinary | restricted)


# ---------------------------------------------------------------- vault (电子载体内容)


def content_files_visible_to(reader: User) -> Q:
    """Electronic content of the carriers the reader may see (level within clearance AND
    need-to-know, holding a copy, or keeping the register): the same answer as the carrier."""
    if not reader.is_active or reader.admin_role:
        return Q(pk__in=[])
    from baomi.carriers.models import Carrier

    clearance = Q(level__lte=int(Clearance(reader.clearance).max_level))
    return clearance & Q(carrier_id__in=Carrier.objects.filter(carriers_visible_to(reader)).values("pk"))


def reason_may_store_content(actor: User | None, carrier: Any, system_level: Level) -> str | None:
    """None when `actor` may upload content into `carrier`: a keeper of its register (CARRIER-03),
    an electronic carrier, and a level this installation is accredited to hold (系统密级)."""
    reason = reason_may_keep_carrier(actor, carrier.level, carrier.unit_id)
    if reason:
        return reason
    from baomi.carriers.models import CarrierKind

    if carrier.kind in (CarrierKind.PAPER, CarrierKind.NOTEBOOK):
        return _("纸质载体没有电子内容，不能上传文件")
    if Level(carrier.level) > system_level:
        return _("载体密级为%(level)s，高于本系统密级%(system)s：其电子内容不得存入本系统") % {
            "level": Level(carrier.level).zh, "system": system_level.zh}
    return None


def reason_content_written_down(mark_level: Level | None, carrier: Any) -> str | None:
    """No write-down: a file whose own mark is above its carrier's level is not stored in it."""
    if mark_level is not None and mark_level > Level(carrier.level):
        return _("文件标注为%(mark)s，高于载体密级%(level)s，不得存入该载体（不得降密存储）") % {
            "mark": mark_level.zh, "level": Level(carrier.level).zh}
    return None


# ---------------------------------------------------------------- stocktake (载体盘点)


def reason_may_stocktake(actor: User | None) -> str | None:
    """Stocktakes are the keepers' (机要员, 保密员; CARRIER-03): which copies each one counts
    is what they may see of the register."""
    reason = reason_refused(actor, Perm.KEEP_CARRIERS)
    if reason:
        return reason
    assert actor is not None
    if not is_carrier_keeper(actor):
        return _("只有机要员或保密员可以盘点涉密载体")
    return None


def stocktakes_visible_to(reader: User) -> Q:
    """Every keeper sees the stocktakes (place, who, when, counts of what they may see); their
    rows are filtered again by `copies_visible_to`. Nobody else sees any."""
    if reason_may_stocktake(reader) is not None:
        return Q(pk__in=[])
    return Q()


def is_secrecy_office(person: User) -> bool:
    """The 保密办 (保密员), reminded to have the shelves counted."""
    return person.is_active and not person.admin_role and "secrecy_officer" in business_roles(person)


# ---------------------------------------------------------------- incidents (泄密事件)


def is_incident_office(person: User) -> bool:
    """The 保密办 handles incidents (INC-01, INC-02); administrators never."""
    return person.is_active and not person.admin_role and may(person, Perm.MANAGE_INCIDENTS)


def incidents_visible_to(reader: User) -> Q:
    """The secrecy office sees every incident; a reporter their own report; a person the
    incidents with a penalty decided about them (INC-05); administrators none. Titles above the
    reader's clearance are masked by the selectors (`incident_title_for`)."""
    if not reader.is_active or reader.admin_role:
        return Q(pk__in=[])
    if is_incident_office(reader):
        return Q()
    return Q(reporter_id=reader.pk) | Q(penalties__person_id=reader.pk)


def may_report_incident(person: User) -> bool:
    """Anyone with a business role or a clearance reports (INC-04); administrators read nothing."""
    return person.is_active and not person.admin_role


def units_above(unit_id: int | None) -> list[int]:
    """The unit and the units above it, nearest first (ORG-05 责任制: who answers for a person)."""
    return _unit_chain(unit_id)


def may_see_incident_profile(viewer: User, person: User) -> bool:
    """The person page's 泄密事件与处分 section: the person and the secrecy office."""
    return viewer.is_active and not viewer.admin_role and (viewer.pk == person.pk or is_incident_office(viewer))


# ---------------------------------------------------------------- meetings (涉密会议)

# MEET-01..11: the organiser runs the meeting; the 保密办 (secrecy_officer) oversees every
# meeting within their clearance. Nobody sees a meeting above their clearance.


def uses_meetings(person: User) -> bool:
    """The 涉密会议 page: anyone with a business role, and anyone on a meeting's list."""
    if not person.is_active or person.admin_role:
        return False
    if business_roles(person):
        return True
    from baomi.meetings.models import Attendee

    return Attendee.objects.filter(person_id=person.pk).exists()


def meetings_visible_to(reader: User) -> Q:
    """Meetings the reader organises, keeps the materials of or attends; all for the 保密办;
    never above the reader's clearance."""
    if not reader.is_active or reader.admin_role:
        return Q(pk__in=[])
    clearance = Q(level__lte=int(Clearance(reader.clearance).max_level))
    if "secrecy_officer" in business_roles(reader):
        return clearance
    from baomi.meetings.models import Attendee

    attending = Attendee.objects.filter(person_id=reader.pk).values("meeting_id")
    return clearance & (Q(organiser_id=reader.pk) | Q(clerk_id=reader.pk) | Q(pk__in=attending))


def reason_may_run_meeting(actor: User, meeting: Any) -> str | None:
    """The organiser or the 保密办 plans, submits, starts, signs people in and closes."""
    if not actor.is_active or actor.admin_role:
        return _("三员分立：您的角色无权执行此操作")
    if not may_know(actor, Level(meeting.level)):
        return _("您的涉密类别不能知悉%(level)s级事项") % {"level": Level(meeting.level).zh}
    if meeting.organiser_id == actor.pk or "secrecy_officer" in business_roles(actor):
        return None
    return _("只有会议组织人或保密办可以办理")


# ---------------------------------------------------------------- devices (设备与介质, issue 7)


def uses_devices(person: User) -> bool:
    """The 保密办 keeps the register; custodians see what they answer for."""
    if not person.is_active or person.admin_role:
        return False
    if may(person, Perm.MANAGE_DEVICES):
        return True
    from baomi.devices.models import Device

    return Device.objects.filter(custodian_id=person.pk).exists()


def devices_visible_to(reader: User) -> Q:
    """The 保密办 sees the whole register; a custodian their own devices; administrators none."""
    if not reader.is_active or reader.admin_role:
        return Q(pk__in=[])
    if may(reader, Perm.MANAGE_DEVICES):
        return Q()
    return Q(custodian_id=reader.pk)


# ---------------------------------------------------------------- compliance (制度落实, issue 7)

# The 制度落实 page shows, per rule, counts computed through each module's selectors — never a
# title. The secrecy office and the 定密责任人 use it; so does the security administrator, who
# sees the catalogue, the mapping and the figures over non-classified registers (the personnel
# register's statuses), while every figure over a classified register is "not applicable" to
# them (三员: administrators read no classified content, not even as counts).
_ADMIN_POWERS[SECURITY] = _ADMIN_POWERS[SECURITY] | {Perm.VIEW_COMPLIANCE}


def sees_unit_dashboard(person: User) -> bool:
    """The unit-wide view on the home page (counts by level and status, overdue items) is the
    secrecy office's; it still counts only what the officer's selectors let them see, so a
    level above their clearance is not counted at all (DESIGN: not even in counts)."""
    return person.is_active and not person.admin_role and "secrecy_officer" in business_roles(person)


# ---------------------------------------------------------------- inspections (保密检查与整改)


def is_inspection_office(person: User) -> bool:
    return may(person, Perm.MANAGE_INSPECTIONS)


def uses_inspections(person: User) -> bool:
    """The 保密检查 page: the secrecy office, inspectors, rectification owners and people named
    for a key site."""
    if not person.is_active or person.admin_role:
        return False
    if is_inspection_office(person):
        return True
    from baomi.inspections.models import Inspection, KeySite, Rectification

    return (Inspection.objects.filter(inspector=person).exists()
            or Rectification.objects.filter(owner=person).exists()
            or KeySite.objects.filter(Q(responsible=person) | Q(allowed=person)).exists())


def inspections_visible_to(reader: User) -> Q:
    if not reader.is_active or reader.admin_role:
        return Q(pk__in=[])
    if is_inspection_office(reader):
        return Q()
    return Q(inspector_id=reader.pk)


def rectifications_visible_to(reader: User) -> Q:
    """The secrecy office all; an owner theirs; an inspector those of their inspections."""
    if not reader.is_active or reader.admin_role:
        return Q(pk__in=[])
    if is_inspection_office(reader):
        return Q()
    return Q(owner_id=reader.pk) | Q(finding__inspection__inspector_id=reader.pk)
