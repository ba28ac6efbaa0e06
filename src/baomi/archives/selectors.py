"""Reads of the archive, filtered in SQL by what the reader may see
(`policy.archive_entries_visible_to`). Hidden entries are absent from lists and "not found"
in details; 人事档案 only for their custodian (ARCH-08)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import inbox, policy
from baomi.accounts.models import User
from baomi.archives.models import (
    AccessItem,
    AccessRequest,
    AccessStatus,
    Custodian,
    Entry,
    Excerpt,
    ExcerptStatus,
    Loan,
    LoanStatus,
    Part,
    Session,
)
from baomi.carriers.models import CopyStatus
from baomi.errors import NotFound


def _not_found() -> NotFound:
    return NotFound(_("对象不存在"))


def entries_visible_to(reader: User, *, search: str = "") -> QuerySet[Entry]:
    qs = Entry.objects.filter(policy.archive_entries_visible_to(reader))
    if search:
        qs = qs.filter(Q(file_no__icontains=search) | Q(carrier__register_no__icontains=search)
                       | Q(carrier__title__icontains=search))
    return qs.select_related("carrier", "keeper").order_by("file_no")


def entry_for(reader: User, entry_id: int) -> Entry:
    found = entries_visible_to(reader).filter(pk=entry_id).first()
    if found is None:
        raise _not_found()
    return found


def parts_of(entry: Entry) -> QuerySet[Part]:
    return entry.parts.order_by("seq")


def part_for(reader: User, part_id: int) -> Part:
    found = (Part.objects.filter(entry__in=entries_visible_to(reader), pk=part_id)
             .select_related("entry__carrier").first())
    if found is None:
        raise _not_found()
    return found


def archivable_carriers(reader: User) -> QuerySet:  # type: ignore[type-arg]
    """Carriers with an archived copy, not yet catalogued, that the reader keeps."""
    from baomi.carriers.models import Carrier

    return (Carrier.objects.filter(policy.carriers_visible_to(reader), copies__status=CopyStatus.ARCHIVED,
                                   archive_entry__isnull=True).distinct().order_by("-registered_on", "-id"))


def _hidden_requests(reader: User) -> QuerySet[AccessItem]:
    hidden = Entry.objects.exclude(policy.archive_entries_visible_to(reader))
    return AccessItem.objects.filter(part__entry__in=hidden)


def requests_visible_to(reader: User) -> QuerySet[AccessRequest]:
    """查档申请: one's own (as requester or added reader); for keepers and custodians every
    request all of whose files they may see."""
    if not reader.is_active or reader.admin_role:
        return AccessRequest.objects.none()
    own = Q(requester=reader) | Q(readers=reader)
    if policy.is_carrier_keeper(reader) or policy.is_archive_custodian(reader):
        own |= ~Q(pk__in=_hidden_requests(reader).values("request_id"))
    ids = AccessRequest.objects.filter(own).values("pk")
    return (AccessRequest.objects.filter(pk__in=ids).select_related("requester", "approval")
            .order_by("-created_at", "-id"))


def request_for(reader: User, request_id: int) -> AccessRequest:
    found = requests_visible_to(reader).filter(pk=request_id).first()
    if found is None:
        raise _not_found()
    return found


def items_of(access: AccessRequest, *, approved_only: bool = False) -> QuerySet[AccessItem]:
    qs = access.items.select_related("part__entry__carrier").order_by("part__entry_id", "part__seq")
    return qs.filter(approved=True) if approved_only else qs


def session_of(access: AccessRequest) -> Session | None:
    return Session.objects.filter(request=access).select_related("opened_by", "closed_by").first()


def excerpts_of(session: Session) -> QuerySet[Excerpt]:
    return session.excerpts.select_related("item__part__entry", "recorded_by", "reviewed_by").order_by("pk")


def excerpt_for(reader: User, excerpt_id: int) -> Excerpt:
    found = (Excerpt.objects.filter(session__request__in=requests_visible_to(reader), pk=excerpt_id)
             .select_related("session__request").first())
    if found is None:
        raise _not_found()
    return found


def loans_visible_to(reader: User) -> QuerySet[Loan]:
    """Loans: the borrower's own; keepers every loan of copies they may see."""
    if not reader.is_active or reader.admin_role:
        return Loan.objects.none()
    mine = Q(borrower=reader)
    if policy.is_carrier_keeper(reader):
        from baomi.carriers.models import Copy

        mine |= Q(copy__in=Copy.objects.filter(policy.copies_visible_to(reader)))
    return Loan.objects.filter(mine).select_related("copy__carrier", "borrower", "approval").order_by(
        "-created_at", "-id")


