"""三员分立 as a table: every actor × every account action, exactly who may.

Each refusal raises `Refused`, changes nothing and leaves a `denied` audit event naming the
actor and the action; each success leaves an `ok` event in the same transaction.

The cast (`world`) is built once for the module and every test sees it: tests that need a
database without it are in tests/accounts/test_bootstrap.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from baomi import policy
from baomi.accounts import services
from baomi.accounts.models import AdminRole, Role, RoleAssignment, Unit, User
from baomi.audit import selectors as audit_selectors
from baomi.audit.models import AuditEvent, Outcome
from baomi.errors import Refused
from baomi.levels import Clearance, Level
from tests.accounts.conftest import event_count, last_event, snapshot
from tests.conftest import shared_data
from tests.factories import PASSWORD, make_admin, make_eligible, make_person, make_unit

Perm = policy.Perm


@dataclass
class World:
    actors: dict[str, User]
    target: User
    unit: Unit
    empty_unit: Unit
    assignment: RoleAssignment


@pytest.fixture(scope="module")
def _world_keys(django_db_setup, django_db_blocker) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The cast, built once for this module (inside a transaction rolled back at its end; each
    test runs in a savepoint, see tests.conftest.shared_data): only primary keys leave here."""
    with shared_data(django_db_blocker):
        unit = make_unit("规划科", "planning")
        empty_unit = make_unit("财务科", "finance")
        target = make_person("sunwei", unit=unit, clearance="GENERAL", full_name="孙伟")
        make_eligible(target)  # vetted and committed: the personnel gate lets the security administrator raise him
        assignment = target.role_assignments.create(role=Role.STAFF, unit=unit)
        AccessAttempt.objects.create(username=target.username, ip_address="127.0.0.1", user_agent="t",
                                     http_accept="", path_info="/accounts/login/", get_data="", post_data="",
                                     failures_since_start=5)
        disabled = make_person("zhengli", unit=unit, roles=[("secrecy_officer", None)])
        User.objects.filter(pk=disabled.pk).update(is_active=False)
        actors = {
            "system": make_admin("system", "qianyong"),
            "security": make_admin("security", "fengxue"),
            "auditor": make_admin("auditor", "heping"),
            "secrecy_officer": make_person("zhaolei", unit=unit, roles=[("secrecy_officer", None)]),
            "approver": make_person("wutao", unit=unit, clearance="IMPORTANT", roles=[("approver", None)]),
            "staff": make_person("zhoujing", unit=unit, clearance="GENERAL", roles=[("staff", unit)]),
            "disabled": disabled,
        }
        yield {"actors": {name: person.pk for name, person in actors.items()}, "target": target.pk,
               "unit": unit.pk, "empty_unit": empty_unit.pk, "assignment": assignment.pk}


@pytest.fixture
def world(db, _world_keys) -> World:
    """Fresh instances for each test: a test may change its objects (and its savepoint undoes
    the rows, not the Python objects)."""
    keys = _world_keys
    return World({name: User.objects.get(pk=pk) for name, pk in keys["actors"].items()},
                 User.objects.get(pk=keys["target"]), Unit.objects.get(pk=keys["unit"]),
                 Unit.objects.get(pk=keys["empty_unit"]), RoleAssignment.objects.get(pk=keys["assignment"]))


def _read_audit(actor: User, w: World) -> Any:
    policy.require(actor, Perm.READ_AUDIT)
    return list(audit_selectors.events_visible_to(actor)[:10])


# name -> (audit action recorded, what the actor tries)
ACTIONS: dict[str, tuple[str, Callable[[User, World], Any]]] = {
    "unit.create": ("unit.create", lambda a, w: services.unit_create(actor=a, name="信息中心", code="it")),
    "unit.update": ("unit.update",
                    lambda a, w: services.unit_update(actor=a, unit=w.unit, name="规划处", parent=None)),
    "unit.disable": ("unit.disable",
                     lambda a, w: services.unit_set_active(actor=a, unit=w.empty_unit, active=False)),
    "person.create": ("account.create",
                      lambda a, w: services.person_create(actor=a, username="newbie", full_name="新人", unit=w.unit)),
    "person.update": ("account.update",
                      lambda a, w: services.person_update(actor=a, person=w.target, full_name="孙伟伟", unit=w.unit,
                                                          post="科长", staff_no="P-1")),
    "person.disable": ("account.disable",
                       lambda a, w: services.person_set_active(actor=a, person=w.target, active=False)),
    "person.unlock": ("account.unlock", lambda a, w: services.person_unlock(actor=a, person=w.target)),
    "person.reset_password": ("account.reset_password",
                              lambda a, w: services.person_reset_password(actor=a, person=w.target)),
    "clearance.set": ("clearance.set",
                      lambda a, w: services.person_set_clearance(actor=a, person=w.target,
                                                                 clearance=Clearance.IMPORTANT)),
    "role.grant": ("role.grant", lambda a, w: services.role_grant(actor=a, person=w.target, role=Role.APPROVER)),
    "role.revoke": ("role.revoke", lambda a, w: services.role_revoke(actor=a, assignment=w.assignment)),
    "audit.read": ("audit.read", _read_audit),
}

