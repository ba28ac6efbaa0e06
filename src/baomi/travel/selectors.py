"""What each person may see of trips, travel documents and 重大事项报告, filtered in SQL by the
conditions in `baomi.policy`; hidden things are "not found"."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import inbox, policy
from baomi.accounts.models import User
from baomi.errors import NotFound
from baomi.travel.models import (
    CarrierApproval,
    DocumentIssue,
    DocumentStatus,
    MajorReport,
    Reminder,
    ReportStatus,
    TravelDocument,
    Trip,
    TripStatus,
)


def trips_visible_to(reader: User, *, person: User | None = None) -> QuerySet[Trip]:
    qs = Trip.objects.filter(policy.trips_visible_to(reader)).select_related("traveller", "traveller__unit")
    return qs.filter(traveller=person) if person is not None else qs


def trip_for(reader: User, pk: int) -> Trip:
    trip = trips_visible_to(reader).filter(pk=pk).first()
    if trip is None:
        raise NotFound(_("对象不存在"))
    return trip


def documents_visible_to(reader: User, *, person: User | None = None) -> QuerySet[TravelDocument]:
    qs = TravelDocument.objects.filter(policy.travel_documents_visible_to(reader)).select_related("holder")
    return qs.filter(holder=person) if person is not None else qs


def document_for(reader: User, pk: int) -> TravelDocument:
    document = documents_visible_to(reader).filter(pk=pk).first()
    if document is None:
        raise NotFound(_("对象不存在"))
    return document


def open_issue(document: TravelDocument) -> DocumentIssue | None:
    return document.issues.filter(returned_at__isnull=True).select_related("trip").first()


def overdue_issues(reader: User, on: datetime.date | None = None) -> QuerySet[DocumentIssue]:
    """Documents out past their due-back day, among the documents the reader may see."""
    day = on or timezone.localdate()
    return (DocumentIssue.objects.filter(returned_at__isnull=True, due_back_on__lt=day,
                                         document__in=documents_visible_to(reader))
            .select_related("document", "document__holder", "trip").order_by("due_back_on"))


def outstanding_issues(reader: User) -> QuerySet[DocumentIssue]:
    return (DocumentIssue.objects.filter(returned_at__isnull=True, document__in=documents_visible_to(reader))
            .select_related("document", "document__holder", "trip").order_by("due_back_on"))


def overdue_reports(reader: User, on: datetime.date | None = None) -> QuerySet[Trip]:
    """Approved trips whose 回国报告 is past due."""
    day = on or timezone.localdate()
    return trips_visible_to(reader).filter(status=TripStatus.APPROVED, report_due_on__lt=day)


def expiring_documents(reader: User, on: datetime.date | None = None, days: int = 180) -> QuerySet[TravelDocument]:
    day = on or timezone.localdate()
    return documents_visible_to(reader).exclude(status=DocumentStatus.WITHDRAWN).filter(
        expires_on__lte=day + datetime.timedelta(days=days)).order_by("expires_on")


def issuable_trips(document: TravelDocument, on: datetime.date | None = None) -> QuerySet[Trip]:
    """The holder's approved, current trips (the custodian picks one when issuing)."""
    day = on or timezone.localdate()
    return Trip.objects.filter(traveller_id=document.holder_id, status=TripStatus.APPROVED, return_on__gte=day)


def reports_visible_to(reader: User, *, person: User | None = None) -> QuerySet[MajorReport]:
    qs = MajorReport.objects.filter(policy.major_reports_visible_to(reader)).select_related("reporter")
    return qs.filter(reporter=person) if person is not None else qs


def report_for(reader: User, pk: int) -> MajorReport:
    report = reports_visible_to(reader).filter(pk=pk).first()
    if report is None:
        raise NotFound(_("对象不存在"))
    return report


def reminders_for(person: User) -> QuerySet[Reminder]:
    return Reminder.objects.filter(person=person)


def people_for_custody(reader: User) -> QuerySet[User]:
    """Whose documents a custodian may register: active business people."""
    if not policy.is_travel_office(reader):
        return User.objects.none()
    return User.objects.filter(is_active=True, admin_role="").order_by("unit__sort_order", "username")


# ---------------------------------------------------------------- 我的待办