def loan_for(reader: User, loan_id: int) -> Loan:
    found = loans_visible_to(reader).filter(pk=loan_id).first()
    if found is None:
        raise _not_found()
    return found


def custodians() -> QuerySet[Custodian]:
    """The active 人事档案专人 designations (names only: who keeps personnel files)."""
    return Custodian.objects.filter(revoked_at__isnull=True).select_related("person__unit").order_by("pk")


def overdue_loans(reader: User) -> QuerySet[Loan]:
    """Loans out past their due day, or already reminded as overdue by the daily job."""
    return loans_visible_to(reader).filter(Q(due_on__lt=timezone.localdate()) | Q(reminded_at__isnull=False),
                                           status=LoanStatus.OUT)


# ---------------------------------------------------------------- 我的待办 providers


def inbox_keeper(person: User) -> Iterable[inbox.Item]:
    """For keepers and custodians: approved readings to open, readings to close, excerpts to
    review, loans overdue."""
    if not (policy.is_carrier_keeper(person) or policy.is_archive_custodian(person)):
        return []
    items: list[inbox.Item] = []
    visible = requests_visible_to(person).exclude(requester=person, outside=False)
    for access in visible.filter(status=AccessStatus.APPROVED)[:50]:
        items.append(inbox.Item(kind=_("查档"), title=_("%(no)s 已批准，待在档案室开启查阅") % {"no": access.number},
                                url=reverse("archives:request", args=[access.pk])))
    for access in visible.filter(status=AccessStatus.READING)[:50]:
        items.append(inbox.Item(kind=_("查档"), title=_("%(no)s 查阅中，结束后收回案卷") % {"no": access.number},
                                url=reverse("archives:request", args=[access.pk])))
    pending = Excerpt.objects.filter(session__request__in=visible, status=ExcerptStatus.PENDING)
    for excerpt in pending.select_related("session__request")[:50]:
        items.append(inbox.Item(kind=_("摘抄审核"), title=_("%(no)s 摘抄待审核盖章") % {
            "no": excerpt.session.request.number}, url=reverse("archives:request", args=[excerpt.session.request_id])))
    if policy.is_carrier_keeper(person):
        for loan in overdue_loans(person).exclude(borrower=person)[:50]:
            items.append(inbox.Item(kind=_("案卷外借"), title=_("%(copy)s 外借逾期未还") % {"copy": loan.copy.label},
                                    url=reverse("archives:index"), due=loan.due_on))
    return items


def inbox_keeper_gate(person: User) -> bool | list[QuerySet[Custodian]]:
    """inbox_keeper is for keepers (from their roles) and designated custodians."""
    return policy.is_carrier_keeper(person) or [Custodian.objects.filter(person=person, revoked_at__isnull=True)]


def inbox_mine_gate(person: User) -> list[QuerySet[Loan]]:
    return [Loan.objects.filter(borrower=person, status=LoanStatus.OUT)]


def inbox_mine(person: User) -> Iterable[inbox.Item]:
    """For borrowers: their archive loans out, with the due date."""
    return [inbox.Item(kind=_("归还"), title=_("外借案卷 %(copy)s 应归还档案室") % {"copy": loan.copy.label},
                       url=reverse("archives:index"), due=loan.due_on)
            for loan in Loan.objects.filter(borrower=person, status=LoanStatus.OUT).select_related("copy__carrier")]