ALLOWED: dict[str, set[str]] = {
    "system": {"unit.create", "unit.update", "unit.disable", "person.create", "person.update", "person.disable",
               "person.unlock", "person.reset_password"},
    "security": {"clearance.set", "role.grant", "role.revoke", "audit.read"},
    "auditor": {"audit.read"},
    "secrecy_officer": set(),
    "approver": set(),
    "staff": set(),
    "disabled": set(),
}
ACTORS = list(ALLOWED)


def assert_denied(actor: User, action: str, before_events: int) -> AuditEvent:
    assert event_count() == before_events + 1, "a refusal must leave exactly one event"
    event = last_event()
    assert event.outcome == Outcome.DENIED
    assert event.action == action
    assert event.actor_id == actor.pk
    assert event.actor_username == actor.username
    assert event.summary  # the reason, for the auditor
    return event


def test_the_table_is_complete():
    assert set(ACTORS) == {"system", "security", "auditor", "secrecy_officer", "approver", "staff", "disabled"}
    for actor, allowed in ALLOWED.items():
        assert allowed <= set(ACTIONS), actor
    # No action is open to two administrators: the powers are disjoint except reading the log.
    admin_sets = [ALLOWED["system"], ALLOWED["security"], ALLOWED["auditor"] - {"audit.read"}]
    assert not (admin_sets[0] & admin_sets[1]) and not (admin_sets[0] & admin_sets[2])


@pytest.mark.parametrize("action_name", list(ACTIONS))
@pytest.mark.parametrize("actor_name", ACTORS)
def test_separation_of_duties(world: World, actor_name: str, action_name: str):
    actor = world.actors[actor_name]
    audit_action, attempt = ACTIONS[action_name]
    allowed = action_name in ALLOWED[actor_name]
    assert policy.may(actor, _perm_of(action_name)) is allowed

    before, events = snapshot(), event_count()
    if allowed:
        attempt(actor, world)
        if action_name == "audit.read":
            return  # a read changes nothing and is not itself an event
        event = last_event()
        assert event.outcome == Outcome.OK
        assert event.action == audit_action
        assert event.actor_id == actor.pk
        assert event_count() == events + 1
        assert snapshot() != before
    else:
        with pytest.raises(Refused) as caught:
            attempt(actor, world)
        assert caught.value.status == 403 and caught.value.message
        assert snapshot() == before, "a refused action must change nothing"
        if action_name == "audit.read":
            return  # reads are refused in views/API without a service: see test_refused_audit_read_is_recorded
        assert_denied(actor, audit_action, events)


def _perm_of(action_name: str) -> Perm:
    return {
        "unit": Perm.MANAGE_UNITS, "person": Perm.MANAGE_ACCOUNTS, "clearance": Perm.GRANT_CLEARANCE,
        "role": Perm.GRANT_ROLES, "audit": Perm.READ_AUDIT,
    }[action_name.split(".")[0]]


def test_refused_audit_read_is_recorded(world: World, client):
    from tests.conftest import login

    sysadmin = world.actors["system"]
    login(client, sysadmin)
    events = event_count()
    assert client.get("/audit/").status_code == 403
    assert_denied(sysadmin, "audit.read", events)


# ---------------------------------------------------------------- own account


@pytest.mark.parametrize("actor_name", ACTORS)
def test_nobody_sets_their_own_clearance_or_roles(world: World, actor_name: str):
    actor = world.actors[actor_name]
    before = snapshot()
    for action, attempt in [
        ("clearance.set", lambda: services.person_set_clearance(actor=actor, person=actor, clearance=Clearance.CORE)),
        ("role.grant", lambda: services.role_grant(actor=actor, person=actor, role=Role.APPROVER)),
    ]:
        events = event_count()
        with pytest.raises(Refused):
            attempt()
        assert_denied(actor, action, events)
    assert snapshot() == before


def test_security_admin_may_not_revoke_own_role_either(world: World):
    """Even were an administrator somehow to hold a role row, they could not remove it themselves."""
    security = world.actors["security"]
    mine = RoleAssignment.objects.create(user=security, role=Role.STAFF)  # bypassing services on purpose
    events = event_count()
    with pytest.raises(Refused):
        services.role_revoke(actor=security, assignment=mine)
    assert_denied(security, "role.revoke", events)
    assert RoleAssignment.objects.filter(pk=mine.pk).exists()


