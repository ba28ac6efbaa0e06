"""Who sees which carrier, as one table: every clearance × every kind of need-to-know × every
role. A hidden carrier is absent from lists, counts and search, and "not found" in details
— through the selectors, the API and the pages — exactly like one that does not exist.

The expectation is stated independently of the code under test (`oracle`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from django.test import Client

from baomi.accounts.models import Unit, User
from baomi.carriers import selectors, services
from baomi.carriers.models import Carrier, StorageClass
from baomi.errors import NotFound
from baomi.levels import Clearance, Level
from tests.conftest import login
from tests.factories import make_admin, make_person, make_unit

LEVELS = [Level.INTERNAL, Level.WORK_SECRET, Level.CONFIDENTIAL, Level.SECRET, Level.TOP_SECRET]
MARKS = {Level.INTERNAL: "内部", Level.WORK_SECRET: "工作秘密", Level.CONFIDENTIAL: "秘密★10年",
         Level.SECRET: "机密★10年", Level.TOP_SECRET: "绝密★长期"}
# How a person stands to a carrier: not at all, named, a member of a named unit, a member of
# a unit below a named unit, or holding a copy after being dropped from the need-to-know.
MODES = ["none", "person", "unit", "parent_unit", "holder"]
ROLES = ["staff", "approver", "secretary", "officer", "unit_keeper"]
ADMINS = ["system", "security", "auditor"]


@dataclass
class Spec:
    level: Level
    unit: Unit  # the register that keeps it
    people: set[int] = field(default_factory=set)
    units: set[int] = field(default_factory=set)
    holders: set[int] = field(default_factory=set)


def chain(unit: Unit | None) -> set[int]:
    return {unit.pk, *(u.pk for u in unit.ancestors())} if unit else set()


def oracle(person: User, role: str, spec: Spec, clearance: Clearance) -> bool:
    """The rule, written out: administrators see nothing; a keeper sees their register within
    their clearance; everyone else needs the clearance AND a place in the need-to-know (or the copy)."""
    if role in ADMINS or spec.level > clearance.max_level:
        return False
    if role in ("secretary", "officer"):
        return True
    if role == "unit_keeper" and spec.unit.code == "planning":
        return True
    return person.pk in spec.people or bool(chain(person.unit) & spec.units) or person.pk in spec.holders


@pytest.fixture
def world(db):
    root = make_unit("示范委", "fgw")
    secretariat = make_unit("秘书股", "secretariat", parent=root)
    planning = make_unit("规划科", "planning", parent=root)
    keeper = make_person("wangfang", unit=secretariat, clearance="CORE", roles=[("confidential_secretary", None)])
    people: dict[str, tuple[User, str]] = {}
    specs: dict[int, Spec] = {}
    role_grants = {
        "staff": [("staff", None)], "approver": [("approver", None)], "secretary": [("confidential_secretary", None)],
        "officer": [("secrecy_officer", None)], "unit_keeper": [("confidential_secretary", planning)],
    }
    for role in ROLES:
        for mode in MODES:
            dept = make_unit(f"处{role}{mode}", f"d-{role}-{mode}", parent=root)
            own = make_unit(f"科{role}{mode}", f"u-{role}-{mode}", parent=dept)
            person = make_person(f"{role}-{mode}", unit=own, clearance="CORE", roles=role_grants[role])
            people[person.username] = (person, role)
            for n, level in enumerate(LEVELS):
                register_unit = planning if n % 2 else secretariat
                spec = Spec(level, register_unit)
                named: list[User] = []
                units: list[Unit] = []
                if mode in ("person", "holder"):
                    named = [person]
                elif mode == "unit" and level < Level.TOP_SECRET:
                    units = [own]
                elif mode == "parent_unit" and level < Level.TOP_SECRET:
                    units = [dept]
                carrier = services.carrier_register(
                    actor=keeper, direction="incoming", title=f"标题-{role}-{mode}-{level.name}", mark=MARKS[level],
                    copies=1, storage=StorageClass.SAFE, source_unit="省委办公厅", need_to_know_people=named,
                    need_to_know_units=units, unit=register_unit)
                spec.people, spec.units = {p.pk for p in named}, {u.pk for u in units}
                if mode == "holder":
                    services.copy_circulate(actor=keeper, copy=carrier.copies.get(), reader=person)
                    carrier.need_to_know_people.remove(person)  # dropped from the list while holding a copy
                    spec.people, spec.holders = set(), {person.pk}
                specs[carrier.pk] = spec
    for role in ADMINS:
        people[role] = (make_admin(role, f"admin-{role}"), role)
    return people, specs


def api_get(client: Client, path: str) -> tuple[int, dict]:
    response = client.get(f"/api/v1{path}")
    return response.status_code, json.loads(response.content)


def test_visibility_table(world):
    people, specs = world
    missing_id = max(specs) + 1000
    titles = {pk: Carrier.objects.get(pk=pk).title for pk in specs}
    checked = 0
    for username, (person, role) in people.items():
        for clearance in Clearance:
            User.objects.filter(pk=person.pk).update(clearance=int(clearance))
            reader = User.objects.select_related("unit").get(pk=person.pk)
            expected = {pk for pk, spec in specs.items() if oracle(reader, role, spec, clearance)}
            where = f"{username} {clearance.name}"

            # selectors: list, count, search, detail, copies
            visible = selectors.carriers_visible_to(reader)
            assert set(visible.values_list("pk", flat=True)) == expected, where
            assert visible.count() == len(expected), where
            assert set(selectors.copies_visible_to(reader).values_list("carrier_id", flat=True)) == expected, where
            own = [pk for pk in specs if titles[pk].startswith(f"标题-{username}-")] or list(specs)[:5]
            for pk in own + list(specs)[::25]:
                if pk in expected:
                    assert selectors.carrier_for(reader, pk).pk == pk
                else:
                    with pytest.raises(NotFound):
                        selectors.carrier_for(reader, pk)
            for pk in own:  # search by the exact title: found only if visible
                found = set(selectors.carriers_visible_to(reader, search=titles[pk]).values_list("pk", flat=True))
                assert found == ({pk} & expected), where

            if clearance not in (Clearance.GENERAL, Clearance.CORE):
                continue  # the edges at two clearances: one hides the higher levels, one shows them
            # API and pages, as this person
            client = login(Client(), reader)
            status, page = api_get(client, "/carriers?limit=500")
            assert status == 200 and page["count"] == len(expected), where
            assert {item["id"] for item in page["items"]} == expected, where
            status, absent = api_get(client, f"/carriers/{missing_id}")
            assert status == 404
            for pk in own:
                status, body = api_get(client, f"/carriers/{pk}")
                assert status == (200 if pk in expected else 404), where
                if pk not in expected:
                    assert body == absent  # hidden = does not exist
            shown = [pk for pk in own if pk in expected][:1]
            hidden = [pk for pk in own if pk not in expected][:1]
            for pk in shown + hidden:
                html = client.get(f"/carriers/{pk}/")
                assert html.status_code == (200 if pk in expected else 404), where
            prefix = titles[own[0]].rsplit("-", 1)[0] + "-"
            listing = client.get("/carriers/", {"q": prefix}).content.decode()
            for pk in own:
                assert (titles[pk] in listing) == (pk in expected), where
            counted = client.get("/carriers/count/", {"q": prefix}).content.decode()
            assert counted == str(sum(1 for pk in own if pk in expected)), where
            checked += 1
    assert checked == (len(ROLES) * len(MODES) + len(ADMINS)) * 2
