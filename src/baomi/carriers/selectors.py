"""Reads of carriers, copies, ledgers, destruction lists and reminders, filtered in SQL by
what the reader may see (`policy.carriers_visible_to`). A carrier the reader may not see is
absent from every list and count and "not found" in every detail."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.db import connections
from django.db.models import Count, Q, QuerySet
from django.db.models.query import FlatValuesListIterable, ModelIterable
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import policy
from baomi.accounts.models import User
from baomi.carriers.models import (
    HELD_STATUSES,
    ISSUE_KINDS,
    OUT_STATUSES,
    SHELVED_STATUSES,
    Carrier,
    Copy,
    DestructionList,
    Direction,
    Movement,
    MovementKind,
    Notice,
    PrintJob,
    WasteBatch,
)
from baomi.classification.models import Decision
from baomi.errors import NotFound
from baomi.levels import Clearance


def _not_found() -> NotFound:
    return NotFound(_("对象不存在"))


def _walk_sql(reach: policy.CarrierReach, limit: int, offset: int) -> tuple[str, list[int | str]]:
    """The ids of the page [offset, offset + limit) of the carriers within `reach`, newest
    registration first: one index walk per way in (each unit of the reader's chain, the reader
    named, the copies they hold), each stopped after offset + limit rows, merged and
    de-duplicated. On PostgreSQL a Merge Append of index-only scans: it reads about
    (offset + limit) x (number of ways) index entries whatever the reader may see in all."""
    order = "ORDER BY registered_on DESC, carrier_id DESC"
    ways: list[str] = []
    params: list[int | str] = []
    access = "SELECT registered_on, carrier_id FROM carriers_carrieraccess WHERE {} = %s AND level <= %s"
    for column, key in [*(("unit_id", unit) for unit in reach.units), ("person_id", reach.person_id)]:
        ways.append(f"SELECT * FROM ({access.format(column)} {order} LIMIT %s) w{len(ways)}")
        params += [key, reach.max_level, offset + limit]
    statuses = ", ".join(["%s"] * len(reach.held_statuses))
    ways.append(
        "SELECT * FROM (SELECT c.registered_on, c.id AS carrier_id FROM carriers_carrier c "
        f"WHERE c.level <= %s AND c.id IN (SELECT h.carrier_id FROM carriers_copy h WHERE h.custodian_id = %s "
        f"AND h.status IN ({statuses})) ORDER BY c.registered_on DESC, c.id DESC LIMIT %s) w{len(ways)}")
    params += [reach.max_level, reach.person_id, *reach.held_statuses, offset + limit]
    sql = (f"SELECT DISTINCT registered_on, carrier_id FROM ({' UNION ALL '.join(ways)}) ways "
           f"{order} LIMIT %s OFFSET %s")
    return sql, [*params, limit, offset]


class VisibleCarriers(QuerySet[Carrier]):
    """The carriers a reader may see (`policy.carriers_visible_to`), newest first. For an
    ordinary reader a page sliced from it as it comes from `carriers_visible_to` (ids by
    `values_list("pk", flat=True)`, or carriers) is read by walking `CarrierAccess` in
    registration order (`_walk_sql`) instead of filtering the whole register; any other use
    (a further filter, another order, count, exists, iteration) runs the ordinary query with
    the policy's condition, which is added to the query the first time the query is looked
    at (building it costs more than the walk). Both give the same rows
    (tests/carriers/test_access_walk.py)."""

    _reach: policy.CarrierReach | None = None
    _shape: tuple[object, ...] | None = None
    _pending_reader: User | None = None  # whose policy condition is still to be added
    _query: Any  # Django's attribute behind `query`

    @property
    def query(self):  # type: ignore[no-untyped-def,override]
        if self._pending_reader is not None:
            reader, self._pending_reader = self._pending_reader, None
            self._query.add_q(policy.carriers_visible_to(reader))
        return QuerySet.query.fget(self)  # type: ignore[attr-defined]

    @query.setter
    def query(self, value):  # type: ignore[no-untyped-def]
        QuerySet.query.fset(self, value)  # type: ignore[attr-defined]

    def _clone(self) -> VisibleCarriers:
        # The clone inherits the pending condition instead of having it applied here.
        pending, self._pending_reader = self._pending_reader, None
        try:
            clone: VisibleCarriers = super()._clone()  # type: ignore[misc]
        finally:
            self._pending_reader = pending
        clone._pending_reader, clone._reach, clone._shape = pending, self._reach, self._shape
        return clone

    def values_list(self, *fields, flat=False, named=False):  # type: ignore[no-untyped-def]
        pending, self._pending_reader = self._pending_reader, None
        try:
            clone = super().values_list(*fields, flat=flat, named=named)
        finally:
            self._pending_reader = pending
        clone._pending_reader = pending  # type: ignore[attr-defined]
        return clone

    def _current_shape(self) -> tuple[object, ...]:
        query = self._query  # as built so far, without the pending condition
        return (len(query.where.children), tuple(query.order_by), query.distinct, tuple(query.annotations),
                query.combinator, tuple(query.extra), query.low_mark, query.high_mark, self.db)

    def walkable(self) -> bool:
        """True when a slice of this queryset may be read by the access walk: nothing was
        added to it but `values_list`, and the policy's condition was never needed."""
        return (self._reach is not None and self._pending_reader is not None and self._result_cache is None
                and self._current_shape() == self._shape)

    def __getitem__(self, k):  # type: ignore[no-untyped-def]
        if not (isinstance(k, slice) and k.step is None and k.stop is not None and self.walkable()):
            return super().__getitem__(k)
        start = k.start or 0
        if start < 0 or k.stop < 0:
            return super().__getitem__(k)
        fields = getattr(self, "_fields", None)  # what values_list() asked for
        flat_pk = self._iterable_class is FlatValuesListIterable and fields == ("pk",)
        if not flat_pk and (self._iterable_class is not ModelIterable or fields):
            return super().__getitem__(k)
        assert self._reach is not None
        limit = max(0, k.stop - start)
        if limit == 0:
            return []
        sql, params = _walk_sql(self._reach, limit, start)
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            ids = [row[1] for row in cursor.fetchall()]
        if flat_pk:
            return ids
        found = Carrier.objects.using(self.db).select_related("unit", "created_by").in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]