def test_system_admin_may_not_manage_own_account(world: World):
    system = world.actors["system"]
    before = snapshot()
    for action, attempt in [
        ("account.disable", lambda: services.person_set_active(actor=system, person=system, active=False)),
        ("account.reset_password", lambda: services.person_reset_password(actor=system, person=system)),
        ("account.update", lambda: services.person_update(actor=system, person=system, full_name="x", unit=None,
                                                          post="", staff_no=None)),
    ]:
        events = event_count()
        with pytest.raises(Refused):
            attempt()
        assert_denied(system, action, events)
    assert snapshot() == before


# ---------------------------------------------------------------- administrator accounts


ADMIN_ON_ADMIN: list[tuple[str, Callable[[User, User], Any]]] = [
    ("account.update", lambda a, t: services.person_update(actor=a, person=t, full_name="x", unit=None, post="",
                                                           staff_no=None)),
    ("account.disable", lambda a, t: services.person_set_active(actor=a, person=t, active=False)),
    ("account.unlock", lambda a, t: services.person_unlock(actor=a, person=t)),
    ("account.reset_password", lambda a, t: services.person_reset_password(actor=a, person=t)),
    ("clearance.set", lambda a, t: services.person_set_clearance(actor=a, person=t, clearance=Clearance.CORE)),
    ("role.grant", lambda a, t: services.role_grant(actor=a, person=t, role=Role.SECRECY_OFFICER)),
]


@pytest.mark.parametrize("target_role", ["system", "security", "auditor"])
@pytest.mark.parametrize("actor_role", ["system", "security"])
def test_no_administrator_account_is_managed_by_another_administrator(world: World, actor_role: str,
                                                                       target_role: str):
    """No admin gets business roles, and none can be reset, disabled or edited by another admin."""
    actor, victim = world.actors[actor_role], world.actors[target_role]
    before = snapshot()
    for action, attempt in ADMIN_ON_ADMIN:
        events = event_count()
        with pytest.raises(Refused):
            attempt(actor, victim)
        assert_denied(actor, action, events)
    assert snapshot() == before
    assert not victim.role_assignments.exists()


def test_refusal_reasons_are_specific(world: World):
    system, security = world.actors["system"], world.actors["security"]
    assert "三员分立" in policy.reason_refused(system, Perm.GRANT_CLEARANCE, world.target)
    assert "本人" in policy.reason_refused(security, Perm.GRANT_CLEARANCE, security)
    assert "createadmin" in policy.reason_refused(security, Perm.GRANT_ROLES, world.actors["auditor"])
    assert "停用" in policy.reason_refused(world.actors["disabled"], Perm.VIEW_PEOPLE)


def test_disabled_administrator_can_do_nothing(world: World):
    system = world.actors["system"]
    User.objects.filter(pk=system.pk).update(is_active=False)
    system.refresh_from_db()
    events = event_count()
    with pytest.raises(Refused):
        services.unit_create(actor=system, name="信息中心", code="it")
    assert_denied(system, "unit.create", events)
    assert not Unit.objects.filter(code="it").exists()
    assert not policy.may(system, Perm.VIEW_PEOPLE)


def test_anonymous_may_nothing(db):
    for perm in Perm:
        assert not policy.may(None, perm)
        assert not policy.may(AnonymousUser(), perm)  # type: ignore[arg-type]


# ---------------------------------------------------------------- bootstrap


def test_bootstrap_refuses_a_second_admin_role(world: World):
    system = world.actors["system"]
    for other in (AdminRole.SECURITY, AdminRole.AUDITOR):
        events = event_count()
        with pytest.raises(Refused, match="三员分立"):
            services.admin_bootstrap(role=other, username=system.username, full_name="钱勇", password=PASSWORD)
        event = last_event()
        assert event_count() == events + 1
        assert (event.action, event.outcome, event.actor_username) == ("admin.bootstrap", Outcome.DENIED, "cli")
    system.refresh_from_db()
    assert system.admin_role == AdminRole.SYSTEM


def test_bootstrap_refuses_a_person_with_business_roles(world: World):
    approver = world.actors["approver"]
    before, events = snapshot(), event_count()
    with pytest.raises(Refused, match="业务角色"):
        services.admin_bootstrap(role=AdminRole.AUDITOR, username=approver.username, full_name="",
                                 password=PASSWORD)
    assert snapshot() == before
    event = last_event()
    assert event_count() == events + 1
    assert (event.action, event.outcome, event.actor_username) == ("admin.bootstrap", Outcome.DENIED, "cli")


