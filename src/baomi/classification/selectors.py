"""Reads of the classification registers, filtered in SQL by what the reader may see.

A decision the reader may not see is absent: from lists, from counts and from lookups
(NotFound, the same answer as for an id that does not exist).
"""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from baomi import policy
from baomi.accounts.models import User
from baomi.classification.models import (
    Authority,
    Change,
    Decision,
    DecisionStatus,
    Guide,
    GuideEntry,
    Notice,
    NoticeKind,
    Review,
    WorkSecretReference,
)
from baomi.errors import NotFound


def _not_found() -> NotFound:
    return NotFound(_("对象不存在"))


# ---------------------------------------------------------------- decisions


def decisions_visible_to(
    reader: User, *, status: str = "", level: int | None = None, secret_type: str = "", search: str = "",
) -> QuerySet[Decision]:
    qs = Decision.objects.filter(policy.decisions_visible_to(reader))
    if status:
        qs = qs.filter(status=status)
    if level is not None:
        qs = qs.filter(level=level)
    if secret_type:
        qs = qs.filter(secret_type=secret_type)
    if search:
        qs = qs.filter(title__icontains=search)
    return qs.select_related("unit", "guide_entry", "work_reference", "proposer", "authority__person",
                             "decided_by").order_by("-decided_on", "-id")


def decision_for(reader: User, decision_id: int) -> Decision:
    found = decisions_visible_to(reader).filter(pk=decision_id).prefetch_related(
        "need_to_know__person", "need_to_know__unit", "sources").first()
    if found is None:
        raise _not_found()
    return found


def carrier_of(reader: User, decision: Decision) -> Any:
    """The carrier linked to this decision (CLASS-02), or None when there is none or the
    reader may not see it. The caller has already checked the reader may see the decision."""
    if decision.carrier_type != "carrier" or not decision.carrier_id.isdigit():
        return None
    from baomi.carriers.models import Carrier

    return Carrier.objects.filter(policy.carriers_visible_to(reader), pk=int(decision.carrier_id)).first()


def decisions_by_id(reader: User, ids: list[int]) -> list[Decision]:
    """Visible decisions among `ids`; NotFound if any is absent or hidden."""
    found = list(decisions_visible_to(reader).filter(pk__in=set(ids)))
    if len(found) != len(set(ids)):
        raise _not_found()
    return found


def proposals_for(reader: User) -> QuerySet[Decision]:
    """Proposals waiting for this 定密责任人's confirmation."""
    return decisions_visible_to(reader, status=DecisionStatus.PROPOSED).filter(authority__person=reader)


def decisions_citing(reader: User, entry: GuideEntry) -> QuerySet[Decision]:
    """Decisions in force that cite this entry's code (any version): what an edit would affect.
    Only those the reader may see are listed or counted."""
    return decisions_visible_to(reader, status=DecisionStatus.IN_FORCE).filter(guide_entry__code=entry.code)


def changes_of(reader: User, decision: Decision) -> QuerySet[Change]:
    decision_for(reader, decision.pk)
    return Change.objects.filter(decision=decision).select_related("requested_by", "approval")


def need_to_know_of(decision: Decision) -> dict[str, list[Any]]:
    people, units, roles = [], [], []
    for entry in decision.need_to_know.all():
        if entry.person_id:
            people.append(entry.person)
        elif entry.unit_id:
            units.append(entry.unit)
        else:
            roles.append(entry.role)
    return {"people": people, "units": units, "roles": roles}


# ---------------------------------------------------------------- notices


def notices_for(reader: User, *, outstanding: bool = False) -> QuerySet[Notice]:
    qs = Notice.objects.filter(person=reader).select_related("decision")
    if outstanding:
        qs = qs.filter(acknowledged_at__isnull=True)
    return qs.order_by("acknowledged_at", "-created_at", "-id")


def notice_for(reader: User, notice_id: int) -> Notice:
    found = notices_for(reader).filter(pk=notice_id).first()
    if found is None:
        raise _not_found()
    return found


_ACKNOWLEDGED_KINDS = [NoticeKind.CHANGE, NoticeKind.LIFT, NoticeKind.EXPIRE]


def outstanding_acknowledgements(reader: User, decision: Decision | None = None) -> QuerySet[Notice]:
    """Change notices not yet acknowledged, on decisions the reader may see."""
    visible = Decision.objects.filter(policy.decisions_visible_to(reader)).values("pk")
    qs = Notice.objects.filter(decision__in=visible, kind__in=_ACKNOWLEDGED_KINDS, acknowledged_at__isnull=True)
    if decision is not None:
        qs = qs.filter(decision=decision)
    return qs.select_related("person", "decision").order_by("decision_id", "person_id")


# ---------------------------------------------------------------- review and reports