def inbox_items(person: User) -> Iterable[inbox.Item]:
    """Briefings to confirm, documents to return, reports due; for the secrecy office the
    documents to issue and the 重大事项报告 to follow up."""
    items: list[inbox.Item] = []
    if not policy.uses_travel(person) and not Trip.objects.filter(traveller=person).exists():
        return items
    day = timezone.localdate()
    own = Trip.objects.filter(traveller=person, status=TripStatus.APPROVED)
    for trip in own.filter(briefed_at__isnull=True, return_on__gte=day):
        items.append(inbox.Item(_("确认"), _("确认行前保密教育：出国境 #%(n)s") % {"n": trip.pk},
                                reverse("travel:trip", args=[trip.pk]), due=trip.depart_on))
    for trip in own.filter(depart_on__lte=day):
        items.append(inbox.Item(_("报告"), _("提交回国报告：出国境 #%(n)s") % {"n": trip.pk},
                                reverse("travel:trip", args=[trip.pk]), due=trip.report_due_on))
    for issue in DocumentIssue.objects.filter(returned_at__isnull=True, document__holder=person).select_related(
            "document"):
        items.append(inbox.Item(_("归还"), _("交回%(kind)s %(no)s") % {
            "kind": issue.document.get_kind_display(), "no": issue.document.masked_number},
            reverse("travel:index"), due=issue.due_back_on))
    if policy.is_travel_office(person):
        ready = (Trip.objects.filter(status=TripStatus.APPROVED, briefed_at__isnull=False, return_on__gte=day,
                                     document_issues__isnull=True)
                 .exclude(carrier_status=CarrierApproval.PENDING).exclude(traveller=person))
        for trip in ready.select_related("traveller"):
            items.append(inbox.Item(_("证件"), _("为 %(name)s 发放出入境证件：出国境 #%(n)s") % {
                "name": trip.traveller.full_name or trip.traveller.username, "n": trip.pk},
                reverse("travel:trip", args=[trip.pk]), due=trip.depart_on))
        for report in MajorReport.objects.filter(status=ReportStatus.OPEN).exclude(reporter=person):
            items.append(inbox.Item(_("跟进"), _("跟进重大事项报告 #%(n)s") % {"n": report.pk},
                                    reverse("travel:report", args=[report.pk]), due=report.follow_up_due_on))
    return items


def inbox_gate(person: User) -> bool | list[QuerySet[Any]]:
    """inbox_items: the secrecy office from its role; anyone else an approved trip or a
    document out to them."""
    if policy.is_travel_office(person):
        return True
    return [Trip.objects.filter(traveller=person, status=TripStatus.APPROVED),
            DocumentIssue.objects.filter(returned_at__isnull=True, document__holder=person)]


# ---------------------------------------------------------------- the person page


def profile_section(viewer: User, person: User) -> dict[str, Any] | None:
    """The 出国境与重大事项 section of the personnel person page; None when the viewer may not
    see it (only the person and the secrecy office)."""
    if not policy.may_see_travel_profile(viewer, person):
        return None
    day = timezone.localdate()
    documents = list(documents_visible_to(viewer, person=person).exclude(status=DocumentStatus.WITHDRAWN))
    full = policy.shows_full_document_number(viewer)
    rows: list[tuple[str, str]] = []
    overdue: list[str] = []
    for doc in documents:
        number = doc.number if full else doc.masked_number
        state = doc.get_status_display()
        issue = open_issue(doc) if doc.status == DocumentStatus.OUT else None
        if issue is not None:
            state += _("，应于 %(d)s 交回") % {"d": issue.due_back_on.isoformat()}
            if issue.due_back_on < day:
                overdue.append(_("%(kind)s 逾期未交回（应于 %(d)s）") % {
                    "kind": doc.get_kind_display(), "d": issue.due_back_on.isoformat()})
        rows.append((f"{doc.get_kind_display()} {number}",
                     _("%(state)s；有效期至 %(d)s") % {"state": state, "d": doc.expires_on.isoformat()}))
    if not documents:
        rows.append((_("出入境证件"), _("未登记集中保管")))
    trips = trips_visible_to(viewer, person=person)
    current = trips.filter(status__in=[TripStatus.PENDING, TripStatus.APPROVED]).order_by("depart_on").first()
    last = trips.filter(status=TripStatus.REPORTED).order_by("-return_on").first()
    if current is not None:
        rows.append((_("出国境申请"), f"{current.label} {current.get_status_display()}"))
    if last is not None:
        rows.append((_("最近一次出国境"), f"{last.label}{_('（回国报告逾期提交）') if last.report_late else ''}"))
    for trip in overdue_reports(viewer).filter(traveller=person):
        overdue.append(_("出国境 #%(n)s 回国报告逾期（应于 %(d)s）") % {
            "n": trip.pk, "d": trip.report_due_on.isoformat() if trip.report_due_on else ""})
    reports = reports_visible_to(viewer, person=person)
    rows.append((_("重大事项报告"), _("共 %(all)s 件，跟进中 %(open)s 件") % {
        "all": reports.count(), "open": reports.filter(status=ReportStatus.OPEN).count()}))
    for report in reports.filter(status=ReportStatus.OPEN, follow_up_due_on__lt=day):
        overdue.append(_("重大事项报告 #%(n)s 跟进逾期") % {"n": report.pk})
    url = reverse("travel:person", args=[person.pk]) if viewer.pk != person.pk else reverse("travel:index")
    return {"title": _("出国境与重大事项"), "rows": rows, "overdue": overdue, "url": url}


def office_overview(reader: User) -> dict[str, Any]:
    """The secrecy office's lists (empty for others: the querysets filter by policy)."""
    day = timezone.localdate()
    return {
        "pending": trips_visible_to(reader).filter(status=TripStatus.PENDING),
        "current": trips_visible_to(reader).filter(status=TripStatus.APPROVED).order_by("depart_on"),
        "overdue_documents": overdue_issues(reader, day),
        "outstanding": outstanding_issues(reader),
        "overdue_reports": overdue_reports(reader, day),
        "open_reports": reports_visible_to(reader).filter(status=ReportStatus.OPEN),
        "expiring": expiring_documents(reader, day),
    }


def search_people(reader: User, q: str) -> QuerySet[User]:
    return people_for_custody(reader).filter(Q(username__icontains=q) | Q(full_name__icontains=q))[:20]