def carriers_visible_to(
    reader: User, *, search: str = "", level: int | None = None, direction: str = ""
) -> QuerySet[Carrier]:
    reach = policy.carrier_reach(reader)
    if reach is not None and not (search or level is not None or direction):
        listing = VisibleCarriers(model=Carrier).select_related("unit", "created_by").order_by("-registered_on", "-id")
        assert isinstance(listing, VisibleCarriers)
        listing._reach, listing._pending_reader = reach, reader
        listing._shape = listing._current_shape()
        return listing
    qs = Carrier.objects.filter(policy.carriers_visible_to(reader))
    if search:
        qs = qs.filter(Q(register_no__icontains=search) | Q(doc_number__icontains=search)
                       | Q(title__icontains=search))
    if level is not None:
        qs = qs.filter(level=level)
    if direction:
        qs = qs.filter(direction=direction)
    return qs.select_related("unit", "created_by").order_by("-registered_on", "-id")


def carrier_rows(ids: Iterable[int]) -> list[Carrier]:
    """The carriers of a page of ids (from a list query's `values_list("pk")`), in that order,
    with their copy counts. Picking the page as ids lets the database answer from the order
    index alone; the rows are then read for these few ids only."""
    order = list(ids)
    found = Carrier.objects.select_related("unit", "created_by").in_bulk(order)
    return with_copy_counts(found[pk] for pk in order if pk in found)


class ListRow(NamedTuple):
    """One line of the carrier list page."""

    pk: int
    register_no: str
    title: str
    doc_number: str
    marking: str
    direction: str
    registered_on: datetime.date
    copy_count: int


_LIST_ROWS_SQL = (
    "SELECT c.id, c.register_no, c.title, c.doc_number, c.marking, c.direction, c.registered_on, "
    "(SELECT COUNT(*) FROM carriers_copy h WHERE h.carrier_id = c.id) FROM carriers_carrier c WHERE c.id IN ({})"
)


def carrier_list_rows(ids: Iterable[int]) -> list[ListRow]:
    """The list page's cells for a page of ids (already filtered by `carriers_visible_to`), in
    that order, with copy counts: one query of plain values. Model instances of the carriers
    and their related rows cost the page more than the database does (benchmarks/http_load.py)."""
    order = list(ids)
    if not order:
        return []
    with connections[Carrier.objects.db].cursor() as cursor:
        cursor.execute(_LIST_ROWS_SQL.format(", ".join(["%s"] * len(order))), order)
        found = {row[0]: ListRow(*row) for row in cursor.fetchall()}
    return [found[pk] for pk in order if pk in found]


def with_copy_counts(carriers: Iterable[Carrier]) -> list[Carrier]:
    """Set `copy_count` on a page of carriers with one grouped query. (Annotating the list
    query instead makes the database count the copies of every visible carrier before it
    can pick the page.)"""
    page = list(carriers)
    counts = dict(Copy.objects.filter(carrier_id__in=[c.pk for c in page]).values("carrier_id")
                  .annotate(n=Count("id")).values_list("carrier_id", "n"))
    for carrier in page:
        carrier.copy_count = counts.get(carrier.pk, 0)  # type: ignore[attr-defined]
    return page


