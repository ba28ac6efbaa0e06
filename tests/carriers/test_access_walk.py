"""The carrier list's index walk (`selectors.VisibleCarriers` over `CarrierAccess`) gives
exactly the rows of the policy's query (`policy.carriers_visible_to`), page by page, for every
reader of the visibility table, and stays exact when need-to-know, level, registration date
or holdings change — whichever code changes them (the rows are kept by database triggers)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from baomi import policy
from baomi.accounts.models import User
from baomi.carriers import selectors, services
from baomi.carriers.models import Carrier, CarrierAccess
from baomi.levels import Clearance
from tests.carriers.conftest import register
from tests.carriers.test_visibility import oracle, world  # noqa: F401  (the table's fixture)
from tests.factories import make_person, make_unit


def expected(reader: User) -> list[int]:
    """The policy's own answer, by the ordinary query (iteration never takes the walk)."""
    return list(Carrier.objects.filter(policy.carriers_visible_to(reader))
                .order_by("-registered_on", "-id").values_list("pk", flat=True))


def walked(reader: User, size: int) -> list[int]:
    """Every page of the list, as the list view takes them: slices of the selector's ids."""
    ids: list[int] = []
    start = 0
    while True:
        qs = selectors.carriers_visible_to(reader).values_list("pk", flat=True)
        page = qs[start:start + size + 1]
        assert isinstance(page, list), "the page was not read by the walk"
        ids += page[:size]
        if len(page) <= size:
            return ids
        start += size


def assert_same(reader: User) -> None:
    truth = expected(reader)
    for size in (1, 2, 3, 5, 50):
        assert walked(reader, size) == truth, (reader.username, size)


def test_walk_matches_the_visibility_table(world):  # noqa: F811
    people, specs = world
    # Registration dates spread and tied, so that the order's tie-break (id) is exercised.
    for n, pk in enumerate(sorted(specs)):
        Carrier.objects.filter(pk=pk).update(registered_on=datetime.date(2026, 1, 1) + datetime.timedelta(days=n % 4))
    readers = 0
    for person, role in people.values():
        person = User.objects.get(pk=person.pk)
        reach = policy.carrier_reach(person)
        if role in ("staff", "approver"):
            assert reach is not None
            readers += 1
            assert_same(person)
            seen = set(walked(person, 3))
            assert seen == {pk for pk, spec in specs.items() if oracle(person, role, spec, Clearance.CORE)}
        else:  # keepers and administrators keep the ordinary query
            assert reach is None
            assert not isinstance(selectors.carriers_visible_to(person), selectors.VisibleCarriers)
    assert readers == 10


@pytest.fixture
def small(db):
    root = make_unit("示范委", "fgw")
    dept = make_unit("规划处", "plan", parent=root)
    section = make_unit("规划科", "plan-1", parent=dept)
    other = make_unit("财务科", "fin", parent=root)
    keeper = make_person("keeper", unit=root, clearance="CORE", roles=[("confidential_secretary", None)])
    reader = make_person("reader", unit=section, clearance="IMPORTANT")
    return root, dept, section, other, keeper, reader