def review_queue(reader: User, year: int) -> QuerySet[Decision]:
    """This year's review queue: decisions in force, decided before the year, in the reader's
    authority, not yet reviewed this year."""
    reviewed = Review.objects.filter(decision=OuterRef("pk"), year=year)
    return (
        decisions_visible_to(reader, status=DecisionStatus.IN_FORCE)
        .filter(policy.decisions_in_authority_scope(reader), decided_on__lt=datetime.date(year, 1, 1))
        .exclude(Exists(reviewed))
        .order_by("authority__person_id", "expires_on", "id")
    )


def due_for_review(reader: User, today: datetime.date, days: int = 30) -> QuerySet[Decision]:
    """Visible decisions in force whose period ends within `days`, or whose provisional
    report is still outstanding."""
    return decisions_visible_to(reader, status=DecisionStatus.IN_FORCE).filter(
        Q(expires_on__lte=today + datetime.timedelta(days=days))
        | Q(provisional=True, reported_on__isnull=True)
    ).order_by("expires_on", "report_deadline")


def counts(reader: User) -> dict[str, list[tuple[str, int]]]:
    """Counts by level, status and authority, over what the reader may see only."""
    qs = decisions_visible_to(reader).exclude(status__in=[DecisionStatus.PROPOSED, DecisionStatus.REJECTED])
    by_level = Counter(dict(qs.order_by().values_list("level").annotate(n=Count("id"))))
    by_status = Counter(dict(qs.order_by().values_list("status").annotate(n=Count("id"))))
    by_authority = (qs.order_by().values_list("authority__person__full_name").annotate(n=Count("id"))
                    .order_by("-n"))
    from baomi.classification.models import LEVEL_CHOICES
    from baomi.classification.models import DecisionStatus as S

    return {
        "level": [(str(label), by_level[value]) for value, label in LEVEL_CHOICES if by_level[value]],
        "status": [(str(label), by_status[value]) for value, label in S.choices if by_status[value]],
        "authority": [(name or _("派生定密"), n) for name, n in by_authority],
    }


def state_secret_list(reader: User) -> QuerySet[Decision]:
    """国家秘密事项一览表: the state secrets in force that the reader may see."""
    return decisions_visible_to(reader, status=DecisionStatus.IN_FORCE, secret_type="state").prefetch_related(
        "need_to_know__person", "need_to_know__unit").order_by("decided_on", "id")


# ---------------------------------------------------------------- authorities, guide, references


def authorities_visible_to(reader: User, *, include_revoked: bool = True) -> QuerySet[Authority]:
    """Who the 定密责任人 are is not secret: every business user and the security administrator
    (who records designations) see the list."""
    if not (policy.reads_classification_registers(reader) or policy.may(reader, policy.Perm.DESIGNATE_AUTHORITY)):
        return Authority.objects.none()
    qs = Authority.objects.select_related("person", "unit", "designated_by")
    if not include_revoked:
        qs = qs.filter(revoked_at__isnull=True)
    return qs


def authority_for(reader: User, authority_id: int) -> Authority:
    found = authorities_visible_to(reader).filter(pk=authority_id).first()
    if found is None:
        raise _not_found()
    return found


def guides_visible_to(reader: User) -> QuerySet[Guide]:
    if not policy.reads_classification_registers(reader):
        return Guide.objects.none()
    return Guide.objects.all()


def current_guide(reader: User) -> Guide | None:
    return guides_visible_to(reader).filter(is_current=True).first()


def guide_for(reader: User, guide_id: int) -> Guide:
    found = guides_visible_to(reader).filter(pk=guide_id).first()
    if found is None:
        raise _not_found()
    return found


def guide_entries_visible_to(reader: User, *, guide: Guide | None = None, search: str = "") -> QuerySet[GuideEntry]:
    if not policy.reads_classification_registers(reader):
        return GuideEntry.objects.none()
    qs = GuideEntry.objects.select_related("guide", "parent")
    qs = qs.filter(guide=guide) if guide is not None else qs.filter(guide__is_current=True)
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(keywords__icontains=search) | Q(code__startswith=search))
    return qs.order_by("sort_order", "id")


def guide_entry_for(reader: User, entry_id: int) -> GuideEntry:
    found = (GuideEntry.objects.filter(pk=entry_id, guide__in=guides_visible_to(reader))
             .select_related("guide", "parent").first())
    if found is None:
        raise _not_found()
    return found


def references_visible_to(reader: User, *, active_only: bool = False) -> QuerySet[WorkSecretReference]:
    if not policy.reads_classification_registers(reader):
        return WorkSecretReference.objects.none()
    qs = WorkSecretReference.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def reference_for(reader: User, reference_id: int) -> WorkSecretReference:
    found = references_visible_to(reader).filter(pk=reference_id).first()
    if found is None:
        raise _not_found()
    return found


def people_for_need_to_know(reader: User) -> QuerySet[User]:
    """People a classifier may name in a need-to-know (never the three administrators)."""
    if not policy.reads_classification_registers(reader):
        return User.objects.none()
    return User.objects.filter(is_active=True, admin_role="").select_related("unit").order_by("unit__sort_order", "id")