# ---------------------------------------------------------------- events share the change's transaction


def test_success_event_commits_or_rolls_back_with_the_change(world: World):
    system = world.actors["system"]
    events = event_count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.unit_create(actor=system, name="信息中心", code="it")
        assert last_event().action == "unit.create"
        raise RuntimeError("the caller's transaction fails")
    assert not Unit.objects.filter(code="it").exists()
    assert event_count() == events


def test_change_is_undone_when_its_event_cannot_be_written(world: World, monkeypatch):
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "record", broken)
    with pytest.raises(RuntimeError):
        services.unit_create(actor=world.actors["system"], name="信息中心", code="it")
    assert not Unit.objects.filter(code="it").exists()


# ---------------------------------------------------------------- other policy helpers


def test_people_viewing(world: World):
    a = world.actors
    # Every administrator may look people up (the auditor, to know whose events they read);
    # business users only with a role that routes work to colleagues.
    for name in ("system", "security", "auditor", "secrecy_officer", "approver"):
        assert policy.may(a[name], Perm.VIEW_PEOPLE), name
    for name in ("staff", "disabled"):
        assert not policy.may(a[name], Perm.VIEW_PEOPLE), name


def test_navigation_follows_powers(world: World):
    def names(user: User) -> set[str]:
        return {name for _label, name in policy.navigation_for(user)}

    a = world.actors
    base = {"core:home", "accounts:profile"}
    assert names(a["system"]) == base | {"accounts:units", "accounts:people"}
    assert names(a["security"]) == base | {"accounts:people", "audit:events", "approvals:rules",
                                           "classification:authorities", "personnel:index",
                                           "compliance:index"}  # 制度落实: counts only (issue 7)
    assert names(a["auditor"]) == base | {"accounts:people", "audit:events"}
    # Everyone but the administrators has an inbox (我的待办) and the business registers, each
    # showing what the person's clearance and need-to-know allow; administrators read none.
    business = {"approvals:inbox", "classification:decisions", "carriers:list", "review:index"}
    business |= {"travel:index"}  # 出国境: everyone with a business role or a clearance
    business |= {"training:index"}  # 培训考试: every business user
    business |= {"personnel:index"}  # 涉密人员: one's own record; the 保密办 and security admin the register
    business |= {"meetings:index"}  # 涉密会议: everyone with a business role (issue 7)
    # 档案 (archives:index): the keepers (保密员, 机要员), custodians and people with requests.
    # 载体盘点 (stocktake:list): the keepers (保密员, 机要员).
    assert names(a["secrecy_officer"]) == base | {"accounts:people"} | business | {"archives:index"} | {
        "stocktake:list"} | {"incidents:list"} | {  # 泄密事件: the 保密办
        "compliance:index"} | {  # 制度落实: the 保密办 (also 定密责任人 and the security administrator)
        "devices:list"} | {  # 设备与介质: the 保密办 (and custodians)
        "inspections:index"}  # 保密检查: the 保密办 (also inspectors, rectification owners, key-site people)
    assert names(a["staff"]) == base | business


def test_audit_visibility(world: World):
    a = world.actors
    services.unit_create(actor=a["system"], name="信息中心", code="it")  # an administrator's event
    services.token_create(actor=a["staff"], name="cli")  # an ordinary user's event
    everything = AuditEvent.objects.count()
    assert AuditEvent.objects.filter(policy.audit_events_visible_to(a["auditor"])).count() == everything
    seen_by_security = AuditEvent.objects.filter(policy.audit_events_visible_to(a["security"]))
    assert seen_by_security.filter(action="token.create").exists()
    assert not seen_by_security.exclude(actor_admin_role="").exists()
    for name in ("system", "staff", "secrecy_officer"):
        assert not AuditEvent.objects.filter(policy.audit_events_visible_to(a[name])).exists()
    User.objects.filter(pk=a["auditor"].pk).update(is_active=False)
    a["auditor"].refresh_from_db()
    assert not AuditEvent.objects.filter(policy.audit_events_visible_to(a["auditor"])).exists()


def test_role_labels_and_clearance_check(world: World):
    a = world.actors
    assert policy.role_labels(a["system"]) == ["system"]
    assert policy.role_labels(a["staff"]) == [f"staff@{world.unit.pk}"]
    assert policy.business_roles(a["approver"]) == {"approver"}
    assert policy.business_roles(a["security"]) == set()
    assert policy.may_know(a["approver"], Level.SECRET)  # 重要 → 机密
    assert not policy.may_know(a["approver"], Level.TOP_SECRET)
    assert not policy.may_know(a["disabled"], Level.INTERNAL)  # disabled: nothing at all