def test_walk_follows_changes(small):
    root, dept, section, other, keeper, reader = small
    a = register(keeper, mark="秘密★5年", units=[section], copies=1)
    b = register(keeper, mark="机密★10年", units=[other], copies=1)
    c = register(keeper, mark="秘密★5年", people=[reader], copies=1)
    d = register(keeper, mark="绝密★长期", people=[keeper], copies=1)
    d.need_to_know_people.add(reader)  # named, but above 重要's clearance
    e = register(keeper, mark="秘密★5年", units=[dept], copies=1)
    assert set(expected(reader)) == {a.pk, c.pk, e.pk}
    assert_same(reader)

    b.need_to_know_units.add(root)  # via the unit above the reader's (the approval is not the point here)
    assert b.pk in expected(reader)
    assert_same(reader)
    services.carrier_need_to_know_remove(actor=keeper, carrier=b, people=[], units=[root])
    assert b.pk not in expected(reader)
    assert_same(reader)

    Carrier.need_to_know_units.through.objects.filter(carrier=e).delete()  # behind the services' back
    Carrier.need_to_know_people.through.objects.create(carrier=b, user=reader)
    assert set(expected(reader)) == {a.pk, b.pk, c.pk}
    assert_same(reader)

    Carrier.objects.filter(pk=a.pk).update(level=5)  # raised above the reader's clearance
    Carrier.objects.filter(pk=d.pk).update(level=3)  # lowered within it
    Carrier.objects.filter(pk=c.pk).update(registered_on=datetime.date(2020, 1, 1))
    assert expected(reader)[-1] == c.pk and d.pk in expected(reader) and a.pk not in expected(reader)
    assert_same(reader)
    assert CarrierAccess.objects.get(carrier=a, unit=section).level == 5

    Carrier.need_to_know_people.through.objects.filter(carrier=c, user=reader).update(user=keeper)
    assert c.pk not in expected(reader)
    assert_same(reader)


def test_holding_a_copy_outside_the_need_to_know(small):
    _root, _dept, _section, _other, keeper, reader = small
    held = register(keeper, mark="秘密★5年", people=[reader], copies=1)
    services.copy_circulate(actor=keeper, copy=held.copies.get(), reader=reader)
    held.need_to_know_people.remove(reader)
    assert not CarrierAccess.objects.filter(carrier=held).exists()
    assert expected(reader) == [held.pk]
    assert_same(reader)


def test_other_uses_keep_the_policy_query(small):
    _root, _dept, section, other, keeper, reader = small
    a = register(keeper, mark="秘密★5年", units=[section], copies=1, direction="incoming")
    register(keeper, mark="秘密★5年", units=[other], copies=1)
    qs = selectors.carriers_visible_to(reader)
    assert qs.walkable()  # type: ignore[attr-defined]
    narrowed = qs.filter(direction="made")
    assert not narrowed.walkable()  # type: ignore[attr-defined]
    assert list(narrowed.values_list("pk", flat=True)[:10]) == []
    assert not qs.order_by("id").walkable()  # type: ignore[attr-defined]
    assert qs.count() == 1 and qs.exists()
    page = qs[0:5]
    assert [carrier.pk for carrier in page] == [a.pk] and page[0].unit_id == a.unit_id
    assert qs.first() == a
    assert selectors.carriers_visible_to(reader, level=3).filter(pk=a.pk).exists()
    # The policy's condition is added when the query is looked at, on every clone.
    ids = selectors.carriers_visible_to(reader).values_list("pk", flat=True)
    assert "EXISTS" in str(ids.query).upper() and list(ids) == [a.pk]
    assert list(Carrier.objects.filter(pk__in=selectors.carriers_visible_to(reader).values("pk"))) == [a]


def test_backfill_matches_the_need_to_know_tables(small):
    _root, dept, section, _other, keeper, reader = small
    register(keeper, mark="秘密★5年", units=[section, dept], people=[reader], copies=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM carriers_carrier_need_to_know_units")
        units = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM carriers_carrier_need_to_know_people")
        people = cursor.fetchone()[0]
    assert CarrierAccess.objects.filter(unit__isnull=False).count() == units == 2
    assert CarrierAccess.objects.filter(person__isnull=False).count() == people == 1


def test_reach_reads_roles_and_units_as_the_policy_does(world):  # noqa: F811
    people, _specs = world
    for person, _role in people.values():
        once = User.objects.get(pk=person.pk)
        policy._load_roles_and_unit_chain(once)
        apart = User.objects.get(pk=person.pk)
        assert once._baomi_roles == policy.role_labels(apart)  # type: ignore[attr-defined]
        assert sorted(once._baomi_unit_chain) == sorted(policy._unit_chain(apart.unit_id))  # type: ignore[attr-defined]
    nowhere = make_person("nowhere", unit=None, clearance="CORE")
    reach = policy.carrier_reach(User.objects.get(pk=nowhere.pk))
    assert reach is not None and reach.units == () and reach.max_level == int(Clearance.CORE.max_level)