def carrier_for(reader: User, carrier_id: int) -> Carrier:
    """One carrier, or NotFound: the same answer for "absent" and "not yours to see"."""
    found = (Carrier.objects.filter(policy.carriers_visible_to(reader), pk=carrier_id)
             .select_related("unit", "created_by").prefetch_related("need_to_know_people", "need_to_know_units")
             .first())
    if found is None:
        raise _not_found()
    return found


def carrier_by_register_no(reader: User, register_no: str) -> Carrier:
    """A carrier named by its register number, or NotFound (also when hidden)."""
    found = Carrier.objects.filter(policy.carriers_visible_to(reader), register_no=register_no.strip()).first()
    if found is None:
        raise _not_found()
    return found


def decision_of(reader: User, carrier: Carrier) -> Decision | None:
    """The 定密 decision linked to this carrier (CLASS-02), or None when there is none or the
    reader may not see it. The caller has already checked the reader may see the carrier."""
    return (Decision.objects.filter(policy.decisions_visible_to(reader), carrier_type="carrier",
                                    carrier_id=str(carrier.pk)).order_by("pk").first())


def _copies(condition: Q) -> QuerySet[Copy]:
    return (Copy.objects.filter(condition)
            .select_related("carrier", "custodian", "custodian__unit").order_by("carrier_id", "serial"))


def copies_visible_to(reader: User) -> QuerySet[Copy]:
    return _copies(policy.copies_visible_to(reader))


def copies_of(reader: User, carrier: Carrier) -> QuerySet[Copy]:
    return copies_visible_to(reader).filter(carrier=carrier)


def copy_for(reader: User, copy_id: int) -> Copy:
    found = copies_visible_to(reader).select_related("origin").filter(pk=copy_id).first()
    if found is None:
        raise _not_found()
    return found


def ledger_of(reader: User, copy: Copy) -> QuerySet[Movement]:
    """A copy's chain of custody, oldest first (CARRIER-02)."""
    return (Movement.objects.filter(copy__in=copies_visible_to(reader).filter(pk=copy.pk))
            .select_related("actor", "from_person", "to_person", "approval").order_by("at", "id"))


def overdue_copies(reader: User, *, now: datetime.datetime | None = None) -> QuerySet[Copy]:
    """Copies out past their due time: for the keepers every one they may see (the dashboard's
    list), for anyone else their own."""
    # Anyone else's: the same copies as copies_visible_to(reader).filter(custodian=reader), far
    # cheaper to build.
    qs = _copies(policy.copies_visible_to(reader) if policy.is_carrier_keeper(reader)
                 else policy.own_copies_visible_to(reader))
    return qs.filter(status__in=OUT_STATUSES, due_at__lt=now or timezone.now()).order_by("due_at", "pk")


