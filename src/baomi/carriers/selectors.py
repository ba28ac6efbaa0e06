"""Reads of carriers, copies, ledgers, destruction lists and reminders, filtered in SQL by
what the reader may see (`policy.carriers_visible_to`). A carrier the reader may not see is
absent from every list and count and "not found" in every detail."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import policy
from baomi.accounts.models import User
from baomi.carriers.models import (
    HELD_STATUSES,
    OUT_STATUSES,
    SHELVED_STATUSES,
    Carrier,
    Copy,
    DestructionList,
    Direction,
    Movement,
    Notice,
)
from baomi.classification.models import Decision
from baomi.errors import NotFound
from baomi.levels import Clearance


def _not_found() -> NotFound:
    return NotFound(_("对象不存在"))


def carriers_visible_to(
    reader: User, *, search: str = "", level: int | None = None, direction: str = ""
) -> QuerySet[Carrier]:
    qs = Carrier.objects.filter(policy.carriers_visible_to(reader))
    if search:
        qs = qs.filter(Q(register_no__icontains=search) | Q(doc_number__icontains=search)
                       | Q(title__icontains=search))
    if level is not None:
        qs = qs.filter(level=level)
    if direction:
        qs = qs.filter(direction=direction)
    return qs.select_related("unit", "created_by").annotate(copy_count=Count("copies")).order_by(
        "-registered_on", "-id")


def carrier_for(reader: User, carrier_id: int) -> Carrier:
    """One carrier, or NotFound: the same answer for "absent" and "not yours to see"."""
    found = (Carrier.objects.filter(policy.carriers_visible_to(reader), pk=carrier_id)
             .select_related("unit", "created_by").prefetch_related("need_to_know_people", "need_to_know_units")
             .first())
    if found is None:
        raise _not_found()
    return found


def decision_of(reader: User, carrier: Carrier) -> Decision | None:
    """The 定密 decision linked to this carrier (CLASS-02), or None when there is none or the
    reader may not see it. The caller has already checked the reader may see the carrier."""
    return (Decision.objects.filter(policy.decisions_visible_to(reader), carrier_type="carrier",
                                    carrier_id=str(carrier.pk)).order_by("pk").first())


def copies_visible_to(reader: User) -> QuerySet[Copy]:
    return (Copy.objects.filter(policy.copies_visible_to(reader))
            .select_related("carrier", "custodian", "custodian__unit").order_by("carrier_id", "serial"))


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
    qs = copies_visible_to(reader).filter(status__in=OUT_STATUSES, due_at__lt=now or timezone.now())
    if not policy.is_carrier_keeper(reader):
        qs = qs.filter(custodian=reader)
    return qs.order_by("due_at", "pk")


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