def due_for_hand_back(reader: User, *, until: datetime.date | None = None) -> QuerySet[Copy]:
    """Incoming copies still here whose 清退 deadline falls before `until` (default: this month's end)."""
    if until is None:
        today = timezone.localdate()
        following = (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        until = following - datetime.timedelta(days=1)
    return copies_visible_to(reader).filter(
        status__in=SHELVED_STATUSES, carrier__direction=Direction.INCOMING, carrier__return_by__lte=until,
    ).order_by("carrier__return_by", "carrier_id", "serial")


def outstanding_for(person: User) -> QuerySet[Copy]:
    """Every copy this person holds or owes: in their custody, out to them, or in their archive.
    For their own page and for departure checks (personnel module)."""
    return (Copy.objects.filter(custodian=person, status__in=HELD_STATUSES)
            .select_related("carrier").order_by("due_at", "carrier_id", "serial"))


def destructions_visible_to(reader: User) -> QuerySet[DestructionList]:
    return (DestructionList.objects.filter(policy.destructions_visible_to(reader))
            .select_related("created_by", "witness_1", "witness_2", "approval").order_by("-created_at", "-id"))


def destruction_for(reader: User, list_id: int) -> DestructionList:
    found = destructions_visible_to(reader).filter(pk=list_id).first()
    if found is None:
        raise _not_found()
    return found


def destruction_copies(dlist: DestructionList) -> QuerySet[Copy]:
    """The copies on a list the reader was allowed to open (pages show their register numbers
    and 份号; titles only where the carrier itself is visible to the reader)."""
    return dlist.copies.select_related("carrier").order_by("carrier_id", "serial")


def notices_for(person: User) -> QuerySet[Notice]:
    """Reminders addressed to this person, and for keepers every reminder about copies they may see."""
    mine = Q(person=person)
    if policy.is_carrier_keeper(person):
        mine |= Q(copy__in=copies_visible_to(person))
    return Notice.objects.filter(mine).select_related("copy__carrier", "person").order_by("-created_at", "-id")


def readers_for(reader: User, carrier: Carrier) -> QuerySet[User]:
    """People a keeper may circulate this carrier to: named in its need-to-know, or members of
    a named unit or a unit below it, cleared for its level."""
    covered: set[int] = set()
    for unit_id in carrier.need_to_know_units.values_list("pk", flat=True):
        covered |= policy._covered_units(unit_id) or set()
    named = Q(pk__in=carrier.need_to_know_people.values("pk")) | Q(unit_id__in=covered)
    cleared = [c for c in range(4) if Clearance(c).may_know(carrier.level_enum)]
    return (User.objects.filter(named, is_active=True, admin_role="", clearance__in=cleared)
            .select_related("unit").order_by("unit__sort_order", "id"))


# ---------------------------------------------------------------- sources, printing, clean-up, 我的待办


def sources_of(reader: User, carrier: Carrier) -> QuerySet[Carrier]:
    """The carriers this one was derived from that the reader may see; the others are neither
    listed nor counted."""
    return (Carrier.objects.filter(policy.carriers_visible_to(reader), derived=carrier)
            .order_by("registered_on", "id"))


def derived_from(reader: User, carrier: Carrier) -> QuerySet[Carrier]:
    """Carriers derived from this one (汇编, 摘抄件) that the reader may see."""
    return (Carrier.objects.filter(policy.carriers_visible_to(reader), sources=carrier)
            .order_by("registered_on", "id"))


def print_jobs_visible_to(reader: User) -> QuerySet[PrintJob]:
    """Print jobs of carriers the reader may see."""
    return (PrintJob.objects.filter(carrier__in=Carrier.objects.filter(policy.carriers_visible_to(reader)))
            .select_related("carrier", "printed_by", "proofreader", "closed_by").order_by("-printed_at", "-id"))


def print_job_for(reader: User, job_id: int) -> PrintJob:
    found = print_jobs_visible_to(reader).filter(pk=job_id).first()
    if found is None:
        raise _not_found()
    return found


def waste_pending(reader: User) -> QuerySet[WasteBatch]:
    """待销毁废页: for the keepers, waste pages of print jobs they may see, not yet destroyed."""
    if not policy.is_carrier_keeper(reader):
        return WasteBatch.objects.none()
    return (WasteBatch.objects.filter(destroyed_at__isnull=True,
                                      print_job__in=print_jobs_visible_to(reader).values("pk"))
            .select_related("print_job__carrier", "recorded_by").order_by("recorded_at", "pk"))


def copies_to_acknowledge(person: User) -> QuerySet[Copy]:
    """Copies out to this person whose latest hand-over they have not signed for yet."""
    from django.db.models import Exists, OuterRef, Subquery

    issue = Movement.objects.filter(copy=OuterRef("pk"), kind__in=ISSUE_KINDS).order_by(
        "-at", "-id").values("pk")[:1]
    signed = Movement.objects.filter(copy=OuterRef("pk"), kind=MovementKind.ACKNOWLEDGE,
                                     pk__gt=OuterRef("issue_id"))
    return (Copy.objects.filter(custodian=person, status__in=OUT_STATUSES)
            .annotate(issue_id=Subquery(issue)).filter(~Exists(signed))
            .select_related("carrier").order_by("due_at", "pk"))


def cleanup_for(reader: User, *, today: datetime.date | None = None) -> dict[str, QuerySet[Copy]]:
    """年度清理 (CARRIER-18): for a keeper, the copies to go through at year end — held by
    individuals, past their 清退 deadline, incoming ones to hand back, made ones to archive,
    and old ones that may be listed for destruction (not already on an open list)."""
    today = today or timezone.localdate()
    if not policy.is_carrier_keeper(reader):
        empty = Copy.objects.none()
        return {"held": empty, "past_return": empty, "hand_back": empty, "archive": empty, "destroy": empty}
    mine = copies_visible_to(reader)
    shelved = mine.filter(status__in=SHELVED_STATUSES)
    incoming = shelved.filter(carrier__direction=Direction.INCOMING)
    open_lists = Q(destruction_lists__status__in=["pending", "approved"])
    year_ago = today - datetime.timedelta(days=365)
    return {
        "held": mine.filter(status__in=OUT_STATUSES).order_by("due_at", "pk"),
        "past_return": incoming.filter(carrier__return_by__lt=today).order_by("carrier__return_by", "pk"),
        "hand_back": incoming.exclude(carrier__return_by__lt=today).order_by("carrier__registered_on", "pk"),
        "archive": mine.filter(status="in_custody").exclude(carrier__direction=Direction.INCOMING)
        .filter(carrier__registered_on__lte=today - datetime.timedelta(days=90))
        .order_by("carrier__registered_on", "pk"),
        "destroy": shelved.filter(carrier__registered_on__lte=year_ago).exclude(
            pk__in=Copy.objects.filter(open_lists).values("pk")).order_by("carrier__registered_on", "pk"),
    }
